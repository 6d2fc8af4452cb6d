"""Keras layer factories (`def block(units): return Dense(units, activation="relu")`, a functional
`dense_block(x, units)`): a layer such a helper builds, called once per layer, is reported at the call
that made it, as TF1 layer helpers are; what is written in the helper (an initialiser, a Dropout)
stays at its line."""

from __future__ import annotations

from tests.probe_support import expected, fixed, found, write

SEQ_BLOCK = '''\
import numpy as np
from keras.models import Sequential
from keras.layers import Dense


def block(units):
    return Dense(units, activation="relu")


model = Sequential()
model.add(block(64))
model.add(block(32))
{head}
model.compile(loss="mse", optimizer="adam")
model.fit(np.random.randn(10, 4), np.random.randn(10, 1))
'''


def test_sequential_block_used_for_the_output_is_reported_at_that_call(tmp_path):
    write(tmp_path, {"b.py": SEQ_BLOCK.format(head="model.add(block(1))  # expect: RL101")})
    assert found(tmp_path) == expected(tmp_path) == {("b.py", 13, "RL101")}
    assert fixed(tmp_path) == {}  # the helper's activation also builds the hidden layers


def test_sequential_block_for_hidden_layers_only_is_silent(tmp_path):
    write(tmp_path, {"b.py": SEQ_BLOCK.format(head="model.add(Dense(1))")})
    assert found(tmp_path) == set()


FUNC_BLOCK = '''\
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers


def dense_block(x, units, act="relu"):
    x = layers.Dense(units, kernel_initializer={init})(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation(act)(x)


inp = keras.Input((20,))
x = dense_block(inp, 128)
x = dense_block(x, 64)
out = {head}
model = keras.Model(inp, out)
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.randn(100, 20), np.random.randn(100, 1))
'''


def test_functional_block_used_for_the_output_is_reported_at_that_call(tmp_path):
    write(tmp_path, {"f.py": FUNC_BLOCK.format(init='"he_normal"', head="dense_block(x, 1)  # expect: RL101")})
    assert found(tmp_path) == expected(tmp_path) == {("f.py", 15, "RL101")}


def test_functional_block_told_linear_is_silent(tmp_path):
    write(tmp_path, {"f.py": FUNC_BLOCK.format(init='"he_normal"', head='dense_block(x, 1, act="linear")')})
    assert found(tmp_path) == set()


def test_initialiser_written_in_the_block_is_reported_there(tmp_path):
    src = FUNC_BLOCK.format(init="keras.initializers.RandomUniform(0.0, 1.0)", head="layers.Dense(1)(x)")
    src = src.replace("RandomUniform(0.0, 1.0))(x)", "RandomUniform(0.0, 1.0))(x)  # expect: RL201")
    src = src.replace("layers.BatchNormalization()(x)", "layers.Dropout(0.1)(x)")  # (a BatchNorm would re-centre)
    write(tmp_path, {"f.py": src})
    assert found(tmp_path) == expected(tmp_path) == {("f.py", 7, "RL201")}


def test_dropout_in_a_selu_block_stays_at_its_line(tmp_path):
    write(tmp_path, {"s.py": '''\
import tensorflow as tf
from tensorflow.keras import layers


def selu_block(x, units, drop=0.1):
    x = layers.Dense(units, activation="selu", kernel_initializer="lecun_normal")(x)
    return layers.Dropout(drop)(x)  # expect: RL204


inp = tf.keras.Input((100,))
h = selu_block(inp, 256)
h = selu_block(h, 128)
out = layers.Dense(1, activation="sigmoid")(h)
model = tf.keras.Model(inp, out)
model.compile(optimizer="adam", loss="binary_crossentropy")
'''})
    assert found(tmp_path) == expected(tmp_path)
