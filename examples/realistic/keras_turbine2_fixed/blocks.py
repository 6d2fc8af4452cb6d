"""Custom layers for the turbine-health model."""
import tensorflow as tf
from tensorflow import keras


class SensorMix(keras.layers.Layer):
    """A dense mixing layer over the per-sensor features, with its own ReLU."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer=keras.initializers.HeUniform(),
            name="kernel",
        )
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        return tf.nn.relu(inputs @ self.kernel + self.bias)
