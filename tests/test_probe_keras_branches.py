"""The output activation of a Keras model whose head depends on a branch, or whose fused activation is
followed by another step: never a hidden layer's ReLU."""

from __future__ import annotations

import pytest

from tests.probe_support import expected, found, write

BRANCH = '''\
import sys

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

inp = keras.Input((16,))
h = layers.Dense(64, activation="relu")(inp)
if sys.argv[1] == "classification":
    out = {first}
else:
    out = {second}
model = keras.Model(inp, out)
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.randn(800, 16), np.random.randn(800, 1), epochs=3)
'''


@pytest.mark.parametrize(("first", "second"), [
    ('layers.Dense(4, activation="softmax")(h)', "layers.Dense(1)(h)"),
    ("layers.Dense(1)(h)", 'layers.Dense(1, activation="sigmoid")(h)'),
    ("layers.Dense(1)(h)", "layers.Dense(1)(layers.Dense(32)(h))"),
])
def test_head_chosen_by_an_unknown_branch_does_not_make_the_hidden_relu_the_output(tmp_path, first, second):
    write(tmp_path, {"task.py": BRANCH.format(first=first, second=second)})
    assert found(tmp_path) == set()


def test_relu_head_in_both_branches_still_fires(tmp_path):
    src = BRANCH.format(first='layers.Dense(1, activation="relu")(h)  # expect: RL101',
                        second='layers.Dense(1, activation="relu")(h)  # expect: RL101')
    write(tmp_path, {"task.py": src})
    # (the two arms' ops are joined into one chain, so only the later head is judged: one of the two)
    assert found(tmp_path) and found(tmp_path) <= expected(tmp_path)


@pytest.mark.parametrize(("tail", "code"), [
    ('layers.Activation("softmax")', "RL102"),
    ("layers.Softmax()", "RL102"),
    ('layers.Activation("sigmoid")', "RL102"),
])
def test_activation_layer_after_a_fused_relu_is_the_output(tmp_path, tail, code):
    write(tmp_path, {"m.py": f'''\
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    keras.Input((4,)),
    layers.Dense(8, activation="relu"),
    layers.Dense(3, activation="relu"),
    {tail},  # expect: {code}
])
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.randn(10, 4), keras.utils.to_categorical(np.random.randint(0, 3, 10), 3))
'''})
    assert found(tmp_path) == expected(tmp_path)


def test_fused_relu_then_dropout_is_still_the_output(tmp_path):
    write(tmp_path, {"m.py": '''\
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    keras.Input((4,)),
    layers.Dense(8, activation="relu"),
    layers.Dense(1, activation="relu"),  # expect: RL101
    layers.Dropout(0.1),
])
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.randn(10, 4), np.random.randn(10, 1))
'''})
    assert found(tmp_path) == expected(tmp_path)
