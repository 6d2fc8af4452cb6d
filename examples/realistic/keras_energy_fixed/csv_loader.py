"""Reads the building-energy CSV (header row, last column is the heating load in kWh/m2)."""

from __future__ import annotations

import numpy as np


def load_table(path: str, valid_fraction: float = 0.2, seed: int = 0):
    table = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=np.float32)
    table = table[~np.isnan(table).any(axis=1)]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(table))
    n_valid = int(len(table) * valid_fraction)
    valid, train = table[order[:n_valid]], table[order[n_valid:]]
    return (train[:, :-1], train[:, -1]), (valid[:, :-1], valid[:, -1])
