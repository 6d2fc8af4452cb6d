"""The case "Convolutional network filter always negative" in Keras: a 3x3 conv layer whose weights are "random numbers between 0.0 and 1.0",
feeding a ReLU, then a logistic-regression classifier. Every weight is positive: after the first
update the filters go hugely negative and the ReLU output is all black (dead units)."""

import keras
from keras import initializers, layers

uniform01 = initializers.RandomUniform(minval=0.0, maxval=1.0)

model = keras.Sequential([
    keras.Input(shape=(64, 64, 3)),
    layers.Rescaling(1.0 / 255),
    layers.Conv2D(8, 3, activation="relu", kernel_initializer=uniform01),  # expect: RL201
    layers.Flatten(),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="binary_crossentropy")
