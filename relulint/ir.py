"""The IR every frontend produces and every rule reads.

A frontend (libcst source, ONNX, TorchScript) lowers what it reads into these objects; rules judge
them and never see libcst nodes or protobufs. Every fact carries the `Origin` it came from so a
finding can point at the line that caused it. Unknown facts are `None`: rules stay silent on them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from relulint.knowledge import Scheme, activation_info, loss_info


@dataclass(frozen=True)
class Origin:
    """A span in a file: 1-based lines, 0-based columns, end exclusive (libcst `CodeRange`)."""

    path: str
    line: int
    col: int = 0
    end_line: int | None = None
    end_col: int | None = None
    # For graph findings: the node name / op when there is no source line.
    node: str | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Init:
    """A weight initialiser with whatever of its statistics is known statically."""

    display: str
    origin: Origin | None = None
    distribution: str = "unknown"  # normal | truncated_normal | uniform | constant | orthogonal | ...
    mean: float | None = None
    std: float | None = None  # a fixed std; None when unknown or fan-dependent
    scheme: Scheme | None = None  # fan-dependent scale (he, glorot, lecun, ...): std follows from the fans
    low: float | None = None  # uniform bounds; for constants low == high == value
    high: float | None = None

    def std_for(self, fan_in: int | None, fan_out: int | None) -> float | None:
        if self.std is not None:
            return self.std
        if self.scheme is not None and fan_in:
            return self.scheme.std(fan_in, fan_out)
        return None

    @property
    def has_positive_mean(self) -> bool:
        """True when every draw is biased upwards: mean > 0 (uniform(0, a), constant c > 0, N(0.1, .))."""
        return self.mean is not None and self.mean > 0


@dataclass
class Activation:
    kind: str  # canonical kind from the knowledge table: relu, softmax, sigmoid, selu, linear, ...
    display: str
    origin: Origin | None = None

    @property
    def is_relu_like(self) -> bool:
        return activation_info(self.kind).relu_like

    @property
    def output_range(self) -> tuple[float, float]:
        return activation_info(self.kind).output_range


class OpKind(StrEnum):
    """What a step of the forward path does, as the rules need to know it (a str: `op.kind == "affine"`)."""

    AFFINE = "affine"  # Dense / Linear / Conv: has weights
    ACTIVATION = "activation"
    DROPOUT = "dropout"
    ALPHA_DROPOUT = "alpha_dropout"
    NORM = "norm"  # batch / layer norm: re-centres the signal
    SCALE = "scale"  # Rescaling, x / 255, Normalization
    SHAPE = "shape"  # flatten, reshape, pooling: keeps signs
    EMBEDDING = "embedding"  # a lookup: its input is indices, not features
    OTHER = "other"  # anything else; breaks adjacency


@dataclass
class Op:
    """One step of a network's forward path (`kind`: an OpKind; a plain string is converted)."""

    kind: OpKind
    display: str
    origin: Origin | None = None
    name: str | None = None  # attribute / module path ("fc1", "features.3") or variable name
    activation: Activation | None = None  # the activation of a standalone activation op, or fused into an affine
    fan_in: int | None = None
    fan_out: int | None = None
    weight_init: Init | None = None
    init_site: Origin | None = None  # where the initialiser is attached to this layer
    weight_stats: WeightStats | None = None  # graph pass: the actual weight values' statistics
    # graph pass, ReLU ops: (units whose pre-activation is provably <= 0 on the declared input range, units)
    dead_units: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        self.kind = OpKind(self.kind)  # an unknown kind is a frontend bug: fail where it is made

    @property
    def init_location(self) -> Origin | None:
        return self.init_site or self.origin


@dataclass
class WeightStats:
    """Statistics of concrete weight values (graph pass), next to the initialiser's intent."""

    mean: float
    std: float
    min: float
    max: float
    count: int


@dataclass
class Network:
    name: str
    framework: str  # torch | keras | tf1 | onnx | torchscript
    origin: Origin | None
    ops: list[Op] = field(default_factory=list)
    loss: Loss | None = None  # bound directly (Keras compile, a TF1 loss built on this output)
    inputs: list[DataSource] = field(default_factory=list)  # data seen reaching this network
    # the source interpreter followed the program: losses bind through data, never by pooling
    followed: bool = False

    def embeds_input(self) -> bool:
        """True when an embedding lookup reads the input before any affine layer (token ids, not features)."""
        for op in self.ops:
            if op.kind == "embedding":
                return True
            if op.kind == "affine":
                return False
        return False

    def affine_indices(self) -> list[int]:
        return [i for i, op in enumerate(self.ops) if op.kind == "affine"]

    def activation_after(self, index: int) -> Activation | None:
        """The activation applied to the output of ops[index], looking through sign-preserving ops.

        A norm op in between re-centres the pre-activation, so the affine layer no longer feeds the
        activation in the sense the init rules mean: return None.
        """
        op = self.ops[index]
        if op.activation is not None and op.kind == "affine":
            return op.activation
        for j in range(index + 1, len(self.ops)):  # no slice: a copy per call is quadratic on 100k-op graphs
            nxt = self.ops[j]
            if nxt.kind == "activation":
                return nxt.activation
            if nxt.kind in ("dropout", "alpha_dropout", "shape"):
                continue
            return None
        return None

    def output_activation(self) -> Activation | None:
        """The activation that produces the network's output, or None for raw logits/linear output."""
        affine = self.affine_indices()
        if not affine:
            return None
        last = affine[-1]
        act = self.activation_after(last)
        if act is None:
            act = self._after_norm(last)  # Linear -> BatchNorm -> ReLU: the output is still clamped
        if act is None:
            return None
        # A later affine op would make this a hidden activation; activation_after already stops at it.
        return act if act.kind != "linear" else None

    def _after_norm(self, index: int) -> Activation | None:
        for j in range(index + 1, len(self.ops)):
            nxt = self.ops[j]
            if nxt.kind == "activation":
                return nxt.activation
            if nxt.kind not in ("dropout", "alpha_dropout", "shape", "norm"):
                return None
        return None

    def first_affine(self) -> tuple[int, Op] | None:
        for i, op in enumerate(self.ops):
            if op.kind == "affine":
                return i, op
        return None

    def scales_input(self) -> bool:
        """True when a scale/norm op comes before the first affine layer (Rescaling, Normalization)."""
        for op in self.ops:
            if op.kind in ("scale", "norm"):
                return True
            if op.kind == "affine":
                return False
        return False

    def iter_relu_affines(self) -> Iterator[tuple[int, Op, Activation]]:
        for i in self.affine_indices():
            act = self.activation_after(i)
            if act is not None and act.is_relu_like:
                yield i, self.ops[i], act


@dataclass
class Loss:
    kind: str  # canonical loss kind from the knowledge table
    display: str
    origin: Origin | None = None
    from_logits: bool | None = None
    # what the prediction is compared with, when the data-flow pass knows it (range, scaling, where)
    targets: DataSource | None = None

    @property
    def is_regression(self) -> bool:
        return loss_info(self.kind).regression

    @property
    def is_squared_error(self) -> bool:
        return loss_info(self.kind).squared_error

    @property
    def expects(self) -> str:
        """What the loss wants as prediction: logits | probabilities | any."""
        info = loss_info(self.kind)
        if self.from_logits is not None and info.logits_flag:
            return "logits" if self.from_logits else "probabilities"
        return info.expects


@dataclass
class DataSource:
    """Data that reaches a network: where it was made and what is known of its range and dtype."""

    display: str
    origin: Origin | None
    low: float | None = None
    high: float | None = None
    dtype: str | None = None
    scaled: bool = False  # a scaling / normalising step was applied on the way
    scaled_by: str | None = None
    fed_at: Origin | None = None  # where the data reaches the model: fit(x), model(x), feed_dict

    @property
    def is_raw_large_scale(self) -> bool:
        if self.scaled:
            return False
        if self.dtype == "uint8":
            return True
        return self.high is not None and math.isfinite(self.high) and max(abs(self.high), abs(self.low or 0)) > 10

    @property
    def is_mostly_negative(self) -> bool:
        if self.low is None or self.high is None:
            return False
        return self.low < 0 and self.high <= 0


@dataclass
class ModuleFacts:
    """Everything one frontend run learned from one file."""

    path: str
    networks: list[Network] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)  # losses not bound to one network
    data: list[DataSource] = field(default_factory=list)  # data not tied to one network
    imports: list[str] = field(default_factory=list)  # modules imported directly (for neighbours)
    frameworks: set[str] = field(default_factory=set)
    # the source interpreter: each loss call with the network (and the ops on the way) that reaches it
    bound: list[ModelIR] = field(default_factory=list)
    unlinked_losses: list[Loss] = field(default_factory=list)  # losses no network output reached
    followed: bool = False


@dataclass
class ModelIR:
    """What a rule judges: one network with the loss and data the engine could join to it."""

    network: Network
    losses: list[Loss] = field(default_factory=list)
    data: list[DataSource] = field(default_factory=list)

    @property
    def loss(self) -> Loss | None:
        return self.network.loss or (self.losses[0] if len(self.losses) == 1 else None)

    @property
    def all_losses(self) -> list[Loss]:
        return [self.network.loss] if self.network.loss else self.losses
