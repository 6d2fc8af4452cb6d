"""Finding runs of repeated layers in an ONNX chain, for lowering them as blocks (runs.py).

A run is a stretch of the data path whose op types repeat with a short period, every repetition the
same as the first but for node and tensor names and weight values: the same attributes, the same
constant inputs (shape and type) in the same slots, each node reading only the node before it. The
whole data path must be a chain (no branch, join or output inside it), so that a run's ops read
nothing but their predecessor, as `runs.RunNetwork` assumes.

Repetitions are checked against the first with protobuf comparisons done in C (attributes, dims),
node names, doc strings and weights are not read here: `OnnxRun.expand` lowers one repetition node
by node when an op is needed, and `OnnxRun.weights` reads the weights of many repetitions at once.
"""

from __future__ import annotations

import math

import numpy as np

from relulint.graph.lowering import GNode, GRun

MIN_REPS = 8  # shorter repetitions are lowered node by node (a block costs more than it saves)
MAX_PERIOD = 8  # nodes in the repeated pattern
# lowering these reads constant *values* (Clip's bounds make it relu / relu6 / hardtanh): never in a run
_VALUE_DEPENDENT = frozenset({"Clip"})
# constant inputs read only by the interval bounds (which never reach a block): any constant will do
_BOUNDS_ONLY = {"Gemm": (2,), "Conv": (2,), "BatchNormalization": (1, 2, 3, 4)}


def is_chain(path: list[int], n_in: list[list[str]], n_out: list[list[str]], data: set[str],
             graph_outputs: list[str]) -> bool:
    """Every node on the data path reads data only from the node before it (the first: from graph
    inputs), and the graph's outputs all come from the last node."""
    if not path:
        return False
    prev = None
    for idx in path:
        if prev is not None:
            for i in n_in[idx]:
                if i in data and i not in prev:
                    return False
        prev = n_out[idx]
    return all(o in prev for o in graph_outputs if o in data)


def find_runs(g, path: list[int], op_types: list[str], n_in: list[list[str]]) -> dict[int, tuple[int, int]]:
    """Path position -> (period, repetitions) of each run found (non-overlapping)."""
    types = [op_types[i] for i in path]
    codes: dict[str, int] = {}
    arr = np.array([codes.setdefault(t, len(codes)) for t in types], dtype=np.int32)
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
    """The stretch [s, s + m * reps) split where a repetition differs from its run's first one."""
    nodes = g.nodes
    out: list[tuple[int, int]] = []
    first = 0
    while first < reps:
        tmpl = [path[s + first * m + q] for q in range(m)]
        sig = [_const_slots(g, n_in[i], _BOUNDS_ONLY.get(g.op_types[i], ())) for i in tmpl]
        if any(x is None for x in sig):
            first += 1
            continue
        attrs = [nodes[i].attribute for i in tmpl]
        k = first + 1
        while k < reps:
            ok = True
            base = s + k * m
            for q in range(m):
                idx = path[base + q]
                ins = n_in[idx]
                if nodes[idx].attribute != attrs[q] or not _same_slots(g, ins, n_in[tmpl[q]], sig[q]):
                    ok = False
                    break
            if not ok:
                break
            k += 1
        if k - first >= MIN_REPS:
            out.append((s + first * m, k - first))
            first = k
        else:
            first += 1
    return out


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


def _same_slots(g, ins: list[str], tins: list[str], sig: list) -> bool:
    if len(ins) != len(tins):
        return False
    data = g.data
    inits = g.inits
    for i, want in zip(ins, sig, strict=True):
        if type(want) is str:
            if want == "data":
                if i not in data:
                    return False
            elif want == "":
                if i:
                    return False
            elif want == "const":
                if not i or i in data or not (i in inits or g.is_const(i)):
                    return False
            elif not i or i in data or g.is_const(i):
                return False
            continue
        if not i or i in data:
            return False
        t = inits.get(i)
        if t is None:
            t = g.consts.get(g.resolve(i))
            if t is None or isinstance(t, np.ndarray):
                return False
        if t.dims != want.dims or t.data_type != want.data_type:
            return False
    return True


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
    raws = [t.raw_data for t in tensors]
    for r in raws:
        if len(r) != nbytes:
            return None  # values in typed fields (float_data), or a malformed tensor: per tensor
    return np.frombuffer(b"".join(raws), dtype=dtype).reshape((len(tensors), *dims))
