"""The error model: how far a correct gradient may be from the exact one, and why.

Every bound here is built from the unit roundoff u of the arithmetic (2⁻⁵³ for float64, 2⁻²⁴
for float32, 2⁻¹¹ for float16) and the rounding-error analysis of the operations a gradient
needs: ∂L/∂wⱼ = Σᵢ Tᵢ with Tᵢ = cᵢ·xᵢⱼ, where each coefficient cᵢ = ℓ′(sᵢ, yᵢ) is evaluated
at a score sᵢ = xᵢ·w + b that is itself a rounded sum.

**float64: the worst case.** A sum or dot product of m terms in precision u is off by at
most γₘ·Σ|terms|, γₘ = m·u/(1 − m·u) (Higham, *Accuracy and Stability of Numerical
Algorithms*, §3.1); a coefficient at a score off by δs is off by |c′(s)|·δs plus
:data:`ELEMENTARY_ULPS` ulps of its own. This bound is far above the errors seen in practice,
but in float64 that costs nothing: at n = 10⁶ it is still 10⁻¹⁰ of Σ|terms|.

**float32 and float16: a probabilistic bound on the arithmetic actually done.** There the
worst case is useless (γₙ ≥ 1 once n·u ≥ ½: n = 1 000 in float16), and loose enough to pass
a flipped sign. Instead each rounding is a random variable (the standard model of Higham &
Mary, *SIAM J. Sci. Comput.* 41, 2019): the error of the sum is
E = Σₖ δₖ·Sₖ + Σᵢ (θᵢ + φᵢ)·Tᵢ + Σᵢ xᵢⱼ·c′ᵢ·δsᵢ, with δₖ the rounding of the k-th partial sum
Sₖ = T₁ + … + Tₖ, φᵢ of the product, θᵢ of the coefficient, δsᵢ of the score; all
independent, of mean 0, |δ|, |φ| ≤ u, |θ| ≤ ELEMENTARY_ULPS·u, and of variance at most a
third of their squared bound (uniform rounding errors). Then Var E ≤ σ² with

    σ² = (u²/3)·[Σₖ Sₖ² + (1 + ELEMENTARY_ULPS²)·Σᵢ Tᵢ² + (d + 2)·Σᵢ (xᵢⱼ c′ᵢ (|xᵢ|·|w| + |b|))²]

and Bernstein's inequality, P(|E| ≥ t) ≤ 2·exp(−t² / (2σ² + 2Mt/3)) with M the largest
single term u·max|Sₖ|, gives |E| ≤ :data:`BERNSTEIN_SIGMA`·σ + :data:`BERNSTEIN_MAX`·M except
with probability 2·10⁻⁹ per entry. The partial sums are those of the samples in their
order, the largest any common summation (a loop over samples, BLAS's blocked sums, numpy's
pairwise sum) forms; where the data make roundings *correlate* (summing one value many
times), the bound adds :data:`MEASURED_SAFETY` times the error measured by doing the same
sum sequentially in the candidate's dtype. The bound grows like √n·u·(typical partial sum)
where the worst case grows like n·u·Σ|terms|: at n = 10⁵ in float32 it is ≈ 5·10⁻⁵ of the
gradient, so a candidate off by 10⁻⁴ fails, while float32 arithmetic itself (a few 10⁻⁶) passes.

No tolerance is a hand-picked number: the only constants are the ulps an elementary function
may be off, the probability accepted, the factor on a measured error and the safety factor
on a finite-difference truncation estimate, all named below.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gradproof._typing import Array
from gradproof.errors import DataError

__all__ = [
    "unit_roundoff",
    "underflow",
    "gamma",
    "ELEMENTARY_ULPS",
    "TRUNCATION_SAFETY",
    "BERNSTEIN_SIGMA",
    "BERNSTEIN_MAX",
    "MEASURED_SAFETY",
    "digits_agreeing",
    "require_finite",
    "claim_resolution",
    "precision_name",
    "bits_of",
]

ELEMENTARY_ULPS = 8
"""Ulps an elementwise coefficient (exp, log, σ, products of a few terms) may be off."""

TRUNCATION_SAFETY = 10.0
"""Factor on the Richardson estimate of a finite difference's truncation error."""

BERNSTEIN_SIGMA = 6.44
BERNSTEIN_MAX = 13.82
"""Bernstein's inequality at probability 2·10⁻⁹: t² = 2·ln(10⁹)·(σ² + M·t/3) solved for t is
at most 2·ln(10⁹)/3·M + √(2·ln(10⁹))·σ + … ≤ 13.82·M + 6.44·σ."""

MEASURED_SAFETY = 2.0
"""Factor on the measured error of the sequential sum in the candidate's dtype."""


def unit_roundoff(dtype: Any) -> float:
    """u = ½·machine epsilon of a floating dtype (float64 for anything else)."""
    dt = np.dtype(dtype)
    if not np.issubdtype(dt, np.floating):
        dt = np.dtype(np.float64)
    return float(np.finfo(dt).eps) / 2


def bits_of(u: float) -> int:
    """Significand bits (with the implicit one) of the precision with unit roundoff u."""
    return max(2, round(-math.log2(u)) + 1)


def underflow(u: float) -> float:
    """The smallest subnormal of the precision with unit roundoff u: the absolute error one
    operation may make when its result underflows (2⁻¹⁰⁷⁴ for float64, 2⁻¹⁴⁹ for float32)."""
    for dt in (np.float16, np.float32, np.float64):
        if u >= float(np.finfo(dt).eps) / 2:
            return float(np.finfo(dt).smallest_subnormal)
    return float(np.finfo(np.float64).smallest_subnormal)


def precision_name(u: float) -> str:
    """``float32``/``float64``/... for a unit roundoff."""
    for dt in (np.float16, np.float32, np.float64):
        if u >= float(np.finfo(dt).eps) / 2:
            return np.dtype(dt).name
    return "extended"


def gamma(m: float, u: float) -> float:
    """γₘ = m·u / (1 − m·u): the relative error bound of m roundings (∞ when m·u ≥ 1)."""
    mu = m * u
    return math.inf if mu >= 1 else mu / (1 - mu)


def digits_agreeing(candidate: ArrayLike, reference: ArrayLike, floor: float = 0.0) -> Array:
    """Significant decimal digits on which ``candidate`` agrees with ``reference``.

    −log₁₀(|c − r| / max(|r|, floor)), between 0 and 17; entries equal to the reference get 17.
    """
    c = np.asarray(candidate, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    scale = np.maximum(np.abs(r), floor)
    err = np.abs(c - r)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rel = np.where(scale > 0, err / scale, np.where(err > 0, np.inf, 0.0))
        out = np.where(rel > 0, -np.log10(rel), 17.0)
    return np.clip(out, 0.0, 17.0) + 0.0  # + 0.0 turns −0.0 into 0.0


def claim_resolution(value: Any) -> float:
    """Half a unit in the last written digit of a claimed number (``"-3.50"`` → 0.005).

    A float is read through its shortest repr, so ``0.333`` may be off by 0.0005 while a
    fully printed 1/3 is held to float64 precision.
    """
    text = value if isinstance(value, str) else repr(float(value))
    text = text.strip().lower()
    mant, _, exp = text.partition("e")
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    e = int(exp) if exp else 0
    if not isinstance(value, str) and mant.endswith(".0"):
        decimals = 0
    if decimals == 0 and not exp:
        return 0.0  # an integer is exact as written
    return 0.5 * 10.0 ** (e - decimals)


def require_finite(reference: Array, tol: Array, u: float) -> None:
    """Refuse to judge when the data's magnitudes overflow the arithmetic of the check."""
    if not (np.all(np.isfinite(reference)) and np.all(np.isfinite(tol))):
        raise DataError(
            f"the data and point are too large for a {precision_name(u)} check: "
            "sums of |x|·|w| or of the gradient terms overflow; rescale X (or w) "
            "and check again"
        )
