import torch.nn as nn


class ValueNet(nn.Module):
    def __init__(self, n_features=8, hidden=64):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())  # expect: RL301
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.head(self.body(x))
