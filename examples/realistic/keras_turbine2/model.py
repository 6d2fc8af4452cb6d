"""Remaining-useful-life regressor (standardised target) for wind-turbine gearboxes."""
from keras.layers import *
from keras.models import *
from keras import backend as K

from blocks import SensorMix


def build_model(n_sensors=24, width=64):
    inputs = Input(shape=(n_sensors,))
    x = SensorMix(width)(inputs)
    x = SensorMix(width)(x)
    x = Dense(1)(x)
    rul = Lambda(lambda t: K.relu(t), name="rul")(x)  # expect: RL101
    return Model(inputs, rul)
