"""Branches on values the interpreter cannot know (a constructor flag nobody passes, a parameter of an
uncalled builder): an activation only one arm applies is not the model's output activation for sure,
so no rule judges by it. What both arms do stays certain (a ReLU before an optional Dropout), and a
flag that is known (the model is built with positive=True) picks its arm as before.

The same holds for containers changed in place in one arm (`layers.append(nn.ReLU())`, `model.add`,
`self.act = nn.ReLU()`), and for an unknown library function applied to the output: it is not raw
logits, it is unknown."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source


def found(code: str, path: str = "model.py") -> list[tuple[str, int]]:
    result = lint_source(textwrap.dedent(code), path, Settings(select=["RL101", "RL102", "RL103"]))
    return sorted((f.code, f.origin.line) for f in result.findings)


TORCH_FLAG = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, n_in, flag):
        super().__init__()
        self.fc1 = nn.Linear(n_in, 64)
        self.out = nn.Linear(64, 1)
        self.flag = flag

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.out(x)
{BODY}
        return x


def train(model, loader):
    for xb, yb in loader:
        loss = {LOSS}
        loss.backward()
{BUILD}
"""


def torch_case(body: str, loss: str = "F.mse_loss(model(xb), yb)", build: str = "") -> str:
    return TORCH_FLAG.format(BODY=textwrap.indent(textwrap.dedent(body), " " * 8), LOSS=loss, BUILD=build)


@pytest.mark.parametrize("body", [
    "if self.flag:\n    x = F.relu(x)",
    "if self.flag:\n    x = torch.relu(x)\nelse:\n    x = x",
    "x = F.relu(x) if self.flag else x",
    "if not self.flag:\n    pass\nelse:\n    x = x.clamp(min=0)",
    "if self.flag:\n    x = torch.sigmoid(x)",
    "if self.flag:\n    return torch.sigmoid(x)",
])
def test_activation_in_one_arm_of_an_unknown_flag_is_not_judged(body):
    assert found(torch_case(body)) == []


@pytest.mark.parametrize(("body", "line"), [
    ("x = F.relu(x)\nif self.training:\n    x = F.dropout(x, 0.2)", 17),
    ("x = F.relu(x)\nif self.flag:\n    x = x.view(-1)", 17),
    ("if self.flag:\n    x = F.relu(x)\nelse:\n    x = F.relu(x)", 18),
])
def test_what_both_arms_do_stays_certain(body, line):
    assert found(torch_case(body)) == [("RL101", line)]


@pytest.mark.parametrize(("build", "want"), [
    ("\n\nmodel = Net(8, flag=True)", [("RL101", 18)]),
    ("\n\nmodel = Net(8, True)", [("RL101", 18)]),
    ("\n\nmodel = Net(8, flag=False)", []),
])
def test_a_known_flag_picks_its_arm(build, want):
    code = torch_case("if self.flag:\n    x = F.relu(x)", build=build).replace(
        "def train(model, loader):", "def train(loader):")
    assert found(code) == want


def test_both_arms_probabilities_then_bce_is_not_called_logits():
    """softmax in one arm, sigmoid in the other: the output is probabilities either way; the join of the
    two is unknown, never raw logits (BCELoss must not be told it gets logits)."""
    body = "if self.flag:\n    x = torch.softmax(x, dim=1)\nelse:\n    x = torch.sigmoid(x)"
    assert found(torch_case(body, loss="nn.BCELoss()(model(xb), yb)")) == []


@pytest.mark.parametrize("call", ["squash(self.out(x))", "mylib.squash(self.out(x))", "self.out(x).pipe(squash)"])
def test_unknown_function_on_the_output_is_not_raw_logits(call):
    code = torch_case("", loss="nn.BCELoss()(model(xb), yb)").replace("x = self.out(x)", f"x = {call}")
    code = code.replace("import torch\n", "import torch\nimport mylib\nfrom mylib import squash\n", 1)
    assert found(code) == []


def test_raw_logits_into_bce_still_fire():
    assert found(torch_case("", loss="nn.BCELoss()(model(xb), yb)")) == [("RL103", 23)]


# ------------------------------------------------------------------------------ containers


LIST_BUILDER = """
import torch.nn as nn


def make_mlp(n_in, out_act, dropout=0.0):
    layers = [nn.Linear(n_in, 64), nn.ReLU()]
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(64, 1))
    {OUT}
    return nn.Sequential(*layers)


def fit(model, x, y):
    loss = nn.MSELoss()(model(x), y)
    loss.backward()
{CALL}
"""


@pytest.mark.parametrize(("out", "call", "want"), [
    ('if out_act == "relu":\n        layers.append(nn.ReLU())', "", []),
    ('if out_act:\n        layers += [nn.ReLU()]', "", []),
    ('if out_act == "relu":\n        layers.append(nn.ReLU())', '\n\nfit(make_mlp(4, "relu"), 0, 0)', [("RL101", 11)]),
    ('if out_act == "relu":\n        layers.append(nn.ReLU())', '\n\nfit(make_mlp(4, "none"), 0, 0)', []),
    ("layers.append(nn.ReLU())", "", [("RL101", 10)]),  # no branch: the optional Dropout stays neutral
])
def test_list_appended_in_one_arm(out, call, want):
    assert found(LIST_BUILDER.format(OUT=out, CALL=call)) == want


KERAS_BUILDER = """
from tensorflow import keras
from tensorflow.keras import layers


def build(n_features, positive=False):
    model = keras.Sequential()
    model.add(layers.Dense(64, activation="relu", input_shape=(n_features,)))
    if positive:
        model.add(layers.Dense(1, activation="relu"))
    else:
        model.add(layers.Dense(1))
    model.compile(optimizer="adam", loss="mse")
    return model
{CALL}
"""


@pytest.mark.parametrize(("call", "want"), [
    ("", []),
    ("\n\nmodel = build(13, positive=True)", [("RL101", 10)]),
    ("\n\nmodel = build(13)", []),
])
def test_keras_model_add_in_one_arm(call, want):
    assert found(KERAS_BUILDER.format(CALL=call)) == want


ATTR_FLAG = """
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n_in, positive):
        super().__init__()
        self.fc = nn.Linear(n_in, 1)
        {ACT}

    def forward(self, x):
        return self.act(self.fc(x))


def train(model, x, y):
    loss = nn.MSELoss()(model(x), y)
    loss.backward()
"""


@pytest.mark.parametrize(("act", "want"), [
    ("self.act = nn.Identity()\n        if positive:\n            self.act = nn.ReLU()", []),
    ("if positive:\n            self.act = nn.ReLU()\n        else:\n            self.act = nn.Identity()", []),
    ("self.act = nn.ReLU() if positive else nn.Identity()", []),
    ("if positive:\n            self.act = nn.ReLU()\n        else:\n            self.act = nn.ReLU(inplace=True)", []),
    ("self.act = nn.ReLU()", [("RL101", 12)])  # a shared self.act: where it is applied,
])
def test_module_attribute_set_in_one_arm(act, want):
    assert found(ATTR_FLAG.format(ACT=act)) == want
