"""A second, independent program in the same folder: a classifier that returns probabilities on
purpose for its caller, and trains on the log of them with NLLLoss."""
import torch
import torch.nn as nn


class ProbClassifier(nn.Module):
    def __init__(self, n_in=10, n_out=3):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, 32), nn.ReLU(), nn.Linear(32, n_out))

    def forward(self, x):
        return torch.softmax(self.body(x), dim=-1)


def fit(xs, ys):
    model = ProbClassifier()
    nll = nn.NLLLoss()
    opt = torch.optim.Adam(model.parameters())
    for x, y in zip(xs, ys):
        probs = model(x)
        loss = nll(torch.log(probs + 1e-8), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model
