"""Simulated listings for a pricing demo: floor area (m2), plot area (m2), distance to centre (m)."""

import numpy as np


def simulate_listings(n: int = 5000, seed: int = 7):
    rng = np.random.default_rng(seed)
    area = np.random.uniform(30, 250, size=n)
    plot = np.random.uniform(0, 1e4, size=n)
    distance = np.random.uniform(0, 2e4, size=n)
    features = np.stack([area, plot, distance], axis=1).astype("float32")
    price = 50_000 + 2_500 * area + 4 * plot - 3 * distance + rng.normal(0, 10_000, size=n)
    return features, price.astype("float32")
