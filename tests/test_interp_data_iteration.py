"""Data iterated by hand reaches the network with its values: `for xb, yb in zip(X, y)`, mini-batches
cut with np.array_split / torch.split / torch.chunk. One row or piece stands for all of them."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source

SCRIPT = """
import numpy as np
import pandas as pd
import torch
from torch import nn
from sklearn.preprocessing import StandardScaler

X = {SOURCE}
y = np.random.rand(1000)
{SCALE}
net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.SGD(net.parameters(), lr=0.01)
{LOOP}
    pred = net(torch.as_tensor(xb, dtype=torch.float32))
    loss = ((pred.squeeze(-1) - torch.as_tensor(yb, dtype=torch.float32)) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""

LOOPS = [
    "for xb, yb in zip(X, y):",
    "for xb, yb in zip(np.array_split(X, 10), np.array_split(y, 10)):",
    "for xb, yb in zip(torch.split(torch.as_tensor(X), 32), torch.split(torch.as_tensor(y), 32)):",
    "for i, (xb, yb) in enumerate(zip(torch.chunk(torch.as_tensor(X), 8), torch.chunk(torch.as_tensor(y), 8))):",
]
SOURCES = ['pd.read_csv("sensors.csv").values', "np.random.uniform(0, 1e4, (1000, 6))"]


def found(code: str) -> list[tuple[str, int]]:
    result = lint_source(textwrap.dedent(code), "fit.py", Settings(select=["RL301", "RL302"]))
    return sorted((f.code, f.origin.line) for f in result.findings)


def script(source: str, loop: str, scale: str = "") -> str:
    return SCRIPT.replace("{SOURCE}", source).replace("{LOOP}", loop).replace("{SCALE}", scale)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("loop", LOOPS)
def test_unscaled_data_iterated_by_hand_fires(source, loop):
    assert [c for c, _ in found(script(source, loop))] == ["RL301"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("loop", LOOPS)
def test_scaled_data_iterated_by_hand_is_silent(source, loop):
    assert found(script(source, loop, "X = StandardScaler().fit_transform(X)")) == []


def test_labels_zipped_beside_data_are_not_the_input():
    """Only what reaches the network counts: the zipped targets are not its input."""
    code = script("np.random.rand(1000, 6)", "for xb, yb in zip(X, np.random.uniform(0, 1e4, 1000)):")
    assert found(code) == []
