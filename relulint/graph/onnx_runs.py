"""Finding runs of repeated layers in an ONNX chain, for lowering them as blocks (runs.py).

A run is a stretch of the data path whose op types repeat with a short period, every repetition the
same as the first but for node and tensor names and weight values: the same attributes, the same
constant inputs (shape and type) in the same slots, each node reading only the node before it. The
whole data path must be a chain (no branch, join or output inside it: checked in the frontend's
sweep over the nodes), so that a run's ops read nothing but their predecessor, as
`runs.RunNetwork` assumes.

Repetitions are checked against the first with protobuf comparisons done in C (attributes, dims),
node names, doc strings and weights are not read here: `OnnxRun.expand` lowers one repetition node
by node when an op is needed, and `OnnxRun.weights` reads the weights of many repetitions at once.
"""

from __future__ import annotations

import math
from operator import attrgetter, itemgetter

import numpy as np

from relulint.graph.lowering import GNode, GRun

MIN_REPS = 8  # shorter repetitions are lowered node by node (a block costs more than it saves)
MAX_PERIOD = 8  # nodes in the repeated pattern
# lowering these reads constant *values* (Clip's bounds make it relu / relu6 / hardtanh): never in a run
_VALUE_DEPENDENT = frozenset({"Clip"})
# constant inputs read only by the interval bounds (which never reach a block): any constant will do
_BOUNDS_ONLY = {"Gemm": (2,), "Conv": (2,), "BatchNormalization": (1, 2, 3, 4)}
# ops whose attributes only the bounds read (an activation's slope, BatchNorm's epsilon): not compared
_ATTRS_BOUNDS_ONLY = frozenset({"Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Softplus", "Softsign",
                                "HardSigmoid", "BatchNormalization", "Dropout"})


def reads_only(ins: list[str], prev, data: set[str]) -> bool:
    """A node's data inputs all come from `prev` (the outputs of the node before it on the path)."""
    for i in ins:
        if i and i in data and i not in prev:
            return False
    return True


def find_runs(g, path: list[int], op_types: list[str], n_in: list[list[str]]) -> dict[int, tuple[int, int]]:
    """Path position -> (period, repetitions) of each run found (non-overlapping)."""
    types = list(map(op_types.__getitem__, path))
    codes = {t: i for i, t in enumerate(set(types))}
    arr = np.fromiter(map(codes.__getitem__, types), dtype=np.int32, count=len(types))
    n = len(arr)
    taken = np.zeros(n, dtype=bool)
    cands: list[tuple[int, int, int]] = []  # (covered, start, period)
    for m in range(1, MAX_PERIOD + 1):
        if n < m * MIN_REPS:
            break
        eq = np.concatenate(([False], arr[m:] == arr[:-m], [False]))
        edges = np.flatnonzero(eq[1:] != eq[:-1])  # starts and ends of True stretches
        for s, e in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
            reps = (e - s + m) // m
            if reps >= MIN_REPS:
                cands.append((reps * m, s, m))
    cands.sort(key=lambda c: (-c[0], c[2], c[1]))
    runs: dict[int, tuple[int, int]] = {}
    for covered, s, m in cands:
        if taken[s:s + covered].any():
            continue  # overlaps a longer run (its own pieces are not tried again: rare, and only slower)
        if any(t in _VALUE_DEPENDENT for t in types[s:s + m]):
            continue
        for start, reps in _uniform_pieces(g, path, n_in, s, m, covered // m):
            runs[start] = (m, reps)
        taken[s:s + covered] = True
    return runs


def _uniform_pieces(g, path: list[int], n_in: list[list[str]], s: int, m: int, reps: int) -> list[tuple[int, int]]:
    """The stretch [s, s + m * reps) split where a repetition differs from its run's first one.

    Checked in windows that double (8, 16, 32, ... repetitions), each against the last repetition
    already found equal, so a stretch where every repetition differs (periodic op types, every
    layer another width) costs a few repetitions' checks per repetition, not the whole rest each."""
    out: list[tuple[int, int]] = []
    first = 0
    while reps - first >= MIN_REPS:
        end = first + 1  # repetitions [first, end) equal the one at `first`
        window = MIN_REPS
        while end < reps:
            span = min(window, reps - end + 1)
            got = _agreeing(g, path, n_in, s + (end - 1) * m, m, span)  # from the last equal one on
            end += got - 1
            if got < span:
                break
            window *= 2
        if end - first >= MIN_REPS:
            out.append((s + first * m, end - first))
        first = end  # a run starting inside [first, end) would end at `end` too
    return out


def _agreeing(g, path: list[int], n_in: list[list[str]], s: int, m: int, reps: int) -> int:
    """How many repetitions from path position s on match the first, position by position, each
    test one pass over the repetitions (map / comprehensions; protobuf comparisons run in C)."""
    nodes, inits, data, alias = g.nodes, g.inits, g.data, g.alias
    good = reps
    for q in range(m):
        idxs = path[s + q:s + q + m * reps:m]
        t0 = idxs[0]
        sig = _const_slots(g, n_in[t0], _BOUNDS_ONLY.get(g.op_types[t0], ()))
        if sig is None:
            return 1
        rows = list(map(n_in.__getitem__, idxs))
        good = min(good, _first_not(list(map(len, rows)), len(sig)))
        if g.op_types[t0] not in _ATTRS_BOUNDS_ONLY:
            if g.attr_bytes is not None:  # serialized attributes (onnx_bulk): equal bytes, equal attributes
                ab = g.attr_bytes
                want_attrs = ab[t0]
                good = min(good, _first_not([ab[i] == want_attrs for i in idxs[:good]], True))
            else:
                attrs = nodes[t0].attribute
                good = min(good, _first_not([nodes[i].attribute == attrs for i in idxs[:good]], True))
        rows = rows[:good]
        for slot, want in enumerate(sig):
            names = list(map(itemgetter(slot), rows))
            if want == "data":
                good = min(good, _first_not(list(map(data.__contains__, names)), True))
            elif want == "":
                good = min(good, _first_not(names, ""))
            elif want == "const" and _first_not(list(map(inits.__contains__, names)), True) == len(names):
                pass  # initializers: constants, never data (graph inputs named like one are left out of data)
            elif want == "const" or want == "other":
                is_const = [x in inits or g.is_const(x) for x in names]
                good = min(good, _first_not([bool(x) and x not in data for x in names], True),
                           _first_not(is_const, want == "const"))
            else:
                dims, dtype = want.dims[:], want.data_type
                tensors = list(map(inits.get, map(alias.get, names, names) if alias else names))
                if None in tensors:  # Constant-node constants
                    tensors = [t if t is not None else g.consts.get(alias.get(x, x))
                               for t, x in zip(tensors, names, strict=True)]
                    ok = [t is not None and not isinstance(t, np.ndarray) and t.dims == dims and t.data_type == dtype
                          for t in tensors]
                else:
                    ok = [t.dims == dims and t.data_type == dtype for t in tensors]
                good = min(good, _first_not(ok, True))
    return good


def _first_not(values: list, want) -> int:
    """The first index whose value is not `want` (the length when all are)."""
    if values.count(want) == len(values):
        return len(values)
    for i, v in enumerate(values):
        if v != want:
            return i
    return len(values)


def _const_slots(g, ins: list[str], loose: tuple[int, ...]) -> list | None:
    """Per input slot: "" (omitted), "data", the constant's tensor (dims and type must match), "const"
    (any constant: slots in `loose`), else "other"."""
    out: list = []
    for slot, i in enumerate(ins):
        if not i:
            out.append("")
        elif i in g.data:
            out.append("data")
        elif slot in loose and g.is_const(i):
            out.append("const")
        else:
            name = g.resolve(i)
            t = g.inits.get(name)
            if t is None:
                t = g.consts.get(name)
                if isinstance(t, np.ndarray):
                    return None  # value_float(s) constants: not compared here
            out.append(t if t is not None else "other")
    return out


class OnnxRun(GRun):
    """A run of `reps` repetitions of `period` path nodes from path position `start`."""

    def __init__(self, g, path: list[int], n_in: list[list[str]], n_out: list[list[str]], start: int,
                 period: int, reps: int) -> None:
        super().__init__(count=reps, expand=self._expand, weights=self._weights)
        self.g = g
        self.path = path
        self.n_in = n_in
        self.n_out = n_out
        self.start = start
        self.period = period
        self._cache: tuple[int, list[GNode]] | None = None
        self._offsets: list[int] = []  # per GNode position of a repetition: the node it comes from

    def node_indices(self, k: int) -> list[int]:
        base = self.start + k * self.period
        return self.path[base:base + self.period]

    def lower_rep(self, k: int, absorbed: set[int]) -> list[GNode]:
        g = self.g
        out = []
        offsets = []
        for q, idx in enumerate(self.node_indices(k)):
            if idx in absorbed:
                continue
            out.append(g.lower_node(g.nodes[idx], g.op_types[idx], self.n_in[idx], self.n_out[idx], g.data, absorbed))
            offsets.append(q)
        self._offsets = offsets
        return out

    def absorbs(self, k: int) -> set[int]:
        """The nodes repetition k's lowering absorbs (MatMul + the following bias Add)."""
        absorbed: set[int] = set()
        self.lower_rep(k, absorbed)
        return absorbed

    def _expand(self, k: int) -> list[GNode]:
        if self._cache is not None and self._cache[0] == k:
            return self._cache[1]
        nodes = self.lower_rep(k, set())
        self._cache = (k, nodes)
        return nodes

    def _weights(self, p: int, a: int, b: int) -> np.ndarray | None:
        template = self._expand(0)
        form = template[p].weight_form
        if not form:
            return None
        q = self._offsets[p]
        step = self.period
        first = self.start + q
        names = [self.n_in[i][1] for i in self.path[first + a * step:first + b * step:step]]
        stack = self.g.stacked(names)
        if stack is None or stack.ndim < 3 and form == "T":
            return None
        return stack.transpose(0, 2, 1) if form == "T" else stack


def stacked_inline(tensors: list, dtype, dims: tuple[int, ...]) -> np.ndarray | None:
    """Inline tensors of one dtype and dims as one (n, *dims) array, from their raw bytes."""
    nbytes = math.prod(dims) * np.dtype(dtype).itemsize
    raws = list(map(attrgetter("raw_data"), tensors))
    if list(map(len, raws)).count(nbytes) != len(raws):
        return None  # values in typed fields (float_data), or a malformed tensor: per tensor
    return np.frombuffer(b"".join(raws), dtype=dtype).reshape((len(tensors), *dims))
