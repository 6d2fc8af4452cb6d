"""Tabular data for the price model: one CSV per split, numeric columns only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset

FEATURES = ["sqft", "lot_sqft", "bedrooms", "bathrooms", "year_built", "garage_cars"]
TARGET = "log_price"


def load_split(path: str) -> tuple[np.ndarray, np.ndarray]:
    frame = pd.read_csv(path)
    frame = frame.dropna(subset=FEATURES + [TARGET])
    features = frame[FEATURES].to_numpy(dtype=np.float32)
    target = frame[TARGET].to_numpy(dtype=np.float32).reshape(-1, 1)
    return features, target


def make_loader(path: str, batch_size: int, shuffle: bool) -> DataLoader:
    features, target = load_split(path)
    dataset = TensorDataset(torch.from_numpy(features), torch.from_numpy(target))
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle)
