"""The case "CNN training converges at a vector of zeros": a regression net with ReLU on its output, trained with MSE on targets below 0.

The probe confirms RL101: a share of the outputs sits at exactly 0 with zero gradient, and the
negative targets are out of reach.
"""

import torch
import torch.nn as nn


class JointRegressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(32, 64)
        self.head = nn.Linear(64, 48)

    def forward(self, x):
        x = torch.relu(self.hidden(x))
        return torch.relu(self.head(x))  # expect: RL101


def relulint_batch():
    torch.manual_seed(2)
    x = torch.randn(64, 32)
    targets = torch.randn(64, 48)  # joint offsets: half of them below 0
    return JointRegressor(), x, targets, nn.MSELoss()
