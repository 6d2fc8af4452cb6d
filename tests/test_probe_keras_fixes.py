"""--unsafe-fixes on Keras programs: the rewrite removes exactly the flagged output activation, or
nothing when the flagged line also builds other layers (a loop, a builder called for several layers)."""

from __future__ import annotations

import ast

import pytest

from tests.probe_support import expected, fixed, found, write

ADDED = '''\
import numpy as np
from keras.models import Sequential
from keras.layers import Dense, Activation, Dropout

X = np.random.randn(500, 6)
y = np.random.randn(500)
model = Sequential()
model.add(Dense(100, input_dim=6))
model.add(Activation("relu"))
model.add(Dropout(0.3))
model.add(Dense(1))
model.add(Activation("relu"))  # expect: RL101
model.compile(loss="mse", optimizer="adam")
model.fit(X, y, epochs=10)
'''


def test_added_output_activation_statement_is_deleted(tmp_path):
    write(tmp_path, {"yield.py": ADDED})
    assert found(tmp_path) == expected(tmp_path)
    out = fixed(tmp_path)["yield.py"]
    assert out == ADDED.replace('model.add(Activation("relu"))  # expect: RL101\n', "")
    ast.parse(out)


def test_appended_output_activation_is_deleted(tmp_path):
    src = '''\
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

stack = [keras.Input(shape=(14,))]
stack += [layers.Dense(n, activation="relu") for n in (96, 48)]
stack.append(layers.Dense(1))
stack.append(layers.Activation("relu"))  # expect: RL101
model = keras.Sequential(stack)
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.randn(90, 14), np.random.randn(90, 1))
'''
    write(tmp_path, {"aq.py": src})
    assert found(tmp_path) == expected(tmp_path)
    assert fixed(tmp_path)["aq.py"] == src.replace('stack.append(layers.Activation("relu"))  # expect: RL101\n', "")


LOOPED = '''\
import numpy as np
from keras.models import Sequential
from keras.layers import Dense, Activation

model = Sequential()
for units in [64, 32, 1]:
{body}
model.compile(loss="mse", optimizer="adam")
model.fit(np.random.randn(10, 4), np.random.randn(10, 1))
'''


@pytest.mark.parametrize("body", ['    model.add(Dense(units))\n    model.add(Activation("relu"))',
                                  '    model.add(Dense(units, activation="relu"))'])
def test_output_activation_built_in_a_loop_gets_no_fix(tmp_path, body):
    """The flagged line also builds the hidden layers' ReLUs: removing it would remove them all."""
    write(tmp_path, {"m.py": LOOPED.format(body=body)})
    assert {code for _, _, code in found(tmp_path)} == {"RL101"}
    assert fixed(tmp_path) == {}


def test_torch_loop_built_output_relu_gets_no_fix(tmp_path):
    write(tmp_path, {"t.py": '''\
import torch.nn as nn

sizes = [8, 64, 32, 1]
layers = []
for i in range(len(sizes) - 1):
    layers.append(nn.Linear(sizes[i], sizes[i + 1]))
    layers.append(nn.ReLU())
model = nn.Sequential(*layers)
loss_fn = nn.MSELoss()
'''})
    assert {code for _, _, code in found(tmp_path)} == {"RL101"}
    assert fixed(tmp_path) == {}


def test_output_activation_in_a_builder_used_for_every_layer_gets_no_fix(tmp_path):
    write(tmp_path, {"b.py": '''\
import numpy as np
from keras.models import Sequential
from keras.layers import Dense


def block(units):
    return Dense(units, activation="relu")


model = Sequential()
for u in [64, 32]:
    model.add(block(u))
model.add(block(1))
model.compile(loss="mse", optimizer="adam")
model.fit(np.random.randn(10, 4), np.random.randn(10, 1))
'''})
    assert {code for _, _, code in found(tmp_path)} == {"RL101"}
    assert fixed(tmp_path) == {}


def test_builder_called_once_is_still_fixed(tmp_path):
    src = '''\
import numpy as np
from tensorflow.keras import layers, models


def build(n_in):
    return models.Sequential([
        layers.Input((n_in,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(1, activation="relu"),  # expect: RL101
    ])


model = build(6)
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.randn(10, 6), np.random.randn(10, 1))
'''
    write(tmp_path, {"m.py": src})
    assert found(tmp_path) == expected(tmp_path)
    assert fixed(tmp_path)["m.py"] == src.replace('layers.Dense(1, activation="relu"),', "layers.Dense(1),")


def test_layer_with_activation_through_kwargs_in_a_list_is_not_removed(tmp_path):
    write(tmp_path, {"m.py": '''\
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

HEAD = {"activation": "relu", "name": "head"}
model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(1, **HEAD)])
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.randn(10, 4), np.random.randn(10, 1))
'''})
    assert {code for _, _, code in found(tmp_path)} == {"RL101"}
    assert fixed(tmp_path) == {}
