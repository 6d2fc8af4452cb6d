"""Targets scaled by hand and predictions rescaled after the network.

A min-max scaling written out, `(y - y.min()) / (y.max() - y.min())` in its spellings (methods, numpy and
torch functions, statistics kept in variables, an epsilon in the denominator, `np.ptp`, `y / y.max()` on
non-negative data), gives continuous targets in [0, 1]: a sigmoid regression onto them is not RL102, and
large raw targets so scaled are not RL303. A prediction multiplied by a constant after the network
(`net(x) * 1e5`) is at the targets' scale: no RL303. Each case is a whole file; `# expect: RLxxx` marks every
line that must be flagged, and a case with no marker must stay silent.
"""

from __future__ import annotations

import pytest

from relulint.testing import assert_markers

_TORCH_SIGMOID = """
    import numpy as np
    import pandas as pd
    import torch
    import torch.nn as nn

    df = pd.read_csv("houses.csv")
    X = df.drop(columns=["price"]).values.astype(np.float32)
    y = df["price"].values.astype(np.float32)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    SCALE
    model = nn.Sequential(nn.Linear(X.shape[1], 64), nn.ReLU(), nn.Linear(64, 1), nn.Sigmoid())MARK
    opt = torch.optim.Adam(model.parameters())
    loss_fn = nn.MSELoss()
    xt, yt = torch.tensor(X), torch.tensor(y).unsqueeze(1)
    for epoch in range(100):
        loss = loss_fn(model(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
"""

_MINMAX_SPELLINGS = {
    "methods": "y = (y - y.min()) / (y.max() - y.min())",
    "numpy_functions": "y = (y - np.min(y)) / (np.max(y) - np.min(y))",
    "epsilon": "y = (y - y.min()) / (y.max() - y.min() + 1e-8)",
    "variables": "y_min, y_max = y.min(), y.max()\n    y = (y - y_min) / (y_max - y_min)",
    "ptp": "y = (y - y.min()) / np.ptp(y)",
    "amin_amax": "lo = np.amin(y, axis=0)\n    y = (y - lo) / (np.amax(y, axis=0) - lo)",
    # divided by a scale: continuous values of a regression, whatever their range (labels are not divided)
    "divided_by_max": "y = y / y.max()",
    "divided_by_constant": "y = y / 1000.0",
}


@pytest.mark.parametrize("spelling", list(_MINMAX_SPELLINGS))
def test_minmax_scaled_targets_make_a_sigmoid_regression(spelling: str) -> None:
    code = _TORCH_SIGMOID.replace("SCALE", _MINMAX_SPELLINGS[spelling]).replace("MARK", "")
    assert not assert_markers(code)


@pytest.mark.parametrize("scale", [
    "y = y",  # labels read from a file, range unknown: a classifier trained with squared error
    "y = y - y.min()",  # shifted only: the scale is still unknown
    "y = (y - y.mean()) / y.std()",  # standardised: not within [0, 1]
])
def test_sigmoid_with_squared_error_still_fires(scale: str) -> None:
    code = _TORCH_SIGMOID.replace("SCALE", scale).replace("MARK", "  # expect: RL102")
    assert assert_markers(code) == {(11, "RL102")}


def test_torch_tensor_minmax_and_max_division() -> None:
    assert not assert_markers("""
        import torch
        import torch.nn as nn
        from torchvision import datasets

        raw = datasets.MNIST("data", train=True, download=False).data
        x = raw.float().view(-1, 784)
        x = x / x.max()
        target = x.clone()
        target = (target - target.min()) / (target.max() - target.min())
        ae = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 784), nn.Sigmoid())
        opt = torch.optim.Adam(ae.parameters(), lr=1e-3)
        for _ in range(10):
            loss = nn.functional.mse_loss(ae(x), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
    """)


def test_keras_minmax_targets() -> None:
    assert not assert_markers("""
        import numpy as np
        from tensorflow import keras

        x = np.random.rand(500, 4).astype("float32")
        y = (x ** 2).sum(axis=1) * 50000.0
        y = (y - y.min()) / (y.max() - y.min())
        model = keras.Sequential([
            keras.layers.Dense(32, activation="relu", input_shape=(4,)),
            keras.layers.Dense(1, activation="sigmoid"),
        ])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, epochs=20)
    """)


def test_keras_binary_labels_with_mse_fires() -> None:
    assert assert_markers("""
        import numpy as np
        from tensorflow import keras

        data = np.loadtxt("pima.csv", delimiter=",")
        x, y = data[:, :8], data[:, 8]
        x = (x - x.min(axis=0)) / (x.max(axis=0) - x.min(axis=0))
        model = keras.Sequential()
        model.add(keras.layers.Dense(12, input_dim=8, activation="relu"))
        model.add(keras.layers.Dense(1, activation="sigmoid"))  # expect: RL102
        model.compile(loss="mean_squared_error", optimizer="adam", metrics=["accuracy"])
        model.fit(x, y, epochs=150, batch_size=10)
    """) == {(9, "RL102")}


_LARGE_TARGETS = """
    import numpy as np
    import torch
    import torch.nn as nn

    x = np.random.rand(1000, 3).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) * 1e5).astype(np.float32)
    SCALE
    net = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 1))
    opt = torch.optim.Adam(net.parameters())
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(200):
        pred = PRED
        loss = nn.functional.mse_loss(pred, yt)MARK
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


@pytest.mark.parametrize(("scale", "pred"), [
    ("", "net(xt) * 1e5"),  # the output rescaled to the targets
    ("", "1e5 * net(xt)"),
    ("", "net(xt) / 1e-5"),
    ("y = (y - y.min()) / (y.max() - y.min())", "net(xt)"),  # min-max scaled targets
    ("y = (y - np.min(y)) / np.ptp(y)", "net(xt)"),
])
def test_large_targets_rescaled_or_scaled_are_silent(scale: str, pred: str) -> None:
    code = _LARGE_TARGETS.replace("SCALE", scale).replace("PRED", pred).replace("MARK", "")
    assert not assert_markers(code)


@pytest.mark.parametrize(("scale", "pred"), [
    ("", "net(xt)"),
    ("", "net(xt) + 1.0"),  # a shift is no rescaling
    ("y = y - y.min()", "net(xt)"),  # shifted, still up to 3e5
    ("x = (x - x.min()) / (x.max() - x.min())", "net(xt)"),  # the inputs scaled, not the targets
])
def test_large_targets_unscaled_fire(scale: str, pred: str) -> None:
    code = _LARGE_TARGETS.replace("SCALE", scale).replace("PRED", pred).replace("MARK", "  # expect: RL303")
    assert assert_markers(code) == {(13, "RL303")}


def test_output_rescaled_inside_forward_is_silent() -> None:
    assert not assert_markers("""
        import numpy as np
        import torch
        import torch.nn as nn

        class PriceNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(3, 32), nn.ReLU())
                self.head = nn.Linear(32, 1)

            def forward(self, x):
                return self.head(self.body(x)) * 1e5

        x = torch.rand(256, 3)
        y = x.sum(dim=1, keepdim=True) * 1e5
        model = PriceNet()
        opt = torch.optim.SGD(model.parameters(), lr=1e-3)
        for _ in range(50):
            loss = ((model(x) - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    """)


_AUTOENCODERS = {
    "torch_loop": """
        import numpy as np
        import torch
        import torch.nn as nn
        from torch.utils.data import DataLoader, TensorDataset

        frames = np.load("frames.npy").astype(np.float32)
        loader = DataLoader(TensorDataset(torch.from_numpy(frames)), batch_size=32, shuffle=True)

        class AE(nn.Module):
            def __init__(self):
                super().__init__()
                self.enc = nn.Sequential(nn.Linear(1024, 128), nn.ReLU(), nn.Linear(128, 16))
                self.dec = nn.Sequential(nn.Linear(16, 128), nn.ReLU(), nn.Linear(128, 1024), nn.Sigmoid())

            def forward(self, x):
                return self.dec(self.enc(x))

        model = AE()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        crit = nn.MSELoss()
        for epoch in range(10):
            for (x,) in loader:
                recon = model(x)
                loss = crit(recon, x)
                opt.zero_grad()
                loss.backward()
                opt.step()
    """,
    "torch_sequential_functional_loss": """
        import numpy as np
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        data = torch.from_numpy(np.load("patches.npy"))
        ae = nn.Sequential(nn.Linear(64, 8), nn.ReLU(), nn.Linear(8, 64), nn.Sigmoid())
        opt = torch.optim.SGD(ae.parameters(), lr=0.1)
        for i in range(0, len(data), 128):
            batch = data[i:i + 128]
            loss = F.mse_loss(ae(batch), batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
    """,
    "keras_fit_x_x": """
        import numpy as np
        from tensorflow import keras

        x = np.load("spectra.npy")
        inp = keras.Input(shape=(256,))
        h = keras.layers.Dense(32, activation="relu")(inp)
        out = keras.layers.Dense(256, activation="sigmoid")(h)
        ae = keras.Model(inp, out)
        ae.compile(optimizer="adam", loss="mse")
        ae.fit(x, x, epochs=5, batch_size=64)
    """,
}


@pytest.mark.parametrize("case", list(_AUTOENCODERS))
def test_autoencoder_reconstructing_its_input_is_not_rl102(case: str) -> None:
    assert not assert_markers(_AUTOENCODERS[case])


def test_sigmoid_mse_on_other_targets_still_fires() -> None:
    assert assert_markers("""
        import numpy as np
        from tensorflow import keras

        x = np.load("features.npy")
        y = np.load("labels.npy")
        inp = keras.Input(shape=(256,))
        h = keras.layers.Dense(32, activation="relu")(inp)
        out = keras.layers.Dense(1, activation="sigmoid")(h)  # expect: RL102
        model = keras.Model(inp, out)
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, epochs=5)
    """) == {(8, "RL102")}


def test_columns_of_one_table_are_different_data() -> None:
    # the features and the label column come from one array: the label column is not the input
    assert assert_markers("""
        import numpy as np
        import torch
        import torch.nn as nn

        table = np.random.rand(500, 9)
        table[:, 8] = np.random.randint(0, 2, 500)
        x = torch.tensor(table[:, :8], dtype=torch.float32)
        y = torch.tensor(table[:, 8:], dtype=torch.float32)
        net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())  # expect: RL102
        opt = torch.optim.Adam(net.parameters())
        for _ in range(100):
            loss = nn.functional.mse_loss(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    """) == {(9, "RL102")}


def test_unknown_values_divided_by_a_size_are_regression_targets() -> None:
    assert not assert_markers("""
        import json
        import numpy as np
        from tensorflow import keras
        from tensorflow.keras import layers

        SIZE = 96
        with open("points.json") as f:
            points = np.array(json.load(f), dtype="float32")
        images = np.random.rand(len(points), SIZE, SIZE, 3).astype("float32")
        targets = points / SIZE
        inputs = layers.Input((SIZE, SIZE, 3))
        h = layers.GlobalAveragePooling2D()(layers.Conv2D(16, 3, activation="relu")(inputs))
        model = keras.Model(inputs, layers.Dense(4, activation="sigmoid")(h))
        model.compile(loss="mse", optimizer="adam")
        model.fit(images, targets, epochs=2)
    """)


_RECONSTRUCTION_UNKNOWN_SOURCE = {
    "keras_fit_same_name": """
        from tensorflow import keras
        from loaders import load_images

        x = load_images()
        model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dense(64, activation="sigmoid")])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, x, epochs=5)
    """,
    "torch_same_name": """
        import torch
        import torch.nn as nn
        from loaders import batches

        model = nn.Sequential(nn.Linear(64, 8), nn.ReLU(), nn.Linear(8, 64), nn.Sigmoid())
        opt = torch.optim.Adam(model.parameters())
        for x in batches():
            loss = nn.functional.mse_loss(model(x), x)
            opt.zero_grad()
            loss.backward()
            opt.step()
    """,
    "tf1_placeholder_is_target": """
        import tensorflow as tf

        X = tf.placeholder("float", [None, 64])
        W1 = tf.Variable(tf.random_normal([64, 16], stddev=0.1))
        W2 = tf.Variable(tf.random_normal([16, 64], stddev=0.1))
        hidden = tf.nn.relu(tf.matmul(X, W1))
        y_pred = tf.nn.sigmoid(tf.matmul(hidden, W2))
        cost = tf.reduce_mean(tf.pow(X - y_pred, 2))
        train_op = tf.train.AdamOptimizer(0.01).minimize(cost)
    """,
}


@pytest.mark.parametrize("case", list(_RECONSTRUCTION_UNKNOWN_SOURCE))
def test_reconstruction_of_unknown_data_is_not_rl102(case: str) -> None:
    assert not assert_markers(_RECONSTRUCTION_UNKNOWN_SOURCE[case])


def test_tf1_sigmoid_mse_on_another_placeholder_fires() -> None:
    assert assert_markers("""
        import tensorflow as tf

        X = tf.placeholder("float", [None, 64])
        Y = tf.placeholder("float", [None, 1])
        W1 = tf.Variable(tf.random_normal([64, 16], stddev=0.1))
        W2 = tf.Variable(tf.random_normal([16, 1], stddev=0.1))
        hidden = tf.nn.relu(tf.matmul(X, W1))
        y_pred = tf.nn.sigmoid(tf.matmul(hidden, W2))  # expect: RL102
        cost = tf.reduce_mean(tf.pow(Y - y_pred, 2))
        train_op = tf.train.AdamOptimizer(0.01).minimize(cost)
    """) == {(8, "RL102")}


def test_variable_wrapper_keeps_the_values() -> None:
    assert assert_markers("""
        import torch
        import torch.nn as nn
        from torch.autograd import Variable
        from torchvision import datasets

        raw = datasets.MNIST("data", train=True, download=False).data  # expect: RL301
        x = raw.view(-1, 784).float()
        model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
        loss_fn = nn.CrossEntropyLoss()
        out = model(Variable(x))
        loss = loss_fn(out, Variable(torch.zeros(60000, dtype=torch.long)))
    """) == {(6, "RL301")}


def test_keypoints_filled_into_an_empty_array_and_divided_by_the_image_size() -> None:
    assert not assert_markers("""
        import numpy as np
        from tensorflow import keras
        from tensorflow.keras import layers

        SIZE = 224

        class Batches(keras.utils.Sequence):
            def __init__(self, keys, batch_size=8):
                self.keys, self.batch_size = keys, batch_size

            def __len__(self):
                return len(self.keys) // self.batch_size

            def __getitem__(self, index):
                return self._make(self.keys[index * self.batch_size:(index + 1) * self.batch_size])

            def _make(self, keys):
                images = np.empty((self.batch_size, SIZE, SIZE, 3), dtype="float32")
                points = np.empty((self.batch_size, 48), dtype="float32")
                for i, key in enumerate(keys):
                    images[i] = load_image(key)
                    points[i] = load_points(key)
                return images / 255.0, points / SIZE

        inputs = layers.Input((SIZE, SIZE, 3))
        h = layers.GlobalAveragePooling2D()(layers.Conv2D(48, 3, activation="relu")(inputs))
        model = keras.Model(inputs, layers.Dense(48, activation="sigmoid")(h))
        model.compile(loss="mse", optimizer="adam")
        model.fit(Batches(["a", "b"]), epochs=5)
    """)



_DENOISING = """
    import numpy as np
    import torch
    import torch.nn as nn

    data = torch.from_numpy(np.load("patches.npy"))
    labels = torch.from_numpy(np.load("labels.npy"))
    ae = nn.Sequential(nn.Linear(64, 8), nn.ReLU(), nn.Linear(8, 64), nn.Sigmoid())MARK
    opt = torch.optim.Adam(ae.parameters())
    for i in range(0, len(data), 128):
        clean = data[i:i + 128]
        noisy = clean + 0.1 * torch.randn_like(clean)
        loss = nn.functional.mse_loss(ae(noisy), TARGET)
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


def test_denoising_autoencoder_on_unknown_data_is_not_rl102() -> None:
    assert not assert_markers(_DENOISING.replace("TARGET", "clean").replace("MARK", ""))


def test_noisy_input_against_other_targets_fires() -> None:
    code = _DENOISING.replace("TARGET", "labels[i:i + 128]").replace("MARK", "  # expect: RL102")
    assert assert_markers(code) == {(7, "RL102")}
