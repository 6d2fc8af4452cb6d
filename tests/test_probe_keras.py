"""Keras / tf.keras programs in the shapes people write them, each buggy one beside its correct twin:
findings at the exact line and code, silence on the twin."""

from __future__ import annotations

import pytest

from tests.probe_support import expected, found, write

STAR_SCRIPT = '''\
import numpy as np
from {models} import *
from {layers} import *
from keras.optimizers import Adam

X = np.random.randn(1500, 27)
y = np.random.randn(1500)

model = Sequential()
model.add(Dense(64, input_shape=(27,), activation='relu'))
model.add(Dense(32, activation='relu'))
model.add(Dense(1{head}))
model.compile(loss='mse', optimizer=Adam(lr=0.001))
model.fit(X, y, epochs=30, batch_size=32)
'''

STAR_MODULES = [("keras.models", "keras.layers"), ("tensorflow.keras.models", "tensorflow.keras.layers"),
                ("keras.layers", "keras.models")]


@pytest.mark.parametrize(("models", "layers"), STAR_MODULES)
def test_star_imports_resolve_framework_names(tmp_path, models, layers):
    write(tmp_path, {"steel.py": STAR_SCRIPT.format(models=models, layers=layers, head=", activation='relu'")})
    assert found(tmp_path) == {("steel.py", 12, "RL101")}


@pytest.mark.parametrize(("models", "layers"), STAR_MODULES)
def test_star_imports_linear_head_is_silent(tmp_path, models, layers):
    write(tmp_path, {"steel.py": STAR_SCRIPT.format(models=models, layers=layers, head="")})
    assert found(tmp_path) == set()


def test_star_import_loses_to_a_local_definition(tmp_path):
    """A name the program defines itself is the program's, whatever a star import would bind."""
    src = STAR_SCRIPT.format(models="keras.models", layers="keras.layers", head=", activation='relu'")
    src = src.replace("model = Sequential()", "def Dense(*args, **kwargs):\n    return None\n\n\nmodel = Sequential()")
    write(tmp_path, {"steel.py": src})
    assert found(tmp_path) == set()


def test_star_import_of_initializers(tmp_path):
    write(tmp_path, {"energy.py": '''\
import numpy as np
from keras.models import Sequential
from keras.layers import Dense
from keras.initializers import *

x = np.random.randn(300, 10)
model = Sequential()
model.add(Dense(64, input_dim=10, activation="relu", kernel_initializer=RandomUniform(0, 1)))  # expect: RL201
model.add(Dense(1))
model.compile(loss="mse", optimizer="adam")
model.fit(x, np.random.randn(300), epochs=3)
'''})
    assert found(tmp_path) == expected(tmp_path)
