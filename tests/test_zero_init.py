"""RL202 on all-zero weights feeding ReLU layers: std 0 is the extreme of an under-scaled init. Every unit
of the layer computes the same value (0 through the ReLU with zero biases) and gets the same gradient, none
at all through a ReLU sitting at 0: the classic network that never learns. As for any RL202 finding, at least
two ReLU layers must be so initialised; zero-initialised output layers, residual branches and adapters that
feed no ReLU are correct code and stay silent. Each case is a whole file; `# expect: RLxxx` marks every
line that must be flagged.
"""

from __future__ import annotations

import pytest

from relulint.testing import assert_markers

_FIRES = {
    "tf1_zeros": """
        import tensorflow as tf

        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        W1 = tf.Variable(tf.zeros([784, 256]))  # expect: RL202
        h1 = tf.nn.relu(tf.matmul(x, W1) + tf.Variable(tf.zeros([256])))
        W2 = tf.Variable(tf.zeros([256, 64]))  # expect: RL202
        h2 = tf.nn.relu(tf.matmul(h1, W2) + tf.Variable(tf.zeros([64])))
        logits = tf.matmul(h2, tf.Variable(tf.random_normal([64, 10], stddev=0.1)))
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    """,
    "torch_init_loop": """
        import torch.nn as nn

        class MLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 256)
                self.fc2 = nn.Linear(256, 128)
                self.fc3 = nn.Linear(128, 10)
                for m in self.modules():
                    if isinstance(m, nn.Linear):
                        nn.init.zeros_(m.weight)  # expect: RL202
                        nn.init.zeros_(m.bias)

            def forward(self, x):
                return self.fc3(self.fc2(self.fc1(x).relu()).relu())

        model = MLP()
        criterion = nn.CrossEntropyLoss()
    """,
    "torch_apply_constant_zero": """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))

        def init_weights(m):
            if type(m) == nn.Linear:
                nn.init.constant_(m.weight, 0.0)  # expect: RL202

        model.apply(init_weights)
        criterion = nn.MSELoss()
    """,
    "keras_zeros_string": """
        from tensorflow import keras

        model = keras.Sequential([
            keras.layers.Dense(64, activation="relu", kernel_initializer="zeros", input_shape=(20,)),  # expect: RL202
            keras.layers.Dense(64, activation="relu", kernel_initializer="zeros"),  # expect: RL202
            keras.layers.Dense(1),
        ])
        model.compile(optimizer="adam", loss="mse")
    """,
}


@pytest.mark.parametrize("case", list(_FIRES))
def test_zero_weights_feeding_relu_layers_fire(case: str) -> None:
    assert {code for _, code in assert_markers(_FIRES[case])} == {"RL202"}


_SILENT = {
    "zero_output_head": """
        import torch.nn as nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
                self.head = nn.Linear(64, 10)
                nn.init.zeros_(self.head.weight)
                nn.init.zeros_(self.head.bias)

            def forward(self, x):
                return self.head(self.body(x))

        criterion = nn.CrossEntropyLoss()
    """,
    "zero_adapter_branch": """
        import torch.nn as nn

        class LoRALinear(nn.Module):
            def __init__(self, d, r=4):
                super().__init__()
                self.base = nn.Linear(d, d)
                self.down = nn.Linear(d, r, bias=False)
                self.up = nn.Linear(r, d, bias=False)
                nn.init.zeros_(self.up.weight)

            def forward(self, x):
                return self.base(x) + self.up(self.down(x))

        net = nn.Sequential(LoRALinear(16), nn.ReLU(), nn.Linear(16, 2))
        criterion = nn.CrossEntropyLoss()
    """,
    "zero_biases_only": """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))
        for m in model:
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)
        criterion = nn.CrossEntropyLoss()
    """,
    "softmax_regression_zeros": """
        import tensorflow as tf

        x = tf.placeholder(tf.float32, [None, 784])
        y_ = tf.placeholder(tf.float32, [None, 10])
        W = tf.Variable(tf.zeros([784, 10]))
        b = tf.Variable(tf.zeros([10]))
        y = tf.matmul(x, W) + b
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y))
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    """,
}


@pytest.mark.parametrize("case", list(_SILENT))
def test_zero_weights_elsewhere_stay_silent(case: str) -> None:
    assert not assert_markers(_SILENT[case])
