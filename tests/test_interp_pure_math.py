"""Numbers computed with math / numpy functions (`1 / math.sqrt(fan_in)`, `np.sqrt(2 / n)`, `math.pi`)
are folded, so an initialiser written with them is judged like one written with literals."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.source.interp.evaluator import MAX_INT
from relulint.source.interp.pure import fold

LOOP_INIT = """
import math
import numpy as np
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, d_in=32, d_hidden=256, n_layers=4):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(d_in if i == 0 else d_hidden, d_hidden) for i in range(n_layers)])
        self.out = nn.Linear(d_hidden, 10)
        for lin in self.layers:
            {INIT}

    def forward(self, x):
        for lin in self.layers:
            x = torch.relu(lin(x))
        return self.out(x)


model = Encoder()
loss_fn = nn.CrossEntropyLoss()
"""


def found(code: str) -> list[tuple[str, int]]:
    result = lint_source(textwrap.dedent(code), "model.py", Settings(select=["RL201", "RL202", "RL203"]))
    return sorted((f.code, f.origin.line) for f in result.findings)


@pytest.mark.parametrize(("init", "want"), [
    ("nn.init.uniform_(lin.weight, 0, 1 / math.sqrt(lin.in_features))", [("RL201", 14)]),
    ("nn.init.uniform_(lin.weight, a=0.0, b=np.sqrt(1.0 / lin.in_features))", [("RL201", 14)]),
    ("nn.init.normal_(lin.weight, mean=1 / math.sqrt(d_hidden), std=0.01)", [("RL201", 14)]),
    ("nn.init.normal_(lin.weight, 0.0, 1e-2 / math.sqrt(lin.in_features))", [("RL202", 14)]),
    ("nn.init.normal_(lin.weight, std=math.sqrt(2.0 / lin.in_features))", []),
    ("nn.init.uniform_(lin.weight, -1 / math.sqrt(lin.in_features), 1 / math.sqrt(lin.in_features))", []),
    ("nn.init.normal_(lin.weight, 0.0, np.sqrt(2 / lin.in_features))", []),
    ("nn.init.trunc_normal_(lin.weight, std=math.sqrt(2.0 / (math.pi * lin.in_features)) * math.pi / 2)", []),
])
def test_math_in_initialisers_is_folded(init, want):
    assert found(LOOP_INIT.replace("{INIT}", init)) == want


def test_fold_stays_within_bounds():
    assert fold("math.sqrt", [16], MAX_INT) == 4.0
    assert fold("numpy.log", [1.0], MAX_INT) == 0.0
    assert fold("math.exp", [10_000], MAX_INT) is NotImplemented  # overflow
    assert fold("math.sqrt", [-1], MAX_INT) is NotImplemented  # domain error
    assert fold("math.floor", [1e300], MAX_INT) is NotImplemented  # an integer past the bound
    assert fold("math.pow", [10, 400], MAX_INT) is NotImplemented
    assert fold("math.sqrt", [True], MAX_INT) is NotImplemented
    assert fold("math.factorial", [10 ** 6], MAX_INT) is NotImplemented  # not a folded function
