"""Framework knowledge as data: which calls are activations, layers, initialisers, losses, data
sources and scaling steps, with the arguments that carry their parameters.

The per-framework tables live in `torch.py`, `keras.py`, `tf1.py`, `data.py` and are merged here.
Every key is a *canonical* qualified name (see `canonical`): `tensorflow.compat.v1.layers.dense`
and `tf.layers.dense` both become `tensorflow.layers.dense`; `tensorflow.keras.layers.Dense`,
`keras.layers.Dense` and `tf_keras.layers.Dense` all become `keras.layers.Dense`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

# --------------------------------------------------------------------------------------------
# Argument references and table entry types


@dataclass(frozen=True)
class Arg:
    """Where a call carries a parameter: positional index and/or keyword, with a default."""

    pos: int | None = None
    kw: str | None = None
    default: object = None


@dataclass(frozen=True)
class ActivationInfo:
    kind: str
    relu_like: bool = False  # zero gradient on a half-line: units can die
    clamps: bool = False  # output clamped at a bound with zero gradient there (RL101)
    output_range: tuple[float, float] = (-math.inf, math.inf)
    probability: bool = False  # outputs probabilities (softmax, sigmoid)


@dataclass(frozen=True)
class LayerSpec:
    """A layer constructor (or TF1/functional layer call)."""

    kind: str  # affine | dropout | alpha_dropout | norm | scale | shape | activation | other
    fan_in: Arg | None = None  # in_features / in_channels (torch); inferred in Keras
    fan_out: Arg | None = None  # out_features / units / filters
    kernel_size: Arg | None = None  # conv: fan-in multiplies by prod(kernel_size)
    activation: Arg | None = None  # fused activation argument (Keras/TF1)
    kernel_init: Arg | None = None  # kernel initializer argument
    activation_kind: str | None = None  # for activation layers: the fixed kind (nn.ReLU -> relu)
    activation_from: Arg | None = None  # Keras Activation("relu"): the argument naming the kind
    input_arg: Arg | None = None  # TF1 functional layers: the input tensor argument
    scale_range: tuple[Arg, Arg] | None = None  # Rescaling(scale, offset)
    spatial_dims: int = 0  # conv dimensionality; used for Keras fan-in from kernel_size


@dataclass(frozen=True)
class InitSpec:
    """An initialiser: its distribution and where its parameters are."""

    distribution: str  # normal | truncated_normal | uniform | constant | zeros | ones | orthogonal | ...
    scheme: str | None = None  # fixed scheme: he | glorot | lecun | torch_default
    mean: Arg | None = None
    std: Arg | None = None
    low: Arg | None = None
    high: Arg | None = None
    value: Arg | None = None  # constant
    scheme_arg: Arg | None = None  # torch kaiming: nonlinearity; keras VarianceScaling: scale/mode
    target: Arg | None = None  # torch nn.init.*_(tensor, ...): the tensor argument
    shape: Arg | None = None  # tf.truncated_normal(shape, ...): the shape, gives fan-in


@dataclass(frozen=True)
class LossSpec:
    kind: str
    from_logits: Arg | None = None


@dataclass(frozen=True)
class LossInfo:
    kind: str
    regression: bool = False
    squared_error: bool = False
    expects: str = "any"  # logits | probabilities | log_probabilities | any
    logits_flag: bool = False  # has a from_logits switch (Keras)
    # normalises over the output's units (a softmax inside or before it): on one unit it is constant
    over_units: bool = False


@dataclass(frozen=True)
class DataSpec:
    """A call that produces data with a known range / dtype, or that scales it."""

    role: str  # source | scale | normalize
    low: float | None = None
    high: float | None = None
    dtype: str | None = None
    low_arg: Arg | None = None
    high_arg: Arg | None = None


@dataclass
class Tables:
    activations: dict[str, str] = field(default_factory=dict)  # callable/class qname -> kind
    activation_strings: dict[str, str] = field(default_factory=dict)  # "relu" -> relu
    layers: dict[str, LayerSpec] = field(default_factory=dict)
    initializers: dict[str, InitSpec] = field(default_factory=dict)
    init_strings: dict[str, InitSpec] = field(default_factory=dict)  # Keras "he_normal"
    losses: dict[str, LossSpec] = field(default_factory=dict)
    loss_strings: dict[str, str] = field(default_factory=dict)  # Keras "mse" -> mse
    data: dict[str, DataSpec] = field(default_factory=dict)
    default_init: dict[str, InitSpec] = field(default_factory=dict)  # framework -> default kernel init
    # leaky activations: qname -> (the arguments that may hold the negative slope, the API's default slope)
    negative_slopes: dict[str, tuple[tuple[Arg, ...], float]] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Activation kinds: what each does to the signal

ACTIVATION_KINDS: dict[str, ActivationInfo] = {
    a.kind: a
    for a in [
        ActivationInfo("relu", relu_like=True, clamps=True, output_range=(0.0, math.inf)),
        ActivationInfo("relu6", relu_like=True, clamps=True, output_range=(0.0, 6.0)),
        ActivationInfo("hard_sigmoid", clamps=True, output_range=(0.0, 1.0)),
        ActivationInfo("hardtanh", clamps=True, output_range=(-1.0, 1.0)),
        ActivationInfo("leaky_relu", output_range=(-math.inf, math.inf)),
        ActivationInfo("prelu"),
        ActivationInfo("elu", output_range=(-1.0, math.inf)),
        ActivationInfo("selu", output_range=(-1.7581, math.inf)),
        ActivationInfo("celu", output_range=(-1.0, math.inf)),
        ActivationInfo("gelu", output_range=(-0.17, math.inf)),
        ActivationInfo("silu", output_range=(-0.28, math.inf)),
        ActivationInfo("mish", output_range=(-0.31, math.inf)),
        ActivationInfo("softplus", output_range=(0.0, math.inf)),
        ActivationInfo("sigmoid", output_range=(0.0, 1.0), probability=True),
        ActivationInfo("softmax", output_range=(0.0, 1.0), probability=True),
        ActivationInfo("log_softmax", output_range=(-math.inf, 0.0)),
        ActivationInfo("tanh", output_range=(-1.0, 1.0)),
        ActivationInfo("softsign", output_range=(-1.0, 1.0)),
        ActivationInfo("exponential", output_range=(0.0, math.inf)),
        ActivationInfo("abs", output_range=(0.0, math.inf)),
        ActivationInfo("linear"),
    ]
}


def activation_info(kind: str) -> ActivationInfo:
    info = ACTIVATION_KINDS.get(kind)  # (no default built on every call: rules ask per op of 100k-op graphs)
    return info if info is not None else ActivationInfo(kind)


# --------------------------------------------------------------------------------------------
# Losses: which are regression / squared error, and what prediction they expect

LOSS_KINDS: dict[str, LossInfo] = {
    i.kind: i
    for i in [
        LossInfo("mse", regression=True, squared_error=True),
        LossInfo("mae", regression=True),
        LossInfo("huber", regression=True),
        LossInfo("msle", regression=True, squared_error=True),
        LossInfo("log_cosh", regression=True),
        LossInfo("mape", regression=True),  # relative L1: scale-free, so not a squared error for RL303
        LossInfo("cross_entropy", expects="logits", over_units=True),  # torch CrossEntropyLoss / tf softmax_cross_entropy_with_logits
        LossInfo("sigmoid_cross_entropy", expects="logits"),  # BCEWithLogits / sigmoid_cross_entropy_with_logits
        LossInfo("nll", expects="log_probabilities", over_units=True),
        LossInfo("bce", expects="probabilities"),  # torch BCELoss
        LossInfo("categorical_crossentropy", expects="probabilities", logits_flag=True, over_units=True),  # Keras
        LossInfo("binary_crossentropy", expects="probabilities", logits_flag=True),
        LossInfo("kl_div"),  # Keras KLDivergence: probabilities on both sides
        LossInfo("log_kl_div", expects="log_probabilities"),  # torch KLDivLoss / F.kl_div
        LossInfo("hinge"),
        LossInfo("poisson"),
        LossInfo("cosine"),
    ]
}


def loss_info(kind: str) -> LossInfo:
    return LOSS_KINDS.get(kind, LossInfo(kind))


# --------------------------------------------------------------------------------------------
# Initialiser statistics

@dataclass(frozen=True)
class Scheme:
    """A fan-dependent initialiser scale: std = sqrt(scale / n), n the fan its mode names."""

    scale: float
    mode: str = "fan_in"  # fan_in | fan_out | fan_avg
    name: str | None = None  # he, glorot, lecun, torch_default: the common ones by name

    def std(self, fan_in: int, fan_out: int | None) -> float | None:
        if self.mode == "fan_in":
            n: float | None = fan_in
        elif not fan_out:
            return None
        else:
            n = fan_out if self.mode == "fan_out" else (fan_in + fan_out) / 2
        return math.sqrt(self.scale / n) if n else None

    @property
    def is_lecun(self) -> bool:
        """Variance 1 / fan_in: what SELU's self-normalisation needs."""
        return self.scale == 1.0 and self.mode == "fan_in"

    def __str__(self) -> str:
        return self.name or f"variance_scaling(scale={self.scale:g}, mode={self.mode})"


SCHEMES: dict[str, Scheme] = {
    "he": Scheme(2.0, "fan_in", "he"),
    "he_fan_out": Scheme(2.0, "fan_out", "he_fan_out"),
    "glorot": Scheme(1.0, "fan_avg", "glorot"),
    "lecun": Scheme(1.0, "fan_in", "lecun"),
    # torch's default Linear/Conv init: kaiming_uniform_(a=sqrt(5)) -> U(-1/sqrt(n), 1/sqrt(n))
    "torch_default": Scheme(1.0 / 3.0, "fan_in", "torch_default"),
}


def he_std(fan_in: int) -> float:
    return math.sqrt(2.0 / fan_in)


def uniform_stats(low: float, high: float) -> tuple[float, float]:
    return (low + high) / 2, (high - low) / math.sqrt(12)


# --------------------------------------------------------------------------------------------
# Canonical names

_PREFIXES = (
    ("tensorflow.compat.v1.", "tensorflow."),
    ("tensorflow.compat.v2.", "tensorflow."),
    ("tensorflow.python.keras.", "keras."),
    ("tensorflow.keras.", "keras."),
    ("tf_keras.", "keras."),
    ("keras.src.", "keras."),
    ("tensorflow.python.ops.", "tensorflow."),
)


_TF2_KERAS_ALIASES = (("tensorflow.losses.", "keras.losses."), ("tensorflow.initializers.", "keras.initializers."))


@functools.lru_cache(maxsize=8192)
def canonical(qname: str) -> str:
    for old, new in _PREFIXES:
        if qname.startswith(old):
            qname = new + qname[len(old) :]
    # TF2's tf.losses.MeanSquaredError / tf.initializers.HeNormal are the Keras classes (the lower-case
    # tf.losses.* functions are TF1's, which the tf1 tables describe)
    for alias, target in _TF2_KERAS_ALIASES:
        if qname.startswith(alias) and qname[len(alias):len(alias) + 1].isupper():
            qname = target + qname[len(alias):]
    # keras.layers.core.Dense / keras.layers.convolutional.Conv2D -> keras.layers.Dense
    parts = qname.split(".")
    if len(parts) > 3 and parts[0] == "keras" and parts[1] in ("layers", "initializers", "losses", "activations"):
        qname = ".".join(parts[:2] + parts[-1:])
    return qname


def _merged() -> Tables:
    from relulint.knowledge import data, keras, tf1, tflearn, torch

    merged = Tables()
    for module in (torch, keras, tf1, tflearn, data):
        t: Tables = module.TABLES
        merged.activations.update(t.activations)
        merged.activation_strings.update(t.activation_strings)
        merged.layers.update(t.layers)
        merged.initializers.update(t.initializers)
        merged.init_strings.update(t.init_strings)
        merged.losses.update(t.losses)
        merged.loss_strings.update(t.loss_strings)
        merged.data.update(t.data)
        merged.default_init.update(t.default_init)
        merged.negative_slopes.update(t.negative_slopes)
    return merged


_TABLES: Tables | None = None


def tables() -> Tables:
    global _TABLES
    if _TABLES is None:
        _TABLES = _merged()
    return _TABLES


@functools.lru_cache(maxsize=4096)
def known_name(qname: str) -> bool:
    """Whether a canonical name is one the tables describe (a layer, activation, initialiser, loss, data
    source, model class or TF1 graph call): how `from keras.layers import *` tells which star-imported
    module a bare `Dense` comes from."""
    from relulint.knowledge import keras, tf1, tflearn

    t = tables()
    if any(qname in d for d in (t.layers, t.activations, t.initializers, t.losses, t.data)):
        return True
    return qname in _NAMED_CALLS or any(qname in d for d in (
        keras.MODEL_BASES, keras.LAYER_BASES, keras.INPUTS, keras.WRAPPERS, keras.LAMBDA_LAYERS, tf1.PLACEHOLDERS,
        tf1.VARIABLE_FACTORIES, tf1.AFFINE_OPS, tflearn.PLACEHOLDERS, tflearn.ESTIMATORS))


def star_binding(modules: list[str], name: str) -> str | None:
    """The qualified name `name` has after `from m import *` of each of modules (the last one first, as
    Python binds them): one the tables know, else a class of a Keras layers module (`GRU`, `Conv2DTranspose`:
    every class there is a layer); None when no module is known to export it."""
    for dotted in reversed(modules):
        if known_name(canonical(f"{dotted}.{name}")):
            return f"{dotted}.{name}"
    for dotted in reversed(modules):
        if canonical(dotted) == "keras.layers" and name[:1].isupper():
            return f"{dotted}.{name}"
    return None


# model containers / bases the interpreter knows by name, outside the tables
_NAMED_CALLS = frozenset({"torch.nn.Module", "torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"})
