"""The reference a model candidate is held to at one point, and how far off it may be.

:func:`reference_at` evaluates the derived gradient at a point (cross-checked against scalar
SymPy when it was derived) and confirms it by central differences of the derived loss: along
every entry (``full``) or along seeded random directions (``fast``). It also says what kind of
point it is:

``smooth``
    the loss is differentiable there: the candidate must equal the derived gradient;
``l1``
    the only kink is ‖W‖₁ at entries of W equal to 0: there any value of λ₁·t with
    t ∈ [−1, 1] is a valid subgradient of the L1 term, so each such entry has an interval
    (``lower``, ``upper``), the rest must equal the derived gradient;
``kink``
    another kink (a hinge margin of exactly 0, tied rivals): every subgradient is valid and
    the point is skipped unless a convention is binding (then the declared one is required).

A kink is found as a jump: the derived gradient changes by the same amount when a
perturbation of 1e-9 doubles (a smooth change doubles with it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from gradproof._typing import Array
from gradproof.symbolic.atoms import hyperparameter

__all__ = ["PointReference", "reference_at", "tolerance", "TOLERANCE", "FULL_MAX"]

TOLERANCE = 16.0
"""How many times its own rounding a candidate entry may be off. The rounding of an entry is
measured, not bounded: the derived code run again on float32 data differs from its float64
result by about the rounding of a float32 computation, and by u/u₃₂ times that in precision
u; plus a floor of √(n·p)·u·(the gradient's largest entry) for entries where the two happen
to agree. (The linear check's proven bound has no model counterpart yet.)"""

FULL_MAX = 400
"""The most parameter entries ``auto`` mode checks by central differences along each entry;
larger models are confirmed along random directions (``fast``)."""

_U32 = float(np.finfo(np.float32).eps) / 2
_H = 1e-6  # the central-difference step


@dataclass(frozen=True)
class PointReference:
    """The derived gradient at a point (flat), the kind of point, and the L1 intervals."""

    want: Array
    kind: str  # "smooth", "l1" or "kink"
    lower: Array | None = None
    upper: Array | None = None


def _l1_weight(d: Any, lay: Any) -> tuple[Array, Array]:
    """(λ₁ per flat entry — the coefficient of sgn θ —, sgn(0) per entry) of d's L1 terms."""
    lam = np.zeros(lay.size)
    h = np.zeros(lay.size)
    values = {hyperparameter(k): v for k, v in d.params.items()}
    offsets = np.cumsum([0] + [int(np.prod(s)) for s in lay.shapes.values()])
    where = dict(zip(lay.shapes, zip(offsets[:-1], offsets[1:], strict=True), strict=True))
    for t in d.regs:
        r1 = float(sp.sympify(t.r1).xreplace(values))
        if r1 != 0 and t.weight in where:
            lo, hi = where[t.weight]
            lam[lo:hi] += r1
            h[lo:hi] = t.sign_at_zero
    return lam, h


def _jumps(grad_at: Callable[[Array], Array], theta: Array, g: Array, free: Array) -> bool:
    """Whether the gradient jumps near ``theta`` when only the entries ``free`` move."""
    rng = np.random.default_rng(1)
    for _ in range(3):
        step = 1e-9 * (1 + np.abs(theta)) * rng.standard_normal(theta.size) * free
        one, two = grad_at(theta + step), grad_at(theta + 2 * step)
        d1, d2 = np.max(np.abs(one - g)), np.max(np.abs(two - g))
        # a jump stays the same size when the step doubles; a smooth change (large for
        # large data: the curvature grows as |x|²) doubles with it
        if d1 > 1e-6 * (1 + np.max(np.abs(g))) and d2 < 1.5 * d1:
            return True
    return False


def _confirmed(
    loss_at: Callable[[Array], float], theta: Array, g: Array, mode: str, directions: int
) -> bool:
    """Whether central differences of the derived loss agree with ``g``."""
    scale = 1e-4 * (1 + np.max(np.abs(g)))
    if mode == "full":
        fd = np.zeros_like(theta)
        for i in range(theta.size):
            hi, lo = theta.copy(), theta.copy()
            hi[i] += _H
            lo[i] -= _H
            fd[i] = (loss_at(hi) - loss_at(lo)) / (2 * _H)
        return bool(np.max(np.abs(fd - g)) <= scale)
    rng = np.random.default_rng(2)
    for _ in range(directions):
        v = rng.standard_normal(theta.size)
        v /= np.linalg.norm(v)
        slope = (loss_at(theta + _H * v) - loss_at(theta - _H * v)) / (2 * _H)
        if abs(slope - float(g @ v)) > scale:
            return False
    return True


def reference_at(
    d: Any,
    compiled: Any,
    lay: Any,
    X: Any,
    y: Any,
    point: dict[str, Any],
    K: int,
    mode: str,
    directions: int = 4,
) -> PointReference:
    """The derived gradient at ``point`` and what kind of point it is (module docstring)."""

    def grad_at(t: Array) -> Array:
        return lay.flatten(compiled.gradient(X, y, K=K, **lay.unflatten(t)))

    def loss_at(t: Array) -> float:
        return float(compiled.loss(X, y, K=K, **lay.unflatten(t)))

    theta = lay.flatten(point)
    g = grad_at(theta)
    lam, h = _l1_weight(d, lay)
    at_zero = (lam != 0) & (theta == 0)
    everything = np.ones(theta.size)
    if not _jumps(grad_at, theta, g, everything):
        ok = _confirmed(loss_at, theta, g, mode, directions)
        return PointReference(g, "smooth" if ok else "kink")
    if not at_zero.any() or _jumps(grad_at, theta, g, (~at_zero).astype(float)):
        return PointReference(g, "kink")
    # only ‖W‖₁ is kinked: its central differences are symmetric (|h| − |−h| = 0), so
    # they see the gradient with sgn(0) = 0
    smooth = g - lam * h * at_zero
    if not _confirmed(loss_at, theta, smooth, mode, directions):
        return PointReference(g, "kink")
    lower = np.where(at_zero, smooth - lam, g)
    upper = np.where(at_zero, smooth + lam, g)
    return PointReference(g, "l1", lower, upper)


def tolerance(
    compiled: Any,
    lay: Any,
    X: Any,
    y: Any,
    point: dict[str, Any],
    K: int,
    want: Array,
    dt: Any,
    measured: bool = True,
) -> Array:
    """Per entry: TOLERANCE × the rounding of the entry in the candidate's precision (see
    :data:`TOLERANCE`); ``measured=False`` (at a kink, where float32 may fall on the other
    side of it) keeps the floor only."""
    u = float(np.finfo(dt).eps) / 2 if np.issubdtype(dt, np.floating) else _U32
    u = max(u, float(np.finfo(np.float64).eps) / 2)
    floor = np.sqrt(X.shape[0] * max(1, want.size)) * u * (np.max(np.abs(want)) + 1e-300)
    if not measured:
        return TOLERANCE * (floor + np.zeros_like(want))
    low = {n: np.asarray(v, dtype=np.float32) for n, v in point.items()}
    with np.errstate(all="ignore"):
        ref32 = lay.flatten(compiled.gradient(X.astype(np.float32), y, K=K, **low))
    rounding = np.abs(np.asarray(ref32, dtype=np.float64) - want) * (u / _U32)
    return TOLERANCE * (rounding + floor)
