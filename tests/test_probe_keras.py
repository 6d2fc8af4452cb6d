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


LOSS_SCRIPT = '''\
import numpy as np
import tensorflow as tf
from tensorflow import keras

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1{head})])
model.compile(optimizer="adam", loss={loss})
model.fit(np.random.randn(10, 4), np.random.randn(10, 1))
'''

REGRESSION_LOSSES = ['"mape"', '"MAPE"', '"mean_absolute_percentage_error"', '"MSLE"',
                     "tf.keras.losses.MeanAbsolutePercentageError()", "keras.losses.mape", "keras.losses.log_cosh",
                     "tf.losses.MeanSquaredError()", "tf.losses.Huber(delta=2.0)", "tf.keras.losses.msle"]


@pytest.mark.parametrize("loss", REGRESSION_LOSSES)
def test_regression_loss_spellings_judge_a_relu_output(tmp_path, loss):
    write(tmp_path, {"m.py": LOSS_SCRIPT.format(head=', activation="relu"', loss=loss)})
    assert found(tmp_path) == {("m.py", 5, "RL101")}


@pytest.mark.parametrize("loss", REGRESSION_LOSSES)
def test_regression_loss_spellings_linear_output_is_silent(tmp_path, loss):
    write(tmp_path, {"m.py": LOSS_SCRIPT.format(head="", loss=loss)})
    assert found(tmp_path) == set()


@pytest.mark.parametrize("loss", ['"poisson"', '"cosine_similarity"', '"kld"'])
def test_losses_that_are_not_regression_leave_a_relu_output_alone(tmp_path, loss):
    write(tmp_path, {"m.py": LOSS_SCRIPT.format(head=', activation="relu"', loss=loss)})
    assert found(tmp_path) == set()


def test_focal_crossentropy_on_a_sigmoid_with_from_logits(tmp_path):
    write(tmp_path, {"m.py": LOSS_SCRIPT.format(
        head=', activation="sigmoid"', loss="keras.losses.BinaryFocalCrossentropy(from_logits=True)")})
    assert found(tmp_path) == {("m.py", 5, "RL103")}
    write(tmp_path, {"m.py": LOSS_SCRIPT.format(head=', activation="sigmoid"', loss='"binary_focal_crossentropy"')})
    assert found(tmp_path) == set()


def test_mape_on_prices_is_no_unscaled_squared_error(tmp_path):
    """MAPE is relative: prices in the 1e5 range do not blow it up, unlike MSE (RL303)."""
    src = '''\
import numpy as np
from tensorflow import keras

area = np.random.uniform(40, 300, size=2000)
x = ((area - area.mean()) / area.std()).reshape(-1, 1)
price = 80_000 + 1_900 * area
model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss={loss})
model.fit(x, price, epochs=3){marker}
'''
    write(tmp_path, {"p.py": src.format(loss='"mape"', marker="")})
    assert found(tmp_path) == set()
    write(tmp_path, {"p.py": src.format(loss='"mse"', marker="  # expect: RL303")})
    assert found(tmp_path) == expected(tmp_path)


def test_tf2_initializer_alias(tmp_path):
    write(tmp_path, {"m.py": '''\
import numpy as np
import tensorflow as tf

model = tf.keras.Sequential([
    tf.keras.layers.Dense(32, activation="relu", kernel_initializer=tf.initializers.RandomUniform(0.0, 1.0)),  # expect: RL201
    tf.keras.layers.Dense(32, activation="relu", kernel_initializer=tf.initializers.HeNormal()),
    tf.keras.layers.Dense(1),
])
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.randn(10, 6), np.random.randn(10, 1))
'''})
    assert found(tmp_path) == expected(tmp_path)


LAMBDA_SCRIPT = '''\
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
from tensorflow.keras import backend as K

model = keras.Sequential([
    keras.Input((4,)),
    layers.Dense(8, activation="relu"),
    layers.Dense(1),
    {last}
])
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.randn(10, 4), np.random.randn(10, 1))
'''


@pytest.mark.parametrize("last", ["layers.Lambda(tf.nn.relu),", "layers.Lambda(lambda t: tf.nn.relu(t)),",
                                  "layers.Lambda(lambda t: K.relu(t)),", "layers.Lambda(keras.activations.relu),",
                                  "layers.Lambda(function=tf.nn.relu6),"])
def test_lambda_layer_runs_its_function(tmp_path, last):
    write(tmp_path, {"m.py": LAMBDA_SCRIPT.format(last=last + "  # expect: RL101")})
    assert found(tmp_path) == expected(tmp_path) == {("m.py", 11, "RL101")}


@pytest.mark.parametrize("last", ["layers.Lambda(lambda t: t * 2.0),", "layers.Lambda(lambda t: tf.squeeze(t, -1)),",
                                  "layers.Lambda(tf.identity),"])
def test_lambda_layer_without_a_clamp_is_silent(tmp_path, last):
    write(tmp_path, {"m.py": LAMBDA_SCRIPT.format(last=last)})
    assert found(tmp_path) == set()


def test_lambda_layer_fix_removes_the_layer_not_the_wrapper(tmp_path):
    from tests.probe_support import fixed

    write(tmp_path, {"m.py": LAMBDA_SCRIPT.format(last="layers.Lambda(tf.nn.relu),")})
    out = fixed(tmp_path)["m.py"]
    assert "tf.nn.relu" not in out and "    layers.Dense(1),\n])" in out


PIMA = '''\
import numpy as np
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense

data = np.loadtxt("diabetes.csv", delimiter=",")
X = (data[:, :8] - data[:, :8].mean(axis=0)) / data[:, :8].std(axis=0)
y = data[:, 8]
model = Sequential()
model.add(Dense(12, input_dim=8, kernel_initializer={init}, activation="relu"))
model.add(Dense(8, kernel_initializer={init}, activation="relu"))
model.add(Dense(1, kernel_initializer={init}, activation="sigmoid"))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(X, y, epochs=150, batch_size=10)
'''


@pytest.mark.parametrize("init", ['"uniform"', '"random_uniform"', '"normal"', '"random_normal"',
                                  "keras.initializers.RandomUniform(-0.05, 0.05)"])
def test_small_net_with_keras_small_inits_is_silent(tmp_path, init):
    """Two small ReLU layers at Keras's 0.05-scale inits shrink the signal ~100x: Adam trains that."""
    write(tmp_path, {"pima.py": "from tensorflow import keras\n" + PIMA.format(init=init)})
    assert found(tmp_path) == set()


def test_tiny_init_through_small_layers_still_fires(tmp_path):
    src = "from tensorflow import keras\n" + PIMA.format(init="keras.initializers.RandomNormal(stddev=1e-3)")
    write(tmp_path, {"pima.py": src.replace('kernel_initializer=keras.initializers.RandomNormal(stddev=1e-3), '
                                            'activation="relu"))',
                                            'kernel_initializer=keras.initializers.RandomNormal(stddev=1e-3), '
                                            'activation="relu"))  # expect: RL202')})
    assert found(tmp_path) == expected(tmp_path) == {("pima.py", 10, "RL202"), ("pima.py", 11, "RL202")}


def test_star_imported_layer_classes_outside_the_tables(tmp_path):
    """Every class of keras.layers is a layer, known to the tables or not (Lambda, GRU); Model still comes
    from keras.models whatever the order of the star imports."""
    write(tmp_path, {"rul.py": '''\
import numpy as np
from keras.models import *
from keras.layers import *
from keras import backend as K

inputs = Input(shape=(24,))
x = Dense(64, activation="relu")(inputs)
x = Dense(1)(x)
rul = Lambda(lambda t: K.relu(t), name="rul")(x)  # expect: RL101
model = Model(inputs, rul)
model.compile(optimizer="adam", loss="huber")
model.fit(np.random.randn(100, 24), np.random.randn(100, 1))
'''})
    assert found(tmp_path) == expected(tmp_path)
