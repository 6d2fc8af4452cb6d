"""Sequence-to-sequence forecaster: predicts the next step's temperature change at every step."""

from __future__ import annotations

from tensorflow import keras
from tensorflow.keras import layers


def build_forecaster(n_channels: int, units: int = 64) -> keras.Sequential:
    model = keras.Sequential(name="delta_forecaster")
    model.add(keras.Input(shape=(None, n_channels)))
    model.add(layers.Normalization(axis=-1))  # expect: RL301
    model.add(layers.LSTM(units, return_sequences=True))
    model.add(layers.LSTM(units, return_sequences=True))
    model.add(layers.TimeDistributed(layers.Dense(1, activation="relu")))  # expect: RL101
    return model
