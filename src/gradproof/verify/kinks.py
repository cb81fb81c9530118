"""Subgradients at kinks: is a candidate a valid one, and which convention does it follow?

At a point where samples sit on kinks the reference is not one vector but a set:
base + Σₚ tₚ·Jₚ with tₚ ∈ [0, 1], one term per (sample, indicator) pair on a kink
(:class:`~gradproof.verify.reference.KinkPair`): tₚ = 0 is the value of the u < 0 side, 1 the
u > 0 side. The named conventions are points of that set: ``include`` puts every exact kink
at 1 (𝟙 = 1 at 0), ``exclude`` at 0, ``average`` at ½ — what ``gradproof.derive(loss,
kink=...)`` computes. A sample within rounding of a kink but not exactly on it takes its
own side in every convention (its t may still be anything in [0, 1]: a correct float
computation may land on either side).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradproof._typing import Array
from gradproof.verify.reference import KinkPair

__all__ = ["CONVENTIONS", "SubgradientFit", "convention_gradient", "fit_subgradient"]

CONVENTIONS = {"include": 1.0, "exclude": 0.0, "average": 0.5}
"""The value of 𝟙[u ≥ 0] at u = 0 under each named convention."""


@dataclass(frozen=True)
class SubgradientFit:
    """The closest valid subgradient to a candidate.

    ``t`` holds one weight per kink pair, ``residual`` the candidate minus that subgradient,
    ``valid`` whether |residual| ≤ tolerance everywhere, ``conventions`` the named
    conventions the candidate matches (all of them when the kinks do not change the
    gradient).
    """

    t: Array
    closest: Array
    residual: Array
    valid: bool
    conventions: tuple[str, ...]


def convention_gradient(base: Array, kinks: tuple[KinkPair, ...], convention: str) -> Array:
    """The gradient under a named convention, from the base and the kink jumps."""
    h = CONVENTIONS[convention]
    out = np.array(base, dtype=np.float64)
    for k in kinks:
        t = h if k.exact else (1.0 if k.u > 0 else 0.0)
        out = out + t * k.jump
    return out


def _box_lsq(J: Array, e: Array, weight: Array, iters: int = 3000) -> Array:
    """min ‖W(Jᵀt − e)‖² over t ∈ [0, 1]ᴷ by projected gradient (a convex problem)."""
    A = (J * weight[None, :]).T  # (d+1, K)
    r = e * weight
    t = np.clip(np.linalg.lstsq(A, r, rcond=None)[0], 0.0, 1.0)
    L = np.linalg.norm(A, 2) ** 2
    if L == 0:
        return t
    for _ in range(iters):
        g = A.T @ (A @ t - r)
        t_new = np.clip(t - g / L, 0.0, 1.0)
        if np.max(np.abs(t_new - t)) < 1e-15:
            t = t_new
            break
        t = t_new
    return t


def fit_subgradient(
    candidate: Array, base: Array, kinks: tuple[KinkPair, ...], tol: Array
) -> SubgradientFit:
    """Find the valid subgradient closest to ``candidate`` (weighted by 1/``tol``)."""
    candidate = np.asarray(candidate, dtype=np.float64)
    matches = []
    best = None
    for name in CONVENTIONS:
        g = convention_gradient(base, kinks, name)
        res = candidate - g
        if np.all(np.abs(res) <= tol):
            matches.append(name)
            if best is None:
                best = (g, res)
    if best is not None:
        ts = np.array([CONVENTIONS[matches[0]] if k.exact else float(k.u > 0) for k in kinks])
        return SubgradientFit(ts, best[0], best[1], True, tuple(matches))
    if not kinks:
        res = candidate - base
        return SubgradientFit(np.zeros(0), base, res, bool(np.all(np.abs(res) <= tol)), ())
    J = np.array([k.jump for k in kinks])
    top = float(np.max(tol))
    weight = top / np.maximum(tol, top * 1e-12) if top > 0 else np.ones_like(tol)
    t = _box_lsq(J, candidate - base, weight)
    closest = base + t @ J
    res = candidate - closest
    return SubgradientFit(t, closest, res, bool(np.all(np.abs(res) <= tol)), ())
