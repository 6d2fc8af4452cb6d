"""Tutorial 1: fit a line with a two-layer MLP (regression, MSE, linear output)."""
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
x = rng.normal(size=(256, 3)).astype(np.float32)
y = (x @ np.array([1.5, -2.0, 0.5], dtype=np.float32))[:, None]

model = nn.Sequential(
    nn.Linear(3, 32),
    nn.ReLU(),
    nn.Linear(32, 1),
)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)

xt, yt = torch.from_numpy(x), torch.from_numpy(y)
for epoch in range(100):
    optimizer.zero_grad()
    loss = criterion(model(xt), yt)
    loss.backward()
    optimizer.step()
