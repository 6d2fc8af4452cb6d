"""Q-networks for a small control task: one estimate of the return per action."""

from __future__ import annotations

import torch.nn as nn
import torch.nn.functional as F


class QNetwork(nn.Module):
    def __init__(self, n_obs: int, n_actions: int, hidden: int = 128) -> None:
        super().__init__()
        self.fc1 = nn.Linear(n_obs, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.q = nn.Linear(hidden, n_actions)

    def forward(self, obs):
        h = F.relu(self.fc1(obs))
        h = F.relu(self.fc2(h))
        # every step costs -1 until the goal: the returns are negative, so the output stays linear
        return self.q(h)


class DuelingQNetwork(nn.Module):
    """Value and advantage streams, recombined; kept for the ablation in the README."""

    def __init__(self, n_obs: int, n_actions: int, hidden: int = 128) -> None:
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(n_obs, hidden), nn.ReLU())
        self.value = nn.Linear(hidden, 1)
        self.advantage = nn.Linear(hidden, n_actions)

    def forward(self, obs):
        h = self.trunk(obs)
        adv = self.advantage(h)
        return self.value(h) + adv - adv.mean(dim=1, keepdim=True)
