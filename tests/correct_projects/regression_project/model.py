"""Encoder + regression head. The encoder's ReLUs are hidden layers; the head's output is linear."""
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, in_features: int, hidden: int = 64):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
        )

    def forward(self, x):
        return self.layers(x)


class Regressor(nn.Module):
    def __init__(self, in_features: int):
        super().__init__()
        self.encoder = Encoder(in_features)
        self.head = nn.Linear(64, 1)

    def forward(self, x):
        return self.head(self.encoder(x))
