"""The Keras probe and KerasProbe callback against real Keras: Sequential, functional and subclassed
models, findings at the line that built the layer (never `<Sequential>:1`)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

pytest.importorskip("keras")
pytest.importorskip("tensorflow")
import keras  # noqa: E402  (a plain import, so the source pass reads this file's models)
from keras import layers  # noqa: E402

from relulint.dynamic import KerasProbe, probe  # noqa: E402

POSITIVE = keras.initializers.RandomUniform(0.0, 1.0)  # all-positive weights: with negative inputs, all dead


def build_sequential():
    model = keras.Sequential([
        keras.Input((4,)),
        layers.Dense(16, activation="relu", kernel_initializer=POSITIVE),  # line: SEQ_DENSE
        layers.Dense(1),
    ])
    model.compile(optimizer="sgd", loss="mse")
    return model


def build_functional():
    inp = keras.Input((4,))
    h = layers.Dense(16, kernel_initializer=POSITIVE)(inp)
    h = layers.ReLU()(h)  # line: FUNC_RELU
    out = layers.Dense(1)(h)
    model = keras.Model(inp, out)
    model.compile(optimizer="sgd", loss="mse")
    return model


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(16, activation="relu", kernel_initializer=POSITIVE)  # line: SUB_DENSE
        self.head = layers.Dense(1)

    def call(self, x):
        return self.head(self.hidden(x))


def build_subclassed():
    model = Subclassed()
    model.compile(optimizer="sgd", loss="mse")
    model(np.zeros((1, 4), "float32"))
    return model


def _line(tag: str) -> int:
    lines = open(__file__).read().splitlines()
    return next(i for i, text in enumerate(lines, 1) if text.rstrip().endswith(f"# line: {tag}"))


def _batch():
    rng = np.random.default_rng(0)
    return -rng.random((32, 4)).astype("float32"), rng.random((32, 1)).astype("float32")


@pytest.mark.parametrize("build, tag", [(build_sequential, "SEQ_DENSE"), (build_functional, "FUNC_RELU"),
                                        (build_subclassed, "SUB_DENSE")])
def test_dead_layer_points_at_the_line_that_built_it(build, tag):
    keras.utils.set_random_seed(0)
    x, y = _batch()
    findings = probe(build(), (x, y))
    (dead,) = [f for f in findings if f.code == "RL401"]
    assert dead.evidence["dead_share"] == 1.0
    assert (dead.origin.path, dead.origin.line) == (__file__, _line(tag))
    assert findings.report.loss is not None and findings.report.targets.shape == (32, 1)


def test_keras_probe_callback_in_a_real_fit(caplog):
    keras.utils.set_random_seed(0)
    x, y = _batch()
    model = build_sequential()
    cb = KerasProbe(x, y, batch_size=16)
    with caplog.at_level(logging.INFO, logger="relulint"):
        model.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[cb])
    assert cb.done and cb.findings is not None
    (dead,) = [f for f in cb.findings if f.code == "RL401"]
    assert (dead.origin.path, dead.origin.line) == (__file__, _line("SEQ_DENSE"))
    assert cb.findings.report.inputs.shape == (16, 4)
    assert "dead" in caplog.text
