"""The case "Intermediate layer makes tensorflow optimizer to stop working"'s first script: the same N(0, 1e-3) init with one hidden layer learns (ratio ~1)."""

import torch
import torch.nn as nn


class Identity2(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(1, 16)
        self.fc2 = nn.Linear(16, 1)
        for layer in (self.fc1, self.fc2):
            nn.init.normal_(layer.weight, 0.0, 1e-3)
            nn.init.normal_(layer.bias, 0.0, 1e-3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def doubled_output_loss(out, target):
    return ((target - 2.0 * out) ** 2).sum()


def relulint_batch():
    torch.manual_seed(3)
    x = 2.0 * torch.rand(64, 1) - 1.0
    return Identity2(), x, x, doubled_output_loss
