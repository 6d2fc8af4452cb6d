"""The case "Intermediate layer makes tensorflow optimizer to stop working": a 1-16-16-1 ReLU net with N(0, 1e-3) weights and biases, loss on the doubled output.

The 2-layer version learns; with the middle layer the first layer's gradient is ~1e-2 of the last
layer's (measured here: 0.019) and the weights stop moving.
"""

import torch
import torch.nn as nn


class Identity3(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(1, 16)  # probe: RL402
        self.fc2 = nn.Linear(16, 16)
        self.fc3 = nn.Linear(16, 1)
        for layer in (self.fc1, self.fc2, self.fc3):
            nn.init.normal_(layer.weight, 0.0, 1e-3)  # expect: RL202
            nn.init.normal_(layer.bias, 0.0, 1e-3)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


def doubled_output_loss(out, target):
    return ((target - 2.0 * out) ** 2).sum()


def relulint_batch():
    torch.manual_seed(3)
    x = 2.0 * torch.rand(64, 1) - 1.0
    return Identity3(), x, x, doubled_output_loss
