"""Checking a candidate gradient of a model with K scores per sample, entry by entry.

:func:`check_model_gradient` is what :func:`gradproof.check_gradient` does for a model
derivation (``check_gradient("softmax", grad=my_grad, X=X, y=y)``). The reference at each
point is the derived gradient (cross-checked against scalar SymPy when it was derived),
confirmed here against central differences of the derived loss; the candidate
``grad(X, y, W, b)`` (returning ``{"W": …, "b": …}`` or ``(dW, db)``) must match it entry by
entry, and a failure names the entries (``W[2,1]``, numbered from 1). Points: the given one
(default zeros), then seeded random points. A point where the derived gradient jumps under a
perturbation of 1e-9 (a hinge margin of exactly 0, tied rivals, an L1 weight at 0) is on a
kink, where every subgradient is valid: it is reported and skipped, never failed.

This is a first slice for models: no fast mode, no kink search, no binding convention.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradproof.errors import DataError, GradproofError, OptionError
from gradproof.numeric.model import model_arrays
from gradproof.numeric.network import network_arrays
from gradproof.numeric.network_example import random_point
from gradproof.parameters import NUMBERING, parse_parameters
from gradproof.verify.loading import no_hard_exit

__all__ = ["ModelCheckReport", "check_model_gradient", "TOLERANCE"]

TOLERANCE = 16.0
"""How many times its own rounding a candidate entry may be off. The rounding of an entry is
measured, not bounded: the derived code run again on float32 data differs from its float64
result by about the rounding of a float32 computation, and by u/u₃₂ times that in precision
u; plus a floor of √(n·p)·u·(the gradient's largest entry) for entries where the two happen
to agree. (The linear check's proven bound has no model counterpart yet.)"""

_U32 = float(np.finfo(np.float32).eps) / 2


@dataclass(frozen=True)
class PointResult:
    """One point: its label, the verdict (pass, fail or kink) and the failing entries."""

    label: str
    verdict: str
    culprits: tuple[tuple[str, float, float], ...] = ()  # (entry, candidate, reference)
    error: float = 0.0
    failure: str = ""  # the candidate gave no gradient there: what happened


@dataclass(frozen=True)
class ModelCheckReport:
    """The outcome of :func:`check_model_gradient` (``str()`` is the printed report)."""

    loss: str
    passed: bool
    points: tuple[PointResult, ...]
    seed: int
    culprits: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        head = f"gradproof check: {self.loss} — {'PASS' if self.passed else 'FAIL'}"
        lines = [head]
        for p in self.points:
            if p.verdict == "kink":
                lines.append(f"  {p.label}: on a kink, skipped (any subgradient is valid)")
            elif p.verdict == "pass":
                lines.append(f"  {p.label}: pass (largest relative difference {p.error:.1e})")
            elif p.failure:
                lines.append(f"  {p.label}: FAIL — {p.failure}")
            else:
                bad = ", ".join(f"{n} is {g:.6g}, should be {w:.6g}" for n, g, w in p.culprits[:5])
                more = f" (and {len(p.culprits) - 5} more)" if len(p.culprits) > 5 else ""
                lines.append(f"  {p.label}: FAIL — {bad}{more}")
        layers = sorted({c.split("[")[0][1:] for c in self.culprits if c[1:2].isdigit()}, key=int)
        if layers:  # a network's parameters W1, b1, …: which layers the wrong entries are in
            lines.append(f"  the wrong entries are in layer {', '.join(layers)}")
        lines.append(f"  seed {self.seed}; {NUMBERING}")
        return "\n".join(lines)


def _as_dict(out: Any, names: tuple[str, ...]) -> dict[str, Any]:
    if isinstance(out, Mapping):
        missing = [n for n in names if n not in out]
        if missing:
            raise DataError(f"the candidate's gradient has no {', '.join(missing)}")
        return {n: out[n] for n in names}
    if isinstance(out, (tuple, list)) and len(out) == len(names):
        return dict(zip(names, out, strict=True))
    raise DataError(
        f"the candidate must return {{{', '.join(repr(n) for n in names)}}} or a tuple "
        f"({', '.join('d' + n for n in names)}), got {type(out).__name__}"
    )


def _central(f: Callable[[Any], float], theta: Any, h: float = 1e-6) -> Any:
    out = np.zeros_like(theta)
    for i in range(theta.size):
        hi, lo = theta.copy(), theta.copy()
        hi[i] += h
        lo[i] -= h
        out[i] = (f(hi) - f(lo)) / (2 * h)
    return out


def _reference(compiled: Any, lay: Any, X: Any, y: Any, point: dict[str, Any], K: int) -> Any:
    """The derived gradient as a flat vector, or None on a kink (it jumps nearby)."""
    g = lay.flatten(compiled.gradient(X, y, K=K, **point))
    rng = np.random.default_rng(1)
    theta = lay.flatten(point)
    for _ in range(3):
        step = 1e-9 * (1 + np.abs(theta)) * rng.standard_normal(theta.size)
        one = lay.flatten(compiled.gradient(X, y, K=K, **lay.unflatten(theta + step)))
        two = lay.flatten(compiled.gradient(X, y, K=K, **lay.unflatten(theta + 2 * step)))
        d1, d2 = np.max(np.abs(one - g)), np.max(np.abs(two - g))
        # a jump stays the same size when the step doubles; a smooth change (large for
        # large data: the curvature grows as |x|²) doubles with it
        if d1 > 1e-6 * (1 + np.max(np.abs(g))) and d2 < 1.5 * d1:
            return None
    if theta.size <= 400:  # the derivation, confirmed by central differences of its loss
        fd = _central(lambda t: compiled.loss(X, y, K=K, **lay.unflatten(t)), theta)
        if np.max(np.abs(fd - g)) > 1e-4 * (1 + np.max(np.abs(g))):
            return None  # a kink closer than the difference step
    return g


def check_model_gradient(
    d: Any,
    *,
    grad: Callable[..., Any] | None,
    X: Any,
    y: Any,
    at: Mapping[str, Any] | str | None = None,
    points: int | None = None,
    seed: int | None = None,
) -> ModelCheckReport:
    """Check ``grad(X, y, W, b)`` (a network's ``grad(X, y, W1, b1, W2, b2, …)``) against
    ``d``'s derived gradient at the given point and at ``points − 1`` seeded random points
    (default 4 in all)."""
    if grad is None:
        raise OptionError("check a model's gradient with grad=your_function(X, y, W, b)")
    if X is None or y is None:
        raise OptionError("a model's check needs data: give X and y")
    compiled = d.numpy()
    if hasattr(d, "widths"):  # a network: its widths fix d and K
        Xa, K = network_arrays(d, X, y)[0], d.widths[-1]
    else:
        Xa, _, _, K = model_arrays(d.spec.labels, X, y, _rows(at))
    Xa = Xa.astype(np.float64)
    lay = d.layout(Xa.shape[1], K)
    seed = 0 if seed is None else int(seed)
    rng = np.random.default_rng(seed)
    if hasattr(d, "widths") and at is None:  # a network at zeros has no hidden gradient
        trials = [(f"the random point of seed {seed}", random_point(d, seed))]
    else:
        trials = [("the given point", parse_parameters(at, lay, "at"))]
    for k in range(1, 4 if points is None else int(points)):
        # weights N(0, 1/fan-in) (a network's units stay in their working range), biases N(0, 1)
        rand = {
            n: rng.standard_normal(s) / (np.sqrt(s[1]) if len(s) == 2 else 1.0)
            for n, s in lay.shapes.items()
        }
        trials.append((f"random point {k}", rand))
    results = []
    for label, point in trials:
        want = _reference(compiled, lay, Xa, y, point, K)
        if want is None:
            results.append(PointResult(label, "kink"))
            continue
        got = _candidate(grad, Xa, y, point, lay)
        if isinstance(got, str):
            results.append(PointResult(label, "fail", failure=got))
            continue
        got, dt = got
        tol = _tolerance(compiled, lay, Xa, y, point, K, want, dt)
        err = np.abs(got - want)
        bad = np.flatnonzero(~(err <= tol))
        rel = float(np.max(err / (np.abs(want) + np.max(np.abs(want)) + 1e-300)))
        culprits = tuple((lay.entry_name(int(i)), float(got[i]), float(want[i])) for i in bad)
        results.append(PointResult(label, "fail" if culprits else "pass", culprits, rel))
    names = tuple(dict.fromkeys(c[0] for r in results for c in r.culprits))
    passed = all(r.verdict != "fail" for r in results) and any(r.verdict == "pass" for r in results)
    return ModelCheckReport(d.name, passed, tuple(results), seed, names)


def _candidate(
    grad: Callable[..., Any], X: Any, y: Any, point: dict[str, Any], lay: Any
) -> tuple[Any, Any] | str:
    """The candidate's gradient at ``point`` as a flat float64 vector and its dtype, or what
    went wrong (whatever the user's function raises is a FAIL, never a crash)."""
    args = [np.array(point[n]) for n in lay.names]  # (W, b), or (W1, b1, W2, b2, …)
    for a in args:
        a.flags.writeable = False
    try:
        with np.errstate(all="ignore"), no_hard_exit():
            out = grad(X, y, *args)
    except GradproofError:
        raise
    except BaseException as exc:  # the user's code, whatever it raises
        return f"your gradient function raised {type(exc).__name__}: {exc}"
    try:
        got_arr = {n: np.asarray(v) for n, v in _as_dict(out, lay.names).items()}
        got = lay.flatten(lay.check(got_arr, "the candidate's gradient"))
    except (DataError, ValueError, TypeError) as exc:
        return str(exc)
    if np.iscomplexobj(got) or not np.all(np.isfinite(got)):
        return "the candidate's gradient has a complex or non-finite entry"
    dt = np.result_type(*[a.dtype for a in got_arr.values()], np.float32)
    return np.asarray(got, dtype=np.float64), np.dtype(dt)


def _tolerance(
    compiled: Any, lay: Any, X: Any, y: Any, point: dict[str, Any], K: int, want: Any, dt: Any
) -> Any:
    """Per entry: TOLERANCE × the rounding of the entry in the candidate's precision (see
    :data:`TOLERANCE`)."""
    u = float(np.finfo(dt).eps) / 2 if np.issubdtype(dt, np.floating) else _U32
    u = max(u, float(np.finfo(np.float64).eps) / 2)
    low = {n: np.asarray(v, dtype=np.float32) for n, v in point.items()}
    with np.errstate(all="ignore"):
        ref32 = lay.flatten(compiled.gradient(X.astype(np.float32), y, K=K, **low))
    measured = np.abs(np.asarray(ref32, dtype=np.float64) - want) * (u / _U32)
    floor = np.sqrt(X.shape[0] * max(1, want.size)) * u * (np.max(np.abs(want)) + 1e-300)
    return TOLERANCE * (measured + floor)


def _rows(at: Any) -> int | None:
    """K from a point that gives W (its rows), else None."""
    if isinstance(at, str):
        try:
            at = json.loads(at)
        except ValueError:
            return None
    if isinstance(at, Mapping) and "W" in at and np.ndim(at["W"]) == 2:
        return int(np.shape(at["W"])[0])
    return None
