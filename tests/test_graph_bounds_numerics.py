"""The affine interval bound's fast form against the plain one, unit by unit.

`intervals.rows_bounds` computes hi/lo = W c +- |W| r (centre/radius, three matrix-vector products
a chunk) and looks term by term at "can any term be positive" only for rows whose bound is not
clearly positive. The reference here is the W+ / W- form (`intervals._bounds`, the form the pass
used before, still used for boxes with an infinite end). Both run in float64; what must agree is
the verdict RL501 reads (upper bound <= 0), on random layers and on units crafted to sit within a
few rounding widenings of 0, where a careless fast path would flip. The bounds themselves agree
to float64 rounding, far inside the float32 widening both add.
"""

from __future__ import annotations

import numpy as np
import pytest

from relulint.graph import intervals as iv


def _reference(w, xlo, xhi, b):
    return iv._bounds(w.astype(np.float64), xlo, xhi, None if b is None else b.astype(np.float64), w.shape[1])


def _fast(w, xlo, xhi, b):
    return iv.rows_bounds(w, xlo, xhi, b, w.shape[1])


def _agree(w, xlo, xhi, b):
    lo_r, hi_r = _reference(w, xlo, xhi, b)
    lo_f, hi_f = _fast(w, xlo, xhi, b)
    np.testing.assert_array_equal(hi_f <= 0, hi_r <= 0)
    scale = np.abs(w.astype(np.float64)) @ np.maximum(np.abs(xlo), np.abs(xhi)) + (0 if b is None else np.abs(b))
    tol = 1e-12 * (scale + 1e-300)
    assert np.all(np.abs(hi_f - hi_r) <= tol) and np.all(np.abs(lo_f - lo_r) <= tol)
    return hi_f


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.float64])
@pytest.mark.parametrize("seed", range(6))
def test_random_layers_same_bounds_and_verdicts(seed, dtype):
    rng = np.random.default_rng(seed)
    n_out, n_in = int(rng.integers(1, 70)), int(rng.integers(1, 90))
    w = (rng.standard_normal((n_out, n_in)) * rng.choice([0.01, 1.0, 30.0])).astype(dtype)
    w[rng.random(w.shape) < 0.3] = 0
    a, c = rng.uniform(-3, 3, n_in), rng.uniform(-3, 3, n_in)
    kind = seed % 3
    if kind == 1:
        a, c = np.abs(a), np.abs(c)  # after a ReLU
    elif kind == 2:
        c = a  # a degenerate box: one point
    xlo, xhi = np.minimum(a, c), np.maximum(a, c)
    b = rng.standard_normal(n_out).astype(dtype) if seed % 2 else None
    _agree(w, xlo, xhi, b)


def test_units_crafted_around_the_widening():
    """Bias set so that each unit's widened upper bound lands at (1 - f) times its widening: f < 1 is
    alive, f > 1 dead, in both forms; f = 1 +- 1e-3 is a margin a float32 computation could not
    keep, far above float64 rounding."""
    rng = np.random.default_rng(7)
    n_out, n_in = 60, 500
    w = rng.standard_normal((n_out, n_in))
    xlo, xhi = rng.uniform(-1, 0, n_in), rng.uniform(0, 1, n_in)
    hi0 = np.maximum(w, 0) @ xhi + np.minimum(w, 0) @ xlo  # >= 0: every term's best case is >= 0
    s = np.abs(w) @ np.maximum(np.abs(xlo), np.abs(xhi))
    g = iv.gamma(n_in + 1)
    f = np.resize([0.5, 0.999, 1.001, 1.5, 3.0], n_out)
    b = -(hi0 + f * g * s) / (1 - f * g)  # hi0 + b + g (s + |b|) = (1 - f) g (s + |b|), b < 0
    hi = _agree(w, xlo, xhi, b)
    assert (hi[f > 1] <= 0).all() and (hi[f < 1] > 0).all()


def test_no_positive_term_caps_at_exactly_zero():
    """Inputs in (-1, 0), positive weights, zero bias (seed 004): every term <= 0, so the float sum is
    never positive; both forms cap the widened bound at exactly 0 (dead), however large the widening."""
    rng = np.random.default_rng(4)
    w = rng.uniform(0.01, 1.0, size=(8, 2000)).astype(np.float32)
    xlo, xhi = np.full(2000, -1.0), np.zeros(2000)  # the real bound is 0: only the cap keeps it there
    hi = _agree(w, xlo, xhi, np.zeros(8, np.float32))
    assert (hi == 0).all()
    # one tiny positive-capable term (w < 0 against x < 0) lifts the cap: not provably dead
    w[3, 17] = -1e-30
    hi = _agree(w, xlo, xhi, np.zeros(8, np.float32))
    assert hi[3] > 0 and (np.delete(hi, 3) == 0).all()
    # a positive bias alone can fire the unit
    b = np.zeros(8, np.float32)
    b[5] = 1e-20
    hi = _agree(w, xlo, xhi, b)
    assert hi[5] > 0


def test_rows_spanning_several_chunks(monkeypatch):
    monkeypatch.setattr(iv, "CHUNK_ELEMS", 64)
    rng = np.random.default_rng(11)
    w = rng.standard_normal((40, 30)).astype(np.float32)
    w[::3] = np.abs(w[::3])
    xlo, xhi = np.full(30, -2.0), np.zeros(30)
    hi = _agree(w, xlo, xhi, np.zeros(40, np.float32))
    assert (hi[::3] == 0).all()


def test_an_infinite_box_end_keeps_the_split_form():
    """inf - inf in the centre would be NaN where the split form has a finite end: a box with an
    infinite end is computed the old way, figure for figure (NaN where it gave NaN)."""
    w = np.array([[-1.0, 1.0, 2.0], [1.0, 1.0, 1.0], [0.5, 0.5, 0.5]])
    xlo, xhi = np.array([0.0, 0.0, -np.inf]), np.array([1.0, 1.0, -1.0])
    with np.errstate(invalid="ignore"):
        lo_r, hi_r = _reference(w, xlo, xhi, None)
        lo_f, hi_f = _fast(w, xlo, xhi, None)
    np.testing.assert_array_equal(hi_f, hi_r)
    np.testing.assert_array_equal(lo_f, lo_r)


def test_conv_as_a_dense_product_matches_per_channel_sums():
    """A group-1 convolution goes through the dense form with each channel's bounds repeated over
    the kernel; the per-(channel) sums of W+ and W- (the grouped path) give the same verdicts."""
    rng = np.random.default_rng(3)
    m, c, k = 12, 5, 3
    w = rng.standard_normal((m, c, k, k)).astype(np.float32)
    w[:4] = -np.abs(w[:4])
    box = iv.Box(rng.uniform(0, 0.1, c), rng.uniform(0.2, 1.0, c), "channels")
    b = rng.standard_normal(m).astype(np.float32) * 0.1
    b[:4] = -np.abs(b[:4])
    fast = iv.conv(box, w, b, group=1, zero_pad=False)
    # the grouped path with one group of every channel, written out: per-(m, c) sums over the kernel
    flat = w.reshape(m, c, k * k).astype(np.float64)
    wpos, wneg = np.maximum(flat, 0).sum(2), np.minimum(flat, 0).sum(2)
    anyp, anyn = (flat > 0).any(2), (flat < 0).any(2)
    wabs = np.abs(flat).sum(2)
    lo_r, hi_r = iv._bounds_parts(wpos, wneg, anyp, anyn, wabs, box.lo, box.hi, b.astype(np.float64), c * k * k)
    np.testing.assert_array_equal(fast.hi <= 0, hi_r <= 0)
    assert (fast.hi[:4] < 0).all()
    np.testing.assert_allclose(fast.hi, hi_r, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast.lo, lo_r, rtol=1e-12, atol=1e-12)


def test_one_blas_thread_restores_the_limit():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from relulint.graph import one_blas_thread

    before = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    with one_blas_thread():
        inside = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    after = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    assert all(n == 1 for n in inside) and after == before
