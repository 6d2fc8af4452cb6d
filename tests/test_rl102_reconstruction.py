"""A sigmoid output trained with squared error to reproduce scaled images (an autoencoder, a VAE's
decoder) is a bounded regression, not a classifier: RL102's advice (cross-entropy on the logits) does
not apply. Scaled data (ToTensor, x / 255, a MinMaxScaler) is continuous; 0/1 labels still fire."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source

TORCH_AE = """
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import datasets, transforms


class AE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(784, 64), nn.ReLU())
        self.dec = nn.Linear(64, 784)

    def forward(self, x):
        return torch.sigmoid(self.dec(self.enc(x.view(-1, 784))))


model = AE()
opt = torch.optim.Adam(model.parameters())
loader = torch.utils.data.DataLoader(datasets.MNIST("data", download=False, transform={TF}), batch_size=64)
for images, labels in loader:
    recon = model(images)
    loss = F.mse_loss(recon, {TARGET})
    opt.zero_grad()
    loss.backward()
    opt.step()
"""

KERAS_AE = """
import numpy as np
from tensorflow import keras

(x_train, _), _ = keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 784).astype("float32"){SCALE}
inp = keras.Input(shape=(784,))
code = keras.layers.Dense(32, activation="relu")(inp)
out = keras.layers.Dense(784, activation="sigmoid")(code)
auto = keras.Model(inp, out)
auto.compile(optimizer="adam", loss="mse")
auto.fit(x_train, {Y}, epochs=5)
"""


def found(code: str, path: str = "ae.py") -> list[tuple[str, int]]:
    result = lint_source(textwrap.dedent(code), path, Settings(select=["RL101", "RL102", "RL103"]))
    return sorted((f.code, f.origin.line) for f in result.findings)


@pytest.mark.parametrize(("tf", "target"), [
    ("transforms.ToTensor()", "images.view(-1, 784)"),
    ("transforms.Compose([transforms.ToTensor()])", "images.flatten(1)"),
])
def test_sigmoid_reconstruction_of_scaled_images_is_silent(tf, target):
    assert found(TORCH_AE.replace("{TF}", tf).replace("{TARGET}", target)) == []


def test_sigmoid_with_squared_error_on_class_labels_fires():
    code = TORCH_AE.replace("{TF}", "transforms.ToTensor()").replace(
        "{TARGET}", "F.one_hot(labels, 784).float()")
    assert found(code) == [("RL102", 15)]


@pytest.mark.parametrize("scale", [" / 255.0", " / 255"])
def test_keras_autoencoder_on_scaled_pixels_is_silent(scale):
    assert found(KERAS_AE.replace("{SCALE}", scale).replace("{Y}", "x_train")) == []


def test_keras_sigmoid_mse_on_binary_labels_fires():
    code = KERAS_AE.replace("{SCALE}", " / 255.0").replace("{Y}", "np.random.randint(0, 2, (60000, 784))")
    assert found(code) == [("RL102", 9)]
