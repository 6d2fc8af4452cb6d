"""torch's KL divergence (nn.KLDivLoss, F.kl_div) takes log-probabilities as its input: probabilities
or raw logits there give a wrong, often negative, loss (RL103). Keras' KLDivergence takes
probabilities and is not judged this way."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source

STUDENT = """
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.functional import kl_div


class Student(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        return {OUT}


student = Student()
teacher = torch.softmax(torch.randn(8, 10), -1)
out = student(torch.randn(8, 32))
loss = {LOSS}
loss.backward()
"""


def found(out: str, loss: str) -> list[tuple[str, int]]:
    code = STUDENT.replace("{OUT}", out).replace("{LOSS}", loss)
    result = lint_source(textwrap.dedent(code), "kd.py", Settings(select=["RL101", "RL102", "RL103"]))
    return sorted((f.code, f.origin.line) for f in result.findings)


@pytest.mark.parametrize(("out", "loss"), [
    ("F.softmax(self.fc(x), dim=-1)", 'nn.KLDivLoss(reduction="batchmean")(out, teacher)'),
    ("self.fc(x)", 'F.kl_div(out, teacher, reduction="batchmean")'),
    ("self.fc(x).softmax(-1)", "kl_div(input=out, target=teacher)"),
])
def test_probabilities_or_logits_into_kl_div_fire(out, loss):
    assert found(out, loss) == [("RL103", 20)]


@pytest.mark.parametrize(("out", "loss"), [
    ("F.log_softmax(self.fc(x), dim=-1)", 'nn.KLDivLoss(reduction="batchmean")(out, teacher)'),
    ("self.fc(x)", 'F.kl_div(F.log_softmax(out / 2.0, dim=1), teacher, reduction="batchmean") * 4.0'),
    ("F.softmax(self.fc(x), dim=-1)", "F.kl_div(torch.log(out), teacher)"),
    ("self.fc(x)", "kl_div(out.log_softmax(dim=-1), teacher, log_target=False)"),
])
def test_log_probabilities_into_kl_div_are_silent(out, loss):
    assert found(out, loss) == []


def test_keras_kl_divergence_takes_probabilities():
    code = """
    from tensorflow import keras
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation="softmax")])
    model.compile(loss=keras.losses.KLDivergence())
    """
    result = lint_source(textwrap.dedent(code), "k.py", Settings(select=["RL103"]))
    assert result.findings == []
