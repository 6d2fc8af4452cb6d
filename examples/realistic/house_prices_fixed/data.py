"""Tabular data for the price model: one CSV per split, standardised with the training split's statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader, TensorDataset

FEATURES = ["sqft", "lot_sqft", "bedrooms", "bathrooms", "year_built", "garage_cars"]
TARGET = "log_price"


def load_split(path: str, scaler: StandardScaler | None = None):
    frame = pd.read_csv(path)
    frame = frame.dropna(subset=FEATURES + [TARGET])
    features = frame[FEATURES].to_numpy(dtype=np.float32)
    target = frame[TARGET].to_numpy(dtype=np.float32).reshape(-1, 1)
    if scaler is None:
        scaler = StandardScaler().fit(features)
    features = scaler.transform(features).astype(np.float32)
    return features, target, scaler


def make_loader(path: str, batch_size: int, shuffle: bool, scaler: StandardScaler | None = None):
    features, target, scaler = load_split(path, scaler)
    dataset = TensorDataset(torch.from_numpy(features), torch.from_numpy(target))
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle), scaler
