"""The IR every frontend produces and every rule reads.

A frontend (libcst source, ONNX, TorchScript) lowers what it reads into these objects; rules judge
them and never see libcst nodes or protobufs. Every fact carries the `Origin` it came from so a
finding can point at the line that caused it. Unknown facts are `None`: rules stay silent on them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
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
    # In a notebook: the code cell (from 1) that `line` counts in
    cell: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:cell {self.cell}:{self.line}" if self.cell is not None else f"{self.path}:{self.line}"


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
    negative_slope: float | None = None  # leaky_relu: the slope below 0, when known
    # softmax: the axis it normalises over as the code states it (dim= / axis=); None when not stated (the
    # framework's default: Keras and TF the last axis), "unknown" when stated but not a known number
    axis: int | str | None = None

    @property
    def is_relu_like(self) -> bool:
        return activation_info(self.kind).relu_like

    @property
    def output_range(self) -> tuple[float, float]:
        return activation_info(self.kind).output_range


# In `Op.inputs`, besides indices of earlier ops:
NETWORK_INPUT = -1  # the op reads the network's input directly
PREVIOUS_OP = -2  # the op listed just before it (a frontend that builds chains of shared ops)
UNKNOWN_VALUE = -3  # a value the IR does not hold (the other operand of a join the source pass sees)


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
    OTHER = "other"  # anything else; breaks adjacency (a join of two branches, add / concat, is one)


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
    # What this op reads: indices of earlier ops of the same network, or the markers above. None: the
    # previous op (the network input for the first op), so a frontend that lists a chain says nothing.
    inputs: tuple[int, ...] | None = None
    # a scale op that does not scale: a Keras Normalization never adapt()-ed and given no mean/variance
    # (it passes the data through unchanged), seen by the interpreter on a network it fed data to
    inert: bool = False

    def __post_init__(self) -> None:
        if type(self.kind) is not OpKind:  # (the graph pass passes OpKinds: 100k+ ops)
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


Sieve = Callable[..., object]  # LayerArrays -> boolean mask (numpy), see Network.iter_affines


def _is_relu_like(act: Activation) -> bool:
    return act.is_relu_like


_SIGN_KEEPING = ("dropout", "alpha_dropout", "shape")  # ops an activation is still "after" through
# the same kinds as a set: steps that leave what the output activation is unchanged (a Dropout applied
# in one branch only does not make the output uncertain)
NEUTRAL_KINDS = frozenset(_SIGN_KEEPING)
_TO_LAYER = ("shape", "dropout", "alpha_dropout", "norm", "scale")  # ops between a layer and its ReLU


@dataclass
class Network:
    """A network's forward path: `ops` in topological order, each reading earlier ops (`Op.inputs`).

    A frontend that lists a chain leaves every `Op.inputs` None; residual and branching networks
    record them, and the helpers below follow producers and consumers through the DAG. Where a
    question has no single answer in a DAG (a value that fans out, a join of two branches, heads that
    disagree), they answer None / the conservative value: rules stay silent rather than guess.
    """

    name: str
    framework: str  # torch | keras | tf1 | onnx | torchscript
    origin: Origin | None
    ops: list[Op] = field(default_factory=list)
    loss: Loss | None = None  # bound directly (Keras compile, a TF1 loss built on this output)
    inputs: list[DataSource] = field(default_factory=list)  # data seen reaching this network
    # the source interpreter followed the program: losses bind through data, never by pooling
    followed: bool = False
    # `inputs` come from the interpreter's tensors (what its program fed this network), not a guess
    inputs_followed: bool = False
    # ops whose values leave the network (graph outputs), by index; None: the ops nothing consumes
    outputs: list[int] | None = None
    # consumers per op, built on first use for a non-chain (keyed on the op list it was built for)
    _dag: tuple[int, int, list[list[int]] | None] | None = field(default=None, init=False, repr=False,
                                                               compare=False)
    # activation_after for every op, built in one backward pass on first use (keyed like _dag)
    _after: tuple[int, int, list[Activation | None]] | None = field(default=None, init=False, repr=False,
                                                                  compare=False)

    # ---------------------------------------------------------------- structure

    def inputs_of(self, index: int) -> tuple[int, ...]:
        """What ops[index] reads: earlier op indices, NETWORK_INPUT and/or UNKNOWN_VALUE."""
        ins = self.ops[index].inputs
        if ins is None:
            return (index - 1,) if index else (NETWORK_INPUT,)
        if PREVIOUS_OP in ins:
            return tuple((index - 1 if index else NETWORK_INPUT) if p == PREVIOUS_OP else p for p in ins)
        return ins

    def producers(self, index: int) -> tuple[int, ...]:
        """The ops whose values ops[index] reads (the network input left out)."""
        return tuple(i for i in self.inputs_of(index) if i >= 0)

    def consumers(self, index: int) -> list[int]:
        """The ops that read the value of ops[index], ascending."""
        table = self._consumer_table()
        if table is None:  # a chain
            return [index + 1] if index + 1 < len(self.ops) else []
        return table[index]

    def is_chain(self) -> bool:
        """Every op reads the previous one (the first reads the input): a plain layer list."""
        return self._consumer_table() is None

    def output_indices(self) -> list[int]:
        """The ops that produce the network's outputs: recorded by the frontend, else those nothing reads."""
        n = len(self.ops)
        if self.outputs is not None:
            return sorted({i for i in self.outputs if 0 <= i < n})
        table = self._consumer_table()
        if table is None:
            return [n - 1] if n else []
        return [i for i, users in enumerate(table) if not users]

    def _consumer_table(self) -> list[list[int]] | None:
        ops = self.ops
        key = (id(ops), len(ops))
        if self._dag is not None and self._dag[:2] == key:
            return self._dag[2]
        table: list[list[int]] | None = None
        for i, op in enumerate(ops):
            ins = op.inputs
            if ins is not None and self.inputs_of(i) != ((i - 1,) if i else (NETWORK_INPUT,)):
                table = self._build_consumers()
                break
        self._dag = (key[0], key[1], table)
        return table

    def _build_consumers(self) -> list[list[int]]:
        table: list[list[int]] = [[] for _ in self.ops]
        for i in range(len(self.ops)):
            for p in self.inputs_of(i):
                if 0 <= p < i and (not table[p] or table[p][-1] != i):  # earlier ops only: a malformed
                    table[p].append(i)  # index is ignored, never followed
        return table

    def _only_consumer(self, index: int) -> int | None:
        """The one op that reads ops[index] and nothing else (no fan-out, no join), or None."""
        users = self.consumers(index)
        if len(users) != 1:
            return None
        j = users[0]
        return j if len(self.inputs_of(j)) == 1 else None

    def only_producer(self, index: int) -> int | None:
        """The one op ops[index] reads when it reads nothing else (not a join, not the input), or None."""
        ins = self.inputs_of(index)
        return ins[0] if len(ins) == 1 and 0 <= ins[0] < index else None

    def _affine_upstream(self) -> list[bool]:
        """Per op: an affine op is the op itself or one of its ancestors."""
        ops = self.ops
        out = [False] * len(ops)
        for i, op in enumerate(ops):
            out[i] = op.kind == "affine" or any(out[p] for p in self.producers(i) if p < i)
        return out

    # ---------------------------------------------------------------- questions rules ask

    def embeds_input(self) -> bool:
        """True when an embedding lookup reads the input before any affine layer (token ids, not features)."""
        if self.is_chain():
            for op in self.ops:
                if op.kind == "embedding":
                    return True
                if op.kind == "affine":
                    return False
            return False
        upstream = self._affine_upstream()
        return any(op.kind == "embedding" and not any(upstream[p] for p in self.producers(i) if p < i)
                   for i, op in enumerate(self.ops))

    def affine_indices(self) -> list[int]:
        return [i for i, op in enumerate(self.ops) if op.kind == "affine"]

    def activation_after(self, index: int) -> Activation | None:
        """The activation applied to the output of ops[index], looking through sign-preserving ops.

        A norm op in between re-centres the pre-activation, so the affine layer no longer feeds the
        activation in the sense the init rules mean: return None. So does a fan-out (the value also
        goes elsewhere) or a join (the activation sees another branch as well)."""
        ops = self.ops
        key = (id(ops), len(ops))
        if self._after is None or self._after[:2] != key:
            self._after = (key[0], key[1], self._activations_after())
        return self._after[2][index]

    def _activations_after(self) -> list[Activation | None]:
        """activation_after for every op in one backward pass (rules ask it for every layer of 100k-op
        graphs, several rules over): `reach[i]` is what the walk finds from ops[i] on."""
        ops = self.ops
        n = len(ops)
        chain = self._consumer_table() is None
        reach: list[Activation | None] = [None] * n  # the activation op i is, or passes on to
        after: list[Activation | None] = [None] * n
        for i in range(n - 1, -1, -1):
            j = (i + 1 if i + 1 < n else None) if chain else self._only_consumer(i)
            nxt = reach[j] if j is not None else None  # what the op reading this one leads to
            op = ops[i]
            kind = op.kind
            after[i] = op.activation if kind == "affine" and op.activation is not None else nxt
            if kind == "activation":
                reach[i] = op.activation
            elif kind in _SIGN_KEEPING:
                reach[i] = nxt
        return after

    def output_activation(self) -> Activation | None:
        """The activation that produces the network's output, or None for raw logits/linear output.

        Several outputs (a two-headed network) answer only when every head ends in the same kind."""
        heads = self.output_indices()
        if not heads:
            return None
        found: Activation | None = None
        for out in heads:
            act = self._head_activation(out)
            if act is None or (found is not None and act.kind != found.kind):
                return None
            found = found or act
        return found

    def output_is_affine(self) -> bool:
        """Every output is an affine layer's values with no activation after it (raw logits), reached
        back through ops that change neither sign nor kind of value. False when any head passes a join,
        an unknown step or the input: then "no activation" is not known, only not seen."""
        heads = self.output_indices()
        if not heads:
            return False
        for i in heads:
            while self.ops[i].kind != "affine":
                if self.ops[i].kind not in _SIGN_KEEPING + ("norm", "scale"):
                    return False
                p = self.only_producer(i)
                if p is None:
                    return False
                i = p
            act = self.ops[i].activation
            if act is not None and act.kind != "linear":
                return False
        return True

    def output_rescaled(self) -> bool:
        """Some output passes a constant scaling after its last affine layer (`net(x) * 1e5`,
        `return self.fc(x) * 100`): the network's own output is not at the scale of what the loss sees."""
        for i in self.output_indices():
            while self.ops[i].kind != "affine":
                if self.ops[i].kind == "scale":
                    return True
                p = self.only_producer(i)
                if p is None:
                    break
                i = p
        return False

    def _head_activation(self, out: int) -> Activation | None:
        """The activation after the last affine layer on the path to ops[out]: the path back from the
        output through ops with one input each, then forward along it (Linear -> BatchNorm -> ReLU:
        the output is still clamped). A join (residual add, concat) or the network input on the way
        back: None."""
        path = [out]
        i = out
        while self.ops[i].kind != "affine":
            p = self.only_producer(i)
            if p is None:
                return None
            path.append(p)
            i = p
        path.reverse()
        act = self._along(path, _SIGN_KEEPING)
        if act is None:
            act = self._along(path, _SIGN_KEEPING + ("norm",))
        return act if act is not None and act.kind != "linear" else None

    def _along(self, path: list[int], through: tuple[str, ...]) -> Activation | None:
        first = self.ops[path[0]]
        if first.activation is not None and through == _SIGN_KEEPING:
            # fused into the affine op (Dense(activation="relu")): the output's only while what follows keeps
            # it (a join of branches that differ after it, an unknown step: not known); a later activation
            # layer (Dense(10, activation="relu"), Activation("softmax")) is the output's
            act = first.activation
            for j in path[1:]:
                nxt = self.ops[j]
                if nxt.kind == "activation":
                    act = nxt.activation
                elif nxt.kind not in through:
                    return None
            return act
        for j in path[1:]:
            nxt = self.ops[j]
            if nxt.kind == "activation":
                return nxt.activation
            if nxt.kind not in through:
                return None
        return None

    def layer_before(self, index: int) -> Op | None:
        """The affine layer whose units feed ops[index], back through sign-keeping ops (norm and
        scale included); None at a join, the input, or any other op."""
        i = index
        while True:
            p = self.only_producer(i)
            if p is None:
                return None
            op = self.ops[p]
            if op.kind == "affine":
                return op
            if op.kind not in _TO_LAYER:
                return None
            i = p

    def first_affine(self) -> tuple[int, Op] | None:
        for i, op in enumerate(self.ops):
            if op.kind == "affine":
                return i, op
        return None

    def scales_input(self) -> bool:
        """True when a scale/norm op comes before the first affine layer (Rescaling, Normalization).

        In a DAG: some first layer (an affine op with no affine op upstream) reads only scaled values.
        "Some", not "every": with several inputs the data cannot be told apart, so any scaled branch
        keeps the input rules silent."""
        if self.is_chain():
            for op in self.ops:
                if op.kind in ("scale", "norm") and not op.inert:
                    return True
                if op.kind == "affine":
                    return False
            return False
        ops = self.ops
        if not any(op.kind == "affine" for op in ops):
            return any(op.kind in ("scale", "norm") and not op.inert for op in ops)
        scaled = [False] * len(ops)
        upstream = self._affine_upstream()
        for i, op in enumerate(ops):
            ins = self.inputs_of(i)
            reads_scaled = bool(ins) and all(0 <= p < i and scaled[p] for p in ins)
            if op.kind == "affine":
                if reads_scaled and not any(upstream[p] for p in ins if 0 <= p < i):
                    return True
                continue
            scaled[i] = op.kind in ("scale", "norm") and not op.inert or reads_scaled
        return False

    # ---------------------------------------------------------------- every layer, for rules
    # A graph network may hold a long run of repeated layers as one block whose ops are made only when
    # asked for (relulint/graph/runs.py). Rules walk layers through these iterators, in index order,
    # and may pass a `sieve`: a function of `LayerArrays` (numpy arrays over a block's layers: init_mean,
    # init_std, weight_std, fan_in, fan_out) returning a boolean mask of the layers worth judging. A
    # sieve may keep more layers than the rule reports (the rule judges every op it is given), never
    # fewer. A plain network ignores it and gives every layer.

    def iter_affines(self, sieve: Sieve | None = None) -> Iterator[tuple[int, Op]]:
        for i, op in enumerate(self.ops):
            if op.kind == "affine":
                yield i, op

    def iter_activated_affines(self, accept: Callable[[Activation], bool],
                               sieve: Sieve | None = None) -> Iterator[tuple[int, Op, Activation]]:
        """Affine ops whose output feeds an activation `accept` takes (see activation_after)."""
        for i in self.affine_indices():
            act = self.activation_after(i)
            if act is not None and accept(act):
                yield i, self.ops[i], act

    def iter_relu_affines(self, sieve: Sieve | None = None) -> Iterator[tuple[int, Op, Activation]]:
        return self.iter_activated_affines(_is_relu_like, sieve)

    def indices_of_kind(self, kind: str) -> list[int]:
        return [i for i, op in enumerate(self.ops) if op.kind == kind]

    def iter_dead_units(self) -> Iterator[tuple[int, Op]]:
        """Ops with `dead_units` (graph pass, ReLU-like ops on a declared input range)."""
        for i, op in enumerate(self.ops):
            if op.dead_units is not None:
                yield i, op

    def prepend(self, op: Op) -> None:
        """Put `op` in front of the network: it reads the input, and everything that read the input
        reads it (a scaling step the interpreter found before the first layer)."""
        for o in self.ops:
            if o.inputs is not None:
                o.inputs = tuple(0 if p == NETWORK_INPUT else p + 1 if p >= 0 else p for p in o.inputs)
        self.ops.insert(0, op)
        if self.outputs is not None:
            self.outputs = [i + 1 for i in self.outputs]


@dataclass
class Loss:
    kind: str  # canonical loss kind from the knowledge table
    display: str
    origin: Origin | None = None
    from_logits: bool | None = None
    # what the prediction is compared with, when the interpreter knows it (range, scaling, where)
    targets: DataSource | None = None
    # the targets are the value the network was called with (loss(model(x), x), fit(x, x)): an autoencoder
    reconstruction: bool = False
    # recognised by its form (((p - y) ** 2).mean(), |p - y|, -(t * log(p)).sum()), not a loss API
    written_out: bool = False

    @property
    def is_regression(self) -> bool:
        return loss_info(self.kind).regression

    @property
    def is_squared_error(self) -> bool:
        return loss_info(self.kind).squared_error

    @property
    def over_units(self) -> bool:
        return loss_info(self.kind).over_units

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
    scaled_at: Origin | None = None  # where the (last) scaling step is written
    fed_at: Origin | None = None  # where the data reaches the model: fit(x), model(x), feed_dict
    # read from a file (pd.read_csv, np.loadtxt): the range is unknown, so only "no scaling seen" is
    tabular: bool = False
    # values of a continuous source (rand, uniform, linspace, arithmetic on them), not class labels
    continuous: bool = False
    # the subscripts taken of the data made at `origin` ("[:, :8]", "['price']"): two parts of one table
    # (features and label column) are different data, the same part is the same data (an autoencoder's
    # input and target)
    part: str = ""

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
