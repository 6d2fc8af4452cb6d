"""Turbine measurements, standardised per feature; the target is the standardised residual."""

from __future__ import annotations

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, TensorDataset, random_split


class TurbineData(pl.LightningDataModule):
    def __init__(self, n: int = 20_000, n_features: int = 10, batch_size: int = 256) -> None:
        super().__init__()
        self.n, self.n_features, self.batch_size = n, n_features, batch_size

    def setup(self, stage=None):
        x = torch.randn(self.n, self.n_features)
        residual = 0.6 * x[:, 0] - 0.3 * x[:, 1] * x[:, 2]  # above or below the curve: either sign
        self.train_set, self.val_set = random_split(TensorDataset(x, residual), [0.9, 0.1])

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=self.batch_size)
