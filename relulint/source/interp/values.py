"""Abstract values of the source interpreter.

Plain Python numbers, strings, bools and None stand for themselves (bounded: see `fold`); `UNK` is
any value the interpreter cannot know. Everything else is one of the classes below: the linted
program's own functions, classes and objects, framework objects described by the API models in
`relulint.knowledge`, and tensors that remember which network produced them and which ops they went
through on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from relulint.ir import NEUTRAL_KINDS, DataSource, Loss, Op


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNK"


UNK = _Unknown()


@dataclass(eq=False)
class ExtRef:
    """An imported name the interpreter does not read: `torch.nn`, `np.random.rand`, `os.path`."""

    qname: str
    named_at: object = None  # the expression that spelled it (`nn.ReLU` in `mlp(..., out_act=nn.ReLU)`)
    named_in: object = None  # the ModuleState whose tree holds named_at (a builder may live in another file)


@dataclass(eq=False)
class ModuleRef:
    """A module of the linted project, read (never imported) by the interpreter."""

    state: object  # interp.program.ModuleState


@dataclass(eq=False)
class FuncVal:
    node: cst.FunctionDef | cst.Lambda
    module: object  # ModuleState
    defaults: dict[str, object] = field(default_factory=dict)
    cls: ClassVal | None = None  # the class a method is defined in (for super())
    closure: dict[str, object] | None = None


@dataclass(eq=False)
class BoundMethod:
    func: FuncVal
    receiver: object


@dataclass(eq=False)
class ClassVal:
    name: str
    node: cst.ClassDef
    module: object  # ModuleState
    bases: list[object]
    attrs: dict[str, object] = field(default_factory=dict)
    instances: list[Instance] = field(default_factory=list)
    part: bool = False  # an instance was stored inside another module: a part, not a model

    def mro(self) -> list[object]:
        """The class, its local bases depth-first (bounded), then the external bases."""
        out: list[object] = [self]
        external: list[object] = []
        stack = list(self.bases)
        while stack and len(out) < 16:
            b = stack.pop(0)
            if isinstance(b, ClassVal):
                if b not in out:
                    out.append(b)
                    stack.extend(b.bases)
            elif b not in external:
                external.append(b)
        return out + external

    def lookup(self, name: str) -> object | None:
        for c in self.mro():
            if isinstance(c, ClassVal) and name in c.attrs:
                return c.attrs[name]
        return None

    def external_bases(self) -> list[str]:
        return [b.qname for b in self.mro() if isinstance(b, ExtRef)]


@dataclass(eq=False)
class Instance:
    cls: ClassVal
    attrs: dict[str, object] = field(default_factory=dict)
    children: list[object] | None = None  # an nn.Sequential / ModuleList subclass's modules
    is_module: bool = False
    network: object | None = None  # the Network built for it (engine side)
    built: bool = False  # a custom Keras layer's build() has run


@dataclass(eq=False)
class SuperRef:
    instance: object
    after: ClassVal


@dataclass(eq=False)
class LayerVal:
    """A framework layer instance (nn.Linear(...), nn.ReLU()): one Op shared by every use."""

    qname: str
    op: Op
    site_ops: dict[int, Op] = field(default_factory=dict)  # activation applied at a call site
    node: object = None  # the constructor call: one per layer of the program, however often its class is built


@dataclass(eq=False)
class LibModel:
    """A model from a library the interpreter does not read (torchvision.models.resnet18()): an unknown
    backbone, then the library's classification head, or the module the program put in its place
    (`model.fc = nn.Linear(512, 1)`)."""

    qname: str
    head_attrs: frozenset[str]
    body: Op
    default_head: Op
    head: object = None
    name: str | None = None


@dataclass(eq=False)
class SeqVal:
    """nn.Sequential / nn.ModuleList / nn.ModuleDict and plain lists of modules."""

    kind: str  # sequential | list | dict
    children: list[object]
    keys: list[str] | None = None
    node: cst.CSTNode | None = None
    name: str | None = None
    part: bool = False
    network: object | None = None
    framework: str = "torch"  # keras: Sequential([...]) / Sequential() + .add(...)


@dataclass(eq=False)
class GraphModel:
    """A Keras functional model, `Model(inputs, outputs)`: the ops from its inputs to each output."""

    outputs: object  # a Tensor, or a tuple / ListVal / DictVal of them (the structure calling it returns)
    node: cst.CSTNode | None = None
    name: str | None = None
    part: bool = False


@dataclass(eq=False)
class ListVal:
    items: list[object]
    repeated: bool = False  # built by a comprehension too long to unroll: one representative item


@dataclass(eq=False)
class DictVal:
    items: dict[object, object]
    tensor_keys: list | None = None  # {placeholder: batch} (a TF1 feed_dict): the pairs keyed by a tensor


@dataclass(eq=False)
class LossVal:
    """A loss object (nn.MSELoss()) or a loss passed as a class: calling it is a loss site."""

    loss: Loss
    called: bool = False


@dataclass(eq=False)
class ParamRef:
    """`layer.weight` (and `.data` of it): the target of an initialiser."""

    layer: LayerVal
    name: str


@dataclass(eq=False)
class Binding:
    """A loss call the prediction of one network reaches, with the ops it went through on the way."""

    key: object  # the module instance / Sequential that produced the prediction
    name: str
    ops: tuple[Op, ...]
    loss: Loss
    trained: bool = False


@dataclass(eq=False)
class Tensor:
    """A tensor: the network that produced it (None: data) and the ops from the network input."""

    net: object | None = None
    chain: tuple[Op, ...] = ()
    diff_of: Tensor | None = None  # a - b: the side that a network produced
    squared: Tensor | None = None  # (a - b) ** 2: the prediction inside
    logged: Tensor | None = None  # log(p): the network output p whose log this is
    log_product: Tensor | None = None  # t * log(p): a hand-written cross-entropy's terms, p inside
    # |p - t| and elementwise arithmetic on it or on (p - t) ** 2 (a hand-written Huber): p inside
    error_of: Tensor | None = None
    error_kind: str = "huber"  # the regression loss kind the error terms make once reduced
    param: bool = False  # an nn.Parameter: a learned weight, not data (x @ W is an affine layer)
    losses: tuple[Binding, ...] = ()  # a loss value: the loss sites it sums
    unlinked: tuple[Loss, ...] = ()  # loss sites whose prediction came from no known network
    shape: tuple | None = None  # Keras: the batch-less shape, where known (fan-in inference)
    data: DataSource | None = None  # data (no network made it): its range, dtype, scaling (data_api.py)
    target: DataSource | None = None  # p - y, (p - y) ** 2: the data p is compared with (a hand-written loss)
    # a step of a min-max scaling written by hand: ("min" | "max" | "range" | "std", data) for x.min(),
    # x.max(), x.max() - x.min(), x.std() (the value itself unknown); ("shifted", data) for x - x.min()
    stat: tuple[str, DataSource] | None = None
    fed_with: object | None = None  # a model's output: the value the model was called with (autoencoders)
    fed_text: str | None = None  # ... and the source text of that argument (`x` in model(x)), known or not
    detached: bool = False  # t.detach() of a network's output: no gradient reaches the network through it
    derived_from: Tensor | None = None  # x + noise, x unknown: the clean value it is a corrupted copy of


def union(chains: list[tuple[Op, ...]]) -> tuple[Op, ...]:
    """Ops of several inputs, each once, in order of first appearance (a branch join)."""
    if len(chains) == 1:
        return chains[0]
    # a dict keeps the first position of each key: C-level, which matters for the long chains of a
    # Keras functional graph that merges many branches (NASNet: ~1,000 merges of ~1,000-op chains)
    by_id: dict[int, Op] = {}
    for chain in chains:
        by_id.update(zip(map(id, chain), chain, strict=False))
    return tuple(by_id.values())


def op_effect(op: Op) -> tuple | None:
    """What an op does to the output activation, for comparing two branches: None for a step that
    changes nothing there (dropout, reshape), else its kind and activation."""
    if op.kind in NEUTRAL_KINDS:
        return None
    return op.kind, op.activation.kind if op.activation is not None else None


def _tail_effect(tail: tuple[Op, ...]) -> tuple:
    return tuple(e for e in map(op_effect, tail) if e is not None)


def join_branch_chains(a: tuple[Op, ...], b: tuple[Op, ...]) -> tuple[Op, ...]:
    """The chain after `if c: x = f(x)` when c is unknown: the two paths' ops (union) when they end
    alike, else the shared part and an opaque step. An activation only one branch applies (an optional
    output ReLU, a sigmoid behind a flag) is not the output's for certain, so no rule may judge by it."""
    if a is b:
        return a
    n = min(len(a), len(b))
    k = 0
    while k < n and a[k] is b[k]:
        k += 1
    if k == len(a) == len(b):
        return a
    if _tail_effect(a[k:]) == _tail_effect(b[k:]):
        return union([a, b])
    return a[:k] + (Op("other", "branches that differ"),)


def join_branches(a: object, b: object) -> object:
    """`join` for the two arms of a branch on an unknown condition (if/else, x if c else y, two returns)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.chain is not b.chain and (a.chain or b.chain) \
            and not (a.losses or b.losses or a.unlinked or b.unlinked):
        return Tensor(net=a.net or b.net, chain=join_branch_chains(a.chain, b.chain),
                      data=a.data if a.data is b.data else None)
    return join(a, b)


def join(a: object, b: object) -> object:
    """The value of a variable after two paths that may have bound it differently."""
    if a is b:
        return a
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return Tensor(net=a.net or b.net, chain=union([a.chain, b.chain]), losses=a.losses + b.losses,
                      unlinked=a.unlinked + b.unlinked, data=a.data if a.data is b.data else None)
    if a is UNK:
        return b if isinstance(b, (Tensor, LayerVal, SeqVal, Instance)) else UNK
    if b is UNK:
        return a if isinstance(a, (Tensor, LayerVal, SeqVal, Instance)) else UNK
    try:
        if type(a) is type(b) and isinstance(a, (int, float, str, bool)) and a == b:
            return a
    except Exception:
        return UNK
    if a is None:
        return b
    if b is None:
        return a
    return UNK
