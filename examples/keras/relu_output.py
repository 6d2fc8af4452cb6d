"""The case "CNN training converges at a vector of zeros" in Keras (functional API): hand-joint regression from 240x320 depth images. The output
layer ends in a ReLU and the loss is MSE, so the 48 outputs collapse to the zero vector; the
hidden layer's TruncatedNormal(stddev=0.1) is ~28x the He std for its fan-in of 153600."""

from tensorflow import keras
from tensorflow.keras import layers

images = keras.Input(shape=(240, 320, 1))
x = layers.Conv2D(8, 5, padding="same", activation="relu")(images)
x = layers.MaxPooling2D(pool_size=2, strides=2, padding="same")(x)
x = layers.Flatten()(x)
big = keras.initializers.TruncatedNormal(stddev=0.1)
x = layers.Dense(1024, activation="relu", kernel_initializer=big)(x)  # expect: RL203
detection = layers.Dense(48, activation="relu")(x)  # expect: RL101

model = keras.Model(inputs=images, outputs=detection)
model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mean_squared_error")
