"""Tutorial 6: a classifier evaluated with a squared-error metric on probabilities (a Brier score),
which is a metric, not the training loss."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def brier(p, t):
    return (p - t).pow(2).sum(dim=1).mean()


model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4))
opt = torch.optim.Adam(model.parameters())
unused_loss = nn.MSELoss()
x, y = torch.randn(128, 10), torch.randint(0, 4, (128,))
for _ in range(5):
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
with torch.no_grad():
    probs = F.softmax(model(x), dim=1)
    score = brier(probs, F.one_hot(y, 4).float())
