"""Remaining-useful-life regressor (standardised target) for wind-turbine gearboxes."""
from keras.layers import *
from keras.models import *

from blocks import SensorMix


def build_model(n_sensors=24, width=64):
    inputs = Input(shape=(n_sensors,))
    x = SensorMix(width)(inputs)
    x = SensorMix(width)(x)
    rul = Dense(1, name="rul")(x)
    return Model(inputs, rul)
