"""RL103 on a single output unit under a softmax: softmax of one value is always 1, so the loss is constant
and no gradient reaches the network. Two shapes: a softmax output activation over one unit (the binary
classifier written `Dense(1, activation="softmax")`), and a loss that normalises over the classes (PyTorch
`CrossEntropyLoss` / `NLLLoss`, Keras (sparse) categorical crossentropy, TF `softmax_cross_entropy`) given a
one-unit output (`nn.Linear(64, 1)` trained with `CrossEntropyLoss`).

The softmax must normalise over the layer's units: Keras and TF over the last axis unless an axis is stated,
PyTorch over the `dim` stated (1 or -1). A softmax over another axis of a one-unit score (attention pooling
over time steps, a pointer over positions after a squeeze) is correct code and stays silent. Each case is a
whole file; `# expect: RLxxx` marks every line that must be flagged.
"""

from __future__ import annotations

import pytest

from relulint.testing import assert_markers

_FIRES = {
    "keras_sequential_fused": """
        from tensorflow import keras
        from tensorflow.keras import layers

        model = keras.Sequential([
            layers.Dense(16, activation="relu", input_shape=(8,)),
            layers.Dense(1, activation="softmax"),  # expect: RL103
        ])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    """,
    "keras_functional_tf_nn": """
        import tensorflow as tf
        from tensorflow.keras.layers import Dense, Input
        from tensorflow.keras.models import Model

        inp = Input(shape=(20,))
        h = Dense(32, activation="relu")(inp)
        out = Dense(1, activation=tf.nn.softmax)(h)  # expect: RL103
        model = Model(inp, out)
        model.compile(optimizer="rmsprop", loss=tf.keras.losses.BinaryCrossentropy())
    """,
    "keras_add_activation_layer": """
        from keras.models import Sequential
        from keras.layers import Activation, Dense, Dropout

        model = Sequential()
        model.add(Dense(64, input_dim=30))
        model.add(Activation("relu"))
        model.add(Dense(1))
        model.add(Dropout(0.5))
        model.add(Activation("softmax"))  # expect: RL103
        model.compile(loss="binary_crossentropy", optimizer="sgd")
    """,
    "torch_sequential": """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1), nn.Softmax(dim=1))  # expect: RL103
        criterion = nn.BCELoss()
    """,
    "torch_functional_last_dim": """
        import torch.nn as nn
        import torch.nn.functional as F

        class Spam(nn.Module):
            def __init__(self):
                super().__init__()
                self.hidden = nn.Linear(300, 64)
                self.out = nn.Linear(64, 1)

            def forward(self, x):
                return F.softmax(self.out(F.relu(self.hidden(x))), dim=-1)  # expect: RL103

        criterion = nn.BCELoss()
    """,
    "torch_method": """
        from torch import nn

        class Head(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.fc = nn.Linear(d, 1)

            def forward(self, x):
                return self.fc(x).softmax(dim=1)  # expect: RL103

        net = Head(128)
        loss_fn = nn.BCELoss()
    """,
    "torch_linear_cross_entropy": """
        import torch
        import torch.nn as nn

        class Clf(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(12, 64), nn.ReLU())
                self.out = nn.Linear(64, 1)  # expect: RL103

            def forward(self, x):
                return self.out(self.body(x))

        model = Clf()
        criterion = nn.CrossEntropyLoss()
        opt = torch.optim.Adam(model.parameters())
        x, y = torch.randn(32, 12), torch.randint(0, 2, (32,))
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
    """,
    "keras_sigmoid_categorical": """
        from tensorflow import keras

        model = keras.Sequential()
        model.add(keras.layers.Dense(32, activation="relu", input_shape=(10,)))
        model.add(keras.layers.Dense(1, activation="sigmoid"))  # expect: RL103
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    """,
    "keras_sparse_from_logits": """
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(1)])  # expect: RL103
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    """,
    "tf1_softmax_cross_entropy": """
        import tensorflow as tf

        x = tf.placeholder(tf.float32, [None, 20])
        y = tf.placeholder(tf.float32, [None, 1])
        h = tf.layers.dense(x, 32, activation=tf.nn.relu)
        logits = tf.layers.dense(h, 1)  # expect: RL103
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = tf.train.AdamOptimizer().minimize(loss)
    """,
}


@pytest.mark.parametrize("case", list(_FIRES))
def test_single_unit_softmax_fires(case: str) -> None:
    assert {code for _, code in assert_markers(_FIRES[case])} == {"RL103"}


_SILENT = {
    "keras_two_units": """
        from tensorflow import keras

        model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    """,
    "keras_sigmoid": """
        from tensorflow import keras

        model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
    """,
    "torch_no_dim": """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1), nn.Softmax())
        criterion = nn.BCELoss()
    """,
    "torch_attention_pooling": """
        import torch
        import torch.nn as nn

        class AttnPool(nn.Module):
            def __init__(self, d, classes):
                super().__init__()
                self.rnn = nn.GRU(d, d, batch_first=True)
                self.score = nn.Linear(d, 1)
                self.cls = nn.Linear(d, classes)

            def forward(self, x):
                h, _ = self.rnn(x)
                w = torch.softmax(self.score(h), dim=1)
                return self.cls((w * h).sum(dim=1))

        model = AttnPool(64, 5)
        criterion = nn.CrossEntropyLoss()
    """,
    "torch_pointer_after_squeeze": """
        import torch.nn as nn
        import torch.nn.functional as F

        class Pointer(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.score = nn.Linear(d, 1)

            def forward(self, enc):
                return F.log_softmax(self.score(enc).squeeze(-1), dim=-1)

        net = Pointer(32)
        criterion = nn.NLLLoss()
    """,
    "keras_attention_over_time": """
        from tensorflow.keras import Model, layers

        inp = layers.Input(shape=(50, 64))
        score = layers.Dense(1)(inp)
        weights = layers.Softmax(axis=1)(score)
        context = layers.Dot(axes=1)([weights, inp])
        out = layers.Dense(3, activation="softmax")(layers.Flatten()(context))
        model = Model(inp, out)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
    """,
    "torch_two_class_cross_entropy": """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, 2))
        criterion = nn.CrossEntropyLoss()
    """,
    "torch_one_unit_bce_with_logits": """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, 1))
        criterion = nn.BCEWithLogitsLoss()
    """,
    "torch_classes_from_argument": """
        import torch.nn as nn

        def build(num_classes):
            return nn.Sequential(nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, num_classes))

        criterion = nn.CrossEntropyLoss()
    """,
    "keras_sigmoid_binary": """
        from tensorflow import keras

        model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", optimizer="adam")
    """,
}


@pytest.mark.parametrize("case", list(_SILENT))
def test_other_softmax_outputs_stay_silent(case: str) -> None:
    assert not assert_markers(_SILENT[case])


def test_single_unit_softmax_with_squared_error_is_rl102_only() -> None:
    assert assert_markers("""
        from tensorflow import keras

        model = keras.Sequential([keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, activation="softmax")])  # expect: RL102
        model.compile(optimizer="adam", loss="mse")
    """) == {(4, "RL102")}


def test_single_unit_softmax_offers_no_fix() -> None:
    from relulint.fixes import attach
    from relulint.testing import lint_case

    source, _, result = lint_case(_FIRES["torch_sequential"])
    (f,) = attach(list(result.findings), {"main.py": source})
    assert f.code == "RL103" and f.fix is None
    # (a softmax before CrossEntropyLoss, the other RL103, does get its fix: fixes are attached here)
    source, _, result = lint_case("""
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1))
        loss_fn = nn.CrossEntropyLoss()
    """)
    (g,) = attach(list(result.findings), {"main.py": source})
    assert g.fix is not None
