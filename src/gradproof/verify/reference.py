"""The reference gradient: the symbolic coefficients evaluated sample by sample, exactly.

Small problems (n·d up to :data:`EXACT_LIMIT`) are evaluated in mpmath at
:data:`~gradproof.verify.evaluators.MP_DIGITS` digits: scores sᵢ = xᵢ·w + b as exact dot products
of the float64 data, the coefficients cwᵢ, cbᵢ, cqᵢ of :mod:`gradproof.symbolic.calculus`,
then ∂L/∂w = Σᵢ cwᵢ·xᵢ + (Σᵢ cqᵢ + rw)·w and ∂L/∂b = Σᵢ cbᵢ + rb, summed in mpmath. Larger
problems use float64 with a rounding-error bound (:mod:`gradproof.verify.tolerance`).

Samples on a kink, or within the rounding error of one, are listed as :class:`KinkPair`:
their coefficient is evaluated with the indicator forced to each side, which gives the set
of valid subgradients base + Σₚ tₚ·Jₚ, tₚ ∈ [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
import numpy as np

from gradproof._typing import Array
from gradproof.verify.evaluators import MP_DIGITS, FormFunctions, slopes
from gradproof.verify.tolerance import ELEMENTARY_ULPS, gamma, underflow, unit_roundoff

__all__ = ["EXACT_LIMIT", "KinkPair", "Reference", "reference_gradient", "reference_loss"]

EXACT_LIMIT = 20_000
"""Largest n·d evaluated in mpmath; above it the reference is float64 with a bound."""

EXACT_SAMPLES = 2_000
"""Largest n evaluated in mpmath (the coefficients are evaluated one sample at a time)."""

_U64 = unit_roundoff(np.float64)


@dataclass(frozen=True)
class KinkPair:
    """Sample ``sample`` sits on (or within rounding of) the kink of indicator ``indicator``.

    ``u`` is the switching value, ``jump`` the change of the gradient (d + 1 entries) from
    the u < 0 side to the u > 0 side, ``t`` where the derivation's own value lies
    (0 = u < 0 side, 1 = u > 0 side), ``exact`` whether u = 0 exactly.
    """

    sample: int
    indicator: int
    u: float
    jump: Array
    t: float
    exact: bool


@dataclass(frozen=True)
class Reference:
    """The reference gradient (w entries, then b) with what the checks need around it."""

    grad: Array
    bound: Array
    exact: bool
    scores: Array
    cw: Array
    cb: Array
    cq: Array
    dcw: Array
    row_abs: Array
    abs_terms: Array
    score_terms: Array
    kinks: tuple[KinkPair, ...] = field(default=())
    base: Array | None = None

    def candidate_bound(self, u: float, n: int, d: int) -> Array:
        """How far a correct gradient computed in precision ``u`` may be from the exact one.

        γ_{n+2}·Σ|terms| for the sum over samples, ELEMENTARY_ULPS·u on each coefficient,
        and |∂c/∂s|·γ_{d+2}·(|xᵢ|·|w| + |b|) for the rounding of the scores it starts from.
        """
        kink_terms = (
            np.sum([np.abs(k.jump) for k in self.kinks], axis=0) if self.kinks else 0.0
        )  # a kink sample may carry any coefficient between its two sides
        return (
            (gamma(n + 2, u) + ELEMENTARY_ULPS * u) * (self.abs_terms + kink_terms)
            + self.score_terms * gamma(d + 2, u)
            + 2 * (n + d + ELEMENTARY_ULPS) * underflow(u)
        )


def _rows(kinks: list[tuple[int, int]], X: Array, w: Array, dc: Array, scale: float) -> Array:
    out = np.zeros((len(kinks), X.shape[1] + 1))
    for r, (i, _) in enumerate(kinks):
        dcw, dcb, dcq = dc[r]
        out[r, :-1] = (dcw * X[i] + dcq * w) / scale
        out[r, -1] = dcb / scale
    return out


def _side(u: float, ind_below: int, ind_above: int, at: float) -> float:
    return ind_above if u > 0 else ind_below if u < 0 else at


def reference_gradient(
    ff: FormFunctions,
    X: Array,
    y: Array,
    w: Array,
    b: float,
    *,
    mean: bool,
    u_cand: float,
    exact: bool | None = None,
) -> Reference:
    """Evaluate the reference gradient of ``ff`` at (w, b) on (X, y).

    ``u_cand`` is the unit roundoff of the candidate: samples whose switching value is within
    the candidate's rounding error of 0 are treated as on the kink.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    b = float(b)
    n, d = X.shape
    if exact is None:
        exact = n * d <= EXACT_LIMIT and n <= EXACT_SAMPLES
    scale = float(n) if mean else 1.0
    row_abs = np.abs(X) @ np.abs(w) + abs(b)
    inds = ff.indicators
    p = ff.params
    at = [float(i.at) for i in inds]

    if exact:
        with mpmath.workdps(MP_DIGITS):
            res = _exact(ff, X, y, w, b, at, p)
    else:
        res = _float(ff, X, y, w, b, at, p)
    s, nat, forced, uvals, rw, rb = res
    natf = np.asarray(nat, dtype=np.float64).reshape(n, 3)
    cw, cb, cq = natf[:, 0], natf[:, 1], natf[:, 2]
    rwf, rbf = float(rw), float(rb)

    # error-model ingredients: |∂c/∂s| per sample, and Σ|terms| per entry
    ivals = [
        np.where(uvals[:, k] > 0, inds[k].above, np.where(uvals[:, k] < 0, inds[k].below, at[k]))
        for k in range(len(inds))
    ]
    z = s - b
    q = float(w @ w)
    xx = (X * X).sum(axis=1)
    dcs = np.abs(
        np.asarray(
            np.broadcast_arrays(*ff.np_dcoef(s, z, q, b, y, xx, *p, *ivals), np.zeros(n))[:3],
            dtype=np.float64,
        )
    )
    dcw = np.max(dcs, axis=0)
    aw = np.abs(cw) @ np.abs(X) + (np.abs(cq).sum() / scale + abs(rwf)) * np.abs(w) * scale
    ab = np.abs(cb).sum() + abs(rbf) * scale
    abs_terms = np.append(aw, ab) / scale
    score_terms = np.append((dcw * row_abs) @ np.abs(X), (dcw * row_abs).sum()) / scale

    grad = np.append(*_assemble(exact, X, w, nat, rw, rb, scale))
    if exact:
        # float64 rounding of the exact value is the only error left: half an ulp.
        bound = np.abs(grad) * _U64 + abs_terms * 10.0 ** -(MP_DIGITS - 5)
    else:
        bound = (gamma(n + 2, _U64) + ELEMENTARY_ULPS * _U64) * abs_terms + score_terms * gamma(
            d + 2, _U64
        )

    # kinks: samples whose switching value is within the candidate's rounding of 0
    pairs: list[tuple[int, int]] = []
    deltas: list[tuple[float, float, float]] = []
    ts: list[float] = []
    us: list[float] = []
    slope = slopes(ff.np_indicators, s, z, q, b, y, xx, p)
    for k in range(len(inds)):
        du = slope[k] * gamma(d + 2, u_cand) * row_abs + 4 * u_cand * (
            1 + np.abs(s) * slope[k] + np.abs(uvals[:, k])
        )
        near = np.flatnonzero(np.abs(uvals[:, k]) <= du)
        for i in near:
            below, above = forced[(int(i), k)]
            delta = above - below
            if not np.any(delta != 0):
                continue  # not a jump here (e.g. huber's sign(r) where |r| ≤ δ)
            pairs.append((int(i), k))
            deltas.append(tuple(delta))
            off = natf[i] - below
            nz = np.abs(delta) > 0
            ts.append(float(np.mean(off[nz] / delta[nz])) if nz.any() else at[k])
            us.append(float(uvals[i, k]))
    rows = _rows(pairs, X, w, np.asarray(deltas).reshape(-1, 3), scale)
    base = grad - (np.asarray(ts)[:, None] * rows).sum(axis=0) if pairs else grad.copy()
    kinks = tuple(
        KinkPair(i, k, u, rows[r], ts[r], us[r] == 0.0)
        for r, ((i, k), u) in enumerate(zip(pairs, us, strict=True))
    )
    return Reference(
        grad=grad,
        bound=bound,
        exact=exact,
        scores=s,
        cw=cw,
        cb=cb,
        cq=cq,
        dcw=dcw,
        row_abs=row_abs,
        abs_terms=abs_terms,
        score_terms=score_terms,
        kinks=kinks,
        base=base,
    )


def _exact(
    ff: FormFunctions, X: Array, y: Array, w: Array, b: float, at: list[float], p: tuple[float, ...]
):
    n, d = X.shape
    mpf = mpmath.mpf
    wl = [mpf(float(v)) for v in w]
    bm = mpf(b)
    q = mpmath.fdot(wl, wl)
    pm = [mpf(v) for v in p]
    inds = ff.indicators
    s_out = np.empty(n)
    nat = []
    uvals = np.zeros((n, len(inds)))
    forced: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    rw = rb = mpf(0)
    for i in range(n):
        xl = X[i].tolist()  # floats convert to mpf exactly
        z = mpmath.fdot(xl, wl)
        s = z + bm
        xx = mpmath.fdot(xl, xl)
        yi = mpf(float(y[i]))
        atoms = (s, z, q, bm, yi, xx, *pm)
        us = [f(*atoms) for f in ff.mp_indicators]
        vals = [
            _side(u, ind.below, ind.above, at[k])
            for k, (u, ind) in enumerate(zip(us, inds, strict=True))
        ]
        c = ff.mp_coef(*atoms, *vals)
        nat.append(c[:3])
        rw, rb = c[3], c[4]
        s_out[i] = float(s)
        for k, u in enumerate(us):
            uvals[i, k] = float(u)
            lo, hi = list(vals), list(vals)
            lo[k], hi[k] = inds[k].below, inds[k].above
            forced[(i, k)] = (
                np.array([float(v) for v in ff.mp_coef(*atoms, *lo)[:3]]),
                np.array([float(v) for v in ff.mp_coef(*atoms, *hi)[:3]]),
            )
    return s_out, np.array(nat, dtype=object), forced, uvals, rw, rb


def _float(
    ff: FormFunctions, X: Array, y: Array, w: Array, b: float, at: list[float], p: tuple[float, ...]
):
    n = X.shape[0]
    z = X @ w
    s = z + b
    q = float(w @ w)
    xx = (X * X).sum(axis=1)
    inds = ff.indicators
    us = [
        np.broadcast_to(f(s, z, q, b, y, xx, *p), (n,)).astype(np.float64) for f in ff.np_indicators
    ]
    vals = [
        np.where(u > 0, ind.above, np.where(u < 0, ind.below, at[k]))
        for k, (u, ind) in enumerate(zip(us, inds, strict=True))
    ]

    def coef(v: list) -> list:
        return [
            np.broadcast_to(np.asarray(c, dtype=np.float64), (n,))
            for c in ff.np_coef(s, z, q, b, y, xx, *p, *v)
        ]

    c = coef(vals)
    nat = np.stack(c[:3], axis=1)
    sides: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    uvals = np.stack(us, axis=1) if us else np.zeros((n, 0))
    for k, ind in enumerate(inds):
        lo = list(vals)
        lo[k] = np.full(n, float(ind.below))
        hi = list(vals)
        hi[k] = np.full(n, float(ind.above))
        sides[k] = (np.stack(coef(lo)[:3], axis=1), np.stack(coef(hi)[:3], axis=1))
    return s, nat, _Sides(sides), uvals, float(c[3][0]), float(c[4][0])


class _Sides:
    """forced[(i, k)] → (coefficients with indicator k below, above) of sample i."""

    def __init__(self, sides: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
        self.sides = sides

    def __getitem__(self, key: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        i, k = key
        lo, hi = self.sides[k]
        return lo[i], hi[i]


def _assemble(exact: bool, X: Array, w: Array, nat, rw, rb, scale: float):
    n, d = X.shape
    if exact:
        with mpmath.workdps(MP_DIGITS):
            cw = list(nat[:, 0])
            cq = mpmath.fsum(nat[:, 2])
            gw = np.array(
                [
                    float(
                        (
                            mpmath.fdot(cw, X[:, j].tolist())
                            + (cq + rw * scale) * mpmath.mpf(float(w[j]))
                        )
                        / scale
                    )
                    for j in range(d)
                ]
            )
            gb = float((mpmath.fsum(nat[:, 1]) + rb * scale) / scale)
        return gw, gb
    nat = np.asarray(nat, dtype=np.float64)
    gw = (nat[:, 0] @ X + (nat[:, 2].sum() + rw * scale) * w) / scale
    gb = (nat[:, 1].sum() + rb * scale) / scale
    return gw, gb


def reference_loss(
    ff: FormFunctions, X: Array, y: Array, w: Array, b: float, *, mean: bool
) -> tuple[float, float]:
    """The exact loss L(w, b) (rounded to float64) and Σ|terms| for its error bound
    (Σ|ℓᵢ| + |R| + Σ|∂ℓ/∂s|·(|xᵢ|·|w| + |b|))."""
    n, d = X.shape
    p = ff.params
    z = X @ w
    s = z + b
    q = float(w @ w)
    xx = np.einsum("ij,ij->i", X, X)
    ell = np.broadcast_to(np.asarray(ff.loss(s, z, q, b, y, xx, *p), dtype=np.float64), (n,))
    reg = float(np.asarray(ff.reg(s, z, q, b, y, xx, *p)).reshape(-1)[0])
    row_abs = np.abs(X) @ np.abs(w) + abs(b)
    eta = 2.0**-20 * np.maximum(1.0, np.abs(s))
    lp = np.abs(
        np.broadcast_to(
            ff.loss(s + eta, z + eta, q, b, y, xx, *p) - ff.loss(s - eta, z - eta, q, b, y, xx, *p),
            (n,),
        )
    ) / (2 * eta)
    scale = float(n) if mean else 1.0
    terms = np.abs(ell).sum() / scale + abs(reg) + (lp * row_abs).sum() / scale
    if n * d <= EXACT_LIMIT and n <= EXACT_SAMPLES:
        with mpmath.workdps(MP_DIGITS):
            mpf = mpmath.mpf
            wl = [mpf(float(v)) for v in w]
            bm = mpf(float(b))
            qm = mpmath.fdot(wl, wl)
            pm = [mpf(v) for v in p]
            total = mpf(0)
            for i in range(n):
                xl = [mpf(float(v)) for v in X[i]]
                zi = mpmath.fdot(xl, wl)
                total += ff.mp_loss(zi + bm, zi, qm, bm, mpf(float(y[i])), mpmath.fdot(xl, xl), *pm)
            value = float(total / scale + ff.mp_reg(bm, bm, qm, bm, mpf(0), mpf(0), *pm))
        return value, float(terms)
    return float(ell.sum() / scale + reg), float(terms * (1 + gamma(n + d + 4, _U64)))
