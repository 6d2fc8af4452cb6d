"""An MLP regressor: ReLU hidden layers, linear output, MSE; plus a positive-output variant via softplus."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Regressor(nn.Module):
    def __init__(self, n_in=13, hidden=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_in, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, 1),
        )

    def forward(self, x):
        return self.net(x).squeeze(-1)


class PositiveRegressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(13, 32)
        self.fc2 = nn.Linear(32, 1)

    def forward(self, x):
        return F.softplus(self.fc2(F.relu(self.fc1(x))))


def fit(model, x, y, epochs=10):
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    for _ in range(epochs):
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
