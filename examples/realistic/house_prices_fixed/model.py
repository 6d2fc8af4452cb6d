"""A plain MLP regressor, assembled layer by layer so the widths can come from the command line."""

from __future__ import annotations

import torch.nn as nn


def build_regressor(n_features: int, hidden: tuple[int, ...] = (128, 64), p_drop: float = 0.1) -> nn.Sequential:
    sizes = [n_features, *hidden, 1]
    net = nn.Sequential()
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        net.add_module(f"fc{i}", nn.Linear(n_in, n_out))
        if i == len(sizes) - 2:
            break  # the output layer stays linear: log prices can be any real number
        net.add_module(f"act{i}", nn.ReLU())
        net.add_module(f"drop{i}", nn.Dropout(p_drop))
    return net
