"""Entry points of a training script: a function the file names again but never runs (`def train(model,
...)` beside `model.train()`, `def test(...)` beside `model.test`) is still evaluated, with unknown
arguments. A loss it applies to an unknown model stands for the file's one network only."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source

NET = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 50)
        self.fc2 = nn.Linear(50, 3)

    def forward(self, x):
        return {OUT}
"""

TRAIN_FN = """

def train(model, loader, opt):
    model.train()
    for x, y in loader:
        opt.zero_grad()
        loss = {LOSS}
        loss.backward()
        opt.step()
"""


def found(code: str) -> list[tuple[str, int]]:
    result = lint_source(textwrap.dedent(code), "train.py", Settings(select=["RL101", "RL102", "RL103"]))
    return sorted((f.code, f.origin.line) for f in result.findings)


@pytest.mark.parametrize(("out", "loss", "want"), [
    ("self.fc2(F.relu(self.fc1(x)))", "F.nll_loss(model(x), y)", [("RL103", 21)]),
    ("F.softmax(self.fc2(F.relu(self.fc1(x))), dim=1)", "F.cross_entropy(model(x), y)", [("RL103", 14)]),
    ("torch.sigmoid(self.fc2(F.relu(self.fc1(x))))", "nn.BCEWithLogitsLoss()(model(x), y)", [("RL103", 14)]),
    ("F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)", "F.nll_loss(model(x), y)", []),
    ("self.fc2(F.relu(self.fc1(x)))", "F.cross_entropy(model(x), y)", []),
    ("torch.sigmoid(self.fc2(F.relu(self.fc1(x))))", "nn.BCELoss()(model(x), y)", []),
])
def test_train_function_named_again_by_model_train_is_an_entry(out, loss, want):
    assert found(NET.format(OUT=out) + TRAIN_FN.format(LOSS=loss)) == want


def test_a_test_function_called_nowhere_but_named_in_a_docstring_is_an_entry():
    code = NET.format(OUT="F.softmax(self.fc2(F.relu(self.fc1(x))), dim=1)") + '''

def test(model, loader):
    """test the model"""
    model.eval()
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        loss.backward()
'''
    assert found(code) == [("RL103", 14)]


def test_an_unknown_model_loss_does_not_judge_either_of_two_networks():
    """Two networks (a GAN) and a loss applied to a model passed in: nothing says which it trains."""
    code = NET.format(OUT="self.fc2(F.relu(self.fc1(x)))") + '''

class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        return self.fc(x)
''' + TRAIN_FN.format(LOSS="F.nll_loss(model(x), y)")
    assert found(code) == []


def test_library_file_without_training_code_runs_no_extra_entries():
    """A model file that never trains does not pay for running every named helper."""
    code = NET.format(OUT="self.fc2(F.relu(self.fc1(x)))") + '''

def helper(model, x):
    model.helper = 1
    return F.nll_loss(model(x), x)
'''
    assert found(code) == []


def test_training_step_inherited_from_a_base_judges_each_subclass():
    code = '''
import lightning as L
import torch.nn as nn
import torch.nn.functional as F


class Base(L.LightningModule):
    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.mse_loss(self(x), y)


class Good(Base):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)


class Bad(Base):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())

    def forward(self, x):
        return self.net(x)
'''
    assert found(code) == [("RL101", 25)]
    assert found(code.replace("nn.Linear(16, 1), nn.ReLU())", "nn.Linear(16, 1))")) == []
