"""Kink-aware finite differences of the loss along many directions at once.

The loss is a sum over samples, and along a direction v = (v_w, v_b) every atom moves in a
known way: sᵢ(t) = sᵢ + t·(xᵢ·v_w + v_b), zᵢ(t) = zᵢ + t·xᵢ·v_w, q(t) = q + 2t·w·v_w +
t²·‖v_w‖², b(t) = b + t·v_b. So X is touched once (``X @ V``, or not at all for coordinate
directions) and every stencil point of every sample and direction is one broadcast call of
the per-sample loss ℓ.

Per (sample, direction) pair the stencil is chosen from the switching functions:

* **complex step** ``Im ℓ(θ + i·h·v)/h`` when ℓ is built from functions with an analytic
  continuation and no sample is on a kink: no cancellation, so ~15 digits;
* **central differences** at ±h, ±2h, ±4h with two Richardson extrapolations, step
  h = ε^(1/5)·max(1, |θ|) (the optimum for a 4th-order formula), error estimated from the
  spread of the extrapolants;
* **one-sided** 4th-order differences pointing away from a kink the central stencil would
  cross (the point is on the far side, so the one-sided stencil sees the same smooth piece);
* **both one-sided** differences for a sample on a kink (|u| within rounding of 0): the pair
  gives the interval of the directional derivative, and a candidate passes if it lies in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gradproof._typing import Array
from gradproof.i18n import Listing, lazy
from gradproof.verify.evaluators import FormFunctions, slopes
from gradproof.verify.tolerance import TRUNCATION_SAFETY, gamma, underflow, unit_roundoff

__all__ = [
    "Directions",
    "FDResult",
    "coordinate_directions",
    "coordinate_fd",
    "dense_directions",
    "directional_fd",
    "switch_near_kink",
    "data_atoms",
    "STEP",
    "COMPLEX_STEP",
]

_U = unit_roundoff(np.float64)
_ETA = underflow(_U)
STEP = 2.0**-11
"""Relative real step, ≈ ε^(1/5) (ε = 2⁻⁵²), a power of two so t = k·h is exact."""
COMPLEX_STEP = 2.0**-70
"""Relative complex step: tiny, since the complex step has no cancellation."""
_K = np.arange(-4, 5, dtype=np.float64)  # stencil offsets k, t = k·h


@dataclass(frozen=True)
class Directions:
    """m directions as the per-sample and global rates they move the atoms at."""

    xv: Array  # (n, m) xᵢ·v_w
    vb: Array  # (m,)
    wv: Array  # (m,) w·v_w
    vv: Array  # (m,) ‖v_w‖²
    step: Array  # (m,) real step h
    labels: tuple[str, ...]


@dataclass(frozen=True)
class FDResult:
    """Directional derivatives of L, one per direction, as intervals with an error bound.

    Where no sample is on a kink ``lo == hi``. ``one_sided`` counts the samples whose stencil
    was turned away from a nearby kink, ``on_kink`` lists (sample, direction) pairs on one.
    """

    lo: Array
    hi: Array
    err: Array
    method: str
    one_sided: int
    on_kink: tuple[tuple[int, int], ...]


def coordinate_directions(X: Array, w: Array, b: float, cols: range | None = None) -> Directions:
    """Coordinate directions: entry j < d is e_w[j], entry d is e_b (all d + 1 by default)."""
    n, d = X.shape
    cols = range(d + 1) if cols is None else cols
    idx = np.array(list(cols), dtype=int)
    in_w = idx[idx < d]
    xv = np.zeros((n, idx.size))
    xv[:, : in_w.size] = X[:, in_w]
    is_b = (idx == d).astype(np.float64)
    wv = np.where(idx < d, np.append(w, 0.0)[idx], 0.0)
    theta = np.abs(np.append(w, b))[idx]
    labels = tuple(f"w[{j}]" if j < d else "b" for j in idx)
    return Directions(xv, is_b, wv, 1.0 - is_b, STEP * np.maximum(1.0, theta), labels)


FD_ELEMENTS = 2**18
"""Sample × direction pairs per batch of coordinate differences (bounds the 9-point
stencil's temporaries to a few tens of MB whatever n and d are)."""


def coordinate_fd(
    ff: FormFunctions,
    X: Array,
    y: Array,
    w: Array,
    b: float,
    **kwargs: Any,
) -> FDResult:
    """:func:`directional_fd` along all d + 1 coordinates, in batches of directions."""
    n, d = X.shape
    step = max(1, FD_ELEMENTS // max(n, 1))
    parts = [
        directional_fd(
            ff, X, y, w, b, coordinate_directions(X, w, b, range(a, min(a + step, d + 1))), **kwargs
        )
        for a in range(0, d + 1, step)
    ]
    starts = range(0, d + 1, step)
    methods = list(dict.fromkeys(p.method for p in parts))
    return FDResult(
        np.concatenate([p.lo for p in parts]),
        np.concatenate([p.hi for p in parts]),
        np.concatenate([p.err for p in parts]),
        methods[0] if len(methods) == 1 else Listing(methods, " / "),
        sum(p.one_sided for p in parts),
        tuple((i, j + a) for p, a in zip(parts, starts, strict=True) for i, j in p.on_kink),
    )


def dense_directions(
    X: Array,
    w: Array,
    b: float,
    V: Array,
    labels: tuple[str, ...] | None = None,
    blocks: list[tuple[int, int]] | None = None,
    xv: Array | None = None,
) -> Directions:
    """Directions given as rows of V (m, d + 1), w part then b; one pass ``X @ V_wᵀ``.

    With ``blocks`` (one (start, stop) per row, the row's support), only those columns of X
    are read, so a batch of disjoint blocks costs one pass in all.
    """
    V = np.atleast_2d(np.asarray(V, dtype=np.float64))
    vw, vb = V[:, :-1], V[:, -1]
    if xv is None and blocks is None:
        xv = X @ vw.T
    elif xv is None:
        d = X.shape[1]
        xv = np.zeros((X.shape[0], V.shape[0]))
        for r, (a, e) in enumerate(blocks or []):
            if a < d:
                xv[:, r] = X[:, a : min(e, d)] @ vw[r, a : min(e, d)]
    norm = np.linalg.norm(V, axis=1)
    theta = np.sqrt((np.square(w).sum() + b * b) / (w.size + 1))
    step = STEP * np.maximum(1.0, theta) / np.where(norm > 0, norm, 1.0)
    labels = labels or tuple(f"v{k}" for k in range(V.shape[0]))
    return Directions(xv, vb, vw @ w, np.square(vw).sum(axis=1), step, labels)


def _atoms(ds: Directions, s: Array, z: Array, q: float, b: float, t: Array):
    """Atoms at θ + t·v, broadcast to (n, m, len(t))."""
    xv = ds.xv[:, :, None]
    tt = t[None, :, :] if t.ndim == 2 else t
    return (
        s[:, None, None] + tt * (xv + ds.vb[None, :, None]),
        z[:, None, None] + tt * xv,
        q + 2 * tt * ds.wv[None, :, None] + tt * tt * ds.vv[None, :, None],
        b + tt * ds.vb[None, :, None],
    )


def _switch_side(ff: FormFunctions, at: tuple, y: Array, xx: Array, near: Array):
    """Masks (n, m): right/left stencil crosses a switching function, or on a kink."""
    p = ff.params
    right = np.zeros(near.shape, dtype=bool)
    left = np.zeros(near.shape, dtype=bool)
    for f in ff.switches:
        u = np.broadcast_to(f(*at, y[:, None, None], xx[:, None, None], *p), at[0].shape)
        u0 = u[..., 4:5]
        flips = (np.sign(u) != np.sign(u0)) | (u == 0)
        right |= flips[..., 5:].any(axis=-1)
        left |= flips[..., :4].any(axis=-1)
    return right, left


def directional_fd(
    ff: FormFunctions,
    X: Array,
    y: Array,
    w: Array,
    b: float,
    ds: Directions,
    *,
    mean: bool,
    near_kink: Array,
    curvature: Array,
    score_err: Array,
    allow_complex: bool = True,
    atoms: tuple[Array, Array, float, Array] | None = None,
) -> FDResult:
    """Finite-difference directional derivatives of L along each direction of ``ds``.

    ``near_kink`` (n,) marks samples within rounding of a kink, ``curvature`` (n,) bounds
    |∂²ℓ/∂s²| and ``score_err`` (n,) the rounding error of the float64 scores; both enter
    the error bound only. ``atoms`` = (s, z, q, xx) when the caller has them already.
    """
    # One function on purpose: the stencil choice per (sample, direction), the estimates and
    # their error bounds share every (n, m, 9) array; split, they would be passed around.
    n = X.shape[0]
    s, z, q, xx = atoms if atoms is not None else data_atoms(X, w, b)
    p = ff.params
    m = ds.xv.shape[1]
    rate = np.abs(ds.xv + ds.vb[None, :])  # |dsᵢ/dt|
    scale = float(n) if mean else 1.0
    near = np.broadcast_to(near_kink[:, None], (n, m)) & (rate > 0)
    drift = (curvature * score_err)[:, None] * rate  # ℓ′ at the float64 score vs the exact one
    use_complex = allow_complex and ff.loss_c is not None and not near.any()
    if use_complex:
        assert ff.loss_c is not None and ff.reg_c is not None
        hc = COMPLEX_STEP * _capped(ds.step, rate, s) / STEP
        tc = 1j * hc[None, :, None]
        at = _atoms(ds, s, z, q, b, tc)
        # broadcast: a loss that does not depend on the data evaluates to one number
        val = np.broadcast_to(ff.loss_c(*at, y[:, None, None], xx[:, None, None], *p), at[0].shape)
        est = np.broadcast_to(np.imag(val)[..., 0] / hc[None, :], (n, m))
        err_i = (
            8 * _U * np.abs(est)
            + 4 * _U * (curvature * np.abs(s))[:, None] * rate
            + drift
            + 8 * _ETA / hc[None, :]
        )
        reg_at = _atoms(ds, np.zeros(1), np.zeros(1), q, b, tc)
        rv = np.broadcast_to(ff.reg_c(*reg_at, 0.0, 0.0, *p), (1, m, 1))
        reg_d = np.imag(rv)[0, :, 0] / hc
        reg_err = 8 * _U * np.abs(reg_d)
        lo = hi = est.sum(axis=0) / scale + reg_d
        err = (err_i.sum(axis=0) + gamma(n, _U) * np.abs(est).sum(axis=0)) / scale + reg_err
        return FDResult(lo, hi, err, lazy("complex step"), 0, ())

    h = _capped(ds.step, rate, s)
    t = _K[None, :] * h[:, None]  # (m, 9)
    at = _atoms(ds, s, z, q, b, t)
    F = np.broadcast_to(ff.loss(*at, y[:, None, None], xx[:, None, None], *p), at[0].shape)
    right, left = _switch_side(ff, at, y, xx, near)
    hh = h[None, :]
    # central: D(h), D(2h), D(4h) → two Richardson steps
    D1 = (F[..., 5] - F[..., 3]) / (2 * hh)
    D2 = (F[..., 6] - F[..., 2]) / (4 * hh)
    D4 = (F[..., 8] - F[..., 0]) / (8 * hh)
    R1 = (4 * D1 - D2) / 3
    R2 = (4 * D2 - D4) / 3
    central = R1 + (R1 - R2) / 15
    c_trunc = np.abs(R1 - R2) / 15
    # one-sided, 4th order (and 3rd order for its error estimate)
    c4 = np.array([-25, 48, -36, 16, -3]) / 12
    c3 = np.array([-11, 18, -9, 2]) / 6
    fwd = (F[..., 4:9] @ c4) / hh
    bwd = -(F[..., 4::-1] @ c4) / hh
    f_trunc = np.abs(fwd - (F[..., 4:8] @ c3) / hh)
    b_trunc = np.abs(bwd + (F[..., 4:0:-1] @ c3) / hh)
    # noise of one evaluation: its own rounding, and ℓ′ times the rounding of its argument
    slope = np.abs(central) / np.where(rate > 0, rate, 1.0)
    nu = 4 * _U * (np.abs(F).max(axis=-1) + slope * (np.abs(s)[:, None] + 4 * hh * rate)) + 4 * _ETA
    both = near | (right & left)
    only_b = right & ~both
    only_f = left & ~both
    plain = ~(both | only_b | only_f)
    one_lo = np.minimum(fwd, bwd)
    one_hi = np.maximum(fwd, bwd)
    lo_i = np.where(plain, central, np.where(only_f, fwd, np.where(only_b, bwd, one_lo)))
    hi_i = np.where(plain, central, np.where(only_f, fwd, np.where(only_b, bwd, one_hi)))
    err_i = (
        np.where(
            plain,
            TRUNCATION_SAFETY * c_trunc + 2 * nu / hh,
            TRUNCATION_SAFETY * np.maximum(f_trunc, b_trunc) + 11 * nu / hh,
        )
        + drift
    )
    err_i = np.where(only_f, TRUNCATION_SAFETY * f_trunc + 11 * nu / hh + drift, err_i)
    err_i = np.where(only_b, TRUNCATION_SAFETY * b_trunc + 11 * nu / hh + drift, err_i)
    # regulariser: no per-sample kinks, central differences
    reg_at = _atoms(ds, np.zeros(1), np.zeros(1), q, b, t)
    G = np.broadcast_to(ff.reg(*reg_at, 0.0, 0.0, *p), (1, m, 9))[0]
    g1 = (G[:, 5] - G[:, 3]) / (2 * h)
    g2 = (G[:, 6] - G[:, 2]) / (4 * h)
    g4 = (G[:, 8] - G[:, 0]) / (8 * h)
    r1, r2 = (4 * g1 - g2) / 3, (4 * g2 - g4) / 3
    reg_d = r1 + (r1 - r2) / 15
    reg_err = TRUNCATION_SAFETY * np.abs(r1 - r2) / 15 + 8 * _U * np.abs(G).max(axis=1) / h
    total = np.abs(lo_i).sum(axis=0) + np.abs(hi_i).sum(axis=0)
    lo = lo_i.sum(axis=0) / scale + reg_d
    hi = hi_i.sum(axis=0) / scale + reg_d
    err = (err_i.sum(axis=0) + gamma(n, _U) * total) / scale + reg_err
    kinks = tuple((int(i), int(j)) for i, j in np.argwhere(both & (np.abs(fwd - bwd) > err_i)))
    method = lazy("central differences with Richardson extrapolation")
    n_one = int((only_f | only_b).sum())
    return FDResult(lo, hi, err, method, n_one, kinks)


def _capped(step: Array, rate: Array, s: Array) -> Array:
    """The steps, shortened where they would move some score by more than STEP × the
    scores' own scale (at w ≈ 0 on data with |x| ~ 10¹⁶⁰ a step of 2⁻¹¹ in w is huge), and
    rounded down to a power of two so that t = k·h stays exact."""
    top = float(np.max(np.abs(s))) if s.size else 0.0
    scale = max(1.0, top * float(np.sqrt(np.mean((s / top) ** 2)))) if top > 0 else 1.0
    fastest = np.max(rate, axis=0) if rate.size else np.zeros_like(step)
    with np.errstate(divide="ignore"):
        cap = np.where(fastest > 0, STEP * scale / fastest, np.inf)
    h = np.minimum(step, cap)
    return np.where(h < step, 2.0 ** np.floor(np.log2(np.maximum(h, 1e-300))), step)


def data_atoms(X: Array, w: Array, b: float) -> tuple[Array, Array, float, Array]:
    """(s, z, q, xx) at (w, b): scores, w·xᵢ, ‖w‖², ‖xᵢ‖² (float64, no copy of X)."""
    z = X @ w
    return z + b, z, float(w @ w), np.einsum("ij,ij->i", X, X)


def switch_near_kink(
    ff: FormFunctions,
    X: Array,
    y: Array,
    w: Array,
    b: float,
    u_cand: float,
    atoms: tuple[Array, Array, float, Array] | None = None,
    row_abs: Array | None = None,
) -> Array:
    """(n,) samples whose switching value is within the rounding error of 0.

    The bound is the one of :mod:`gradproof.verify.reference`: |∂u/∂s| times the score's
    rounding γ_{d+2}·(|xᵢ|·|w| + |b|), plus a few ulps of u itself.
    """
    n, d = X.shape
    s, z, q, xx = atoms if atoms is not None else data_atoms(X, w, b)
    if row_abs is None:
        row_abs = np.abs(X) @ np.abs(w) + abs(b)
    out = np.zeros(n, dtype=bool)
    sl = slopes(ff.switches, s, z, q, b, y, xx, ff.params)
    for f, k in zip(ff.switches, sl, strict=True):
        u = np.broadcast_to(f(s, z, q, b, y, xx, *ff.params), (n,))
        tol = k * gamma(d + 2, u_cand) * row_abs + 4 * u_cand * (1 + np.abs(s) * k + np.abs(u))
        out |= np.abs(u) <= tol
    return out
