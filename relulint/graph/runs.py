"""Block ops: a long run of repeated layers held as arrays, its `Op`s made only when a rule asks.

A generated or exported deep network is mostly one pattern repeated (Gemm -> Relu, 60k times). The
ONNX frontend finds such runs in a chain (`GRun`); `lowering.build_network` lowers the first
repetitions node by node as always, then keeps the rest as one `OpRun`: the ops' kinds per position
of the pattern, and per affine position the weight statistics of every repetition as numpy arrays,
computed in vectorised steps. Nothing per node is made until asked for.

`RunNetwork` is a `Network` whose `ops` is a `RunOps` sequence: indexing it makes that op exactly
as the per-node path would have (the node is lowered on demand, its statistics taken from the
arrays), and the questions rules ask over every layer (`iter_affines`, `iter_activated_affines`,
`indices_of_kind`, ...) answer a run with one array test (the rule's sieve) and make only the ops
the sieve keeps. Runs exist only in chains (every op reads the one before): a RunNetwork is a chain.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from relulint.ir import _SIGN_KEEPING, Activation, Network, Op, OpKind, Sieve


@dataclass
class LayerArrays:
    """What a sieve sees for one affine position of a run: one entry per repetition."""

    init_mean: np.ndarray  # the observed init's mean (0 unless clearly non-zero, as observed_init); nan: none
    init_std: np.ndarray  # nan: no initialiser (trained weights)
    weight_std: np.ndarray
    fan_in: int
    fan_out: int


@dataclass
class OpRun:
    """`count` repetitions of a chain of `len(kinds)` ops, starting at op index `start`."""

    start: int
    count: int
    kinds: tuple[OpKind, ...]  # per position of the pattern
    make: Callable[[int], Op]  # op `j` of the run (0 <= j < len), made as the per-node path makes it
    layers: dict[int, LayerArrays] = field(default_factory=dict)  # per affine position

    @property
    def period(self) -> int:
        return len(self.kinds)

    def __len__(self) -> int:
        return self.count * len(self.kinds)


class RunOps:
    """The op list of a RunNetwork: plain ops and runs, in order; a run's ops are made on first use."""

    def __init__(self, segments: list[list[Op] | OpRun]) -> None:
        self.segments = segments
        self.starts: list[int] = []
        n = 0
        for seg in segments:
            self.starts.append(n)
            n += len(seg)
        self.n = n
        self._made: dict[int, Op] = {}

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.n))]
        if index < 0:
            index += self.n
        if not 0 <= index < self.n:
            raise IndexError(index)
        s = bisect.bisect_right(self.starts, index) - 1
        seg = self.segments[s]
        local = index - self.starts[s]
        if isinstance(seg, list):
            return seg[local]
        op = self._made.get(index)
        if op is None:
            op = self._made[index] = seg.make(local)
        return op

    def __iter__(self) -> Iterator[Op]:
        for i in range(self.n):
            yield self[i]

    def kind_at(self, index: int) -> OpKind:
        """The kind of ops[index] without making it."""
        s = bisect.bisect_right(self.starts, index) - 1
        seg = self.segments[s]
        local = index - self.starts[s]
        if isinstance(seg, list):
            return seg[local].kind
        return seg.kinds[local % seg.period]

    def runs(self) -> Iterator[tuple[int, list[Op] | OpRun]]:
        return zip(self.starts, self.segments, strict=True)


class RunNetwork(Network):
    """A chain network holding runs of repeated layers (see the module docstring)."""

    ops: RunOps  # type: ignore[assignment]

    def _consumer_table(self) -> None:
        return None  # runs are made only in chains

    def affine_indices(self) -> list[int]:
        out: list[int] = []
        for start, seg in self.ops.runs():
            if isinstance(seg, list):
                out += [start + i for i, op in enumerate(seg) if op.kind == "affine"]
            else:
                out += self._positions(start, seg, "affine")
        return out

    def indices_of_kind(self, kind: str) -> list[int]:
        out: list[int] = []
        for start, seg in self.ops.runs():
            if isinstance(seg, list):
                out += [start + i for i, op in enumerate(seg) if op.kind == kind]
            else:
                out += self._positions(start, seg, kind)
        return out

    @staticmethod
    def _positions(start: int, run: OpRun, kind: str) -> list[int]:
        hits = [p for p, k in enumerate(run.kinds) if k == kind]
        if not hits:
            return []
        idx = (np.arange(run.count)[:, None] * run.period + np.array(hits)[None, :]).reshape(-1) + start
        return idx.tolist()

    def iter_dead_units(self) -> Iterator[tuple[int, Op]]:
        for start, seg in self.ops.runs():  # a run starts where the bounds stopped: none of its ops has any
            if isinstance(seg, list):
                for i, op in enumerate(seg):
                    if op.dead_units is not None:
                        yield start + i, op

    def activation_after(self, index: int) -> Activation | None:
        """As Network.activation_after, in a chain: forward through sign-keeping ops to an activation."""
        ops = self.ops
        op = ops[index]
        if op.kind == "affine" and op.activation is not None:
            return op.activation
        for j in range(index + 1, len(ops)):
            kind = ops.kind_at(j)
            if kind == "activation":
                return ops[j].activation
            if kind not in _SIGN_KEEPING:
                return None
        return None

    def _offset_to_activation(self, run: OpRun, p: int) -> int | None:
        """Ops from position p to the activation after it, for every repetition but the last (the walk
        stops at the next affine op, so it never goes beyond the following repetition)."""
        period = run.period
        for d in range(1, period + 1):
            kind = run.kinds[(p + d) % period]
            if kind == "activation":
                return d
            if kind not in _SIGN_KEEPING:
                return None
        return None

    def iter_affines(self, sieve: Sieve | None = None) -> Iterator[tuple[int, Op]]:
        for i, _ in self._affine_candidates(None, sieve):
            yield i, self.ops[i]

    def iter_activated_affines(self, accept: Callable[[Activation], bool],
                               sieve: Sieve | None = None) -> Iterator[tuple[int, Op, Activation]]:
        for i, act_at in self._affine_candidates(accept, sieve):
            act = self.ops[act_at].activation if act_at is not None else self.activation_after(i)
            if act is not None and accept(act):
                yield i, self.ops[i], act

    def _affine_candidates(self, accept: Callable[[Activation], bool] | None,
                           sieve: Sieve | None) -> Iterator[tuple[int, int | None]]:
        """(affine op index, index of the activation after it when known) in index order; with `accept`,
        run layers whose pattern feeds no accepted activation are left out without being made."""
        ops = self.ops
        for start, seg in ops.runs():
            if isinstance(seg, list):
                for i, op in enumerate(seg):
                    if op.kind == "affine":
                        yield start + i, None
                continue
            picked: list[np.ndarray] = []
            last_rep = start + (seg.count - 1) * seg.period
            for p, kind in enumerate(seg.kinds):
                if kind != "affine":
                    continue
                d = self._offset_to_activation(seg, p)
                if accept is not None:  # the activation is the same kind in every repetition
                    if d is None or not accept(ops[start + p + d].activation):
                        # (the last repetition's walk leaves the run: judged below on its own)
                        picked.append(np.array([last_rep + p]))
                        continue
                mask = np.ones(seg.count, dtype=bool) if sieve is None or p not in seg.layers else \
                    np.asarray(sieve(seg.layers[p]), dtype=bool).reshape(-1)
                mask = mask.copy()
                mask[-1] = True  # the last repetition: walked on its own (its next op is outside the run)
                picked.append(np.flatnonzero(mask) * seg.period + start + p)
            if not picked:
                continue
            order = np.sort(np.concatenate(picked))
            for i in order.tolist():
                p = (i - start) % seg.period
                d = self._offset_to_activation(seg, p)
                yield i, (i + d if d is not None and i < last_rep else None)


def stack_stats(stack: np.ndarray, row_stats: Callable) -> dict[str, np.ndarray]:
    """Mean/std/min/max per repetition of a (reps, ...) weight stack, with the per-node path's
    formulas (`row_stats`, lowering._StatsBatch: each layer reduced on its own)."""
    return row_stats(stack.reshape(stack.shape[0], -1))
