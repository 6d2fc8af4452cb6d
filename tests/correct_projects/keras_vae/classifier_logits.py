"""Keras classifier trained on logits (from_logits=True); a softmax layer is added only for serving."""
from tensorflow import keras

model = keras.Sequential([
    keras.layers.Rescaling(1.0 / 255, input_shape=(32, 32, 3)),
    keras.layers.Conv2D(32, 3, activation="relu"),
    keras.layers.MaxPooling2D(),
    keras.layers.Flatten(),
    keras.layers.Dense(128, activation="relu", kernel_initializer="he_normal"),
    keras.layers.Dense(10),
])
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
serving = keras.Sequential([model, keras.layers.Softmax()])
