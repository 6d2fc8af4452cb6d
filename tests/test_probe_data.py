"""Data rules (RL301-RL303) on the shapes real training scripts take: what reaches a Keras model's first
affine layer through the layers in front of it, and sklearn / Keras datasets with known feature ranges.

Each case is a whole file; `# expect: RLxxx` marks every line that must be flagged, and a case with no
marker must stay silent. A layer in front of the first affine one that the interpreter cannot follow (a
Lambda, preprocess_input, an Embedding lookup, a custom or hub layer) makes what reaches that layer
unknown: no finding.
"""

from __future__ import annotations

import pytest

from relulint.testing import assert_markers

# One albumentations Dataset, its augmentation pipeline (STEPS) varied; MARK: the expected finding, if any
_CELLS = """
        import albumentations as A
        import cv2
        import torch.nn as nn
        from albumentations.pytorch import ToTensorV2
        from torch.utils.data import DataLoader, Dataset

        class Cells(Dataset):
            def __init__(self, paths, labels, transform=None):
                self.paths, self.labels, self.transform = paths, labels, transform

            def __len__(self):
                return len(self.paths)

            def __getitem__(self, i):
                image = cv2.imread(self.paths[i])MARK
                image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
                if self.transform:
                    image = self.transform(image=image)["image"]
                return image.float(), self.labels[i]

        aug = A.Compose([STEPS])
        loader = DataLoader(Cells(["c0.png"], [0], transform=aug), batch_size=8)
        net = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 4))
        for xb, yb in loader:
            nn.functional.cross_entropy(net(xb), yb).backward()
"""


def _cells(steps: str, mark: str = "") -> str:
    return _CELLS.replace("STEPS", steps).replace("MARK", mark)


FIRE = {
    "raw cv2 frames into a Conv2D after a Cropping2D": """
        import cv2
        import numpy as np
        from keras.layers import Conv2D, Cropping2D, Dense, Flatten
        from keras.models import Sequential

        frames = np.array([cv2.imread(p) for p in ["f0.jpg", "f1.jpg"]])  # expect: RL301
        steer = np.array([0.1, -0.2])
        model = Sequential()
        model.add(Cropping2D(cropping=((60, 20), (0, 0)), input_shape=(160, 320, 3)))
        model.add(Conv2D(24, (5, 5), strides=(2, 2), activation="relu"))
        model.add(Flatten())
        model.add(Dense(1))
        model.compile(loss="mse", optimizer="adam")
        model.fit(frames, steer, epochs=3)
    """,
    "raw csv prices through a Bidirectional LSTM": """
        import numpy as np
        import pandas as pd
        from tensorflow import keras

        quotes = pd.read_csv("quotes.csv")
        close = quotes["close"].values  # expect: RL301
        windows = np.stack([close[i:i + 20] for i in range(len(close) - 20)])[..., None]
        nxt = close[20:]
        net = keras.Sequential([keras.layers.Bidirectional(keras.layers.LSTM(16)), keras.layers.Dense(1)])
        net.compile("adam", "mse")
        net.fit(windows, nxt)
    """,
    "raw csv rows through a GRU, keyword fit": """
        import numpy as np
        from tensorflow.keras import Sequential
        from tensorflow.keras.layers import GRU, Dense

        seq = np.loadtxt("readings.txt")  # expect: RL301
        model = Sequential([GRU(8, input_shape=(None, 1)), Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x=seq[:, :-1, None], y=seq[:, -1], batch_size=16)
    """,
    "raw images through augmentation layers into a Conv2D": """
        import tensorflow as tf
        from tensorflow.keras import layers

        train = tf.keras.utils.image_dataset_from_directory("crops", image_size=(96, 96))  # expect: RL301
        model = tf.keras.Sequential([
            layers.RandomFlip("horizontal"),
            layers.RandomZoom(0.1),
            layers.Resizing(64, 64),
            layers.Conv2D(8, 3, activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(3),
        ])
        model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(train, epochs=2)
    """,
    "raw mnist after an InputLayer": """
        from tensorflow import keras

        (digits, labels), _ = keras.datasets.mnist.load_data()  # expect: RL301
        clf = keras.Sequential([keras.layers.InputLayer(input_shape=(28, 28)), keras.layers.Flatten(),
                                keras.layers.Dense(10, activation="softmax")])
        clf.compile("adam", "sparse_categorical_crossentropy")
        clf.fit(digits, labels)
    """,
    "a custom layer that does not scale": """
        from tensorflow import keras

        class Passthrough(keras.layers.Layer):
            def call(self, x):
                return x

        (digits, labels), _ = keras.datasets.mnist.load_data()  # expect: RL301
        clf = keras.Sequential([Passthrough(), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
        clf.compile("adam", "sparse_categorical_crossentropy")
        clf.fit(digits, labels)
    """,
    "california housing features, return_X_y, split": """
        from sklearn.datasets import fetch_california_housing
        from sklearn.model_selection import train_test_split
        from tensorflow import keras

        X, y = fetch_california_housing(return_X_y=True)  # expect: RL301
        X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, random_state=7)
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=30)
    """,
    "california housing Bunch attributes into a torch MLP": """
        import torch
        import torch.nn as nn
        from sklearn.datasets import fetch_california_housing
        from sklearn.model_selection import train_test_split

        housing = fetch_california_housing()  # expect: RL301
        X_train, X_test, y_train, y_test = train_test_split(housing.data, housing.target, test_size=0.2)
        net = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1))
        xb = torch.tensor(X_train, dtype=torch.float32)
        loss = nn.MSELoss()(net(xb), torch.tensor(y_train, dtype=torch.float32).unsqueeze(1))
        loss.backward()
    """,
    "california housing frame: range unknown, targets not judged": """
        from sklearn.datasets import fetch_california_housing
        from tensorflow import keras

        df = fetch_california_housing(as_frame=True).frame
        X = df.drop(columns=["MedHouseVal"]).values  # expect: RL301
        y = df["MedHouseVal"].values
        m = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
        m.compile("adam", "mse")
        m.fit(X, y)
    """,
    "breast cancer features, module-qualified loader": """
        import torch
        import torch.nn as nn
        from sklearn import datasets

        bunch = datasets.load_breast_cancer()  # expect: RL301
        X = torch.from_numpy(bunch.data).float()
        y = torch.from_numpy(bunch.target).float()
        clf = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1))
        nn.BCEWithLogitsLoss()(clf(X).squeeze(1), y).backward()
    """,
    "diabetes with scaled=False": """
        import torch
        import torch.nn as nn
        from sklearn.datasets import load_diabetes

        X, y = load_diabetes(return_X_y=True, scaled=False)  # expect: RL301
        X = torch.tensor(X, dtype=torch.float32)
        y = torch.tensor(y, dtype=torch.float32).view(-1, 1) / 100.0
        net = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
        nn.functional.mse_loss(net(X), y).backward()
    """,
    "keras boston housing fed raw": """
        from tensorflow import keras
        from tensorflow.keras import layers

        (train_x, train_y), (test_x, test_y) = keras.datasets.boston_housing.load_data()  # expect: RL301

        def build():
            m = keras.Sequential([layers.Dense(64, activation="relu", input_shape=(13,)), layers.Dense(1)])
            m.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
            return m

        model = build()
        model.fit(train_x, train_y, epochs=80, batch_size=16, verbose=0)
    """,
    "keras boston housing centred but not scaled": """
        from tensorflow import keras

        (xtr, ytr), (xte, yte) = keras.datasets.boston_housing.load_data()  # expect: RL301
        xtr = xtr - xtr.mean(axis=0)
        m = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
        m.compile("adam", "mse")
        m.fit(xtr, ytr)
    """,
    "cifar resized with tf.image.resize, never scaled": """
        import tensorflow as tf

        (x, y), _ = tf.keras.datasets.cifar10.load_data()  # expect: RL301
        x = tf.image.resize(x, (64, 64))
        m = tf.keras.Sequential([tf.keras.layers.Conv2D(8, 3, activation="relu"), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(10)])
        m.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        m.fit(x, y)
    """,
    "cifar resized in a tf.data map, never scaled": """
        import tensorflow as tf

        (x, y), _ = tf.keras.datasets.cifar10.load_data()  # expect: RL301
        ds = tf.data.Dataset.from_tensor_slices((x, y)).map(lambda img, lab: (tf.image.resize(img, (64, 64)), lab))
        m = tf.keras.Sequential([tf.keras.layers.Conv2D(8, 3, activation="relu"), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(10)])
        m.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        m.fit(ds.batch(32))
    """,
    "csv columns only imputed": """
        import pandas as pd
        import torch
        import torch.nn as nn
        from sklearn.impute import SimpleImputer

        df = pd.read_csv("plants.csv")
        X = SimpleImputer(strategy="median").fit_transform(df.drop(columns="yield_t").to_numpy())  # expect: RL301
        net = nn.Sequential(nn.Linear(X.shape[1], 8), nn.ReLU(), nn.Linear(8, 1))
        target = torch.tensor(df["yield_t"].to_numpy(), dtype=torch.float32)
        nn.MSELoss()(net(torch.tensor(X, dtype=torch.float32)), target).backward()
    """,
    "csv columns imputed by a fitted imputer, keras": """
        import numpy as np
        from sklearn.impute import KNNImputer
        from tensorflow import keras

        rows = np.genfromtxt("survey.csv", delimiter=",", skip_header=1)  # expect: RL301
        imp = KNNImputer(n_neighbors=3)
        imp.fit(rows[:, :-1])
        X = imp.transform(rows[:, :-1])
        m = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
        m.compile("adam", "binary_crossentropy")
        m.fit(X, rows[:, -1])
    """,
    "albumentations without Normalize, ToTensorV2 keeps uint8 values": _cells(
        "A.Resize(128, 128), A.HorizontalFlip(p=0.5), A.RandomBrightnessContrast(), ToTensorV2()", "  # expect: RL301"),
    "raw pixels into one Dense layer with a sigmoid (logistic regression)": """
        import numpy as np
        from tensorflow import keras

        (x, y), _ = keras.datasets.mnist.load_data()  # expect: RL301
        x = x.reshape(-1, 784)
        m = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(784,))])
        m.compile("sgd", "binary_crossentropy")
        m.fit(x, (y == 3).astype("float32"))
    """,
    "raw pixels into a linear softmax classifier, logits in the loss": """
        import torch
        import torch.nn as nn
        from torchvision import datasets

        pixels = datasets.MNIST("data", download=True).data.view(-1, 784).float()  # expect: RL301
        labels = datasets.MNIST("data").targets
        clf = nn.Sequential(nn.Linear(784, 10))
        nn.functional.cross_entropy(clf(pixels), labels).backward()
    """,
    "unscaled grid into a ReLU regressor (not linear)": """
        import numpy as np
        from tensorflow import keras

        x = np.array([float(i) for i in range(100)])  # expect: RL301
        y = x ** 2
        m = keras.Sequential([keras.layers.Dense(32, activation="relu", input_shape=(1,)), keras.layers.Dense(1)])
        m.compile("adam", "mse")
        m.fit(x, y, epochs=100)  # expect: RL303
    """,
    "tfds mnist pairs, never normalised": """
        import tensorflow as tf
        import tensorflow_datasets as tfds

        (ds_train, ds_test), info = tfds.load(  # expect: RL301
            "mnist", split=["train", "test"], as_supervised=True, with_info=True)
        ds_train = ds_train.cache().shuffle(1000).batch(128).prefetch(tf.data.AUTOTUNE)
        model = tf.keras.Sequential([tf.keras.layers.Flatten(input_shape=(28, 28, 1)),
                                     tf.keras.layers.Dense(128, activation="relu"), tf.keras.layers.Dense(10)])
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(ds_train, epochs=6)
    """,
    "tfds flowers dict examples, resized only": """
        import tensorflow as tf
        import tensorflow_datasets as tfds

        ds = tfds.load("tf_flowers", split="train")  # expect: RL301
        ds = ds.map(lambda ex: (tf.image.resize(ex["image"], (128, 128)), ex["label"])).batch(32)
        model = tf.keras.Sequential([tf.keras.layers.Conv2D(16, 3, activation="relu"),
                                     tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(5)])
        model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(ds)
    """,
    "tfds splits dict, resized only": """
        import tensorflow as tf
        import tensorflow_datasets as tfds

        splits = tfds.load("cats_vs_dogs", as_supervised=True)  # expect: RL301
        train = splits["train"].map(lambda x, y: (tf.image.resize(x, (96, 96)), y)).batch(32)
        model = tf.keras.Sequential([tf.keras.layers.Conv2D(16, 3, activation="relu"),
                                     tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(1)])
        model.compile("adam", tf.keras.losses.BinaryCrossentropy(from_logits=True))
        model.fit(train)
    """,
    "mnist_784 from OpenML, never scaled": """
        import numpy as np
        import torch, torch.nn as nn
        from sklearn.datasets import fetch_openml
        from sklearn.model_selection import train_test_split
        X, y = fetch_openml("mnist_784", version=1, return_X_y=True, as_frame=False)  # expect: RL301
        y = y.astype(np.int64)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=10000)
        net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        xb = torch.tensor(X_train[:128], dtype=torch.float32)
        nn.functional.cross_entropy(net(xb), torch.tensor(y_train[:128])).backward()
    """,
    "Fashion-MNIST Bunch from OpenML into Keras": """
        from sklearn.datasets import fetch_openml
        from tensorflow import keras
        mnist = fetch_openml(name="Fashion-MNIST")  # expect: RL301
        X = mnist.data.to_numpy()
        y = mnist.target.astype(int).to_numpy()
        m = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
        m.compile("adam", "sparse_categorical_crossentropy")
        m.fit(X, y)
    """,
    "float32 pixels through ToTensor (it scales uint8 only)": """
        import numpy as np, torch.nn as nn
        from PIL import Image
        from torch.utils.data import Dataset, DataLoader
        from torchvision import transforms
        class Tiles(Dataset):
            def __init__(self, paths):
                self.paths = paths
                self.tf = transforms.Compose([transforms.ToTensor()])
            def __len__(self):
                return len(self.paths)
            def __getitem__(self, i):
                img = np.array(Image.open(self.paths[i]).convert("RGB"), dtype=np.float32)  # expect: RL301
                return self.tf(img), 0
        net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
        for xb, yb in DataLoader(Tiles(["t.png"]), batch_size=4):
            nn.functional.cross_entropy(net(xb), yb).backward()
    """,
    "tf image resized to float, then convert_image_dtype (a no-op on floats)": """
        import tensorflow as tf
        def load(path, label):
            img = tf.image.decode_jpeg(tf.io.read_file(path), channels=3)  # expect: RL301
            img = tf.image.resize(img, (96, 96))
            img = tf.image.convert_image_dtype(img, tf.float32)
            return img, label
        ds = tf.data.Dataset.from_tensor_slices((["a.jpg"], [0])).map(load).batch(16)
        m = tf.keras.Sequential([tf.keras.layers.Conv2D(8, 3, activation="relu"), tf.keras.layers.Flatten(), tf.keras.layers.Dense(2)])
        m.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        m.fit(ds)
    """,
}

SILENT = {
    "Lambda normalisation as the first layer (driving model)": """
        import cv2
        import numpy as np
        from keras.layers import Conv2D, Cropping2D, Dense, Flatten, Lambda
        from keras.models import Sequential

        frames = np.array([cv2.imread(p) for p in ["f0.jpg", "f1.jpg"]])
        steer = np.array([0.1, -0.2])
        model = Sequential()
        model.add(Lambda(lambda x: x / 127.5 - 1.0, input_shape=(160, 320, 3)))
        model.add(Cropping2D(cropping=((60, 20), (0, 0))))
        model.add(Conv2D(24, (5, 5), strides=(2, 2), activation="relu"))
        model.add(Flatten())
        model.add(Dense(1))
        model.compile(loss="mse", optimizer="adam")
        model.fit(frames, steer, epochs=3)
    """,
    "Cropping2D then a Lambda, in a Sequential list": """
        import cv2
        import numpy as np
        from tensorflow.keras.layers import Conv2D, Cropping2D, Dense, Flatten, Lambda
        from tensorflow.keras.models import Sequential

        frames = np.array([cv2.imread(p) for p in ["f0.jpg", "f1.jpg"]])
        steer = np.array([0.1, -0.2])
        model = Sequential([Cropping2D(((50, 20), (0, 0)), input_shape=(160, 320, 3)),
                            Lambda(lambda t: t / 255.0 - 0.5), Conv2D(24, 5, activation="relu"), Flatten(), Dense(1)])
        model.compile(loss="mse", optimizer="adam")
        model.fit(frames, steer)
    """,
    "preprocess_input on the functional input": """
        import tensorflow as tf

        (x, y), _ = tf.keras.datasets.cifar10.load_data()
        inputs = tf.keras.Input(shape=(32, 32, 3))
        h = tf.keras.applications.mobilenet_v2.preprocess_input(inputs)
        h = tf.keras.layers.Conv2D(16, 3, activation="relu")(h)
        h = tf.keras.layers.GlobalAveragePooling2D()(h)
        out = tf.keras.layers.Dense(10, activation="softmax")(h)
        m = tf.keras.Model(inputs, out)
        m.compile("adam", "sparse_categorical_crossentropy")
        m.fit(x, y)
    """,
    "token ids from a csv into a Keras Embedding": """
        import pandas as pd
        from tensorflow import keras

        frame = pd.read_csv("tokens.csv")
        ids = frame.drop(columns=["label"]).values
        m = keras.Sequential([keras.layers.Embedding(5000, 16), keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(1, activation="sigmoid")])
        m.compile("adam", "binary_crossentropy")
        m.fit(ids, frame["label"].values)
    """,
    "a hub layer first": """
        import tensorflow_hub as hub
        from tensorflow import keras

        (x, y), _ = keras.datasets.cifar10.load_data()
        m = keras.Sequential([hub.KerasLayer("https://tfhub.dev/some/feature_vector/5", trainable=False),
                              keras.layers.Dense(10, activation="softmax")])
        m.compile("adam", "sparse_categorical_crossentropy")
        m.fit(x, y)
    """,
    "a custom layer that scales, first in a Sequential": """
        import tensorflow as tf
        from tensorflow import keras

        class ToUnit(keras.layers.Layer):
            def call(self, x):
                return tf.cast(x, tf.float32) / 255.0

        (digits, labels), _ = keras.datasets.mnist.load_data()
        clf = keras.Sequential([ToUnit(), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
        clf.compile("adam", "sparse_categorical_crossentropy")
        clf.fit(digits, labels)
    """,
    "csv prices scaled before an LSTM": """
        import numpy as np
        import pandas as pd
        from sklearn.preprocessing import MinMaxScaler
        from tensorflow import keras

        quotes = pd.read_csv("quotes.csv")
        close = MinMaxScaler().fit_transform(quotes[["close"]].values)
        windows = np.stack([close[i:i + 20] for i in range(len(close) - 20)])
        net = keras.Sequential([keras.layers.LSTM(16, input_shape=(20, 1)), keras.layers.Dense(1)])
        net.compile("adam", "mse")
        net.fit(windows, close[20:])
    """,
    "augmentation then Rescaling": """
        import tensorflow as tf
        from tensorflow.keras import layers

        train = tf.keras.utils.image_dataset_from_directory("crops", image_size=(96, 96))
        model = tf.keras.Sequential([
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(0.2),
            layers.Rescaling(1.0 / 255),
            layers.Conv2D(8, 3, activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(3),
        ])
        model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(train, epochs=2)
    """,
    "california housing standardised after the split": """
        from sklearn.datasets import fetch_california_housing
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler
        from tensorflow import keras

        X, y = fetch_california_housing(return_X_y=True)
        X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, random_state=7)
        sc = StandardScaler()
        X_train = sc.fit_transform(X_train)
        X_val = sc.transform(X_val)
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=30)
    """,
    "diabetes as the loader returns it (standardised)": """
        from sklearn.datasets import load_diabetes
        from tensorflow import keras

        X, y = load_diabetes(return_X_y=True)
        m = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
        m.compile("adam", "mse")
        m.fit(X, y / 100.0)
    """,
    "breast cancer through a StandardScaler": """
        import torch
        import torch.nn as nn
        from sklearn import datasets
        from sklearn.preprocessing import StandardScaler

        bunch = datasets.load_breast_cancer()
        X = torch.from_numpy(StandardScaler().fit_transform(bunch.data)).float()
        y = torch.from_numpy(bunch.target).float()
        clf = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1))
        nn.BCEWithLogitsLoss()(clf(X).squeeze(1), y).backward()
    """,
    "boston housing standardised in place": """
        from tensorflow import keras

        (train_x, train_y), (test_x, test_y) = keras.datasets.boston_housing.load_data()
        mu = train_x.mean(axis=0)
        train_x -= mu
        sigma = train_x.std(axis=0)
        train_x /= sigma
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="rmsprop", loss="mse")
        model.fit(train_x, train_y, epochs=80)
    """,
    "boston housing with numpy statistics": """
        import numpy as np
        from tensorflow import keras

        (xtr, ytr), (xte, yte) = keras.datasets.boston_housing.load_data()
        xtr = (xtr - np.mean(xtr, axis=0)) / np.std(xtr, axis=0)
        m = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
        m.compile("adam", "mse")
        m.fit(xtr, ytr)
    """,
    "boston housing into an adapted Normalization": """
        from tensorflow import keras

        (xtr, ytr), (xte, yte) = keras.datasets.boston_housing.load_data()
        norm = keras.layers.Normalization()
        norm.adapt(xtr)
        m = keras.Sequential([norm, keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
        m.compile("adam", "mse")
        m.fit(xtr, ytr)
    """,
    "cifar resized then scaled in a tf.data map function": """
        import tensorflow as tf

        (x, y), _ = tf.keras.datasets.cifar10.load_data()

        def prep(img, lab):
            img = tf.image.resize(img, (64, 64))
            return img / 255.0, lab

        ds = tf.data.Dataset.from_tensor_slices((x, y)).map(prep).batch(32)
        m = tf.keras.Sequential([tf.keras.layers.Conv2D(8, 3, activation="relu"), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(10)])
        m.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        m.fit(ds)
    """,
    "skimage resize returns floats in [0, 1]": """
        import numpy as np
        import torch
        import torch.nn as nn
        from skimage import io, transform

        img = transform.resize(io.imread("leaf.png"), (64, 64))
        x = torch.tensor(np.array([img]), dtype=torch.float32).permute(0, 3, 1, 2)
        net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
        nn.functional.cross_entropy(net(x), torch.tensor([0])).backward()
    """,
    "csv columns imputed then standardised in one pipeline": """
        import pandas as pd
        import torch
        import torch.nn as nn
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        df = pd.read_csv("plants.csv")
        pipe = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
        X = pipe.fit_transform(df.drop(columns="yield_t").to_numpy())
        net = nn.Sequential(nn.Linear(X.shape[1], 8), nn.ReLU(), nn.Linear(8, 1))
        target = torch.tensor(df["yield_t"].to_numpy(), dtype=torch.float32)
        nn.MSELoss()(net(torch.tensor(X, dtype=torch.float32)), target).backward()
    """,
    "csv columns imputed, then a scaler": """
        import pandas as pd
        from sklearn.impute import SimpleImputer
        from sklearn.preprocessing import MinMaxScaler
        from tensorflow import keras

        df = pd.read_csv("survey.csv")
        X = SimpleImputer().fit_transform(df.drop(columns=["label"]))
        X = MinMaxScaler().fit_transform(X)
        m = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
        m.compile("adam", "binary_crossentropy")
        m.fit(X, df["label"])
    """,
    "albumentations with Normalize": _cells(
        "A.Resize(128, 128), A.Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)), ToTensorV2()"),
    "albumentations with ToFloat": _cells(
        "A.RandomCrop(64, 64), A.ToFloat(max_value=255), ToTensorV2()"),
    "albumentations OneOf: not followed": _cells(
        "A.OneOf([A.Normalize(), A.ToFloat()], p=1.0), ToTensorV2()"),
    "albumentations result scaled by hand": """
        import albumentations as A
        import cv2
        import torch
        import torch.nn as nn
        from torch.utils.data import DataLoader, Dataset

        class Cells(Dataset):
            def __init__(self, paths):
                self.paths = paths
                self.aug = A.Compose([A.Resize(64, 64), A.Rotate(limit=15)])

            def __len__(self):
                return len(self.paths)

            def __getitem__(self, i):
                img = self.aug(image=cv2.imread(self.paths[i]))["image"]
                return torch.from_numpy(img).permute(2, 0, 1).float() / 255.0, 0

        net = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 4))
        for xb, yb in DataLoader(Cells(["c0.png"]), batch_size=8):
            nn.functional.cross_entropy(net(xb), yb).backward()
    """,
    "a linear regression on degrees (one Dense unit, MSE)": """
        import numpy as np
        import tensorflow as tf

        celsius = np.array([-40, -10, 0, 8, 15, 22, 38], dtype=float)
        fahrenheit = np.array([-40, 14, 32, 46, 59, 72, 100], dtype=float)
        l0 = tf.keras.layers.Dense(units=1, input_shape=[1])
        model = tf.keras.Sequential([l0])
        model.compile(loss="mean_squared_error", optimizer=tf.keras.optimizers.Adam(0.1))
        model.fit(celsius, fahrenheit, epochs=500, verbose=False)
    """,
    "a two-layer linear regression in torch on csv columns": """
        import pandas as pd
        import torch
        import torch.nn as nn

        df = pd.read_csv("plots.csv")
        x = torch.tensor(df[["area", "slope"]].values, dtype=torch.float32)
        y = torch.tensor(df[["harvest"]].values, dtype=torch.float32)
        model = nn.Sequential(nn.Linear(2, 4), nn.Dropout(0.1), nn.Linear(4, 1))
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        for _ in range(200):
            opt.zero_grad()
            loss = nn.functional.l1_loss(model(x), y)
            loss.backward()
            opt.step()
    """,
    "tfds mnist pairs normalised in a map function": """
        import tensorflow as tf
        import tensorflow_datasets as tfds

        (ds_train, ds_test), info = tfds.load("mnist", split=["train", "test"], as_supervised=True, with_info=True)

        def normalize_img(image, label):
            return tf.cast(image, tf.float32) / 255.0, label

        ds_train = ds_train.map(normalize_img, num_parallel_calls=tf.data.AUTOTUNE)
        ds_train = ds_train.cache().shuffle(1000).batch(128).prefetch(tf.data.AUTOTUNE)
        model = tf.keras.Sequential([tf.keras.layers.Flatten(input_shape=(28, 28, 1)),
                                     tf.keras.layers.Dense(128, activation="relu"), tf.keras.layers.Dense(10)])
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(ds_train, epochs=6)
    """,
    "tfds splits dict into a Rescaling first layer": """
        import tensorflow as tf
        import tensorflow_datasets as tfds

        splits = tfds.load("cats_vs_dogs", as_supervised=True)
        train = splits["train"].map(lambda x, y: (tf.image.resize(x, (96, 96)), y)).batch(32)
        model = tf.keras.Sequential([tf.keras.layers.Rescaling(1 / 127.5, offset=-1),
                                     tf.keras.layers.Conv2D(16, 3, activation="relu"),
                                     tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(1)])
        model.compile("adam", tf.keras.losses.BinaryCrossentropy(from_logits=True))
        model.fit(train)
    """,
    "tfds text dataset: not images": """
        import tensorflow as tf
        import tensorflow_datasets as tfds

        train = tfds.load("imdb_reviews", split="train", as_supervised=True).batch(32)
        enc = tf.keras.layers.TextVectorization(max_tokens=10000)
        model = tf.keras.Sequential([enc, tf.keras.layers.Embedding(10000, 16),
                                     tf.keras.layers.GlobalAveragePooling1D(), tf.keras.layers.Dense(1)])
        model.compile("adam", tf.keras.losses.BinaryCrossentropy(from_logits=True))
        model.fit(train)
    """,
    "tfds image dataset with a split the interpreter cannot read: its shape is unknown": """
        import tensorflow as tf
        import tensorflow_datasets as tfds

        def load(split):
            return tfds.load("mnist", split=split, as_supervised=True)

        ds = load(tfds.Split.TRAIN).batch(64)
        model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(10)])
        model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(ds)
    """,
    "mnist_784 from OpenML divided by 255": """
        import numpy as np
        import torch, torch.nn as nn
        from sklearn.datasets import fetch_openml
        from sklearn.model_selection import train_test_split
        X, y = fetch_openml("mnist_784", version=1, return_X_y=True, as_frame=False)
        X = X / 255.0
        y = y.astype(np.int64)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=10000)
        net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        xb = torch.tensor(X_train[:128], dtype=torch.float32)
        nn.functional.cross_entropy(net(xb), torch.tensor(y_train[:128])).backward()
    """,
    "an OpenML table that is not images: unknown": """
        from sklearn.datasets import fetch_openml
        from tensorflow import keras
        X, y = fetch_openml("credit-g", return_X_y=True, as_frame=False)
        m = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
        m.compile("adam", "binary_crossentropy")
        m.fit(X, y)
    """,
    "an OpenML dataset named by id: unknown": """
        from sklearn.datasets import fetch_openml
        from tensorflow import keras
        X, y = fetch_openml(data_id=554, return_X_y=True, as_frame=False)
        m = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
        m.compile("adam", "sparse_categorical_crossentropy")
        m.fit(X, y)
    """,
    "uint8 pixels through ToTensor": """
        import numpy as np, torch.nn as nn
        from PIL import Image
        from torch.utils.data import Dataset, DataLoader
        from torchvision import transforms
        class Tiles(Dataset):
            def __init__(self, paths):
                self.paths = paths
                self.tf = transforms.Compose([transforms.ToTensor()])
            def __len__(self):
                return len(self.paths)
            def __getitem__(self, i):
                img = np.array(Image.open(self.paths[i]).convert("RGB"))
                return self.tf(img), 0
        net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
        for xb, yb in DataLoader(Tiles(["t.png"]), batch_size=4):
            nn.functional.cross_entropy(net(xb), yb).backward()
    """,
    "tf image converted to float first, then resized": """
        import tensorflow as tf
        def load(path, label):
            img = tf.image.decode_jpeg(tf.io.read_file(path), channels=3)
            img = tf.image.convert_image_dtype(img, tf.float32)
            img = tf.image.resize(img, (96, 96))
            return img, label
        ds = tf.data.Dataset.from_tensor_slices((["a.jpg"], [0])).map(load).batch(16)
        m = tf.keras.Sequential([tf.keras.layers.Conv2D(8, 3, activation="relu"), tf.keras.layers.Flatten(), tf.keras.layers.Dense(2)])
        m.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        m.fit(ds)
    """,
    "tf image resized then divided by 255": """
        import tensorflow as tf
        def load(path, label):
            img = tf.image.decode_png(tf.io.read_file(path), channels=1)
            img = tf.image.resize(img, (28, 28)) / 255.0
            return img, label
        ds = tf.data.Dataset.from_tensor_slices((["a.png"], [0])).map(load).batch(16)
        m = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(2)])
        m.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        m.fit(ds)
    """,
}


@pytest.mark.parametrize("code", FIRE.values(), ids=FIRE.keys())
def test_fires(code):
    assert assert_markers(code)


@pytest.mark.parametrize("code", SILENT.values(), ids=SILENT.keys())
def test_silent(code):
    assert not assert_markers(code)
