"""Data values in the interpreter: tensors and arrays carry their range, dtype and scaling steps, and
the input rules judge what the program actually feeds each network (and trains each loss against).

Each case is a whole file; `# expect: RLxxx` marks every line that must be flagged, and a case with no
marker must stay silent. The silent cases matter most: a scaling step anywhere on the data's path, token
ids into an Embedding, or data the program never feeds to a network must never be reported.
"""

from __future__ import annotations

import textwrap

import pytest

from relulint.source import lower_source
from relulint.testing import assert_markers, lint_case

FIRE = {
    "csv values into a Sequential": """
        import pandas as pd
        import torch
        from torch import nn as tnn

        table = pd.read_csv("rows.csv")
        feats = table.drop(columns=["y"]).values  # expect: RL301
        net = tnn.Sequential(tnn.Linear(12, 16), tnn.ReLU(), tnn.Linear(16, 1))
        out = net(torch.from_numpy(feats).float())
        loss = tnn.MSELoss()(out, torch.from_numpy(table["y"].values).float())
    """,
    "loadtxt through TensorDataset and DataLoader into a class": """
        import numpy as np
        import torch
        import torch.nn as nn
        from torch.utils.data import DataLoader, TensorDataset

        class Reg(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(7, 32)
                self.head = nn.Linear(32, 1)

            def forward(self, x):
                return self.head(torch.relu(self.body(x)))

        arr = np.loadtxt("data.txt")  # expect: RL301
        ds = TensorDataset(torch.tensor(arr[:, :7], dtype=torch.float32), torch.tensor(arr[:, 7:], dtype=torch.float32))
        model = Reg()
        for xb, yb in DataLoader(ds, batch_size=64, shuffle=True):
            nn.functional.mse_loss(model(xb), yb).backward()
    """,
    "genfromtxt passed to a train function, keyword arguments": """
        import numpy as np
        from tensorflow import keras

        def train(net, inputs, labels):
            net.compile(optimizer="adam", loss="binary_crossentropy")
            net.fit(x=inputs, y=labels, epochs=3)

        raw = np.genfromtxt("t.csv", delimiter=",")  # expect: RL301
        mlp = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
        train(net=mlp, inputs=raw[:, 1:], labels=raw[:, 0])
    """,
    "negative grid into a ReLU layer": """
        import numpy as np
        import torch
        import torch.nn as nn

        grid = np.arange(-50.0, 0.0, 0.25).reshape(-1, 1)  # expect: RL301, RL302
        model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1))
        loss = nn.L1Loss()(model(torch.from_numpy(grid).float()), torch.zeros(200, 1))
    """,
    "uint8 images returned by a helper method of a Dataset": """
        import numpy as np
        import torch
        import torch.nn as nn
        from torch.utils.data import DataLoader, Dataset

        class Tiles(Dataset):
            def __init__(self, n):
                self.n = n

            def __len__(self):
                return self.n

            def load(self, i):
                return np.random.randint(0, 256, size=(3, 16, 16), dtype=np.uint8)  # expect: RL301

            def __getitem__(self, i):
                return torch.as_tensor(self.load(i)).float(), 0

        cnn = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
        batch, labels = next(iter(DataLoader(Tiles(10), batch_size=4)))
        loss = nn.CrossEntropyLoss()(cnn(batch), labels)
    """,
    "uint8 arrays through tf.data into fit": """
        import numpy as np
        import tensorflow as tf

        x = np.random.randint(0, 256, size=(100, 28, 28), dtype=np.uint8)  # expect: RL301
        y = np.random.randint(0, 10, size=100)
        ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(32)
        model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(64, activation="relu"),
                                     tf.keras.layers.Dense(10)])
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(ds, epochs=2)
    """,
    "image files through an ImageDataGenerator that does not rescale": """
        from tensorflow import keras
        from tensorflow.keras.preprocessing.image import ImageDataGenerator

        gen = ImageDataGenerator(horizontal_flip=True, rotation_range=10)
        train = gen.flow_from_directory("data/train", target_size=(64, 64))  # expect: RL301
        model = keras.Sequential([keras.layers.Conv2D(16, 3, activation="relu"), keras.layers.Flatten(),
                                  keras.layers.Dense(4, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(train, epochs=5)
    """,
    "uint8 batches from a keras.utils.Sequence": """
        import numpy as np
        from tensorflow import keras

        class Batches(keras.utils.Sequence):
            def __len__(self):
                return 10

            def __getitem__(self, i):
                images = np.random.randint(0, 256, size=(32, 28, 28), dtype=np.uint8)  # expect: RL301
                return images, np.random.randint(0, 10, size=32)

        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(Batches(), epochs=2)
    """,
    "TF1: raw data through feed_dict, targets through feed_dict": """
        import numpy as np
        import tensorflow as tf

        x = tf.placeholder(tf.float32, [None, 3])
        y = tf.placeholder(tf.float32, [None, 1])
        h = tf.layers.dense(x, 32, activation=tf.nn.relu)
        pred = tf.layers.dense(h, 1)
        loss = tf.losses.mean_squared_error(labels=y, predictions=pred)
        train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
        bx = np.random.uniform(0, 5000, size=(64, 3))  # expect: RL301
        by = np.random.uniform(1e5, 2e5, size=(64, 1))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(100):
                sess.run(train_op, feed_dict={x: bx, y: by})  # expect: RL303
    """,
    "targets far from unit scale through fit": """
        import numpy as np
        from tensorflow import keras

        x = np.random.rand(512, 3)
        y = 2e5 + 1e5 * x[:, 0]
        model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y)  # expect: RL303
    """,
}

SILENT = {
    "csv scaled by a StandardScaler fitted apart": """
        import pandas as pd
        import torch
        import torch.nn as nn
        from sklearn.preprocessing import StandardScaler

        frame = pd.read_csv("rows.csv")
        scaler = StandardScaler()
        scaler.fit(frame.values)
        x = torch.tensor(scaler.transform(frame.values), dtype=torch.float32)
        model = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 1))
        loss = nn.MSELoss()(model(x), torch.zeros(len(x), 1))
    """,
    "csv scaled by a Pipeline": """
        import pandas as pd
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import MinMaxScaler
        from tensorflow import keras

        frame = pd.read_csv("rows.csv")
        prep = Pipeline([("scale", MinMaxScaler())])
        x = prep.fit_transform(frame.drop(columns=["y"]).to_numpy())
        model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, frame["y"].to_numpy())
    """,
    "csv scaled by preprocessing.scale": """
        import numpy as np
        from sklearn import preprocessing
        from tensorflow import keras

        data = np.loadtxt("d.csv", delimiter=",")
        x = preprocessing.scale(data[:, :-1])
        model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, data[:, -1])
    """,
    "csv divided by a constant": """
        import numpy as np
        import torch
        import torch.nn as nn

        pixels = np.loadtxt("digits.csv", delimiter=",")[:, 1:] / 255.0
        net = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
        loss = nn.CrossEntropyLoss()(net(torch.from_numpy(pixels).float()), torch.zeros(len(pixels), dtype=torch.long))
    """,
    "csv standardised with its own statistics": """
        import pandas as pd
        import torch
        import torch.nn as nn

        df = pd.read_csv("rows.csv")
        x = df.values
        x = (x - x.mean(axis=0)) / x.std(axis=0)
        net = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 1))
        loss = nn.MSELoss()(net(torch.tensor(x, dtype=torch.float32)), torch.zeros(len(x), 1))
    """,
    "csv into a Normalization adapted through model.layers": """
        import pandas as pd
        from tensorflow import keras

        frame = pd.read_csv("rows.csv")
        x = frame.to_numpy()
        model = keras.Sequential([keras.layers.Normalization(), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1)])
        model.layers[0].adapt(x)
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, x[:, 0])
    """,
    "csv into a Normalization adapted where the interpreter cannot see": """
        import pandas as pd
        from tensorflow import keras

        frame = pd.read_csv("rows.csv")
        x = frame.to_numpy()
        model = keras.Sequential([keras.layers.Normalization(name="norm"), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1)])
        model.get_layer("norm").adapt(x)
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, x[:, 0])
    """,
    "csv into a BatchNorm first layer": """
        import pandas as pd
        import torch
        import torch.nn as nn

        x = torch.tensor(pd.read_csv("rows.csv").values, dtype=torch.float32)
        net = nn.Sequential(nn.BatchNorm1d(12), nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 1))
        loss = nn.MSELoss()(net(x), torch.zeros(len(x), 1))
    """,
    "csv token ids into an Embedding": """
        import pandas as pd
        import torch
        import torch.nn as nn

        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(5000, 32)
                self.out = nn.Linear(32, 4)

            def forward(self, ids):
                return self.out(self.emb(ids).mean(1))

        ids = torch.tensor(pd.read_csv("tokens.csv").values, dtype=torch.long)
        loss = nn.CrossEntropyLoss()(Tagger()(ids), torch.zeros(len(ids), dtype=torch.long))
    """,
    "csv loaded but only given to a scikit-learn model": """
        import pandas as pd
        import torch.nn as nn
        from sklearn.linear_model import LinearRegression

        frame = pd.read_csv("rows.csv")
        baseline = LinearRegression().fit(frame.drop(columns=["y"]).values, frame["y"].values)
        model = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 1))
        criterion = nn.MSELoss()
    """,
    "csv through a user function the interpreter cannot see into": """
        import pandas as pd
        import torch
        import torch.nn as nn
        from features import engineer

        x = torch.tensor(engineer(pd.read_csv("rows.csv")).values, dtype=torch.float32)
        net = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 1))
        loss = nn.MSELoss()(net(x), torch.zeros(len(x), 1))
    """,
    "images scaled in forward()": """
        import numpy as np
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 3)
                self.fc = nn.LazyLinear(2)

            def forward(self, x):
                x = x.float() / 255.0
                return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))

        imgs = torch.from_numpy(np.random.randint(0, 256, size=(4, 3, 16, 16), dtype=np.uint8))
        loss = nn.CrossEntropyLoss()(Net()(imgs), torch.zeros(4, dtype=torch.long))
    """,
    "uint8 arrays through tf.data scaled in map": """
        import numpy as np
        import tensorflow as tf

        x = np.random.randint(0, 256, size=(100, 28, 28), dtype=np.uint8)
        y = np.random.randint(0, 10, size=100)
        ds = tf.data.Dataset.from_tensor_slices((x, y)).map(lambda a, b: (tf.cast(a, tf.float32) / 255.0, b)).batch(32)
        model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(64, activation="relu"),
                                     tf.keras.layers.Dense(10)])
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(ds, epochs=2)
    """,
    "image files through an ImageDataGenerator that rescales": """
        from tensorflow import keras
        from tensorflow.keras.preprocessing.image import ImageDataGenerator

        gen = ImageDataGenerator(rescale=1.0 / 255, horizontal_flip=True)
        train = gen.flow_from_directory("data/train", target_size=(64, 64))
        model = keras.Sequential([keras.layers.Conv2D(16, 3, activation="relu"), keras.layers.Flatten(),
                                  keras.layers.Dense(4, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(train, epochs=5)
    """,
    "arrays through an ImageDataGenerator with a preprocessing function": """
        import numpy as np
        from tensorflow import keras
        from tensorflow.keras.applications.mobilenet_v2 import preprocess_input

        x = np.random.randint(0, 256, size=(64, 32, 32, 3)).astype("float32")
        y = keras.utils.to_categorical(np.random.randint(0, 4, size=64), 4)
        flow = keras.preprocessing.image.ImageDataGenerator(preprocessing_function=preprocess_input).flow(x, y)
        model = keras.Sequential([keras.layers.Conv2D(8, 3, activation="relu"), keras.layers.Flatten(),
                                  keras.layers.Dense(4, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(flow, epochs=2)
    """,
    "TF1: uint8 placeholder scaled in the graph": """
        import numpy as np
        import tensorflow as tf

        images = tf.placeholder(tf.uint8, [None, 784])
        labels = tf.placeholder(tf.int64, [None])
        x = tf.cast(images, tf.float32) / 255.0
        logits = tf.layers.dense(tf.layers.dense(x, 64, activation=tf.nn.relu), 10)
        loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        batch = np.random.randint(0, 256, size=(32, 784)).astype(np.uint8)
        with tf.Session() as sess:
            sess.run(step, feed_dict={images: batch, labels: np.zeros(32)})
    """,
    "TF1: data scaled before feed_dict": """
        import numpy as np
        import tensorflow as tf

        x = tf.placeholder(tf.float32, [None, 3])
        y = tf.placeholder(tf.float32, [None, 1])
        pred = tf.layers.dense(tf.layers.dense(x, 32, activation=tf.nn.relu), 1)
        loss = tf.reduce_mean(tf.square(pred - y))
        train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
        bx = np.random.uniform(0, 5000, size=(64, 3)) / 5000.0
        by = np.random.uniform(-1, 1, size=(64, 1))
        sess = tf.Session()
        sess.run(train_op, feed_dict={x: bx, y: by})
    """,
    "targets standardised before fit": """
        import numpy as np
        from tensorflow import keras

        x = np.random.rand(512, 3)
        y = 2e5 + 1e5 * x[:, 0]
        y = (y - y.mean()) / y.std()
        model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y)
    """,
}


@pytest.mark.parametrize("code", FIRE.values(), ids=FIRE.keys())
def test_fires(code):
    assert assert_markers(code)


@pytest.mark.parametrize("code", SILENT.values(), ids=SILENT.keys())
def test_silent(code):
    assert not assert_markers(code)


def test_csv_finding_says_range_unknown_at_warning_level():
    _, _, result = lint_case(FIRE["csv values into a Sequential"])
    (f,) = result.findings
    assert f.severity.name == "WARNING"
    assert "no scaling seen (range unknown)" in f.message


def _inputs(code: str):
    facts = lower_source("main.py", textwrap.dedent(code))
    return [(d.low, d.high, d.dtype, d.scaled, d.tabular) for net in facts.networks for d in net.inputs
            if net.inputs_followed]


@pytest.mark.parametrize(("data", "want"), [
    ("np.arange(-100, 100, .5)", (-100.0, 100.0, None, False, False)),
    ("np.random.uniform(0, 1e4, size=(9, 1))", (0.0, 1e4, None, False, False)),
    ("np.array([[3.0], [-7.5], [12.0]])", (-7.5, 12.0, None, False, False)),
    ("np.array([[float(i)] for i in range(1, 4000)])", (1.0, 3999.0, None, False, False)),
    ("(np.random.rand(9, 1) - 0.5) * 4", (-2.0, 2.0, None, False, False)),
    ("-np.random.uniform(1, 3, size=(9, 1))", (-3.0, -1.0, None, False, False)),
    ("np.random.randint(0, 256, size=(9, 1)).astype(np.uint8)", (0.0, 255.0, "uint8", False, False)),
    ("np.random.randint(0, 256, size=(9, 1)) / 255.0", (0.0, 1.0, None, True, False)),
    ("pd.read_csv('a.csv').values", (None, None, None, False, True)),
    ("pd.read_csv('a.csv').values / 1000.0", (None, None, None, True, False)),
])
def test_ranges_of_data_fed_to_a_network(data, want):
    code = f"""
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
x = {data}
model = nn.Sequential(nn.Linear(1, 4), nn.ReLU(), nn.Linear(4, 1))
out = model(torch.as_tensor(x))
"""
    got = _inputs(code)
    assert len(got) == 1
    assert got[0][2:] == want[2:]
    assert got[0][:2] == pytest.approx(want[:2])


def test_data_never_fed_is_not_attached():
    code = """
import numpy as np
import torch.nn as nn
x = np.random.uniform(0, 1e4, size=(9, 1))
model = nn.Sequential(nn.Linear(1, 4), nn.ReLU(), nn.Linear(4, 1))
"""
    assert _inputs(code) == []


def test_columns_scaled_in_place_are_not_reported():
    code = """
        import pandas as pd
        import torch
        import torch.nn as nn
        from sklearn.preprocessing import StandardScaler

        frame = pd.read_csv("rows.csv")
        cols = ["a", "b", "c"]
        frame[cols] = StandardScaler().fit_transform(frame[cols])
        x = torch.tensor(frame[cols].values, dtype=torch.float32)
        net = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
        loss = nn.MSELoss()(net(x), torch.zeros(len(x), 1))
    """
    _, got, result = lint_case(code)
    assert not got, [f.message for f in result.findings]
