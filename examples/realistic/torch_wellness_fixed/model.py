"""A shared trunk and one small head per target, each head chosen by the config."""

from __future__ import annotations

from torch import nn

from config import ACTIVATIONS, Config


class WellnessNet(nn.Module):
    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Linear(cfg.n_features, cfg.hidden), nn.ReLU(),
            nn.Linear(cfg.hidden, cfg.hidden), nn.ReLU(),
        )
        self.heads = nn.ModuleDict({
            name: nn.Sequential(nn.Linear(cfg.hidden, 1), ACTIVATIONS[head.activation]())
            for name, head in cfg.heads.items()
        })

    def forward(self, x):
        h = self.trunk(x)
        return {name: head(h).squeeze(-1) for name, head in self.heads.items()}
