"""Custom Keras layers: `build()` runs before the first call with the input's shape, and `add_weight`
makes a weight whose initialiser the init rules judge once `call()` multiplies by it."""

from __future__ import annotations

import pytest

from tests.probe_support import expected, found, write

LAYER = '''\
import tensorflow as tf
from tensorflow import keras


class FusionDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            {weight_args}
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return {call_body}


'''

FUNCTIONAL = '''\
inputs = keras.Input(shape=(16,))
x = FusionDense(64)(inputs)
x = FusionDense(32)(x)
outputs = keras.layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="mse")
'''

SEQUENTIAL = '''\
model = keras.Sequential([keras.Input(shape=(16,)), FusionDense(64), FusionDense(32), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
'''

RELU = "tf.nn.relu(tf.matmul(inputs, self.w) + self.b)"

FIRING = [
    ('shape=(input_shape[-1], self.units), initializer=keras.initializers.RandomNormal(mean=0.5, stddev=0.05)'
     '  # expect: RL201', RELU),
    ('"kernel", shape=[input_shape[-1], self.units], initializer=tf.keras.initializers.RandomUniform(0.0, 1.0)'
     '  # expect: RL201', RELU),
    ('shape=(input_shape[-1], self.units), initializer="ones"  # expect: RL201', "tf.nn.relu(inputs @ self.w)"),
    ('(input_shape[-1], self.units), keras.initializers.Constant(0.2)  # expect: RL201',
     "keras.activations.relu(tf.matmul(inputs, self.w) + self.b)"),
]

SILENT = [
    ("shape=(input_shape[-1], self.units), initializer=keras.initializers.HeNormal()", RELU),
    ("shape=(input_shape[-1], self.units)", RELU),  # glorot_uniform by default
    ('shape=(input_shape[-1], self.units), initializer="he_uniform", trainable=True', RELU),
    # positive weights but no ReLU after them: RL201 is about ReLU units
    ("shape=(input_shape[-1], self.units), initializer=keras.initializers.RandomUniform(0.0, 1.0)",
     "tf.matmul(inputs, self.w) + self.b"),
]


@pytest.mark.parametrize("graph", [FUNCTIONAL, SEQUENTIAL], ids=["functional", "sequential"])
@pytest.mark.parametrize(("weight_args", "call_body"), FIRING)
def test_add_weight_initialiser_is_judged(tmp_path, graph, weight_args, call_body):
    write(tmp_path, {"fusion.py": LAYER.format(weight_args=weight_args, call_body=call_body) + graph})
    assert found(tmp_path) == expected(tmp_path) != set()


@pytest.mark.parametrize("graph", [FUNCTIONAL, SEQUENTIAL], ids=["functional", "sequential"])
@pytest.mark.parametrize(("weight_args", "call_body"), SILENT)
def test_add_weight_sound_initialiser_is_silent(tmp_path, graph, weight_args, call_body):
    write(tmp_path, {"fusion.py": LAYER.format(weight_args=weight_args, call_body=call_body) + graph})
    assert found(tmp_path) == set()


def test_add_weight_tiny_std_through_relu_layers(tmp_path):
    src = LAYER.format(weight_args="shape=(input_shape[-1], self.units), "
                                   "initializer=tf.random_normal_initializer(stddev=1e-4)  # expect: RL202",
                       call_body=RELU)
    write(tmp_path, {"fusion.py": src + '''\
inputs = keras.Input(shape=(256,))
x = inputs
for _ in range(4):
    x = FusionDense(256)(x)
model = keras.Model(inputs, keras.layers.Dense(1)(x))
model.compile(optimizer="sgd", loss="mse")
'''})
    assert found(tmp_path) == expected(tmp_path)


def test_custom_layer_in_subclassed_model(tmp_path):
    src = LAYER.format(weight_args="shape=(input_shape[-1], self.units), "
                                   "initializer=keras.initializers.RandomNormal(0.3, 0.1)  # expect: RL201",
                       call_body=RELU)
    write(tmp_path, {"fusion.py": src + '''\
class Regressor(keras.Model):
    def __init__(self):
        super().__init__()
        self.f1 = FusionDense(64)
        self.out = keras.layers.Dense(1)

    def call(self, x):
        return self.out(self.f1(x))


model = Regressor()
model.compile(optimizer="adam", loss="mse")
'''})
    assert found(tmp_path) == expected(tmp_path)


def test_custom_layer_nothing_uses_is_no_network(tmp_path):
    """Run as an entry point with unknown inputs, a layer's call() builds no TF1 graph of its own."""
    write(tmp_path, {"layer.py": LAYER.format(
        weight_args="shape=(input_shape[-1], self.units), initializer=keras.initializers.RandomUniform(0.0, 1.0)",
        call_body=RELU) + 'model = keras.Sequential([keras.layers.Dense(1)])\nmodel.compile(loss="mse")\n'})
    assert found(tmp_path) == set()
