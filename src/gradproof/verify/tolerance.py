"""The error model: how far a correct gradient may be from the exact one, and why.

Every bound here is built from the unit roundoff u of the arithmetic (2⁻⁵³ for float64, 2⁻²⁴
for float32) and the standard rounding-error bounds of the operations a gradient needs
(Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1):

* a dot product or a sum of m terms in precision u is off by at most γₘ·Σ|terms|, with
  γₘ = m·u / (1 − m·u);
* a coefficient c(s) evaluated at a score s that carries the error δs is off by
  |c′(s)|·δs plus a few ulps of its own (:data:`ELEMENTARY_ULPS`).

No tolerance is a hand-picked number: the only constants are the number of ulps an
elementary function may be off and the safety factor on a finite-difference truncation
estimate, both named below.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gradproof._typing import Array
from gradproof.errors import DataError

__all__ = [
    "unit_roundoff",
    "underflow",
    "gamma",
    "ELEMENTARY_ULPS",
    "TRUNCATION_SAFETY",
    "digits_agreeing",
    "require_finite",
    "claim_resolution",
    "precision_name",
]

ELEMENTARY_ULPS = 8
"""Ulps an elementwise coefficient (exp, log, σ, products of a few terms) may be off."""

TRUNCATION_SAFETY = 10.0
"""Factor on the Richardson estimate of a finite difference's truncation error."""


def unit_roundoff(dtype: Any) -> float:
    """u = ½·machine epsilon of a floating dtype (float64 for anything else)."""
    dt = np.dtype(dtype)
    if not np.issubdtype(dt, np.floating):
        dt = np.dtype(np.float64)
    return float(np.finfo(dt).eps) / 2


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


def digits_agreeing(candidate: Array, reference: Array, floor: float = 0.0) -> Array:
    """Significant decimal digits on which ``candidate`` agrees with ``reference``.

    −log₁₀(|c − r| / max(|r|, floor)), capped at 17; entries equal to the reference get 17.
    """
    c = np.asarray(candidate, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    scale = np.maximum(np.abs(r), floor)
    err = np.abs(c - r)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rel = np.where(scale > 0, err / scale, np.where(err > 0, np.inf, 0.0))
        out = np.where(rel > 0, -np.log10(rel), 17.0)
    return np.clip(out, 0.0, 17.0)


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
    if np.all(np.isfinite(reference)) and np.any(np.isinf(tol)) and u > 2.0**-30:
        # γₘ is infinite once m·u ≥ 1: the worst-case rounding bound of a long sum in a
        # short float says nothing, though nothing overflowed.
        raise DataError(
            f"too many terms for a {precision_name(u)} check: the worst-case "
            f"rounding bound of the sums exceeds the values themselves; check "
            f"a float64 version of the gradient or fewer samples"
        )
    if not (np.all(np.isfinite(reference)) and np.all(np.isfinite(tol))):
        raise DataError(
            f"the data and point are too large for a {precision_name(u)} check: "
            "sums of |x|·|w| or of the gradient terms overflow; rescale X (or w) "
            "and check again"
        )
