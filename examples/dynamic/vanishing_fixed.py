"""The case "Intermediate layer makes tensorflow optimizer to stop working", the answer's fix: Xavier init and bias 0.1 (first/last gradient ratio ~0.5)."""

import torch
import torch.nn as nn


class Identity3(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(1, 16)
        self.fc2 = nn.Linear(16, 16)
        self.fc3 = nn.Linear(16, 1)
        for layer in (self.fc1, self.fc2, self.fc3):
            nn.init.xavier_normal_(layer.weight)
            nn.init.constant_(layer.bias, 0.1)

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
