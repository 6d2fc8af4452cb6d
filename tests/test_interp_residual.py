"""A residual add in source (`relu(fc(x)) + x`) is a join in the IR: the sum is no activation's output.

Each silent case has a firing twin that differs only in where the ReLU sits; the init rules still
see the hidden layer in front of its ReLU.
"""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import FactsCache, lint_file

HEAD = "import torch\nimport torch.nn as nn\n"
TRAIN = """
model = Net()
loss_fn = nn.MSELoss()
opt = torch.optim.Adam(model.parameters())
for x, y in loader:
    loss = loss_fn(model(x), y)
    loss.backward()
"""


def findings(tmp_path, forward: str, init: str = "") -> tuple[list[tuple[str, int, int]], list[str]]:
    body = "\n".join(" " * 8 + line for line in forward.splitlines())
    code = HEAD + textwrap.dedent("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(8, 8)
                self.fc2 = nn.Linear(8, 8)
                self.block = nn.Sequential(nn.Linear(8, 8), nn.ReLU())
        """) + (" " * 8 + init + "\n" if init else "") + "\n    def forward(self, x):\n" + body + "\n" + TRAIN
    path = tmp_path / "model.py"
    path.write_text(code)
    result = lint_file(str(path), Settings(select=["RL001", "RL101", "RL201"]), FactsCache())
    return sorted((f.code, f.origin.line, f.origin.col) for f in result.findings), code.splitlines()


@pytest.mark.parametrize("forward", [
    "return torch.relu(self.fc1(x)) + x",
    "return x + torch.relu(self.fc1(x))",
    "h = torch.relu(self.fc1(x))\nh += x\nreturn h",
    "return self.block(x) + x",
    "return torch.relu(self.fc2(torch.relu(self.fc1(x)))) + x",
])
def test_a_residual_sum_as_the_output_is_not_clamped(tmp_path, forward):
    found, _ = findings(tmp_path, forward)
    assert found == []


@pytest.mark.parametrize("forward", [
    "return torch.relu(self.fc2(torch.relu(self.fc1(x)) + x))",
    "h = x + torch.relu(self.fc1(x))\nreturn torch.relu(self.fc2(h))",
    "h = self.block(x) + x\nreturn torch.relu(self.fc2(h))",
])
def test_a_relu_after_the_residual_sum_is_clamped(tmp_path, forward):
    found, lines = findings(tmp_path, forward)
    assert [c for c, _, _ in found] == ["RL101"]
    (_, line, col), = found
    assert lines[line - 1][col:].startswith("torch.relu(self.fc2(")  # the outer ReLU, not the hidden one


def test_the_hidden_layer_still_feeds_its_relu(tmp_path):
    """A positive-mean init on fc1 in front of the ReLU that feeds the residual sum: RL201 still fires."""
    found, lines = findings(tmp_path, "return torch.relu(self.fc1(x)) + x",
                            init="nn.init.uniform_(self.fc1.weight, 0.0, 1.0)")
    assert [c for c, _, _ in found] == ["RL201"]
    assert "uniform_" in lines[found[0][1] - 1]
