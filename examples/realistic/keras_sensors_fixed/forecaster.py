"""Sequence-to-sequence forecaster: predicts the next step's temperature change at every step."""

from __future__ import annotations

from tensorflow import keras
from tensorflow.keras import layers


def build_forecaster(x_train, units: int = 64) -> keras.Sequential:
    normalise = layers.Normalization(axis=-1)
    normalise.adapt(x_train)
    model = keras.Sequential(name="delta_forecaster")
    model.add(keras.Input(shape=(None, x_train.shape[-1])))
    model.add(normalise)
    model.add(layers.LSTM(units, return_sequences=True))
    model.add(layers.LSTM(units, return_sequences=True))
    model.add(layers.TimeDistributed(layers.Dense(1)))
    return model
