"""Outputs that clamp the logits, ReLU outputs behind a pixel shuffle, and wrappers of several networks.

- RL103: a ReLU (or ReLU6, hard sigmoid) as the output of a model trained with a loss that expects logits
  (`CrossEntropyLoss`, `BCEWithLogitsLoss`, Keras `from_logits=True`): every negative logit is cut to 0
  with no gradient. So is a ReLU after the last layer and before a final softmax / log_softmax. The first
  has an unsafe fix (drop the ReLU); the second none.
- RL101: a sub-pixel upscaling (`nn.PixelShuffle`, `F.pixel_shuffle`, `tf.nn.depth_to_space`) moves
  values between channels and space: a ReLU before it is still the output's.
- A Keras model that wraps two networks and trains them in `train_step` (a GAN) has no path of its own:
  its parts' declaration order is not read as one.
Each case is a whole file; `# expect: RLxxx` marks every line that must be flagged.
"""

from __future__ import annotations

import pytest

from relulint.testing import assert_markers, lint_case

_FIRES = {
    "torch_sequential_relu_cross_entropy": """
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10), nn.ReLU())  # expect: RL103
        loss_fn = nn.CrossEntropyLoss()
        x, y = torch.rand(64, 784), torch.randint(0, 10, (64,))
        loss = loss_fn(model(x), y)
        loss.backward()
    """,
    "torch_functional_relu_bce_with_logits": """
        import torch.nn as nn
        import torch.nn.functional as F

        class Detector(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(40, 64)
                self.fc2 = nn.Linear(64, 1)

            def forward(self, x):
                return F.relu(self.fc2(F.relu(self.fc1(x))))  # expect: RL103

        net = Detector()
        criterion = nn.BCEWithLogitsLoss()
    """,
    "keras_fused_relu_from_logits": """
        import tensorflow as tf

        model = tf.keras.Sequential([
            tf.keras.layers.Flatten(input_shape=(28, 28)),
            tf.keras.layers.Dense(128, activation="relu"),
            tf.keras.layers.Dense(10, activation="relu"),  # expect: RL103
        ])
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    """,
    "torch_relu_before_log_softmax": """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                x = F.relu(self.fc1(x))
                x = F.relu(self.fc2(x))  # expect: RL103
                return F.log_softmax(x, dim=1)

        model = Net()
        criterion = nn.NLLLoss()
    """,
    "keras_relu_then_softmax_layer": """
        from keras.models import Sequential
        from keras.layers import Activation, Dense

        model = Sequential()
        model.add(Dense(64, input_dim=20, activation="relu"))
        model.add(Dense(5))
        model.add(Activation("relu"))  # expect: RL103
        model.add(Activation("softmax"))
        model.compile(loss="categorical_crossentropy", optimizer="sgd")
    """,
    "torch_pixel_shuffle_relu_output": """
        import torch
        import torch.nn as nn

        class SubPixel(nn.Module):
            def __init__(self, r=3):
                super().__init__()
                self.body = nn.Sequential(nn.Conv2d(1, 64, 5, padding=2), nn.ReLU())
                self.out = nn.Conv2d(64, r * r, 3, padding=1)
                self.act = nn.ReLU()
                self.shuffle = nn.PixelShuffle(r)

            def forward(self, x):
                return self.shuffle(self.act(self.out(self.body(x))))  # expect: RL101

        model = SubPixel()
        criterion = nn.MSELoss()
        opt = torch.optim.Adam(model.parameters())
        lr, hr = torch.rand(8, 1, 32, 32), torch.rand(8, 1, 96, 96)
        loss = criterion(model(lr), hr)
        loss.backward()
        opt.step()
    """,
    "keras_depth_to_space_relu_output": """
        import tensorflow as tf
        from tensorflow import keras
        from tensorflow.keras import layers

        inputs = keras.Input(shape=(None, None, 1))
        h = layers.Conv2D(64, 5, padding="same", activation="relu")(inputs)
        h = layers.Conv2D(9, 3, padding="same", activation="relu")(h)  # expect: RL101
        outputs = tf.nn.depth_to_space(h, 3)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss="mse")
    """,
}


@pytest.mark.parametrize("case", list(_FIRES))
def test_fires(case: str) -> None:
    assert assert_markers(_FIRES[case])


_SILENT = {
    "relu_hidden_linear_logits": """
        from torch import nn

        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 10))
        loss_fn = nn.CrossEntropyLoss()
    """,
    "keras_relu_hidden_softmax_output": """
        from tensorflow import keras

        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(5),
                                  keras.layers.Activation("softmax")])
        model.compile(loss="categorical_crossentropy", optimizer="sgd")
    """,
    "keras_gan_wrapper": """
        import tensorflow as tf
        from tensorflow import keras
        from tensorflow.keras import layers

        disc = keras.Sequential([keras.Input(shape=(16,)), layers.Dense(32), layers.LeakyReLU(0.2), layers.Dense(1)])
        gen = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(32), layers.LeakyReLU(0.2),
                                layers.Dense(16, activation="sigmoid")])

        class GAN(keras.Model):
            def __init__(self, discriminator, generator):
                super().__init__()
                self.discriminator = discriminator
                self.generator = generator

            def compile(self, d_optimizer, loss_fn):
                super().compile()
                self.d_optimizer = d_optimizer
                self.loss_fn = loss_fn

            def train_step(self, real):
                z = tf.random.normal((tf.shape(real)[0], 8))
                with tf.GradientTape() as tape:
                    fake = self.discriminator(self.generator(z))
                    d_loss = self.loss_fn(tf.zeros((tf.shape(real)[0], 1)), fake)
                grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
                self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
                return {"d_loss": d_loss}

        gan = GAN(disc, gen)
        gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
        gan.fit(tf.random.uniform((256, 16)), epochs=2)
    """,
}


@pytest.mark.parametrize("case", list(_SILENT))
def test_silent(case: str) -> None:
    assert not assert_markers(_SILENT[case])


def _fixed(code: str) -> list:
    from relulint.fixes import attach

    source, _, result = lint_case(code)
    return attach(list(result.findings), {"main.py": source})


def test_relu_before_a_logits_loss_has_an_unsafe_removal_fix() -> None:
    (f,) = _fixed(_FIRES["torch_sequential_relu_cross_entropy"])
    assert f.fix is not None and f.fix.applicability == "unsafe"
    assert "Remove the final relu" in f.fix.message


def test_relu_before_a_final_log_softmax_has_no_fix() -> None:
    (f,) = _fixed(_FIRES["torch_relu_before_log_softmax"])
    assert f.code == "RL103" and f.fix is None
