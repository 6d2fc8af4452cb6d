"""Turns a sensor log (timestamp, 8 channels, outdoor temperature change) into fixed-length windows."""

from __future__ import annotations

import numpy as np
import pandas as pd

CHANNELS = ["t_in", "t_out", "humidity", "co2", "lux", "power_w", "fan_rpm", "valve_pct"]


def read_log(path: str) -> pd.DataFrame:
    frame = pd.read_csv(path, parse_dates=["timestamp"]).sort_values("timestamp")
    return frame.interpolate(limit=3).dropna()


def make_windows(frame: pd.DataFrame, length: int = 48, stride: int = 4):
    values = frame[CHANNELS].values.astype("float32")
    target = frame["delta_t_out"].values.astype("float32")
    starts = range(0, len(frame) - length, stride)
    x = np.stack([values[s:s + length] for s in starts])
    y = np.stack([target[s + 1:s + length + 1] for s in starts])[..., None]
    return x, y
