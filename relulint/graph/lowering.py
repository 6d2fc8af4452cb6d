"""From a framework-neutral node list to the IR, with weight statistics and interval bounds.

The frontends (ONNX, TorchScript, .pt2) translate their graph into `GNode`s on the data path, in
topological order; this module turns them into a DAG of `Network.ops` (each op records the ops it
reads) of the same kinds as the source pass (affine / activation / norm / scale / shape / dropout /
other), fills `weight_stats` and an observed `weight_init` from the real weights, finds the data
facts RL301/RL302 judge, and, when an input range is declared, propagates interval bounds to fill
`Op.dead_units` for RL501.

Weights are materialised one tensor at a time (a `GNode.weight` is a callable), so the pass never
holds a second copy of the model's weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from relulint.graph import intervals as iv
from relulint.ir import (
    NETWORK_INPUT,
    Activation,
    DataSource,
    Init,
    Loss,
    Network,
    Op,
    OpKind,
    Origin,
    WeightStats,
)
from relulint.knowledge import tables


@dataclass(slots=True)  # 100k+ of them: slots make building and reading each one cheaper
class GNode:
    op_type: str  # "Gemm", "aten::linear"
    name: str
    kind: str  # IR op kind, or "arith" (resolved here)
    origin: Origin
    inputs: list[str]  # data-path tensors consumed, in order
    outputs: list[str]
    activation: str | None = None
    weight: Callable[[], np.ndarray] | None = None  # dense: (out, in); conv: (M, C/group, *kernel)
    weight_name: str | None = None
    weight_form: str = ""  # how weight() derives from the stored tensor, for runs: "as_is" | "T" | "" (other)
    bias: Callable[[], np.ndarray] | None = None
    conv: bool = False
    group: int = 1
    zero_pad: bool = False  # padding that lets a window see zeros (conv, average pool)
    norm_affine: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None  # inference BN: a*x + c
    const: Callable[[], np.ndarray] | None = None  # arith: the constant operand
    const_per: str = "scalar"  # how the constant broadcasts: scalar | channels | flat
    arith: str | None = None  # add | sub | mul | div
    interval: str = "same"  # same | hull | flatten | unknown: how bounds pass through a shape op
    params: dict = field(default_factory=dict)


@dataclass
class GraphInput:
    name: str
    dtype: str | None  # "uint8", "float32", ...
    origin: Origin


@dataclass
class GRun:
    """`count` repetitions of a chain of nodes that a frontend found identical but for names and weights:
    the same op types, attributes and constant shapes, each node reading only the one before, no
    value leaving the run but the last. `build_network` lowers the first repetitions node by node
    and keeps the rest as a block (relulint/graph/runs.py)."""

    count: int
    expand: Callable[[int], list[GNode]]  # repetition k lowered node by node, as the per-node path does
    # (GNode position p, repetitions a..b-1) -> their weights stacked, each as node.weight() gives it;
    # None when the frontend cannot stack them (then every repetition is lowered node by node)
    weights: Callable[[int, int, int], np.ndarray | None]


def build_network(name: str, framework: str, origin: Origin, nodes: list[GNode | GRun], inputs: list[GraphInput],
                  input_range: tuple[float, float] | None, weights_trained: bool = False,
                  bounds: dict[str, iv.Box] | None = None, outputs: list[str] | None = None) -> Network:
    """The network of `nodes` (topological order) as a DAG: each op's inputs are the ops producing the
    tensors its node reads (`NETWORK_INPUT` for a graph input), `outputs` the graph's output tensors.

    A `GRun` is lowered node by node while interval bounds still reach it (and for its first
    repetition), the rest as one block: the same ops, made on demand (runs.RunNetwork).

    `bounds`, when given, receives the box in front of every ReLU-like op (by node name): the
    per-unit evidence behind `Op.dead_units`, used by the soundness tests."""
    boxes: dict[str, iv.Box | None] = {}
    track = input_range is not None
    if track:
        lo, hi = sorted(float(v) for v in input_range)
        for gi in inputs:
            boxes[gi.name] = iv.Box.input_range(lo, hi)
    producer: dict[str, int] = {}  # tensor -> index of the op that makes it
    upstream: list[bool] = []  # per op: an affine op is the op itself or upstream of it
    scaled_by: str | None = None
    ops: list[Op] = []
    segments: list = []  # plain op lists and runs.OpRun blocks, in order
    batch = _StatsBatch()
    relu_like: dict[str, bool] = {}
    made = producer.get
    box_of = boxes.get
    index = 0
    last: GNode | None = None

    def add(node: GNode) -> None:  # one node, the per-node path (100k+ nodes: plain loops, no generators)
        nonlocal scaled_by, index, last
        tensors = node.inputs
        if len(tensors) == 1:  # the common case: one data input
            p = made(tensors[0], NETWORK_INPUT)
            reads: tuple[int, ...] = (p,)
            after_affine = p >= 0 and upstream[p]
        else:
            reads = _reads(tensors, producer)
            after_affine = False
            for p in reads:
                if p >= 0 and upstream[p]:
                    after_affine = True
                    break
        op = _op(node, after_affine)
        if len(reads) != 1 or reads[0] != index - 1:  # (index 0 reading the input: -1 == NETWORK_INPUT)
            op.inputs = reads  # a chain step says nothing (None: the previous op)
        kind = op.kind
        if kind == "affine":
            _affine_facts(op, node, boxes, weights_trained, batch)
        else:
            if (kind == "scale" or kind == "norm") and not after_affine and scaled_by is None:
                scaled_by = op.display
            if track:  # without an input range there are no bounds anywhere: skip the bookkeeping
                act = op.activation
                if act is not None:
                    rl = relu_like.get(act.kind)
                    if rl is None:
                        rl = relu_like[act.kind] = act.is_relu_like
                    if rl:
                        box = box_of(tensors[0]) if tensors else None
                        op.dead_units = iv.dead_units(box) if box is not None else None
                        if bounds is not None and box is not None:
                            bounds[node.name] = box
                if len(tensors) == 1 and box_of(tensors[0]) is None:  # bounds stopped before here
                    for o in node.outputs:
                        boxes[o] = None
                else:
                    _propagate(node, op, boxes)
        upstream.append(kind == "affine" or after_affine)
        for o in node.outputs:
            producer[o] = index
        ops.append(op)
        index += 1
        last = node

    for item in nodes:
        if type(item) is GNode:
            add(item)
            continue
        k = 0  # the first repetition, and those bounds still reach, node by node
        while k < item.count and (k == 0 or (track and last is not None and box_of(last.outputs[0]) is not None)):
            for node in item.expand(k):
                add(node)
            k += 1
        if k == item.count:
            continue
        block = _block(item, k, index, upstream[-1], weights_trained)
        if block is None:  # weights the frontend cannot stack: node by node after all
            for rest in range(k, item.count):
                for node in item.expand(rest):
                    add(node)
            continue
        run, flags = block
        tail = item.expand(item.count - 1)[-1]  # the node whose values leave the block
        segments.append(ops)
        segments.append(run)
        ops = []
        upstream.extend(flags * (item.count - k))
        index += len(run)
        for o in tail.outputs:
            producer[o] = index - 1
            boxes[o] = None  # bounds stopped before the block (or are not tracked)
        last = tail
    batch.flush()
    if segments:
        from relulint.graph.runs import RunNetwork, RunOps

        segments.append(ops)
        net: Network = RunNetwork(name=name, framework=framework, origin=origin)
        net.ops = RunOps([seg for seg in segments if len(seg)])  # type: ignore[assignment]
    else:
        net = Network(name=name, framework=framework, origin=origin, ops=ops)
    if outputs is not None:
        net.outputs = sorted({producer[o] for o in outputs if o in producer})
    net.inputs = _data_sources(inputs, input_range, scaled_by)
    return net


def _block(run: GRun, k0: int, start: int, after_in: bool, trained: bool):
    """Repetitions k0.. of `run` as one runs.OpRun starting at op `start`: kinds from repetition k0's
    nodes, weight statistics of every repetition in vectorised steps, ops made on demand. Returns
    (the OpRun, per-position "affine upstream" flags), or None."""
    from relulint.graph.runs import LayerArrays, OpRun, stack_stats

    template = run.expand(k0)
    kinds: list[OpKind] = []
    afters: list[bool] = []
    flags: list[bool] = []
    after = after_in  # the same for every repetition from k0 on (see build_network)
    for node in template:
        op = _op(node, after)
        afters.append(after)
        kinds.append(op.kind)
        after = op.kind == "affine" or after
        flags.append(after)
    reps = run.count - k0
    stats: dict[int, tuple[dict[str, list], int]] = {}
    fans: dict[int, tuple[int, int]] = {}
    layers: dict[int, LayerArrays] = {}
    for p, node in enumerate(template):
        if kinds[p] != "affine":
            continue
        if node.weight is None:
            return None
        shape = node.weight().shape
        count = math.prod(shape)
        step = max(1, (1 << 20) // max(count, 1))  # repetitions read at once: about a million weights
        parts = []
        for a in range(k0, run.count, step):
            w = run.weights(p, a, min(a + step, run.count))
            if w is None or w.shape != (min(step, run.count - a), *shape):
                return None
            if 0 < count <= _BATCH_ELEMS:
                parts.append(stack_stats(w, row_stats))
            else:  # big layers: one at a time, as the per-node path does
                each = [weight_stats(x) for x in w]
                parts.append({f: np.array([getattr(x, f) for x in each], dtype=np.float64)
                              for f in ("mean", "std", "min", "max")})
            del w
        st = {f: np.concatenate([part[f] for part in parts]) for f in ("mean", "std", "min", "max")}
        fans[p] = _fans(node, shape)
        stats[p] = ({f: st[f].tolist() for f in st}, count)
        std = st["std"]
        if trained:
            init_mean = init_std = np.full(reps, np.nan)
        else:
            se = std / math.sqrt(count) if count else np.full(reps, np.inf)
            mean = st["mean"]
            noise = (std > 0) & ((np.abs(mean) <= 6 * se) | (np.abs(mean) <= 0.1 * std))
            init_mean, init_std = np.where(noise, 0.0, mean), std
        layers[p] = LayerArrays(init_mean=init_mean, init_std=init_std, weight_std=std,
                                fan_in=fans[p][0], fan_out=fans[p][1])
    period = len(template)

    def make(j: int) -> Op:
        k, p = divmod(j, period)
        node = run.expand(k0 + k)[p]
        op = _op(node, afters[p])
        if p in stats:
            st, count = stats[p]
            op.fan_in, op.fan_out = fans[p]
            ws = WeightStats(mean=st["mean"][k], std=st["std"][k], min=st["min"][k], max=st["max"][k], count=count)
            _set_stats(op, ws, node.weight_name or node.name, None if trained else node.origin)
        return op

    return OpRun(start=start, count=reps, kinds=tuple(kinds), make=make, layers=layers), flags


def _reads(tensors: list[str], producer: dict[str, int]) -> tuple[int, ...]:
    """The ops (or the network input) a node's data tensors come from, each once, in order."""
    if len(tensors) == 1:
        return (producer.get(tensors[0], NETWORK_INPUT),)
    out: list[int] = []
    for t in tensors:
        p = producer.get(t, NETWORK_INPUT)  # a graph input, or a value no op on the path made
        if p not in out:
            out.append(p)
    return tuple(out)


# ------------------------------------------------------------------------------------ ops


_KINDS = {k.value: k for k in OpKind}


def _op(node: GNode, seen_affine: bool) -> Op:
    kind = node.kind
    if kind == "arith":
        if node.const is None:
            kind = "other"  # two data tensors: a residual add or a gate
        elif not seen_affine:
            kind = "scale"  # (x - mean) / std, x / 255 before the first layer
        else:
            kind = "other"
    display = f"{node.op_type} {node.name}".strip()
    op = Op(kind=_KINDS.get(kind, kind), display=display, origin=node.origin, name=node.name)
    if node.activation is not None and kind == "activation":
        op.activation = Activation(kind=node.activation, display=display, origin=node.origin)
        if node.activation == "linear":
            op.kind = OpKind.SHAPE
            op.activation = None
    return op


def _affine_facts(op: Op, node: GNode, boxes: dict[str, iv.Box | None], trained: bool,
                  batch: _StatsBatch) -> None:
    if node.weight is None:
        _propagate_unknown(node, boxes)
        return
    w = node.weight()
    op.fan_in, op.fan_out = _fans(node, w.shape)
    box = boxes.get(node.inputs[0]) if node.inputs else None
    small = 0 < w.size <= _BATCH_ELEMS
    moments = None if small else _Moments(w)
    out = None
    if box is not None and not node.params.get("no_bounds"):
        bias = node.bias() if node.bias is not None else None
        visit = moments.add if moments is not None else None
        with np.errstate(all="ignore"):  # the bounds code widens each chunk once; stats read it too
            out = iv.conv(box, w, bias, node.group, node.zero_pad, visit) if node.conv else \
                iv.dense(box, w, bias, visit)
        out = _usable(out)
    for o in node.outputs:
        boxes[o] = out
    if small:  # statistics later, in one vectorised step with the other small layers of its shape
        batch.add(op, w, node.weight_name or node.name, None if trained else node.origin)
        return
    _set_stats(op, moments.result(), node.weight_name or node.name, None if trained else node.origin)
    del w


def _fans(node: GNode, shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight as node.weight() gives it: dense (out, in), conv (M, C/group, *kernel)."""
    if node.conv:
        receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
        return int(shape[1]) * receptive, int(shape[0]) * receptive
    return int(shape[1]), int(shape[0])


def _set_stats(op: Op, stats: WeightStats, name: str, init_site: Origin | None) -> None:
    """`init_site` None: trained weights, no initialiser to judge."""
    op.weight_stats = stats
    if init_site is not None:
        op.weight_init = observed_init(name, stats, init_site)
        op.init_site = init_site


_BATCH_ELEMS = 1 << 16  # weights up to this size get their statistics in batches (deep stacks of small layers)
_BATCH_HELD = 1 << 20  # elements held before a batch is reduced: ~12 MB of copies at the peak


class _StatsBatch:
    """Weight statistics of many small layers at once: the layers of one shape and dtype are stacked
    (a copy of at most _BATCH_HELD elements at a time) and reduced row by row. A 60k-layer MLP costs
    one numpy call per statistic per batch instead of a dozen per layer.

    The figures are those of `_Moments` in its one-chunk form: min/max on the raw values, a shifted
    float64 sum for the mean and a sum of squares for the variance, each row reduced on its own (so
    a layer's figures do not depend on which batch it lands in, or on whether bounds were tracked)."""

    def __init__(self) -> None:
        self.groups: dict[tuple, list[tuple[Op, np.ndarray, str, Origin | None]]] = {}
        self.elems = 0

    def add(self, op: Op, w: np.ndarray, name: str, init_site: Origin | None) -> None:
        key = (w.shape, w.dtype.str)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = []
        group.append((op, w, name, init_site))
        self.elems += w.size
        if self.elems >= _BATCH_HELD:
            self.flush()

    def flush(self) -> None:
        for items in self.groups.values():
            flat = np.stack([w.reshape(-1) for _, w, _, _ in items])  # (layers, elements)
            n = flat.shape[1]
            st = row_stats(flat)
            del flat
            mean, std, los, his = (st[k].tolist() for k in ("mean", "std", "min", "max"))
            for k, (op, _, name, site) in enumerate(items):
                stats = WeightStats(mean=mean[k], std=std[k], min=los[k], max=his[k], count=n)
                _set_stats(op, stats, name, site)
        self.groups.clear()
        self.elems = 0


def row_stats(flat: np.ndarray) -> dict[str, np.ndarray]:
    """Mean/std/min/max (float64) of each row of a (layers, elements) array, each row reduced on its
    own: min/max on the raw values, a shifted float64 sum for the mean and a sum of squares for the
    variance. A constant row is exact (its value, std 0), without summation noise."""
    with np.errstate(all="ignore"):  # inf / NaN weights (a corrupt file) give NaN figures, not warnings
        return _row_stats(flat)


def _row_stats(flat: np.ndarray) -> dict[str, np.ndarray]:
    n = flat.shape[1]
    lo = _MIN(flat, axis=1).astype(np.float64)
    hi = _MAX(flat, axis=1).astype(np.float64)
    shift = flat[:, 0].astype(np.float64)
    c = np.subtract(flat, shift[:, None], dtype=np.float64)
    mean_c = _SUM(c, axis=1) / n
    np.multiply(c, c, out=c)
    var = np.maximum(_SUM(c, axis=1) / n - mean_c * mean_c, 0.0)
    del c
    const = lo == hi
    return {"mean": np.where(const, lo, mean_c + shift), "std": np.where(const, 0.0, np.sqrt(var)),
            "min": lo, "max": hi}


def weight_stats(w: np.ndarray) -> WeightStats:
    """Mean/std/min/max over a weight tensor (see `_Moments`), when no bounds pass reads it."""
    return _Moments(w).result()


class _Moments:
    """Mean/std/min/max over a weight tensor: min and max on the raw values, then, per chunk of
    rows, one shift into float64, a sum and a dot (no full float64 copy of the tensor).

    The bounds code feeds `add` the float64 chunks it converts anyway, so a tensor is widened once;
    `result` converts the chunks itself only when nothing fed them. Chunks are the same rows either
    way, so the figures do not depend on whether an input range was declared."""

    def __init__(self, w: np.ndarray) -> None:
        self.w = w
        self.n = w.size
        self.s = self.sq = 0.0
        self.fed = 0
        self.buf: np.ndarray | None = None
        self.constant = self.n == 0
        if self.n:
            # ufunc reductions directly: ndarray.min/max add a Python wrapper per call (60k small layers)
            self.lo, self.hi = float(_MIN(w, axis=None)), float(_MAX(w, axis=None))
            self.constant = self.lo == self.hi
            self.shift = float(w[(0,) * w.ndim])  # shifted sums keep the variance accurate when |mean| >> std

    def add(self, chunk: np.ndarray) -> None:
        self.fed += chunk.size
        if self.constant:
            return
        buf = self.buf
        if buf is None or buf.size < chunk.size:  # one buffer for every chunk: no page faults per chunk
            buf = self.buf = np.empty(chunk.size)
        c = buf[:chunk.size]
        np.subtract(chunk, self.shift, out=c, dtype=np.float64)
        self.s += float(_SUM(c, axis=None))
        self.sq += float(np.dot(c, c))

    def result(self) -> WeightStats:
        n = self.n
        if n == 0:
            return WeightStats(0.0, 0.0, 0.0, 0.0, 0)
        if self.constant:  # constant (zeros, biases set by constant_): exact, without summation noise
            return WeightStats(mean=self.lo, std=0.0, min=self.lo, max=self.hi, count=n)
        if self.fed != n:  # no bounds pass (or it stopped part-way): convert the rows here
            self.s = self.sq = 0.0
            self.fed = 0
            if n <= iv.CHUNK_ELEMS:  # one chunk either way: skip the row bookkeeping (small layers)
                self.add(self.w.reshape(-1))
                return self._finish()
            w2 = self.w.reshape(self.w.shape[0], -1) if self.w.ndim > 1 else self.w.reshape(-1, 1)
            step = iv.row_step(w2)
            for i in range(0, w2.shape[0], step):
                self.add(w2[i:i + step].reshape(-1))  # add widens and shifts in one step
        self.buf = None
        return self._finish()

    def _finish(self) -> WeightStats:
        n = self.n
        mean_c = self.s / n
        var = max(self.sq / n - mean_c * mean_c, 0.0)
        return WeightStats(mean=mean_c + self.shift, std=math.sqrt(var), min=self.lo, max=self.hi, count=n)


_MIN, _MAX, _SUM = np.minimum.reduce, np.maximum.reduce, np.add.reduce


def observed_init(name: str, stats: WeightStats, origin: Origin) -> Init:
    """What the init rules judge for concrete weights.

    The observed mean of a zero-mean draw is never exactly 0; `Init.has_positive_mean` is `mean > 0`,
    so noise would fire RL201 on half of all layers. The mean is kept only when it is both
    statistically clear (more than 6 standard errors: with 100k layers, 4 would still let a few
    zero-mean draws through) and large against the spread (> 0.1 std);
    otherwise it is reported as 0. The raw figure stays in `Op.weight_stats`.
    """
    mean = stats.mean
    se = stats.std / math.sqrt(stats.count) if stats.count else math.inf
    if stats.std > 0 and (abs(mean) <= 6 * se or abs(mean) <= 0.1 * stats.std):
        mean = 0.0
    if stats.std == 0:
        return Init(display=f"initializer {name} (observed, constant {stats.mean:g})", origin=origin,
                    distribution="constant", mean=stats.mean, std=0.0, low=stats.min, high=stats.max)
    return Init(display=f"initializer {name} (observed)", origin=origin, distribution="observed",
                mean=mean, std=stats.std, low=stats.min, high=stats.max)


# ------------------------------------------------------------------------------------ bounds


def _propagate_unknown(node: GNode, boxes: dict[str, iv.Box | None]) -> None:
    for o in node.outputs:
        boxes[o] = None


def _propagate(node: GNode, op: Op, boxes: dict[str, iv.Box | None]) -> None:
    ins = [boxes.get(i) for i in node.inputs]
    if not any(b is not None for b in ins):  # no bounds reach this node (no range, or they stopped)
        for o in node.outputs:
            boxes[o] = None
        return
    out: iv.Box | None = None
    try:
        with np.errstate(all="ignore"):
            out = _usable(_transfer(node, op, ins))
    except (ValueError, IndexError, FloatingPointError):  # a shape we did not foresee: claim nothing
        out = None
    for o in node.outputs:
        boxes[o] = out


def _usable(box: iv.Box | None) -> iv.Box | None:
    """Bounds that overflowed to NaN (inf - inf, inf * 0 deep in a graph) prove nothing: stop there."""
    if box is None or _has_nan(box.lo) or _has_nan(box.hi):
        return None
    return box


def _has_nan(a: np.ndarray) -> bool:
    return a.size > 0 and math.isnan(_MIN(a, axis=None))  # (minimum propagates NaN: one ufunc call, not isnan + any)


def _transfer(node: GNode, op: Op, ins: list[iv.Box | None]) -> iv.Box | None:
    if node.interval in ("concat", "concat_hull"):
        return _concat(ins, node.interval == "concat")
    if not ins or ins[0] is None:
        return None
    box = ins[0]
    if node.kind == "arith":
        if node.const is None:
            if node.arith == "add" and len(ins) == 2 and ins[1] is not None:
                return iv.add(box, ins[1])
            return None
        return iv.elementwise_const(box, node.arith or "", node.const(), node.const_per)
    if op.activation is not None:
        return iv.activation(box, op.activation.kind, node.params)
    if node.norm_affine is not None:
        a, c = node.norm_affine()
        return iv.channel_affine(box, a.astype(np.float64), c.astype(np.float64))
    if op.kind in ("shape", "dropout", "alpha_dropout"):
        if node.interval == "same":
            return box.with_zero() if node.zero_pad else box
        if node.interval == "flatten":
            return box  # channel-major flatten: Box.vector repeats channels into features
        if node.interval == "hull":
            return box.hull()
    return None


def _concat(ins: list[iv.Box | None], channel_axis: bool) -> iv.Box | None:
    if not ins or any(b is None for b in ins):
        return None
    boxes = [b for b in ins if b is not None]
    if channel_axis and all(b.layout == "channels" for b in boxes):
        return iv.Box(np.concatenate([b.lo for b in boxes]), np.concatenate([b.hi for b in boxes]), "channels")
    hs = [b.hull() for b in boxes]  # every element comes from one of the inputs: the hull is sound
    return iv.Box(np.array([min(h.lo[0] for h in hs)]), np.array([max(h.hi[0] for h in hs)]), "scalar")


# ------------------------------------------------------------------------------------ data


def _data_sources(inputs: list[GraphInput], input_range: tuple[float, float] | None,
                  scaled_by: str | None) -> list[DataSource]:
    out = []
    for gi in inputs:
        low = high = None
        if input_range is not None:
            low, high = sorted(float(v) for v in input_range)
        if gi.dtype == "uint8" or input_range is not None:
            out.append(DataSource(
                display=f"graph input {gi.name} ({gi.dtype or 'unknown dtype'}"
                        + (f", declared range [{low:g}, {high:g}])" if low is not None else ")"),
                origin=gi.origin, low=0.0 if gi.dtype == "uint8" and low is None else low,
                high=255.0 if gi.dtype == "uint8" and high is None else high, dtype=gi.dtype,
                scaled=scaled_by is not None, scaled_by=scaled_by, fed_at=gi.origin))
    return out


def graph_loss(kind: str | None, where: str, origin: Origin | None) -> Loss | None:
    """A loss named outside the graph (--loss / graph-loss / model metadata): 'mse', 'mae', ..."""
    if not kind:
        return None
    from relulint.knowledge import LOSS_KINDS

    canon = tables().loss_strings.get(kind, tables().loss_strings.get(kind.lower(), kind.lower()))
    if canon not in LOSS_KINDS:
        return None
    return Loss(kind=canon, display=f"{kind} ({where})", origin=origin)
