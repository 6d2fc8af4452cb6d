"""Power-curve residual model: how far a turbine's output is from its nominal curve."""

from __future__ import annotations

import lightning.pytorch as pl
import torch
from torch import nn

from layers import ACTIVATIONS, mlp

DEFAULTS = {"hidden": 128, "activation": "relu", "lr": 1e-3}


class PowerCurve(pl.LightningModule):
    def __init__(self, n_features: int = 10, **overrides) -> None:
        super().__init__()
        cfg = {**DEFAULTS, **overrides}
        self.save_hyperparameters(cfg)
        hidden = cfg["hidden"]
        self.net = mlp([n_features, hidden, hidden, 1], activation=ACTIVATIONS[cfg["activation"]],
                       dropout=0.1)
        self.loss_fn = nn.HuberLoss(delta=1.0)

    def forward(self, x):
        return self.net(x).squeeze(-1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = self.loss_fn(self(x), y)
        self.log("train/loss", loss, prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val/mae", torch.mean(torch.abs(self(x) - y)))

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=1e-4)
