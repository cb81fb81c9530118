"""The gradient under test: the derived one, a user's function, or a claimed value.

Whatever its source, a candidate becomes one float64 vector (w entries, then b), the unit
roundoff of the arithmetic it was computed in, and, for a claim, the resolution of each
written number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradproof._typing import Array
from gradproof.errors import GradproofError, OptionError
from gradproof.verify.tolerance import claim_resolution, unit_roundoff

__all__ = ["CandidateError", "Candidate", "from_function", "from_claim"]


class CandidateError(GradproofError):
    """A candidate gradient that cannot be compared: wrong shape, not numeric, raised."""


@dataclass(frozen=True)
class Candidate:
    """A gradient to check: ``values`` (d + 1,), its unit roundoff, per-entry resolution."""

    values: Array
    u: float
    resolution: Array
    source: str


PRECISIONS = ("float16", "float32", "float64")


def _dtype_u(*arrays: Any) -> float:
    us = [
        unit_roundoff(a.dtype)
        for a in arrays
        if hasattr(a, "dtype") and np.issubdtype(a.dtype, np.floating)
    ]
    return max(us) if us else unit_roundoff(np.float64)


def _vector(gw: Any, gb: Any, d: int, what: str) -> Array:
    try:
        w_arr = np.asarray(gw, dtype=np.float64)
        b_arr = np.asarray(gb, dtype=np.float64)
    except (TypeError, ValueError):
        raise CandidateError(
            f"{what} must return numbers, got {type(gw).__name__} and {type(gb).__name__}"
        ) from None
    if w_arr.shape != (d,):
        raise CandidateError(
            f"{what}: the w part has shape {w_arr.shape}, expected ({d},) "
            f"like w; return (grad_w, grad_b)"
        )
    if b_arr.size != 1:
        raise CandidateError(f"{what}: the b part has shape {b_arr.shape}, expected a scalar")
    out = np.append(w_arr, b_arr.reshape(()))
    if not np.all(np.isfinite(out)):
        bad = int(np.argmax(~np.isfinite(out)))
        name = f"w[{bad}]" if bad < d else "b"
        raise CandidateError(f"{what}: {name} is {out[bad]}; a gradient must be finite")
    return out


def from_function(
    fn: Callable[..., Any],
    X: Array,
    y: Array,
    w: Array,
    b: Any,
    *,
    source: str,
    precision: str | None = None,
) -> Candidate:
    """Call ``fn(X, y, w, b)`` → (grad_w, grad_b) and wrap the result.

    The candidate's precision is the lowest of its inputs and outputs (float32 data or a
    float32 result means float32 arithmetic), unless ``precision`` names it.
    """

    def own(a: Any) -> Any:
        """A private numpy copy: the candidate may write into its arguments (ours stay
        intact) and may assume numpy arrays even when the caller passed lists."""
        return a.copy() if isinstance(a, np.ndarray) else np.array(a, dtype=np.float64)

    try:
        out = fn(own(X), own(y), own(w), b)
    except GradproofError:
        raise
    except Exception as exc:  # the user's code: report, do not crash
        raise CandidateError(f"{source} raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise CandidateError(
            f"{source} must return a pair (grad_w, grad_b), got {type(out).__name__}"
        )
    gw, gb = out
    d = int(np.shape(w)[0])
    values = _vector(gw, gb, d, source)
    u = _dtype_u(X, w, gw, np.asarray(gb))
    if precision:
        if precision not in PRECISIONS:
            raise OptionError(
                f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}"
            )
        u = max(u, unit_roundoff(precision))
    # The reference works on float64 data: a candidate in extended precision is judged as
    # float64 (its own rounding is smaller than the data's conversion to float64).
    u = max(u, unit_roundoff(np.float64))
    return Candidate(values, u, np.zeros(d + 1), source)


def from_claim(claim: Mapping[str, Any], d: int) -> Candidate:
    """A claimed gradient ``{"w": [...], "b": ...}``; each number is held to its last digit."""
    if not isinstance(claim, Mapping) or set(claim) != {"w", "b"}:
        raise CandidateError('a claim must look like {"w": [..], "b": ..}, with both parts')
    w_raw = claim["w"]
    if not isinstance(w_raw, (list, tuple, np.ndarray)):
        w_raw = [w_raw]
    b_raw = claim["b"]
    try:
        values = _vector([float(v) for v in w_raw], float(b_raw), d, "the claim")
    except (TypeError, ValueError):
        raise CandidateError(f"the claim has a non-numeric entry: {dict(claim)!r}") from None
    res = np.array([claim_resolution(v) for v in list(w_raw) + [b_raw]])
    return Candidate(values, unit_roundoff(np.float64), res, "claimed gradient")
