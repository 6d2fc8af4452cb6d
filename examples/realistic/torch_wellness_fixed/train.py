"""python train.py: fit every head on synthetic wearable data, each with its own loss."""

from __future__ import annotations

import torch

from config import LOSSES, Config
from model import WellnessNet


def make_data(cfg: Config, n: int = 5000):
    x = torch.randn(n, cfg.n_features)
    targets = {
        "sleep_delta": 0.8 * x[:, 0] - 0.5 * x[:, 1],
        "stressed": (x[:, 2] + 0.3 * torch.randn(n) > 0.5).float(),
    }
    return x, targets


def main(cfg: Config = Config()) -> None:
    model = WellnessNet(cfg)
    criteria = {name: LOSSES[head.loss]() for name, head in cfg.heads.items()}
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    x, targets = make_data(cfg)
    for epoch in range(cfg.epochs):
        out = model(x)
        loss = sum(cfg.heads[name].weight * criteria[name](out[name], targets[name]) for name in criteria)
        opt.zero_grad()
        loss.backward()
        opt.step()


if __name__ == "__main__":
    main()
