"""Data rules (RL301-RL303) on the shapes real training scripts take: what reaches a Keras model's first
affine layer through the layers in front of it, and sklearn / Keras datasets with known feature ranges.

Each case is a whole file; `# expect: RLxxx` marks every line that must be flagged, and a case with no
marker must stay silent. A layer in front of the first affine one that the interpreter cannot follow (a
Lambda, preprocess_input, an Embedding lookup, a custom or hub layer) makes what reaches that layer
unknown: no finding.
"""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.testing import expectations

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
}


def _lint(code: str):
    source = textwrap.dedent(code).strip("\n") + "\n"
    result = lint_source(source, "main.py", Settings())
    return source, {(f.origin.line, f.code) for f in result.findings}, result


@pytest.mark.parametrize("code", FIRE.values(), ids=FIRE.keys())
def test_fires(code):
    source, got, result = _lint(code)
    want = expectations(source)
    assert want
    assert got == want, [f"{f.origin.line}: {f.code} {f.message}" for f in result.findings]


@pytest.mark.parametrize("code", SILENT.values(), ids=SILENT.keys())
def test_silent(code):
    source, got, result = _lint(code)
    assert not expectations(source)
    assert not got, [f"{f.origin.line}: {f.code} {f.message}" for f in result.findings]
