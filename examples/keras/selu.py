"""The case "Is ReLU dead?"'s advice in Keras: switch the dying-ReLU network to SELU. SELU only self-normalises
with lecun_normal weights and AlphaDropout; here the first layer keeps Keras' default
glorot_uniform and the dropout is plain Dropout."""

import keras
from keras.layers import AlphaDropout, Dense, Dropout

model = keras.models.Sequential()
model.add(Dense(64, activation="selu", input_shape=(4,)))  # expect: RL204
model.add(Dropout(0.2))  # expect: RL204
model.add(Dense(64, activation="selu", kernel_initializer="lecun_normal"))
model.add(AlphaDropout(0.1))
model.add(Dense(1))
model.compile(optimizer="adam", loss="mse")
