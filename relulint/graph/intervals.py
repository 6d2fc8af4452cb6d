"""Sound interval bounds through the ops relulint understands (numpy, float64).

A `Box` bounds every element of one tensor. Its layout says how the bounds map onto elements:

- `scalar`: one [lo, hi] for every element (the declared input range; the fallback "hull").
- `channels`: one bound per channel (axis 1) shared by every spatial position. Conv, pooling and
  batch norm keep this form; a channel-major flatten turns it into features by repetition.
- `flat`: one bound per feature of the last axis (Gemm/MatMul outputs).

Soundness against the float32 runtime: every affine bound is widened by the worst-case rounding
error of an n-term float32 dot product (gamma_n * sum |w| |x| + |b|, Higham's bound), so a value the
runtime computes lies inside the box even though the box is computed in float64. The widening must
not cost the sign: for a unit none of whose terms can be positive for any input in the box (every
w*x <= 0 and b <= 0), a float sum of non-positive numbers is never positive, so its upper bound is
capped at exactly 0 after widening and the "never fires" claim stays exact. That is what makes
seed 004 (inputs in (-1, 0), positive weights, zero bias) provable instead of lost in rounding slack.

Anything not handled returns None: bounds stop there and nothing downstream is claimed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_U32 = 2.0 ** -24  # unit roundoff of float32
_TINY = 2.0 ** -126  # smallest normal float32: what flush-to-zero may lose per operation
CHUNK_ELEMS = 1 << 19  # rows of a big weight matrix are processed in chunks of ~512k elements (4 MB as float64:
# the chunk stays in cache between the statistics and the bound products; 4M-element chunks were 1.8x slower)
_SUM = np.add.reduce


def gamma(n: int) -> float:
    """Higham's gamma_n for float32, with one extra rounding for the product (n + 1)."""
    nu = (n + 1) * _U32
    return nu / (1 - nu) if nu < 0.5 else math.inf


@dataclass
class Box:
    lo: np.ndarray
    hi: np.ndarray
    layout: str  # scalar | channels | flat

    @staticmethod
    def scalar(lo: float, hi: float) -> Box:
        return Box(np.array([float(lo)]), np.array([float(hi)]), "scalar")

    @staticmethod
    def input_range(lo: float, hi: float) -> Box | None:
        """The declared range as the float32 values the runtime can see (rounded outwards)."""
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
            return None
        with np.errstate(over="ignore"):
            lo32, hi32 = float(np.float32(lo)), float(np.float32(hi))
        if not (math.isfinite(lo32) and math.isfinite(hi32)):
            return None
        if lo32 > lo:
            lo32 = float(np.nextafter(np.float32(lo32), np.float32(-np.inf)))
        if hi32 < hi:
            hi32 = float(np.nextafter(np.float32(hi32), np.float32(np.inf)))
        return Box.scalar(lo32, hi32)

    def hull(self) -> Box:
        return Box(np.array([self.lo.min()]), np.array([self.hi.max()]), "scalar")

    def with_zero(self) -> Box:
        """Zero padding adds zeros to the values a window can see."""
        return Box(np.minimum(self.lo, 0.0), np.maximum(self.hi, 0.0), self.layout)

    def vector(self, n: int, channels_ok: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Bounds as an n-vector of features: scalar broadcast, channel-major flatten, or the hull."""
        if self.layout == "scalar":
            return np.full(n, self.lo[0]), np.full(n, self.hi[0])
        if len(self.lo) == n:
            return self.lo, self.hi
        if self.layout == "channels" and channels_ok and n % len(self.lo) == 0:
            r = n // len(self.lo)
            return np.repeat(self.lo, r), np.repeat(self.hi, r)
        h = self.hull()
        return np.full(n, h.lo[0]), np.full(n, h.hi[0])


def dense(box: Box, weight: np.ndarray, bias: np.ndarray | None,
          visit: Callable[[np.ndarray], None] | None = None) -> Box:
    """y = W x + b with W (out, in); the box is read as `in` features.

    `visit`, when given, sees each float64 chunk of W (rows, flattened) once: the weight statistics
    share this conversion instead of widening the tensor a second time."""
    out_n, in_n = weight.shape
    xlo, xhi = box.vector(in_n)
    lo, hi = rows_bounds(weight, xlo, xhi, _full_bias(bias, out_n), in_n, visit)
    return Box(lo, hi, "flat")


def rows_bounds(weight: np.ndarray, xlo: np.ndarray, xhi: np.ndarray, bias: np.ndarray | None, n: int,
                visit: Callable[[np.ndarray], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of `weight @ x + bias` for x in [xlo, xhi], weight (out, len(xlo)) in any float dtype;
    `n` is the dot product's length for the rounding widening.

    Finite boxes take the centre/radius form: hi/lo = W c +- |W| r, err ~ |W| |x|max, one float64
    buffer a chunk (widened in place to |W|), no W+ / W- copies. It is the W+ / W- form rearranged
    (W+ xhi + W- xlo = W c + |W| r) and is computed in float64, whose error is 2^-29 of the float32
    widening added below. A box with an infinite end keeps the W+ / W- form (inf - inf would be NaN
    in the centre)."""
    out_n = weight.shape[0]
    step = row_step(weight)
    # (one test for both ends: a sum is finite only when every term is; an overflowing sum only sends
    # a finite box down the old form, which gives the same bounds)
    if not math.isfinite(float(_SUM(xlo, axis=None)) - float(_SUM(xhi, axis=None))):
        lo = np.empty(out_n)
        hi = np.empty(out_n)
        for s in range(0, out_n, step):
            w = weight[s:s + step].astype(np.float64)
            if visit is not None:
                visit(w.reshape(-1))
            b = None if bias is None else bias[s:s + step].astype(np.float64)
            lo[s:s + step], hi[s:s + step] = _bounds(w, xlo, xhi, b, n)
        return lo, hi
    centre = 0.5 * xlo + 0.5 * xhi
    radius = 0.5 * xhi - 0.5 * xlo
    xa = np.maximum(np.abs(xlo), np.abs(xhi))
    if step >= out_n:  # one chunk (most layers): no buffer bookkeeping
        w = weight.astype(np.float64)
        if visit is not None:
            visit(w.reshape(-1))
        mid = w @ centre
        np.abs(w, out=w)
        rad = w @ radius
        err = w @ xa
        del w
        return _finish_rows(weight, mid, rad, err, xlo, xhi, bias, n, step)
    mid = np.empty(out_n)
    rad = np.empty(out_n)
    err = np.empty(out_n)
    buf = np.empty((min(step, out_n), len(xlo)))  # one buffer for every chunk: no page faults per chunk
    for s in range(0, out_n, step):
        w = buf[:min(step, out_n - s)]
        np.copyto(w, weight[s:s + step], casting="unsafe")
        if visit is not None:
            visit(w.reshape(-1))
        r = slice(s, s + step)
        np.matmul(w, centre, out=mid[r])  # matrix-vector products: BLAS gemv is several times faster
        np.abs(w, out=w)  # here than one product against a two-column matrix
        np.matmul(w, radius, out=rad[r])
        np.matmul(w, xa, out=err[r])
    del buf
    return _finish_rows(weight, mid, rad, err, xlo, xhi, bias, n, step)


def _finish_rows(weight, mid, rad, err, xlo, xhi, bias, n: int, step: int):
    hi = mid + rad
    lo = mid - rad
    b = None
    if bias is not None:
        b = bias.astype(np.float64)
        hi += b
        lo += b
        err += np.abs(b)
    err = err * gamma(n + 1) + (n + 2) * _TINY
    lo -= err
    # The cap below needs to know whether any single term can be positive (W+ xhi, W- xlo). A row
    # whose upper bound is above err (far above float64 rounding) has a positive real bound, so some
    # term is positive; only the other rows (dead or nearly so) are checked term by term.
    check = np.flatnonzero(~(hi > err))
    hi += err
    if len(check):
        up, down = xhi > 0, xlo < 0
        for s in range(0, len(check), step):
            rows = check[s:s + step]
            w = weight[rows]
            can_pos = ((w > 0) & up).any(axis=1) | ((w < 0) & down).any(axis=1)
            if b is not None:
                can_pos |= b[rows] > 0
            rows = rows[~can_pos]
            hi[rows] = np.minimum(hi[rows], 0.0)
    return lo, hi


def row_step(weight: np.ndarray) -> int:
    """Rows of `weight` (first axis) per chunk of about CHUNK_ELEMS elements."""
    row = math.prod(weight.shape[1:]) if weight.ndim > 1 else 1
    return max(1, CHUNK_ELEMS // max(row, 1))


def conv(box: Box, weight: np.ndarray, bias: np.ndarray | None, group: int, zero_pad: bool,
         visit: Callable[[np.ndarray], None] | None = None) -> Box:
    """Per-channel bounds of a convolution, weight (M, C/group, *kernel); `visit` as in `dense`."""
    if zero_pad:
        box = box.with_zero()
    m, cg = weight.shape[0], weight.shape[1]
    bias = _full_bias(bias, m)
    c = cg * group
    if box.layout == "flat" and len(box.lo) != c:
        box = box.hull()
    xlo, xhi = box.vector(c, channels_ok=False)
    k = math.prod(weight.shape[2:]) if weight.ndim > 2 else 1
    fan_in = cg * k
    if group == 1:  # one dot product per output channel over (channel, kernel): a dense layer whose
        # inputs are each channel's bounds repeated over the kernel (the same sums, one BLAS call a chunk)
        lo, hi = rows_bounds(weight.reshape(m, fan_in), np.repeat(xlo, k), np.repeat(xhi, k), bias, fan_in, visit)
        return Box(lo, hi, "channels")
    wpos = np.empty((m, cg))
    wneg = np.empty((m, cg))
    wabs = np.empty((m, cg))
    anyp = np.empty((m, cg), dtype=bool)
    anyn = np.empty((m, cg), dtype=bool)
    step = row_step(weight)
    for s in range(0, m, step):  # one float64 conversion per chunk of output channels
        w = weight[s:s + step].reshape(-1, cg, k).astype(np.float64)
        if visit is not None:
            visit(w.reshape(-1))
        p = np.maximum(w, 0.0)
        q = np.minimum(w, 0.0)
        r = slice(s, s + step)
        wpos[r] = p.sum(axis=2)
        wneg[r] = q.sum(axis=2)
        anyp[r] = p.any(axis=2)  # w > 0 somewhere (p is w or 0)
        anyn[r] = q.any(axis=2)  # w < 0 somewhere
        p -= q  # |w|, exactly (one of the two is 0)
        wabs[r] = p.sum(axis=2)
        del w, p, q
    mg = m // group
    lo = np.empty(m)
    hi = np.empty(m)
    for g in range(group) if group <= 64 else []:
        rows = slice(g * mg, (g + 1) * mg)
        cols = slice(g * cg, (g + 1) * cg)
        b = None if bias is None else bias[rows].astype(np.float64)
        lo[rows], hi[rows] = _bounds_parts(wpos[rows], wneg[rows], anyp[rows], anyn[rows], wabs[rows],
                                           xlo[cols], xhi[cols], b, fan_in)
    if group > 64:  # depthwise and friends: one einsum over groups instead of a Python loop
        xl = xlo.reshape(group, cg)
        xh = xhi.reshape(group, cg)
        sh = (group, mg, cg)
        wp, wn, wa = wpos.reshape(sh), wneg.reshape(sh), wabs.reshape(sh)
        ap, an = anyp.reshape(sh), anyn.reshape(sh)
        hi = (np.einsum("gmc,gc->gm", wp, xh) + np.einsum("gmc,gc->gm", wn, xl)).ravel()
        lo = (np.einsum("gmc,gc->gm", wp, xl) + np.einsum("gmc,gc->gm", wn, xh)).ravel()
        xa = np.maximum(np.abs(xl), np.abs(xh))
        err = np.einsum("gmc,gc->gm", wa, xa).ravel()
        can_pos = (np.einsum("gmc,gc->gm", ap.astype(np.float64), (xh > 0).astype(np.float64)) +
                   np.einsum("gmc,gc->gm", an.astype(np.float64), (xl < 0).astype(np.float64))).ravel() > 0
        if bias is not None:
            b = bias.astype(np.float64)
            hi, lo, err = hi + b, lo + b, err + np.abs(b)
            can_pos |= b > 0
        err = err * gamma(fan_in + 1) + (fan_in + 2) * _TINY
        lo -= err
        hi = np.where(can_pos, hi + err, np.minimum(hi + err, 0.0))
    return Box(lo, hi, "channels")


def _full_bias(bias: np.ndarray | None, n: int) -> np.ndarray | None:
    if bias is None:
        return None
    bias = np.asarray(bias).reshape(-1)
    if bias.size == 1 and n != 1:
        return np.full(n, float(bias[0]))
    if bias.size != n:
        raise ValueError(f"bias of {bias.size} values for {n} units")
    return bias


def _bounds(w: np.ndarray, xlo: np.ndarray, xhi: np.ndarray, b: np.ndarray | None, n: int):
    """Two BLAS calls per chunk: W+ and W- (exact splits of W) against four columns each."""
    wpos = np.maximum(w, 0.0)
    wneg = w - wpos  # exact: either w or 0
    xa = np.maximum(np.abs(xlo), np.abs(xhi))
    cols = np.empty((len(xhi), 4))  # (filled in place: np.stack's Python overhead, per layer, on deep chains)
    cols[:, 0], cols[:, 1], cols[:, 2], cols[:, 3] = xhi, xlo, xa, xhi > 0
    p = wpos @ cols
    cols[:, 0], cols[:, 1], cols[:, 3] = xlo, xhi, xlo < 0
    q = wneg @ cols
    hi = p[:, 0] + q[:, 0]
    lo = p[:, 1] + q[:, 1]
    err = p[:, 2] - q[:, 2]
    # sums of non-negative (resp. non-positive) terms: their sign is exact in floating point
    can_pos = (p[:, 3] > 0) | (q[:, 3] < 0)
    return _finish(lo, hi, err, can_pos, b, n)


def _bounds_parts(wpos, wneg, anyp, anyn, wabs, xlo, xhi, b, n):
    hi = wpos @ xhi + wneg @ xlo
    lo = wpos @ xlo + wneg @ xhi
    err = wabs @ np.maximum(np.abs(xlo), np.abs(xhi))
    # can a single term be positive for some input? if none can, the float sum cannot be either
    can_pos = (anyp.astype(np.float64) @ (xhi > 0) + anyn.astype(np.float64) @ (xlo < 0)) > 0
    return _finish(lo, hi, err, can_pos, b, n)


def _finish(lo, hi, err, can_pos, b, n):
    if b is not None:
        hi = hi + b
        lo = lo + b
        err = err + np.abs(b)
        can_pos = can_pos | (b > 0)
    err = err * gamma(n + 1) + (n + 2) * _TINY
    lo = lo - err
    # no positive term: the float sum is exactly <= 0 (sign), and within err of the real sum (magnitude)
    hi = np.where(can_pos, hi + err, np.minimum(hi + err, 0.0))
    return lo, hi


def channel_affine(box: Box, a: np.ndarray, c: np.ndarray) -> Box:
    """y = a * x + c per channel (inference batch norm) or per feature; widened for rounding."""
    n = len(a)
    if box.layout == "channels" and len(box.lo) == n:
        layout = "channels"
    elif box.layout == "flat" and len(box.lo) == n:
        layout = "flat"
    elif box.layout == "scalar":
        layout = "channels"
    else:
        return _unknown_affine(box, a, c)
    xlo, xhi = box.vector(n, channels_ok=False)
    y1, y2 = a * xlo + c, a * xhi + c
    err = 4 * _U32 * (np.abs(a) * np.maximum(np.abs(xlo), np.abs(xhi)) + np.abs(c)) + 3 * _TINY
    return Box(np.minimum(y1, y2) - err, np.maximum(y1, y2) + err, layout)


def _unknown_affine(box: Box, a: np.ndarray, c: np.ndarray) -> Box:
    h = box.hull()
    cands = np.stack([a * h.lo[0] + c, a * h.hi[0] + c])
    err = 4 * _U32 * (np.abs(a) * max(abs(h.lo[0]), abs(h.hi[0])) + np.abs(c)) + 3 * _TINY
    return Box(np.array([(cands.min(axis=0) - err).min()]), np.array([(cands.max(axis=0) + err).max()]), "scalar")


def elementwise_const(box: Box, op: str, const: np.ndarray, per: str) -> Box | None:
    """x (op) c for op in add/sub/mul/div; `per` says how c broadcasts: scalar | channels | flat."""
    c = const.astype(np.float64).ravel()
    if op == "div":
        if np.any(c == 0):
            return None
        op, c = "mul", 1.0 / c
    elif op == "sub":
        op, c = "add", -c
    if per == "scalar":
        a = np.full(len(box.lo), c[0]) if op == "mul" else np.ones(len(box.lo))
        shift = np.zeros(len(box.lo)) if op == "mul" else np.full(len(box.lo), c[0])
        return channel_affine(box, a, shift) if box.layout != "scalar" else \
            _scalar_affine(box, a[0], shift[0])
    if per == "channels" and box.layout in ("channels", "scalar"):
        a = c if op == "mul" else np.ones(len(c))
        shift = np.zeros(len(c)) if op == "mul" else c
        return channel_affine(box, a, shift)
    if per == "flat" and box.layout in ("flat", "scalar"):
        a = c if op == "mul" else np.ones(len(c))
        shift = np.zeros(len(c)) if op == "mul" else c
        out = channel_affine(Box(*box.vector(len(c)), "flat") if box.layout == "scalar" else box, a, shift)
        return out
    return None


def _scalar_affine(box: Box, a: float, c: float) -> Box:
    y1, y2 = a * box.lo[0] + c, a * box.hi[0] + c
    err = 4 * _U32 * (abs(a) * max(abs(box.lo[0]), abs(box.hi[0])) + abs(c)) + 3 * _TINY
    return Box(np.array([min(y1, y2) - err]), np.array([max(y1, y2) + err]), "scalar")


def add(a: Box, b: Box) -> Box:
    """Sum of two data tensors (residual connections)."""
    if a.layout == b.layout and len(a.lo) == len(b.lo):
        lo, hi, layout = a.lo + b.lo, a.hi + b.hi, a.layout
    elif a.layout == "scalar" or b.layout == "scalar":
        s, o = (a, b) if a.layout == "scalar" else (b, a)
        lo, hi, layout = o.lo + s.lo[0], o.hi + s.hi[0], o.layout
    else:
        ha, hb = a.hull(), b.hull()
        lo, hi, layout = ha.lo + hb.lo, ha.hi + hb.hi, "scalar"
    err = 2 * _U32 * np.maximum(np.abs(lo), np.abs(hi)) + _TINY
    return Box(lo - err, hi + err, layout)


def activation(box: Box, kind: str, params: dict) -> Box | None:
    """Monotone activations map endpoints; ReLU-family is exact (max with 0 never rounds)."""
    lo, hi = box.lo, box.hi
    if kind == "relu":
        return Box(np.maximum(lo, 0.0), np.maximum(hi, 0.0), box.layout)
    if kind in ("relu6", "hardtanh", "clip"):
        low = params.get("min")
        high = params.get("max")
        low = 0.0 if kind == "relu6" else low
        high = 6.0 if kind == "relu6" else high
        lo2 = lo if low is None else np.clip(lo, low, None)
        hi2 = hi if low is None else np.clip(hi, low, None)
        if high is not None:
            lo2, hi2 = np.clip(lo2, None, high), np.clip(hi2, None, high)
        return Box(lo2, hi2, box.layout)
    if kind == "leaky_relu":
        alpha = float(params.get("alpha", 0.01))
        if alpha < 0:
            return None
        f = (lambda v: np.where(v >= 0, v, alpha * v))  # noqa: E731 - monotone for alpha >= 0
    elif kind == "sigmoid":
        f = (lambda v: 1.0 / (1.0 + np.exp(-v)))  # noqa: E731
    elif kind == "tanh":
        f = np.tanh
    elif kind == "softplus":
        f = (lambda v: np.logaddexp(0.0, v))  # noqa: E731
    elif kind == "elu":
        alpha = float(params.get("alpha", 1.0))
        f = (lambda v: np.where(v > 0, v, alpha * np.expm1(np.minimum(v, 0))))  # noqa: E731
    elif kind == "selu":
        a, s = 1.6732632423543772, 1.0507009873554805
        f = (lambda v: s * np.where(v > 0, v, a * np.expm1(np.minimum(v, 0))))  # noqa: E731
    else:
        return None
    with np.errstate(over="ignore"):
        flo, fhi = f(lo), f(hi)
    slack = 1e-6 * (1 + np.maximum(np.abs(flo), np.abs(fhi)))  # libm/float32 differences
    return Box(flo - slack, fhi + slack, box.layout)


def dead_units(box: Box) -> tuple[int, int] | None:
    """(units whose pre-activation can never be > 0, units) for a box in front of a ReLU."""
    if box.layout == "scalar":
        return None
    return int(np.count_nonzero(box.hi <= 0)), len(box.hi)
