"""The case "Is ReLU dead?": inputs uniform in (-1, 0) into a Dense layer with ReLU.

Every feature is negative, so each ReLU unit whose weights sum > 0 is negative for every input:
outputs and gradients are 0 in every epoch, whatever the initialiser (he_normal included).
"""

import numpy as np
from tensorflow import keras

x = np.random.uniform(-1, 0, size=(200000, 4))  # expect: RL302
y = x.sum(axis=1, keepdims=True)
split = 140000
x_train, x_test = x[:split], x[split:]
y_train, y_test = y[:split], y[split:]

model = keras.Sequential([
    keras.Input(shape=(4,)),
    keras.layers.Dense(16, activation="relu", kernel_initializer="he_normal"),
    keras.layers.Dense(1),
])
model.compile(optimizer="adam", loss="mse")
model.fit(x_train, y_train, validation_data=(x_test, y_test), epochs=5)
