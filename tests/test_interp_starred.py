"""`*xs` of unknown length in a call or a list: the parts it stands for are unknown, in their place.

`build_model(*cfg)` says nothing about build_model's later parameters (their defaults are not what
was passed), and `nn.Sequential(*blocks(), nn.Linear(...))` does not start with that Linear."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source


def found(code: str) -> list[tuple[str, int]]:
    result = lint_source(textwrap.dedent(code), "train.py", Settings())
    return sorted((f.code, f.origin.line) for f in result.findings)


BUILDER = """
import torch.nn as nn


def build_model(n_in, out_act="relu", *extra):
    layers = [nn.Linear(n_in, 32), nn.ReLU(), nn.Linear(32, 1)]
    if out_act == "relu":
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def train(cfg, x, y):
    model = {CALL}
    loss = nn.MSELoss()(model(x), y)
    loss.backward()
"""


@pytest.mark.parametrize(("call", "want"), [
    ("build_model(*cfg)", []),
    ("build_model(8, *cfg)", []),
    ("build_model(*cfg, 'relu')", []),  # 'relu' lands in an unknown position
    ("build_model(8)", [("RL101", 8)]),
    ("build_model(8, *[])", [("RL101", 8)]),
    ("build_model(*(8, 'relu'))", [("RL101", 8)]),
    ("build_model(*cfg, out_act='relu')", [("RL101", 8)]),
    ("build_model(*[8, 'linear'])", []),
])
def test_unknown_star_args_leave_later_parameters_unknown(call, want):
    assert found(BUILDER.format(CALL=call)) == want


STACK = """
import numpy as np
import torch
import torch.nn as nn
{DEF}

x = torch.tensor(np.random.randint(0, 256, (64, 784)), dtype=torch.float32)
y = torch.randint(0, 10, (64,))
model = nn.Sequential({LAYERS})
loss = nn.CrossEntropyLoss()(model(x), y)
loss.backward()
"""


@pytest.mark.parametrize(("defs", "layers", "want"), [
    ("", "*preprocessing(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)", []),
    ("", "*[*preprocessing(), nn.Linear(784, 128)], nn.ReLU(), nn.Linear(128, 10)", []),
    ("", "nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)", [("RL301", 7)]),
    ("\ndef preprocessing():\n    return [nn.Flatten()]\n", "*preprocessing(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)",
     [("RL301", 10)]),
])
def test_unknown_starred_layers_are_not_dropped(defs, layers, want):
    assert found(STACK.format(DEF=defs, LAYERS=layers)) == want
