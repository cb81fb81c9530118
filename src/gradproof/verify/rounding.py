"""How far a correct gradient computed in the candidate's precision may be from the exact one.

Two models, chosen by the precision (both derived in :mod:`gradproof.verify.tolerance`):

* **float64**: the worst-case bound γₙ·Σ|terms| (Higham §3.1). It is loose by orders of
  magnitude, but float64 has digits to spare, so it still fails any real bug.
* **float32, float16**: the worst case says nothing there (γ₁₀₀₀ ≈ 0.5 in float16), so the
  bound follows the arithmetic actually done: Bernstein's inequality for the independent
  rounding errors of the partial sums the candidate forms, plus the measured error of the
  same sum done sequentially in the candidate's dtype, which covers data whose roundings
  do not cancel (stagnation).
"""

from __future__ import annotations

import numpy as np

from gradproof._typing import Array
from gradproof.verify.reference import BLOCK_ELEMENTS, Reference
from gradproof.verify.tolerance import (
    BERNSTEIN_MAX,
    BERNSTEIN_SIGMA,
    ELEMENTARY_ULPS,
    MEASURED_SAFETY,
    gamma,
    underflow,
    unit_roundoff,
)

__all__ = ["candidate_bound", "low_precision_dtype"]

_U64 = unit_roundoff(np.float64)


def low_precision_dtype(u: float) -> np.dtype:
    """The numpy dtype whose unit roundoff is ``u`` (float16 or float32)."""
    return np.dtype(np.float16) if u >= unit_roundoff(np.float16) else np.dtype(np.float32)


def candidate_bound(ref: Reference, X: Array, u: float) -> Array:
    """Per-entry bound (d + 1,) on |correct candidate − exact gradient| in precision ``u``."""
    n, d = X.shape
    tail = 2 * (n + d + ELEMENTARY_ULPS) * underflow(u)
    if u <= _U64:
        # a kink sample may carry any coefficient between its two sides
        return (
            (gamma(n + 2, u) + ELEMENTARY_ULPS * u) * (ref.abs_terms + ref.kink_abs)
            + ref.score_terms * gamma(d + 2, u)
            + tail
        )
    return _statistical(ref, X, u) + tail


def _statistical(ref: Reference, X: Array, u: float) -> Array:
    """The Bernstein + measured bound, entry by entry (see the tolerance module)."""
    n, d = X.shape
    dt = low_precision_dtype(u)
    jumps = np.zeros((n, d + 1))  # |change| a kink sample's choice can make to each term
    for k in ref.kinks:
        jumps[k.sample] += np.abs(k.jump) * ref.scale
    score = ref.dcw * ref.row_abs  # |∂c/∂s|·(|xᵢ|·|w| + |b|): the score's rounding, scaled
    out = np.empty(d + 1)
    step = max(1, BLOCK_ELEMENTS // max(n, 1))
    for a in range(0, d, step):
        cols = slice(a, min(a + step, d))
        Xc = X[:, cols]
        T = ref.cw[:, None] * Xc + np.outer(ref.cq, ref.w[cols])
        out[cols] = _columns(T, jumps[:, cols], score[:, None] * np.abs(Xc), u, dt, d)
    out[d] = _columns(ref.cb[:, None], jumps[:, d:], score[:, None], u, dt, d)[0]
    sc = ref.scale
    own = np.abs(np.append(ref.rw * sc * ref.w, ref.rb * sc))
    total = out + ELEMENTARY_ULPS * u * own  # the regulariser's few roundings
    return total / sc + u * np.abs(ref.grad)  # and the division by n of a mean


def _columns(T: Array, J: Array, SC: Array, u: float, dt: np.dtype, d: int) -> Array:
    """Bound for each column of the terms T (n × c), with kink slack J and score errors SC."""
    S = np.abs(np.cumsum(T, axis=0)) + np.cumsum(J, axis=0)
    A = np.abs(T) + J
    var = (u * u / 3) * (
        np.einsum("ij,ij->j", S, S)
        + (1 + ELEMENTARY_ULPS**2) * np.einsum("ij,ij->j", A, A)
        + (d + 2) * np.einsum("ij,ij->j", SC, SC)
    )
    big = u * np.max(
        np.stack([S.max(axis=0), ELEMENTARY_ULPS * A.max(axis=0), SC.max(axis=0)]), axis=0
    )
    with np.errstate(over="ignore", invalid="ignore"):
        seq = np.cumsum(T.astype(dt), axis=0, dtype=dt)[-1].astype(np.float64)
        measured = np.abs(seq - T.sum(axis=0))
    measured = np.where(np.isfinite(measured), measured, 0.0)
    return BERNSTEIN_SIGMA * np.sqrt(var) + BERNSTEIN_MAX * big + MEASURED_SAFETY * measured
