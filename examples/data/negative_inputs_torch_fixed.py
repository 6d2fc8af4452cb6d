"""The case "Is ReLU dead?" in PyTorch, fixed: the negative inputs are standardised before Linear -> ReLU."""

import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

x = torch.rand(200000, 4) - 1
x = (x - x.mean(dim=0)) / x.std(dim=0)
y = x.sum(dim=1, keepdim=True)
for start in range(0, 140000, 256):
    xb, yb = x[start:start + 256], y[start:start + 256]
    loss = loss_fn(model(xb), yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
