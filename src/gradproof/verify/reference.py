"""The reference gradient: the symbolic coefficients evaluated sample by sample, exactly.

Small problems (n·d up to :data:`EXACT_LIMIT`) are evaluated in mpmath at
:data:`~gradproof.verify.evaluators.MP_DIGITS` digits: scores sᵢ = xᵢ·w + b as exact dot products
of the float64 data, the coefficients cwᵢ, cbᵢ, cqᵢ of :mod:`gradproof.symbolic.calculus`,
then ∂L/∂w = Σᵢ cwᵢ·xᵢ + (Σᵢ cqᵢ + rw)·w and ∂L/∂b = Σᵢ cbᵢ + rb, summed in mpmath. Larger
problems use float64 with a rounding-error bound (:mod:`gradproof.verify.tolerance`), in two
passes over X: the scores, then one pass in blocks of rows that gives the gradient and the
error model's Σ|terms| together (so no |X|-sized temporary is ever made).

Samples on a kink, or within the rounding error of one, are listed as :class:`KinkPair`:
their coefficient is evaluated with the indicator forced to each side, which gives the set
of valid subgradients base + Σₚ tₚ·Jₚ, tₚ ∈ [0, 1].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import mpmath
import numpy as np

from gradproof._typing import Array
from gradproof.errors import DataError
from gradproof.i18n import N_, _
from gradproof.verify.evaluators import MP_DIGITS, FormFunctions
from gradproof.verify.kinks import KinkPair, kink_pairs
from gradproof.verify.tolerance import ELEMENTARY_ULPS, gamma, unit_roundoff

NOT_REAL_LOSS = N_(
    "the loss is not real at sample {sample} of this point (a root, power or log of a negative "
    "number); a gradient check needs a real loss: rewrite the expression so that it stays real "
    "on the data"
)
NOT_REAL_GRADIENT = N_(
    "the gradient is not real at sample {sample} of this point (a root, power or log of a "
    "negative number); a gradient check needs a real loss: rewrite the expression so that it "
    "stays real on the data"
)

__all__ = [
    "EXACT_LIMIT",
    "EXACT_SAMPLES",
    "KinkPair",
    "NORM_AT_ZERO",
    "Reference",
    "UndefinedReference",
    "reference_gradient",
    "undefined_at",
    "row_blocks",
]

EXACT_LIMIT = 20_000
"""Largest n·d evaluated in mpmath; above it the reference is float64 with a bound."""

EXACT_SAMPLES = 2_000
"""Largest n evaluated in mpmath (the coefficients are evaluated one sample at a time)."""

BLOCK_ELEMENTS = 2**21
"""Entries of X handled at once in the blocked passes (16 MB of float64 temporaries)."""

_U64 = unit_roundoff(np.float64)


class UndefinedReference(ArithmeticError):
    """The gradient is undefined at the point (e.g. ‖w‖ at w = 0): raised with the reason."""


@dataclass(frozen=True)
class Reference:
    """The reference gradient (w entries, then b) with what the checks need around it."""

    grad: Array
    bound: Array
    exact: bool
    w: Array
    z: Array
    q: float
    scores: Array
    cw: Array
    cb: Array
    cq: Array
    rw: float
    rb: float
    dcw: Array
    row_abs: Array
    abs_terms: Array
    score_terms: Array
    scale: float
    kinks: tuple[KinkPair, ...] = field(default=())
    base: Array | None = None

    @property
    def kink_abs(self) -> Array:
        """Σₚ |Jₚ| per entry: how far the kink samples' choices can move each entry."""
        out = np.zeros_like(self.grad)
        for k in self.kinks:
            out += np.abs(k.jump)
        return out


def row_blocks(n: int, d: int) -> range:
    """Start rows of blocks of X holding about :data:`BLOCK_ELEMENTS` entries each."""
    return range(0, n, max(1, BLOCK_ELEMENTS // max(d, 1)))


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
    xx: Array | None = None,
    z: Array | None = None,
    col_norms: Array | None = None,
    exact: bool | None = None,
) -> Reference:
    """Evaluate the reference gradient of ``ff`` at (w, b) on (X, y).

    ``u_cand`` is the unit roundoff of the candidate: samples whose switching value is within
    the candidate's rounding error of 0 are treated as on the kink. ``xx`` = ‖xᵢ‖² when the
    caller has it, ``z`` = X·w too. With the column norms ``col_norms`` of a large problem
    the error model's sums Σᵢ|cᵢ||xᵢⱼ| are bounded by Cauchy–Schwarz, ‖c‖·‖X[:, j]‖ (a few
    times looser, and no pass over |X|). Raises :class:`UndefinedReference` where a
    coefficient has no value.
    """
    n, d = X.shape
    if exact is None:
        exact = n * d <= EXACT_LIMIT and n <= EXACT_SAMPLES
    scale = float(n) if mean else 1.0
    if xx is None:
        xx = np.einsum("ij,ij->i", X, X)
    z = X @ w if z is None else z
    s = z + b
    q = float(w @ w)
    s, nat, natf, forced, uvals, rwf, rbf = _coefficients(ff, X, y, w, b, s, z, q, xx, exact)
    cw, cb, cq = natf[:, 0], natf[:, 1], natf[:, 2]
    dcw = _slope_bound(ff, s, z, q, b, y, xx, uvals)
    sizes = None
    if col_norms is not None and not exact:
        sizes = _cauchy_schwarz(X, w, b, cw, dcw, xx, col_norms)
    grad_w, row_abs, aw, sw = sizes if sizes is not None else _blocked_pass(X, w, b, cw, dcw)
    reg_w = float(np.sum(cq)) + rwf * scale
    aw = aw + (np.abs(cq).sum() + abs(rwf) * scale) * np.abs(w)
    ab = np.abs(cb).sum() + abs(rbf) * scale
    abs_terms = np.append(aw, ab) / scale
    score_terms = np.append(sw, (dcw * row_abs).sum()) / scale
    if exact:
        grad = np.append(*_assemble_exact(X, w, nat, rwf, rbf, scale))
        # float64 rounding of the exact value is the only error left: half an ulp.
        bound = np.abs(grad) * _U64 + abs_terms * 10.0 ** -(MP_DIGITS - 5)
    else:
        grad = np.append((grad_w + reg_w * w) / scale, (cb.sum() + rbf * scale) / scale)
        bound = (gamma(n + 2, _U64) + ELEMENTARY_ULPS * _U64) * abs_terms + score_terms * gamma(
            d + 2, _U64
        )
    kinks = kink_pairs(ff, X, y, w, b, s, z, q, xx, uvals, forced, natf, row_abs, u_cand, scale)
    base = grad - sum((k.t * k.jump for k in kinks), np.zeros_like(grad))
    return Reference(
        grad=grad,
        bound=bound,
        exact=exact,
        w=np.asarray(w, dtype=np.float64),
        z=z,
        q=q,
        scores=np.asarray(s, dtype=np.float64),
        cw=cw,
        cb=cb,
        cq=cq,
        rw=rwf,
        rb=rbf,
        dcw=dcw,
        row_abs=row_abs,
        abs_terms=abs_terms,
        score_terms=score_terms,
        scale=scale,
        kinks=kinks,
        base=base,
    )


def _coefficients(ff: FormFunctions, X, y, w, b, s, z, q, xx, exact: bool):
    """(scores, coefficients as computed, as float64 (n × 3), forced(i, k), switching values,
    rw, rb): in mpmath when ``exact``, else float64."""
    n = X.shape[0]
    at = [float(i.at) for i in ff.indicators]
    if exact:
        try:
            with mpmath.workdps(MP_DIGITS):
                s, nat, forced, uvals, rw, rb = _exact(ff, X, y, w, b, at, ff.params)
        except ZeroDivisionError:
            raise UndefinedReference(_undefined_reason(ff, q)) from None
        natf = np.asarray(nat, dtype=np.float64).reshape(n, 3)
    else:
        nat, forced, uvals, rw, rb = _float(ff, s, z, q, b, y, xx, at, ff.params)
        natf = nat
    rwf, rbf = float(rw), float(rb)
    if q == 0 and not (np.all(np.isfinite(natf)) and np.isfinite(rwf) and np.isfinite(rbf)):
        raise UndefinedReference(_undefined_reason(ff, q))
    return s, nat, natf, forced, uvals, rwf, rbf


def _slope_bound(ff: FormFunctions, s, z, q, b, y, xx, uvals) -> Array:
    """max |∂c/∂s| over the three coefficients, per sample (0 where it is not finite)."""
    n = s.shape[0]
    inds = ff.indicators
    ivals = [
        np.where(uvals[:, k] > 0, i.above, np.where(uvals[:, k] < 0, i.below, float(i.at)))
        for k, i in enumerate(inds)
    ]
    dcs = ff.np_dcoef(s, z, q, b, y, xx, *ff.params, *ivals)
    dcw = np.max([np.abs(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))) for v in dcs], 0)
    return np.where(np.isfinite(dcw), dcw, 0.0)


def undefined_at(
    ff: FormFunctions, X: Array, y: Array, w: Array, b: float, xx: Array
) -> str | None:
    """Why the gradient has no value at (w, b) with w = 0, or None: a norm(w) term
    (:data:`NORM_AT_ZERO`: the coefficients are finite for ‖w‖² just above 0), or another
    coefficient that divides by zero there (log(b) at b = 0)."""
    if np.any(w):
        return None
    z = X @ w
    s = z + b
    at = [float(i.at) for i in ff.indicators]

    def finite(q: float) -> bool:
        with np.errstate(all="ignore"):
            nat, _, _, rw, rb = _float(ff, s, z, q, b, y, xx, at, ff.params)
        return bool(np.all(np.isfinite(nat)) and np.isfinite(rw) and np.isfinite(rb))

    if finite(0.0):
        return None
    return NORM_AT_ZERO if finite(1e-200) else DIVIDES_BY_ZERO


NORM_AT_ZERO = "the gradient is undefined at w = 0 (a term such as norm(w) has no derivative there)"
"""The reason :func:`undefined_at` gives for a norm(w) term at w = 0."""

DIVIDES_BY_ZERO = "the gradient is undefined at this point (a coefficient divides by zero)"
"""The reason for any other coefficient without a finite value."""


def _undefined_reason(ff: FormFunctions, q: float) -> str:
    if q == 0:
        return NORM_AT_ZERO
    return DIVIDES_BY_ZERO


def _cauchy_schwarz(X: Array, w: Array, b: float, cw: Array, dcw: Array, xx: Array, cols: Array):
    """What :func:`_blocked_pass` gives, with every Σ|·||·| bounded by Cauchy–Schwarz:
    |xᵢ|·|w| ≤ ‖xᵢ‖‖w‖ and Σᵢ|aᵢ||xᵢⱼ| ≤ ‖a‖·‖X[:, j]‖; one pass over X (Σᵢ cwᵢxᵢ). None when
    a norm overflows (then the blocked pass sizes the terms exactly)."""
    with np.errstate(over="ignore", invalid="ignore"):
        row_abs = np.sqrt(xx) * float(np.linalg.norm(w)) + abs(b)
        aw = float(np.linalg.norm(cw)) * cols
        sw = float(np.linalg.norm(dcw * row_abs)) * cols
    if not (np.all(np.isfinite(row_abs)) and np.all(np.isfinite(aw)) and np.all(np.isfinite(sw))):
        return None
    return cw @ X, row_abs, aw, sw


def _blocked_pass(X: Array, w: Array, b: float, cw: Array, dcw: Array):
    """One pass over X in row blocks: Σᵢ cwᵢxᵢ, |xᵢ|·|w| + |b|, Σᵢ|cwᵢ||xᵢ| and
    Σᵢ|∂c/∂s|ᵢ(|xᵢ|·|w| + |b|)|xᵢ|."""
    n, d = X.shape
    aw_abs = np.abs(w)
    grad = np.zeros(d)
    row_abs = np.empty(n)
    aw = np.zeros(d)
    sw = np.zeros(d)
    step = max(1, BLOCK_ELEMENTS // max(d, 1))
    for a in range(0, n, step):
        Xb = X[a : a + step]
        e = a + Xb.shape[0]
        A = np.abs(Xb)
        ra = A @ aw_abs + abs(b)
        row_abs[a:e] = ra
        grad += cw[a:e] @ Xb
        both = np.stack([np.abs(cw[a:e]), dcw[a:e] * ra]) @ A
        aw += both[0]
        sw += both[1]
    return grad, row_abs, aw, sw


MAX_DIGITS = 1600
"""The most digits the exact reference works with when a coefficient cancels."""


def _agree(a: list, c: list, digits: int) -> bool:
    tol = mpmath.mpf(10) ** (-digits)
    return all(abs(x - y) <= tol * abs(y) for x, y in zip(a, c, strict=True))


def _settled(fn: Callable[[int], list], digits: int = MP_DIGITS) -> list:
    """``fn(dps)`` at ``digits`` digits and at twice as many, doubling until two consecutive
    precisions agree to ``digits − 10`` digits (or :data:`MAX_DIGITS` is reached).

    A coefficient can cancel catastrophically: 1 − tanh²(u) at u = −56 is 2·10⁻⁴⁸ of its
    terms, so 50 digits keep about 2 of it. Agreement between two precisions is the evidence
    that the digits left are right; the value returned is the more precise one.
    """
    low, high = fn(digits), fn(2 * digits)
    dps = 2 * digits
    while not _agree(low, high, digits - 10) and dps < MAX_DIGITS:
        dps *= 2
        low, high = high, fn(dps)
    return high


def _exact(
    ff: FormFunctions, X: Array, y: Array, w: Array, b: float, at: list[float], p: tuple[float, ...]
):
    n, d = X.shape
    mpf = mpmath.mpf
    inds = ff.indicators
    s_out = np.empty(n)
    nat = []
    uvals = np.zeros((n, len(inds)))
    sides = []
    rw = rb = mpf(0)

    def atoms_at(i: int, dps: int) -> tuple:
        """The atoms of sample i, computed at ``dps`` digits (data and point are exact)."""
        with mpmath.workdps(dps):
            wl = [mpf(float(v)) for v in w]
            xl = X[i].tolist()  # floats convert to mpf exactly
            z = mpmath.fdot(xl, wl)
            bm = mpf(b)
            return (
                z + bm,
                z,
                mpmath.fdot(wl, wl),
                bm,
                mpf(float(y[i])),
                mpmath.fdot(xl, xl),
                *[mpf(v) for v in p],
            )

    def coef(i: int, vals: list) -> list:
        def at_dps(dps: int) -> list:
            atoms = atoms_at(i, dps)
            with mpmath.workdps(dps):
                return list(ff.mp_coef(*atoms, *vals))

        return _settled(at_dps)

    for i in range(n):
        atoms = atoms_at(i, MP_DIGITS)
        us = [f(*atoms) for f in ff.mp_indicators]
        if any(isinstance(u, mpmath.mpc) for u in us):
            raise DataError(_(NOT_REAL_LOSS, sample=i + 1))
        vals = [
            _side(u, ind.below, ind.above, at[k])
            for k, (u, ind) in enumerate(zip(us, inds, strict=True))
        ]
        c = coef(i, vals)
        if any(isinstance(v, mpmath.mpc) for v in c):
            raise DataError(_(NOT_REAL_GRADIENT, sample=i + 1))
        nat.append(c[:3])
        rw, rb = c[3], c[4]
        s_out[i] = float(atoms[0])
        sides.append(vals)
        for k, u in enumerate(us):
            uvals[i, k] = float(u)

    def forced(i: int, k: int) -> tuple[Array, Array]:
        vals = sides[i]
        lo, hi = list(vals), list(vals)
        lo[k], hi[k] = inds[k].below, inds[k].above
        return (
            np.array([float(v) for v in coef(i, lo)[:3]]),
            np.array([float(v) for v in coef(i, hi)[:3]]),
        )

    return s_out, np.array(nat, dtype=object), forced, uvals, rw, rb


def _float(ff: FormFunctions, s, z, q, b, y, xx, at: list[float], p: tuple[float, ...]):
    n = s.shape[0]
    inds = ff.indicators
    us = [
        np.broadcast_to(f(s, z, q, b, y, xx, *p), (n,)).astype(np.float64) for f in ff.np_indicators
    ]
    vals = [
        np.where(u > 0, ind.above, np.where(u < 0, ind.below, at[k]))
        for k, (u, ind) in enumerate(zip(us, inds, strict=True))
    ]

    def coef(v: list, idx: Array | slice = slice(None)) -> list:
        m = np.arange(n)[idx].size
        out = ff.np_coef(s[idx], z[idx], q, b, y[idx], xx[idx], *p, *v)
        return [np.broadcast_to(np.asarray(c, dtype=np.float64), (m,)) for c in out]

    c = coef(vals)
    nat = np.stack(c[:3], axis=1)
    uvals = np.stack(us, axis=1) if us else np.zeros((n, 0))

    def forced(i: int, k: int) -> tuple[Array, Array]:
        lo = [np.array([float(v[i])]) for v in vals]
        hi = [np.array([float(v[i])]) for v in vals]
        lo[k] = np.array([float(inds[k].below)])
        hi[k] = np.array([float(inds[k].above)])
        idx = np.array([i])
        return (
            np.array([float(v[0]) for v in coef(lo, idx)[:3]]),
            np.array([float(v[0]) for v in coef(hi, idx)[:3]]),
        )

    rw = float(np.asarray(c[3]).reshape(-1)[0])
    rb = float(np.asarray(c[4]).reshape(-1)[0])
    return nat, forced, uvals, rw, rb


def _assemble_exact(X: Array, w: Array, nat, rw, rb, scale: float):
    n, d = X.shape
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
