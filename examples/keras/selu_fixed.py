"""The case "Is ReLU dead?"'s advice done right: SELU with lecun_normal everywhere and AlphaDropout."""

import keras
from keras.layers import AlphaDropout, Dense

model = keras.models.Sequential()
model.add(Dense(64, activation="selu", kernel_initializer="lecun_normal", input_shape=(4,)))
model.add(AlphaDropout(0.2))
model.add(Dense(64, activation="selu", kernel_initializer="lecun_normal"))
model.add(AlphaDropout(0.1))
model.add(Dense(1))
model.compile(optimizer="adam", loss="mse")
