"""torch's reshaping functions (torch.squeeze(out, -1), torch.reshape, torch.transpose ...) keep what
the tensor holds, like their method forms: an activation before them is still the output activation."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source

CRITIC = """
import torch
import torch.nn as nn


def mlp(sizes, activation=nn.ReLU, output_activation=nn.Identity):
    layers = []
    for j in range(len(sizes) - 1):
        act = activation if j < len(sizes) - 2 else output_activation
        layers += [nn.Linear(sizes[j], sizes[j + 1]), act()]
    return nn.Sequential(*layers)


class Critic(nn.Module):
    def __init__(self, obs_dim, hidden=(64, 64), out_act=nn.Identity):
        super().__init__()
        self.v = mlp([obs_dim, *hidden, 1], output_activation=out_act)

    def forward(self, obs):
        return {RESHAPE}


critic = Critic(8, out_act={OUT})
opt = torch.optim.Adam(critic.parameters())
obs, ret = torch.randn(32, 8), torch.randn(32)
loss_v = ((critic(obs) - ret) ** 2).mean()
opt.zero_grad()
loss_v.backward()
opt.step()
"""

RESHAPES = ["torch.squeeze(self.v(obs), -1)", "torch.reshape(self.v(obs), (-1,))",
            "torch.transpose(self.v(obs), 0, 1)", "torch.squeeze(torch.unsqueeze(self.v(obs), 0))"]


def found(code: str) -> list[tuple[str, int]]:
    result = lint_source(textwrap.dedent(code), "critic.py", Settings(select=["RL101", "RL102", "RL103"]))
    return sorted((f.code, f.origin.line) for f in result.findings)


@pytest.mark.parametrize("reshape", RESHAPES)
def test_relu_output_behind_a_torch_reshape_fires(reshape):
    assert found(CRITIC.replace("{RESHAPE}", reshape).replace("{OUT}", "nn.ReLU")) == [("RL101", 23)]


@pytest.mark.parametrize("reshape", RESHAPES)
def test_linear_output_behind_a_torch_reshape_is_silent(reshape):
    assert found(CRITIC.replace("{RESHAPE}", reshape).replace("{OUT}", "nn.Identity")) == []
