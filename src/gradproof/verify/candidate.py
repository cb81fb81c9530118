"""The gradient under test: the derived one, a user's function, or a claimed value.

Whatever its source, a candidate becomes one float64 vector (w entries, then b), the unit
roundoff of the arithmetic it was computed in, and, for a claim, the resolution of each
written number.

A user's function runs so that it cannot forge a verdict: whatever it raises —
``SystemExit`` and ``KeyboardInterrupt`` included — becomes a :class:`CandidateFailure` (a
FAIL that quotes it), never an exit of gradproof; its arguments are read-only views, so a
function that writes into the caller's data fails instead of silently changing it, and
``os._exit`` inside it raises instead of ending the process (:func:`no_hard_exit`). (Code that
means harm can still do anything in-process; the guard is for the mistakes honest code
makes.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradproof._typing import Array
from gradproof.errors import GradproofError, OptionError
from gradproof.i18n import lazy
from gradproof.verify.loading import HardExit, no_hard_exit
from gradproof.verify.tolerance import claim_resolution, unit_roundoff

__all__ = [
    "CandidateError",
    "Candidate",
    "CandidateFailure",
    "PRECISIONS",
    "call_function",
    "from_claim",
    "read_only",
]


class CandidateError(GradproofError):
    """A claimed gradient that cannot be compared: wrong shape, not numeric."""


@dataclass(frozen=True)
class Candidate:
    """A gradient to check: ``values`` (d + 1,), its unit roundoff, per-entry resolution.

    ``alt_u`` is a lower precision the result itself suggests (a float64 array holding only
    float32 numbers was rounded to float32 on its way out), with the reason in ``inferred``;
    the check falls back to it only when the candidate fails at ``u``.
    """

    values: Array
    u: float
    resolution: Array
    source: str
    alt_u: float | None = None
    inferred: str = ""


@dataclass(frozen=True)
class CandidateFailure:
    """The candidate produced no gradient at a point: ``message`` says what happened and
    ``hint`` (possibly empty) what it usually means."""

    message: str
    hint: str = ""


PRECISIONS = ("float16", "float32", "float64")
_U64 = unit_roundoff(np.float64)


def read_only(a: Any) -> Any:
    """A read-only numpy view of ``a`` (an array is viewed, anything else converted)."""
    arr = a.view() if isinstance(a, np.ndarray) else np.array(a, dtype=np.float64)
    arr.flags.writeable = False
    return arr


def _dtype_u(*arrays: Any) -> float:
    us = [
        unit_roundoff(a.dtype)
        for a in arrays
        if hasattr(a, "dtype") and np.issubdtype(a.dtype, np.floating)
    ]
    return max(us) if us else _U64


def _significant_bits(v: Array) -> int:
    """The most significand bits any entry of v needs (0 for all zeros)."""
    m, _ = np.frexp(v[v != 0])
    if m.size == 0:
        return 0
    ints = (np.abs(m) * 2.0**53).astype(np.int64)
    low = ints & -ints
    return int(53 - np.min(np.log2(low.astype(np.float64))).astype(int))


def _fits(a: Any, dt: Any) -> bool:
    """Whether (a sample of) ``a`` holds only numbers of dtype ``dt``."""
    v = np.asarray(a, dtype=np.float64).ravel()[:4096]
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.all(v.astype(dt).astype(np.float64) == v))


def _inferred(values: Array, inputs: tuple[Any, ...]) -> tuple[float | None, str]:
    """A float64 result whose every entry is a float32 (float16) number, some with more
    than half its significand in use, computed from inputs that are *not* all float32
    (float16) numbers, was rounded to float32 (float16) on the way: float64 arithmetic on
    such inputs gives full-length results. (Short inputs give short results in any
    precision, so there the result says nothing.)"""
    with np.errstate(over="ignore", invalid="ignore"):
        for dt, half in ((np.float16, 6), (np.float32, 12)):
            if all(_fits(a, dt) for a in inputs):
                continue
            if np.all(values.astype(dt).astype(np.float64) == values):
                if _significant_bits(values) > half:
                    name = np.dtype(dt).name
                    return unit_roundoff(dt), lazy(
                        "judged as {name}: every entry of the result is a {name} number, "
                        "so it was computed (or rounded) in {name}",
                        name=name,
                    )
    return None, ""


def _shape_hint(shape: tuple[int, ...], n: int, d: int, part: str) -> str:
    if part == "b":
        if shape == (n,) and n != 1:
            return lazy("∂L/∂b has one value per sample: sum the per-sample coefficients (c.sum())")
        return lazy("∂L/∂b must be one number")
    if shape == (n,):
        return lazy(
            "the w part has one value per sample, not per feature: a product with X the "
            "wrong way round (X @ c instead of c @ X, i.e. Xᵀc)"
        )
    if shape in ((n, d), (d, n)):
        return lazy(
            "the w part is a matrix: a broadcast product (c[:, None] * X) not summed over "
            "the samples; use c @ X"
        )
    if shape in ((1, d), (d, 1)):
        return lazy("the w part is a 2-D row or column; return a 1-D array (.ravel())")
    if shape == (d, d):
        return lazy("the w part is d × d: an outer product where a dot product belongs")
    return ""


def _real(gw: Any, gb: Any, what: str) -> tuple[Any, Any] | CandidateFailure:
    """The parts as real numbers: complex ones with a zero imaginary part lose it; any other
    complex value is a failure (the gradient of a real loss is real)."""
    parts = []
    for part in (gw, gb):
        try:
            arr = np.asarray(part)
        except (TypeError, ValueError):
            return (gw, gb)  # not an array of numbers: _vector says so
        if np.iscomplexobj(arr):
            imag = float(np.max(np.abs(arr.imag))) if arr.size else 0.0
            if imag != 0.0:
                return CandidateFailure(
                    lazy(
                        "{what} returned complex numbers (imaginary part up to {imag}); "
                        "the gradient of a real loss is real",
                        what=what,
                        imag=format(imag, ".3g"),
                    ),
                    lazy(
                        "a complex value usually comes from np.sqrt or np.log of a negative "
                        "number, or a complex constant (1j) in the code"
                    ),
                )
            arr = arr.real
        parts.append(arr)
    return parts[0], parts[1]


def _vector(gw: Any, gb: Any, n: int, d: int, what: str) -> Array | CandidateFailure:
    real = _real(gw, gb, what)
    if isinstance(real, CandidateFailure):
        return real
    gw, gb = real
    try:
        w_arr = np.asarray(gw, dtype=np.float64)
        b_arr = np.asarray(gb, dtype=np.float64)
    except (TypeError, ValueError):
        return CandidateFailure(
            lazy(
                "{what} must return numbers, got {w} and {b}",
                what=what,
                w=type(gw).__name__,
                b=type(gb).__name__,
            )
        )
    if w_arr.shape != (d,):
        return CandidateFailure(
            lazy(
                "{what}: the w part has shape {shape}, expected ({d},) like w",
                what=what,
                shape=str(w_arr.shape),
                d=d,
            ),
            _shape_hint(w_arr.shape, n, d, "w"),
        )
    if b_arr.size != 1:
        return CandidateFailure(
            lazy(
                "{what}: the b part has shape {shape}, expected a scalar",
                what=what,
                shape=str(b_arr.shape),
            ),
            _shape_hint(b_arr.shape, n, d, "b"),
        )
    out = np.append(w_arr, b_arr.reshape(()))
    if not np.all(np.isfinite(out)):
        bad = int(np.argmax(~np.isfinite(out)))
        name = f"w[{bad + 1}]" if bad < d else "b"
        return CandidateFailure(
            lazy(
                "{what}: {name} is {value}; a gradient must be finite",
                what=what,
                name=name,
                value=str(out[bad]),
            ),
            lazy(
                "a naive exp(·) overflows once a margin passes ~709 (float64) or ~88 (float32): "
                "use a stable form such as np.logaddexp or 1/(1 + exp(−u)) written per sign"
            ),
        )
    return out


def call_function(
    fn: Callable[..., Any],
    X: Array,
    y: Array,
    w: Array,
    b: Any,
    *,
    source: str,
    precision: str | None = None,
) -> Candidate | CandidateFailure:
    """Call ``fn(X, y, w, b)`` → (grad_w, grad_b): a :class:`Candidate`, or the reason there
    is none.

    ``X`` and ``y`` should already be read-only (:func:`read_only`); ``w`` is copied for the
    call. The candidate's precision is the lowest of its inputs and outputs (float32 data or
    a float32 result means float32 arithmetic), of ``precision`` when given, and of a float64
    result that holds only float32 (float16) numbers.
    """
    n, d = int(np.shape(X)[0]), int(np.shape(w)[0])
    try:
        with np.errstate(all="ignore"), no_hard_exit():  # values are judged, not warnings
            out = fn(X, y, read_only(np.array(w)), b)
    except GradproofError:
        raise
    except BaseException as exc:  # the user's code, whatever it raises: a FAIL
        return _failure(source, exc)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return CandidateFailure(
            lazy(
                "{source} must return a pair (grad_w, grad_b), got {type}",
                source=source,
                type=type(out).__name__,
            )
        )
    gw, gb = out
    values = _vector(gw, gb, n, d, source)
    if isinstance(values, CandidateFailure):
        return values
    u = _dtype_u(X, w, gw, np.asarray(gb))
    alt_u, inferred = None, ""
    if precision:
        if precision not in PRECISIONS:
            raise OptionError(
                f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}"
            )
        u = max(u, unit_roundoff(precision))
    if u <= _U64:
        alt_u, inferred = _inferred(values, (X, w, np.asarray(b, dtype=np.float64)))
    # The reference works on float64 data: a candidate in extended precision is judged as
    # float64 (its own rounding is smaller than the data's conversion to float64).
    u = max(u, _U64)
    return Candidate(values, u, np.zeros(d + 1), source, alt_u, inferred)


def _failure(source: str, exc: BaseException) -> CandidateFailure:
    name = type(exc).__name__
    text = f"{exc}".strip()
    if isinstance(exc, (SystemExit, HardExit)):
        return CandidateFailure(
            lazy(
                "{source} called {call}({code}) instead of returning a gradient",
                source=source,
                call="sys.exit" if isinstance(exc, SystemExit) else "os._exit",
                code=repr(exc.code),
            ),
            lazy(
                "a gradient function must return (grad_w, grad_b); an exit inside it is a failure"
            ),
        )
    if isinstance(exc, KeyboardInterrupt):
        return CandidateFailure(lazy("{source} was interrupted (KeyboardInterrupt)", source=source))
    hint: str = ""
    if isinstance(exc, ValueError) and "read-only" in text:
        hint = lazy(
            "it writes into one of its arguments in place; gradproof passes them read-only, "
            "because a gradient function that changes the caller's X, y or w corrupts the data "
            "(copy first: X = X.copy())"
        )
    elif isinstance(exc, ValueError) and ("matmul" in text or "broadcast" in text):
        hint = lazy("a shape mismatch: check which products need X, Xᵀ or a sum over samples")
    return CandidateFailure(
        lazy("{source} raised {name}: {text}", source=source, name=name, text=text)
        if text
        else lazy("{source} raised {name}", source=source, name=name),
        hint,
    )


def from_claim(claim: Mapping[str, Any], d: int) -> Candidate:
    """A claimed gradient ``{"w": [...], "b": ...}``; each number is held to its last digit."""
    if not isinstance(claim, Mapping) or set(claim) != {"w", "b"}:
        raise CandidateError('a claim must look like {"w": [..], "b": ..}, with both parts')
    w_raw = claim["w"]
    if not isinstance(w_raw, (list, tuple, np.ndarray)):
        w_raw = [w_raw]
    b_raw = claim["b"]
    try:
        values = _vector([float(v) for v in w_raw], float(b_raw), 0, d, lazy("the claim"))
    except (TypeError, ValueError):
        raise CandidateError(f"the claim has a non-numeric entry: {dict(claim)!r}") from None
    if isinstance(values, CandidateFailure):
        raise CandidateError(values.message)
    res = np.array([claim_resolution(v) for v in list(w_raw) + [b_raw]])
    return Candidate(values, _U64, res, "claimed gradient")
