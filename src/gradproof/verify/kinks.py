"""Subgradients at kinks: the named conventions, and when a convention is binding.

At a point where samples sit on kinks the reference is not one vector but a set:
base + Σₚ tₚ·Jₚ with tₚ ∈ [0, 1], one term per (sample, indicator) pair on a kink
(:class:`~gradproof.verify.reference.KinkPair`): tₚ = 0 is the value of the u < 0 side, 1 the
u > 0 side. Each pair chooses its own tₚ: the subdifferential of a *sum* is the sum of the
subdifferentials, so a gradient that treats one kink sample as active and the next as
inactive is as valid as one that treats them alike.

The named conventions are points of that set: ``include`` puts every exact kink at 1
(𝟙 = 1 at 0), ``exclude`` at 0, ``average`` at ½ — what ``gradproof.derive(loss, kink=...)``
computes. A sample within rounding of a kink but not exactly on it takes its own side in
every convention (its t may still be anything in [0, 1]: a correct float computation may
land on either side).

When the caller names a convention (``check_gradient(..., kink="include")``) it becomes
binding at the *robust* kink pairs: those exactly on the kink whose score every
floating-point evaluation computes exactly (:func:`exact_in_any_order`), so that a correct
implementation of the convention cannot land anywhere but on its value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gradproof._typing import Array
from gradproof.i18n import lazy
from gradproof.verify.evaluators import FormFunctions, slopes
from gradproof.verify.tolerance import bits_of, gamma

__all__ = [
    "KinkPair",
    "kink_pairs",
    "CONVENTIONS",
    "INEQUALITY",
    "convention_gradient",
    "convention_t",
    "exact_in_any_order",
    "MAX_EXACTNESS_TERMS",
]

CONVENTIONS = {"include": 1.0, "exclude": 0.0, "average": 0.5}
"""The value of 𝟙[u ≥ 0] at u = 0 under each named convention."""

INEQUALITY = {
    "include": lazy("𝟙[u ≥ 0], a non-strict comparison (<= or >=) at the kink"),
    "exclude": lazy("𝟙[u > 0], a strict comparison (< or >) at the kink"),
    "average": lazy("𝟙 = ½ at u = 0"),
}
"""How each convention reads in code, for the strict-mode hints."""

MAX_EXACTNESS_TERMS = 10_000
"""Beyond this many nonzero products a score is not proved exact (bounded work per sample)."""


@dataclass(frozen=True)
class KinkPair:
    """Sample ``sample`` (0-based) sits on (or within rounding of) the kink of ``indicator``.

    ``u`` is the switching value, ``jump`` the change of the gradient (d + 1 entries) from
    the u < 0 side to the u > 0 side, ``t`` where the derivation's own value lies
    (0 = u < 0 side, 1 = u > 0 side), ``exact`` whether u = 0 exactly, ``robust`` whether
    in addition every floating-point evaluation of the score (any order, the candidate's
    precision) gives exactly 0, so that a correct implementation of a convention must apply
    that convention's value here.
    """

    sample: int
    indicator: int
    u: float
    jump: Array
    t: float
    exact: bool
    robust: bool = False


def convention_t(k: KinkPair, convention: str) -> float:
    """t of a kink pair under a named convention (its own side when not exactly on the kink)."""
    if k.exact:
        return CONVENTIONS[convention]
    return 1.0 if k.u > 0 else 0.0


def convention_gradient(base: Array, kinks: tuple[KinkPair, ...], convention: str) -> Array:
    """The gradient under a named convention, from the base and the kink jumps."""
    out = np.array(base, dtype=np.float64)
    for k in kinks:
        out = out + convention_t(k, convention) * k.jump
    return out


def _odd_bits(v: int) -> int:
    v = abs(v)
    if v == 0:
        return 0
    return (v >> ((v & -v).bit_length() - 1)).bit_length()


def exact_in_any_order(x: Array, w: Array, b: float, bits: int) -> bool:
    """Whether every evaluation of x·w + b with ``bits``-bit significands, in any order, is
    exact.

    True when each product xⱼwⱼ fits in ``bits`` bits and all terms are integer multiples
    m·2ᵉ of one power of two with Σ|m| < 2^bits: then every partial sum, whatever the order,
    is such a multiple of magnitude below 2^(bits+e), hence representable.

    >>> exact_in_any_order(np.array([0.5, 1.0]), np.array([2.0, -1.0]), 0.0, 53)
    True
    >>> exact_in_any_order(np.array([0.1, 0.2]), np.array([1.0, 1.0]), -0.3, 53)
    False
    """
    nz = np.flatnonzero((np.asarray(x) != 0) & (np.asarray(w) != 0))
    if nz.size > MAX_EXACTNESS_TERMS:
        return False
    terms: list[tuple[int, int]] = []
    for xv, wv in zip(np.asarray(x)[nz].tolist(), np.asarray(w)[nz].tolist(), strict=True):
        n1, d1 = float(xv).as_integer_ratio()
        n2, d2 = float(wv).as_integer_ratio()
        if _odd_bits(n1 * n2) > bits:
            return False
        terms.append((n1 * n2, d1 * d2))
    if b != 0:
        terms.append(float(b).as_integer_ratio())
    if not terms:
        return True
    den = max(t[1] for t in terms)  # every denominator is a power of two
    nums = [abs(num) * (den // d) for num, d in terms]
    low = min((v & -v) for v in nums if v) if any(nums) else 1
    return sum(nums) // low < 2**bits


def kink_pairs(
    ff: FormFunctions,
    X: Array,
    y: Array,
    w: Array,
    b: float,
    s: Array,
    z: Array,
    q: float,
    xx: Array,
    uvals: Array,
    forced: Callable[[int, int], tuple[Array, Array]],
    natf: Array,
    row_abs: Array,
    u_cand: float,
    scale: float,
) -> tuple[KinkPair, ...]:
    """Samples whose switching value is within the candidate's rounding of 0, as KinkPairs.

    ``uvals`` (n × indicators) are the switching values, ``forced(i, k)`` the coefficients
    of sample i with indicator k forced below and above its kink, ``natf`` (n × 3) the
    coefficients as evaluated; the rest are the atoms and the error model's |xᵢ|·|w| + |b|.
    """
    inds = ff.indicators
    at = [float(i.at) for i in inds]
    d = X.shape[1]
    bits = bits_of(u_cand)
    out = []
    slope = slopes(ff.np_indicators, s, z, q, b, y, xx, ff.params)
    for k in range(len(inds)):
        du = slope[k] * gamma(d + 2, u_cand) * row_abs + 4 * u_cand * (
            1 + np.abs(s) * slope[k] + np.abs(uvals[:, k])
        )
        near = np.flatnonzero(np.abs(uvals[:, k]) <= du)
        robust_u = None
        for i in near:
            below, above = forced(int(i), k)
            delta = above - below
            if not np.any(delta != 0):
                continue  # not a jump here (e.g. huber's sign(r) where |r| ≤ δ)
            jump = np.append(delta[0] * X[i] + delta[2] * w, delta[1]) / scale
            off = natf[i] - below
            nz = np.abs(delta) > 0
            t = float(np.mean(off[nz] / delta[nz])) if nz.any() else at[k]
            exact = bool(uvals[i, k] == 0.0)
            robust = False
            if exact:
                if robust_u is None:
                    robust_u = np.broadcast_to(
                        ff.np_indicators[k](s, z, q, b, y, xx, *ff.params), s.shape
                    )
                robust = bool(robust_u[i] == 0.0) and exact_in_any_order(X[i], w, b, bits)
            out.append(KinkPair(int(i), k, float(uvals[i, k]), jump, t, exact, robust))
    return tuple(out)
