"""Where an activation's finding lands: at the call site for a shared activation module
(`self.act` applied to hidden and output layers alike, where removing the module would break the
hidden layers), at the constructor when the call site is a loop over a container
(`for layer in self.layers: x = layer(x)`), which names no layer."""

from __future__ import annotations

import textwrap

from relulint.config import Settings
from relulint.engine import lint_source


def found(code: str) -> list[tuple[str, int]]:
    result = lint_source(textwrap.dedent(code), "model.py", Settings(select=["RL101", "RL103"]))
    return sorted((f.code, f.origin.line) for f in result.findings)


LOOP_MODULELIST = """
import torch.nn as nn

class Stack(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

model = Stack([nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1),
               nn.ReLU()])
loss_fn = nn.MSELoss()
"""

LOOP_PLAIN_LIST = """
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = [nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3),
                       nn.Softmax(dim=1)]

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x

net = Net()
crit = nn.CrossEntropyLoss()
"""

LOOP_ACTIVATION_FIRST = """
import torch.nn as nn

class Post(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)
        self.post = nn.ModuleList([nn.ReLU(),
                                   nn.Identity()])

    def forward(self, x):
        x = self.fc(x)
        for p in self.post:
            x = p(x)
        return x

model = Post()
criterion = nn.L1Loss()
"""

SHARED_ACT = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 1)
        self.act = nn.ReLU()

    def forward(self, x):
        x = self.act(self.fc1(x))
        return self.act(self.fc2(x))

model = Net()
criterion = nn.MSELoss()
"""


def test_loop_over_modulelist_reports_the_constructor():
    assert found(LOOP_MODULELIST) == [("RL101", 15)]


def test_loop_over_plain_list_reports_the_constructor():
    assert found(LOOP_PLAIN_LIST) == [("RL103", 8)]


def test_activation_first_in_loop_is_moved_back_to_its_constructor():
    assert found(LOOP_ACTIVATION_FIRST) == [("RL101", 8)]


def test_shared_activation_module_reports_the_output_call_site():
    assert found(SHARED_ACT) == [("RL101", 13)]


def test_loop_sites_stay_silent_when_the_output_is_linear():
    assert found(LOOP_MODULELIST.replace("nn.Linear(8, 1),\n               nn.ReLU()", "nn.Linear(8, 1)")) == []
    assert found(LOOP_PLAIN_LIST.replace(",\n                       nn.Softmax(dim=1)", "")) == []
    assert found(SHARED_ACT.replace("return self.act(self.fc2(x))", "return self.fc2(x)")) == []


FACTORY = """
import torch.nn as nn


def mlp(sizes, activation=nn.Tanh, output_activation=nn.Identity):
    layers = []
    for j in range(len(sizes) - 1):
        act = activation if j < len(sizes) - 2 else output_activation
        layers += [nn.Linear(sizes[j], sizes[j + 1]), act()]
    return nn.Sequential(*layers)


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.v = mlp([8, 64, 1], output_activation={OUT})

    def forward(self, x):
        return self.v(x)


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.pi = mlp([8, 64, 4], activation=nn.ReLU)

    def forward(self, x):
        return self.pi(x)


critic = Critic()
loss_v = nn.MSELoss()
"""


def test_a_layer_class_handed_to_a_builder_is_reported_where_it_was_named():
    """mlp() builds every activation at one `act()` line; the output ReLU was chosen by the caller."""
    assert found(FACTORY.replace("{OUT}", "nn.ReLU")) == [("RL101", 16)]
    assert found(FACTORY.replace("{OUT}", "nn.Identity")) == []


def test_no_fix_rewrites_the_builders_arguments():
    """Removing `activation=nn.ReLU` from a call to the program's own builder would change its hidden
    layers, not drop the output activation: no fix, safe or not."""
    from relulint.fixes import attach

    code = textwrap.dedent(FACTORY.replace("{OUT}", "nn.ReLU"))
    findings = attach(lint_source(code, "model.py", Settings(select=["RL101"])).findings, {"model.py": code})
    assert [f.fix for f in findings] == [None]
    code = code.replace("output_activation=nn.ReLU", "activation=nn.ReLU").replace(
        "mlp([8, 64, 4], activation=nn.ReLU)", "mlp([8, 64, 4])")
    code = code.replace("activation=nn.Tanh, output_activation=nn.Identity", "activation=nn.Tanh, output_activation=None")
    code = code.replace("act = activation if j < len(sizes) - 2 else output_activation",
                        "act = activation if j < len(sizes) - 2 or output_activation is None else output_activation")
    findings = attach(lint_source(code, "model.py", Settings(select=["RL101"])).findings, {"model.py": code})
    assert [(f.code, f.origin.line, f.fix) for f in findings] == [("RL101", 16, None)]
