"""Keras / tf.keras through the abstract interpreter: the shapes real Keras programs take, each with a
firing and a silent twin. Models are built in helpers, subclassed, composed as layers; losses reach
them through compile() (a string, a class instance, a variable) or a custom training loop, and data
through fit() from helper functions. Each loss judges the model it was given, never its neighbours."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.source import lower_source


def findings(code: str, select=("RL101", "RL102", "RL103")) -> list[tuple[int, str]]:
    result = lint_source(textwrap.dedent(code), "train.py", Settings(select=list(select)))
    return sorted((f.origin.line, f.code) for f in result.findings)


# ---------------------------------------------------------------- subclassed keras.Model

SUBCLASSED = """
import numpy as np
import tensorflow as tf


class PriceModel(tf.keras.Model):
    def __init__(self, hidden=64):
        super().__init__()
        self.body = [tf.keras.layers.Dense(hidden, activation="relu") for _ in range(2)]
        self.head = tf.keras.layers.Dense(1{X})

    def call(self, inputs, training=False):
        x = inputs
        for layer in self.body:
            x = layer(x)
        return self.head(x)


model = PriceModel()
model.compile(optimizer="adam", loss="mean_squared_error")
model.fit(np.random.rand(64, 8), np.random.rand(64) - 0.5, epochs=3)
"""




SEQUENTIAL_SUBCLASS = """
import tensorflow as tf


class Regressor(tf.keras.Sequential):
    def __init__(self, width=32):
        super().__init__([tf.keras.layers.Dense(width, activation="relu", input_shape=(5,))])
        self.add(tf.keras.layers.Dense(width, activation="relu"))
        self.add(tf.keras.layers.Dense(1{X}))


model = Regressor()
model.compile(optimizer="adam", loss="mse")
"""


def test_sequential_subclass_layers_and_fan_ins():
    facts = lower_source("train.py", textwrap.dedent(SEQUENTIAL_SUBCLASS.replace("{X}", "")))
    (net,) = facts.networks
    assert net.name == "Regressor" and net.framework == "keras" and net.loss.kind == "mse"
    assert [op.fan_in for op in net.ops if op.kind == "affine"] == [5, 32, 32]


# ---------------------------------------------------------------- model built in a helper

HELPER = """
from tensorflow import keras
from tensorflow.keras import layers


def dense_block(x, units):
    x = layers.Dense(units)(x)
    return layers.Activation("relu")(x)


def build_classifier(n_features, n_classes):
    inputs = keras.Input(shape=(n_features,))
    x = dense_block(inputs, 64)
    x = dense_block(x, 32)
    outputs = layers.Dense(n_classes{X})(x)
    return keras.Model(inputs, outputs)


clf = build_classifier(20, 5)
clf.compile(optimizer="adam", loss="mse")
"""




def test_helper_model_fan_ins_follow_the_call_arguments():
    facts = lower_source("train.py", textwrap.dedent(HELPER.replace("{X}", "")))
    (net,) = facts.networks
    assert net.name == "clf" and net.framework == "keras"
    assert [op.fan_in for op in net.ops if op.kind == "affine"] == [20, 64, 32]
    assert net.loss.kind == "mse"


# ---------------------------------------------------------------- models used as layers (VAE)

VAE = """
import numpy as np
from tensorflow import keras
from tensorflow.keras import backend as K
from tensorflow.keras import layers


def reparameterize(args):
    mean, log_var = args
    return mean + K.exp(0.5 * log_var) * K.random_normal(shape=K.shape(mean))


def make_encoder(dim, latent):
    x_in = keras.Input(shape=(dim,))
    h = layers.Dense(128, activation="relu")(x_in)
    mean = layers.Dense(latent)(h)
    log_var = layers.Dense(latent)(h)
    z = layers.Lambda(reparameterize)([mean, log_var])
    return keras.Model(x_in, [mean, log_var, z])


def make_decoder(dim, latent):
    z_in = keras.Input(shape=(latent,))
    h = layers.Dense(128, activation="relu")(z_in)
    return keras.Model(z_in, layers.Dense(dim{X})(h))


encoder = make_encoder(784, 2)
decoder = make_decoder(784, 2)
images = keras.Input(shape=(784,))
vae = keras.Model(images, decoder(encoder(images)[2]))
vae.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy())
pixels = np.random.rand(32, 784)
vae.fit(pixels, pixels, epochs=1)
"""




def test_vae_sub_models_are_parts_of_the_composed_model():
    facts = lower_source("train.py", textwrap.dedent(VAE.replace("{X}", ', activation="sigmoid"')))
    assert [n.name for n in facts.networks] == ["vae"]
    (vae,) = facts.networks
    assert vae.output_activation().kind == "sigmoid"
    assert vae.loss.kind == "binary_crossentropy"


KERAS3_VAE = """
import keras
from keras import layers, ops


class Sampling(layers.Layer):
    def call(self, inputs):
        mean, log_var = inputs
        eps = keras.random.normal(shape=ops.shape(mean))
        return mean + ops.exp(0.5 * log_var) * eps


enc_in = keras.Input(shape=(28, 28, 1))
h = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(enc_in)
h = layers.Flatten()(h)
h = layers.Dense(16, activation="relu")(h)
z_mean = layers.Dense(2)(h)
z_log_var = layers.Dense(2)(h)
z = Sampling()([z_mean, z_log_var])
encoder = keras.Model(enc_in, [z_mean, z_log_var, z], name="encoder")

dec_in = keras.Input(shape=(2,))
g = layers.Dense(14 * 14 * 32, activation="relu")(dec_in)
g = layers.Reshape((14, 14, 32))(g)
g = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(g)
dec_out = layers.Conv2DTranspose(1, 3{X}, padding="same")(g)
decoder = keras.Model(dec_in, dec_out, name="decoder")


class VAE(keras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder

    def train_step(self, data):
        with keras.backend.tensorflow.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            rec = ops.mean(ops.sum(keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2)))
            kl = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            total = rec + ops.mean(ops.sum(kl, axis=1))
        grads = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        return {"loss": total}


vae = VAE(encoder, decoder)
vae.compile(optimizer=keras.optimizers.Adam())
"""


# ---------------------------------------------------------------- compile's loss from a variable

LOSS_VARIABLE = """
import keras
from keras import layers

LOSS = {X}


def compile_model(model, loss=LOSS):
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss, metrics=["accuracy"])
    return model


digits = keras.Sequential([
    keras.Input(shape=(64,)),
    layers.Dense(32, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
compile_model(digits)
"""






# ---------------------------------------------------------------- data made in a helper

DATA_HELPER = """
import numpy as np
from tensorflow import keras


def make_dataset(n=500):
    features = np.random.uniform(0, 5000, size=(n, 3)){X}
    targets = np.random.rand(n)
    return features, targets


net = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
net.compile(optimizer="adam", loss="mse")
x_train, y_train = make_dataset()
net.fit(x_train, y_train, epochs=5)
"""




def test_fit_data_from_a_helper_reaches_that_network():
    facts = lower_source("train.py", textwrap.dedent(DATA_HELPER.replace("{X}", "")))
    (net,) = facts.networks
    (ds,) = net.inputs
    assert (ds.low, ds.high) == (0, 5000) and ds.origin.line == 7


DATA_PARAMETERS = """
import numpy as np
from tensorflow import keras


def train(model, x, y, epochs=10):
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=epochs)


readings = np.random.uniform(0, 3000, size=(256, 4)){X}
target = np.random.rand(256)
train(keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]), readings, target)
"""


PER_TIMESTEP = """
from tensorflow import keras
from tensorflow.keras import layers

seq = keras.Sequential([
    keras.Input(shape=(30, 6)),
    layers.LSTM(32, return_sequences=True),
    layers.TimeDistributed(layers.Dense(1{X})),
])
seq.compile(optimizer="adam", loss="mae")
"""


MULTI_OUTPUT = """
from tensorflow import keras
from tensorflow.keras import layers


def build_two_headed(n_features):
    inputs = keras.Input(shape=(n_features,))
    h = layers.Dense(64, activation="relu")(inputs)
    price = layers.Dense(1, name="price")(h)
    category = layers.Dense(4, activation="softmax", name="category")(h)
    return keras.Model(inputs, [price, category])


shop = build_two_headed(12)
shop.compile(optimizer="adam", loss={"price": "mse", "category": {X}})
listed = build_two_headed(12)
listed.compile(optimizer="adam", loss=["mse", "categorical_crossentropy"])
"""


# ---------------------------------------------------------------- two models, two losses

TWO_MODELS = """
from tensorflow import keras
from tensorflow.keras import layers

classifier = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(3, activation="softmax")])
regressor = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(1{X})])
classifier.compile(optimizer="adam", loss="categorical_crossentropy")
regressor.compile(optimizer="adam", loss="mse")
"""




def test_a_second_compiled_model_does_not_lend_its_loss():
    facts = lower_source("train.py", textwrap.dedent(TWO_MODELS.replace("{X}", "")))
    assert {n.name: n.loss.kind for n in facts.networks} == {"classifier": "categorical_crossentropy",
                                                             "regressor": "mse"}


# ---------------------------------------------------------------- custom training loop

TAPE = """
import tensorflow as tf

model = tf.keras.Sequential([
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(10{X}),
])
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.Adam()


def train_step(x, y):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = loss_fn(y, logits)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
"""




def test_keras_loss_reads_the_prediction_from_its_second_argument():
    # y_true first: the model's output is the second argument (or y_pred=)
    code = TAPE.replace("{X}", ', activation="softmax"').replace("loss_fn(y, logits)", "loss_fn(y_pred=logits, y_true=y)")
    assert [c for _, c in findings(code)] == ["RL103"]


# ---------------------------------------------------------------- hand-written losses

CUSTOM_LOSS = """
import tensorflow as tf
from tensorflow.keras import backend as K


def rmse(y_true, y_pred):
    return K.sqrt(K.mean(K.square(y_pred - y_true)))


def build():
    return tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(1{X})])


model = build()
model.compile(optimizer="adam", loss=rmse)
"""

TAPE_SQUARED = """
import tensorflow as tf

net = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(1{X})])
opt = tf.keras.optimizers.Adam()


def step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(y - net(x, training=True)))
    opt.apply_gradients(zip(tape.gradient(loss, net.trainable_variables), net.trainable_variables))
"""


# ---------------------------------------------------------------- every shape: a firing and a silent twin

TWINS = [
    ("subclassed_model_call", SUBCLASSED, ', activation="relu"', "", "RL101"),
    ("sequential_subclass", SEQUENTIAL_SUBCLASS, ', activation="relu"', "", "RL101"),
    ("model_from_helper_function", HELPER, ', activation="softmax"', "", "RL102"),
    ("keras3_vae_train_step", KERAS3_VAE, "", ', activation="sigmoid"', "RL103"),
    ("vae_output_is_the_decoders_last_activation", VAE, "", ', activation="sigmoid"', "RL103"),
    ("compile_loss_from_a_variable", LOSS_VARIABLE, "keras.losses.CategoricalCrossentropy(from_logits=True)", "keras.losses.CategoricalCrossentropy()", "RL103"),
    ("compile_loss_string_from_a_variable", LOSS_VARIABLE, '"mean_squared_error"', '"categorical_crossentropy"', "RL102"),
    ("fit_data_from_a_helper", DATA_HELPER, "", " / 5000.0", "RL301"),
    ("per_timestep_output", PER_TIMESTEP, ', activation="relu"', "", "RL101"),
    ("fit_data_passed_as_parameters", DATA_PARAMETERS, "", " / 3000.0", "RL301"),
    ("multi_output_losses_by_name", MULTI_OUTPUT, '"mean_squared_error"', '"categorical_crossentropy"', "RL102"),
    ("each_model_is_judged_with_its_own_loss", TWO_MODELS, ', activation="relu"', "", "RL101"),
    ("gradient_tape_loss_binds_through_the_prediction", TAPE, ', activation="softmax"', "", "RL103"),
    ("compile_with_a_hand_written_loss_function", CUSTOM_LOSS, ', activation="softmax"', "", "RL102"),
    ("hand_written_squared_error_in_a_tape", TAPE_SQUARED, ', activation="relu"', "", "RL101"),
]


@pytest.mark.parametrize(("template", "bad", "good", "rule"), [pytest.param(*c[1:], id=c[0]) for c in TWINS])
@pytest.mark.parametrize("fires", [True, False], ids=["fires", "silent"])
def test_twins(template, bad, good, rule, fires):
    code = template.replace("{X}", bad if fires else good)
    got = findings(code, (rule,) if rule.startswith("RL3") else ("RL101", "RL102", "RL103"))
    if fires:
        assert [c for _, c in got] == [rule], got
    else:
        assert got == [], got


# ---------------------------------------------------------------- a model file and its driver script

MODEL_FILE = """
from tensorflow import keras
from tensorflow.keras import layers


def build_regressor(n_features):
    return keras.Sequential([
        keras.Input(shape=(n_features,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(1{X}),
    ])
"""

# the driver imports no framework itself: the compile call is enough to follow it
DRIVER = """
import numpy as np
from model import build_regressor

model = build_regressor(8)
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.rand(100, 8), np.random.rand(100) * 2 - 1, epochs=2)
"""


@pytest.mark.parametrize("fires", [True, False], ids=["fires", "silent"])
def test_model_file_judged_with_the_loss_its_driver_compiles(fires, tmp_path):
    (tmp_path / "model.py").write_text(textwrap.dedent(MODEL_FILE.replace("{X}", ', activation="relu"' if fires else "")))
    (tmp_path / "train.py").write_text(textwrap.dedent(DRIVER))
    path = str(tmp_path / "model.py")
    result = lint_source((tmp_path / "model.py").read_text(), path, Settings(select=["RL101", "RL102", "RL103"]))
    got = [(f.origin.path, f.origin.line, f.code) for f in result.findings]
    assert got == ([(path, 10, "RL101")] if fires else []), got


@pytest.mark.parametrize("layer, fires", [
    ("layers.LeakyReLU()", False),                      # Keras' default slope 0.3 keeps negatives learnable
    ("layers.LeakyReLU(alpha=0.01)", True),             # Keras 2 / tf.keras spelling
    ("layers.LeakyReLU(negative_slope=0.005)", True),   # Keras 3 spelling
    ("layers.LeakyReLU(0.2)", False),
])
def test_leaky_relu_output_slope(layer, fires):
    code = f"""
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([layers.Dense(16, activation="relu", input_shape=(4,)), layers.Dense(1), {layer}])
model.compile(optimizer="adam", loss="mse")
"""
    found = [f.code for f in lint_source(code, "model.py", Settings(select=["RL101"])).findings]
    assert found == (["RL101"] if fires else [])
