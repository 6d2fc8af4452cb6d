"""A loss recognised by its form (`((p - y) ** 2).mean()`, `K.mean(K.square(p - y))`) on values from no known
network is the model's loss only when the program trains on it: `loss.backward()`, `minimize(loss)`,
`tape.gradient(loss, ...)`, a loss returned by a training step. A squared distance inside a `Lambda`, a
metric, a helper nobody calls, or a figure logged on `p.detach()` is none. Also: pieces of `np.split`
keep their data, and `torch.linspace` its range. Each case is a whole file; `# expect: RLxxx` marks every
line that must be flagged.
"""

from __future__ import annotations

import pytest

from relulint.testing import assert_markers

_SILENT = {
    "keras_distance_lambda_and_contrastive_loss": """
        import tensorflow as tf
        from tensorflow import keras
        from tensorflow.keras import layers

        def euclidean(vects):
            a, b = vects
            return tf.math.sqrt(tf.math.reduce_sum(tf.math.square(a - b), axis=1, keepdims=True) + 1e-7)

        def contrastive(y_true, y_pred):
            return tf.math.reduce_mean((1 - y_true) * tf.math.square(y_pred)
                                       + y_true * tf.math.square(tf.math.maximum(1.0 - y_pred, 0)))

        left, right = layers.Input((32,)), layers.Input((32,))
        tower = keras.Sequential([layers.Dense(16, activation="relu")])
        dist = layers.Lambda(euclidean)([tower(left), tower(right)])
        out = layers.Dense(1, activation="sigmoid")(layers.BatchNormalization()(dist))
        model = keras.Model([left, right], out)
        model.compile(loss=contrastive, optimizer="rmsprop")
    """,
    "keras_rmse_metric_with_a_custom_loss": """
        import numpy as np
        from tensorflow import keras
        from tensorflow.keras import backend as K

        def rmse(y_true, y_pred):
            return K.sqrt(K.mean(K.square(y_pred - y_true)))

        def focal(y_true, y_pred, gamma=2.0):
            p = K.clip(y_pred, 1e-7, 1 - 1e-7)
            return -K.mean(y_true * K.pow(1 - p, gamma) * K.log(p) + (1 - y_true) * K.pow(p, gamma) * K.log(1 - p))

        model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(16,)),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss=focal, metrics=[rmse])
        model.fit(np.random.rand(64, 16), np.random.randint(0, 2, (64, 1)), epochs=1)
    """,
    "torch_rmse_logged_on_detached_predictions": """
        import torch
        import torch.nn as nn

        def rmse(a, b):
            return torch.sqrt(((a - b) ** 2).mean())

        model = nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
        opt = torch.optim.Adam(model.parameters())
        crit = nn.BCELoss()
        x, y = torch.rand(256, 16), torch.randint(0, 2, (256, 1)).float()
        for _ in range(10):
            opt.zero_grad()
            p = model(x)
            loss = crit(p, y)
            loss.backward()
            opt.step()
            print(rmse(p.detach(), y).item())
    """,
}


@pytest.mark.parametrize("case", list(_SILENT))
def test_squared_forms_that_are_not_the_objective_stay_silent(case: str) -> None:
    assert not assert_markers(_SILENT[case])


_FIRES = {
    "keras_gradient_tape_entry": """
        import tensorflow as tf

        def train_step(model, x, y, opt):
            with tf.GradientTape() as tape:
                pred = model(x)
                loss = tf.reduce_mean(tf.square(pred - y))
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))

        model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"),
                                     tf.keras.layers.Dense(1, activation="relu")])  # expect: RL101
    """,
    "torch_backward_on_written_out_mse": """
        import torch
        import torch.nn as nn

        net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())  # expect: RL101
        opt = torch.optim.SGD(net.parameters(), lr=0.01)
        x, y = torch.randn(64, 4), torch.randn(64, 1)
        for _ in range(10):
            loss = ((net(x) - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    """,
    "numpy_split_pieces_keep_the_table": """
        import numpy
        from keras.models import Sequential
        from keras.layers import Dense

        dataset = numpy.loadtxt("measurements.csv", delimiter=",")  # expect: RL301
        train, test = numpy.split(dataset, [600])
        model = Sequential()
        model.add(Dense(12, input_dim=8, activation="relu"))
        model.add(Dense(1, activation="sigmoid"))
        model.compile(loss="binary_crossentropy", optimizer="adam")
        model.fit(train[:, 0:8], train[:, 8], epochs=10)
    """,
    "torch_linspace_range": """
        import torch
        import torch.nn as nn

        x = torch.linspace(0, 100, 500).unsqueeze(1)  # expect: RL301
        y = torch.sin(x)
        net = nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 1))
        opt = torch.optim.Adam(net.parameters())
        for _ in range(100):
            loss = nn.functional.mse_loss(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    """,
}


@pytest.mark.parametrize("case", list(_FIRES))
def test_fires(case: str) -> None:
    assert assert_markers(_FIRES[case])
