"""``check_gradient`` and ``assert_gradient``: is a gradient right, and if not, where not?

A candidate (the derived gradient, a user's function or a claimed value) is compared, at
several points (:mod:`gradproof.verify.points`), with

1. the **exact reference**: the symbolic gradient coefficients evaluated sample by sample in
   mpmath (:mod:`gradproof.verify.reference`), and
2. **finite differences of the loss** (:mod:`gradproof.verify.finite_diff`),

each within a bound from the error model of :mod:`gradproof.verify.tolerance` for the
candidate's precision. At kinks the reference is the set of valid subgradients of the sum
and membership is decided with a certificate (:mod:`gradproof.verify.subgradient`); a
convention named with ``kink=`` is binding (:mod:`gradproof.verify.kinks`). ``mode="full"``
differentiates along every coordinate, ``mode="fast"`` along random directions
(:mod:`gradproof.verify.pointcheck`). Any failing point fails the check.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradproof._typing import KinkConvention
from gradproof.datasets import Dataset, Point, as_dataset, parse_point, sample_dataset, validate_labels
from gradproof.errors import DataError, OptionError
from gradproof.symbolic.derivation import Derivation
from gradproof.verify import budget
from gradproof.verify.budget import Budget
from gradproof.verify.candidate import (
    Candidate,
    CandidateError,
    CandidateFailure,
    call_function,
    from_claim,
    read_only,
)
from gradproof.verify.evaluators import FormFunctions, form_functions
from gradproof.verify.pointcheck import Data, check_point
from gradproof.verify.points import DEFAULT_POINTS, CheckPoint, generated_datasets, plan_points
from gradproof.verify.reference import UndefinedReference, reference_loss
from gradproof.verify.report import CheckReport, Entry, PointResult
from gradproof.verify.search import search_failure
from gradproof.verify.tolerance import digits_agreeing, gamma, unit_roundoff

__all__ = ["check_gradient", "assert_gradient", "FULL_MODE_MAX_D", "FULL_MODE_MAX_WORK"]

FULL_MODE_MAX_D = 2000
"""``mode="auto"`` differentiates along every entry up to this many features."""

FULL_MODE_MAX_WORK = 4_000_000
"""…and up to this many samples × entries; random directions above either."""

MAX_POINTS = 64
MAX_SEED = 2**32 - 1


@functools.lru_cache(maxsize=64)
def _functions(form: Any, params: tuple[tuple[str, float], ...]) -> FormFunctions:
    return form_functions(form, dict(params))


def functions_for(d: Derivation) -> FormFunctions:
    """The verify layer's own callables for a derivation (cached; under the time limit)."""
    key = tuple(sorted((k, float(v)) for k, v in d.params.items()))
    return budget.prepare(lambda: _functions(d.form, key))


def _derivation(
    loss: str | Derivation,
    params: Mapping[str, float] | None,
    kink: KinkConvention | None,
    mean: bool,
) -> tuple[Derivation, str | None]:
    """The derivation, and the convention made binding by ``kink=`` (or None)."""
    if kink is not None and kink not in ("include", "exclude", "average"):
        raise OptionError(f"kink must be 'include', 'exclude' or 'average', got {kink!r}")
    if isinstance(loss, Derivation):
        if params or mean:
            raise OptionError(
                "params= and mean= define a derivation; with a Derivation given, pass them "
                "to derive() instead"
            )
        if kink is not None and kink != loss.kink:
            raise OptionError(
                f"the derivation uses kink={loss.kink!r}; derive it with kink={kink!r} to make "
                f"that convention binding"
            )
        return loss, kink
    return budget.derive(loss, params=params, kink=kink, mean=mean), kink


def _validate(mode: str, seed: Any, points: Any, directions: Any) -> None:
    if mode not in ("auto", "full", "fast"):
        raise OptionError(f"mode must be 'full', 'fast' or 'auto', got {mode!r}")
    for name, value, lo, hi in (
        ("seed", seed, 0, MAX_SEED),
        ("points", points, 1, MAX_POINTS),
        ("directions", directions, 1, 64),
    ):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (
            lo <= int(value) <= hi
        ):
            raise OptionError(f"{name} must be a whole number from {lo} to {hi}, got {value!r}")


def _dimension(at: Any, w: Any) -> int | None:
    """The number of weights a point given without data has, if any."""
    if w is not None:
        return int(np.size(w))
    if isinstance(at, Point):
        return int(at.w.shape[0])
    raw = at
    if isinstance(at, str):
        try:
            raw = json.loads(at)
        except json.JSONDecodeError:
            return None  # parse_point reports it
    if isinstance(raw, Mapping) and isinstance(raw.get("w"), (list, tuple, np.ndarray)):
        return len(raw["w"])
    return None


def _fast_dataset(X: Any, y: Any) -> Dataset:
    """:func:`gradproof.datasets.as_dataset`, with a fast path for large float arrays: a finite
    sum proves every entry finite in one pass without a temporary."""
    if (
        isinstance(X, np.ndarray)
        and isinstance(y, np.ndarray)
        and X.ndim == 2
        and y.ndim == 1
        and X.shape[0] == y.shape[0]
        and X.size > 0
        and np.issubdtype(X.dtype, np.floating)
        and np.issubdtype(y.dtype, np.floating)
    ):
        with np.errstate(over="ignore", invalid="ignore"):
            finite = bool(np.isfinite(X.sum()) and np.isfinite(y.sum()))
        if finite:
            return Dataset(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return as_dataset(X, y)


class _Case:
    """One dataset to check on: float64 data, the caller's own arrays, its points."""

    def __init__(self, ds: Dataset, Xc: Any, yc: Any, label: str) -> None:
        self.ds = ds
        with np.errstate(over="ignore"):  # ‖xᵢ‖² may overflow; the checks size it otherwise
            xx = np.einsum("ij,ij->i", ds.X, ds.X)
        self.data = Data(ds.X, ds.y, xx, label)
        self.Xc = read_only(Xc)
        self.yc = read_only(yc)
        self.points: list[CheckPoint] = []


def _cases(d: Derivation, X, y, data, w, b, at, claim) -> tuple[list[_Case], Any, list[str]]:
    """The datasets (with the caller's arrays), the given point and notes."""
    notes: list[str] = []
    if data is None and X is None and y is None:
        if claim is not None:
            ds = sample_dataset(d.spec.labels)
            return [_Case(ds, ds.X, ds.y, f"the built-in sample data (n = {ds.n}, d = {ds.d})")], None, notes
        dim = _dimension(at, w)
        sets = generated_datasets(d.spec.labels, 0, dim)
        sizes = ", ".join(str(s.n) for s in sets)
        dims = ", ".join(str(s.d) for s in sets)
        notes.append(
            f"no data given: checked on generated data with n = {sizes} samples and d = {dims} "
            f"features ({'±1 labels' if d.spec.labels == 'pm1' else 'real targets'})"
        )
        return [_Case(s, s.X, s.y, s.source) for s in sets], None, notes
    if data is None:
        if X is None or y is None:
            raise OptionError("give both X and y (or data=...)")
        data = _fast_dataset(X, y)
    else:
        X, y = data.X, data.y
    budget.check_samples(data.n, data.d)
    validate_labels(data, d.spec.labels)
    return [_Case(data, X, y, f"your data (n = {data.n}, d = {data.d})")], None, notes


def _given_point(case: _Case, w: Any, b: Any, at: Any) -> CheckPoint:
    dim = case.ds.d
    if at is not None:
        if w is not None:
            raise OptionError("give the point as at=... or as w=/b=, not both")
        pt = at if isinstance(at, Point) else parse_point(at, dim)
        return CheckPoint(np.asarray(pt.w, dtype=np.float64), float(pt.b), "given", "given point")
    if w is None and b is None:
        return CheckPoint(np.zeros(dim), 0.0, "default", "default point")
    w64 = np.asarray(np.zeros(dim) if w is None else w, dtype=np.float64)
    bf = float(0.0 if b is None else b)
    if w64.shape != (dim,) or not np.all(np.isfinite(w64)) or not np.isfinite(bf):
        raise OptionError(
            f"w must be {dim} finite numbers and b a finite number, got w of shape {w64.shape}"
        )
    return CheckPoint(w64, bf, "given", "given point")


def _point_dtype(case: _Case, w: Any) -> np.dtype:
    for a in (w, case.Xc):
        dt = getattr(a, "dtype", None)
        if dt is not None and np.issubdtype(dt, np.floating) and np.dtype(dt).itemsize <= 8:
            return np.dtype(dt)
    return np.dtype(np.float64)


def _caller_point(pt: CheckPoint, dtype: np.dtype, w: Any, b: Any) -> tuple[Any, Any]:
    """(w, b) as the candidate receives them: the caller's own values at the given point,
    the caller's dtype at the random ones."""
    if pt.kind == "given" and w is not None:
        return w, (0.0 if b is None else b)
    wc = np.asarray(pt.w, dtype=dtype)
    bc: Any = pt.b if dtype == np.float64 else dtype.type(pt.b)
    if pt.kind == "given" and b is not None and not isinstance(b, (float, int)):
        bc = b
    return wc, bc


def check_gradient(
    loss: str | Derivation,
    *,
    grad: Callable[..., Any] | None = None,
    claim: Mapping[str, Any] | None = None,
    loss_fn: Callable[..., Any] | None = None,
    X: Any = None,
    y: Any = None,
    w: Any = None,
    b: Any = None,
    data: Dataset | None = None,
    at: Point | Mapping[str, Any] | str | None = None,
    mode: str = "auto",
    seed: int | None = None,
    points: int | None = None,
    directions: int = 4,
    params: Mapping[str, float] | None = None,
    kink: KinkConvention | None = None,
    mean: bool = False,
    precision: str | None = None,
    search: bool = False,
    max_examples: int = 200,
) -> CheckReport:
    """Check a gradient of ``loss`` on data (X, y) at (w, b) and at random points.

    Parameters
    ----------
    loss
        A built-in loss name or a :class:`~gradproof.Derivation`.
    grad, claim
        The candidate: ``grad(X, y, w, b) -> (grad_w, grad_b)``, or a claimed value
        ``{"w": [...], "b": ...}`` (checked at its own point only); neither is a self-test
        of gradproof's own derived gradient.
    loss_fn
        Optionally a user's ``loss(X, y, w, b) -> float``, whose value is checked too.
    X, y, data
        The data. Without any, the check runs on generated data of the loss's label set
        (:data:`~gradproof.verify.points.GENERATED_SIZES`).
    w, b, at
        The given point (default w = 0, b = 0), checked first.
    points
        Points per dataset: the given one, then seeded random points off every kink, at the
        data's scale and at large margins (default
        :data:`~gradproof.verify.points.DEFAULT_POINTS`). Any failing point fails the check.
    mode
        ``"full"`` (finite differences along every entry), ``"fast"`` (along random
        directions) or ``"auto"`` (full up to :data:`FULL_MODE_MAX_D` features).
    seed, directions
        The seed of the random points and directions (default 0; in the report) and the
        number of directions in fast mode.
    params, mean
        Passed to :func:`gradproof.derive` when ``loss`` is a name.
    kink
        ``include``, ``exclude`` or ``average``: the convention at kinks, made *binding* (a
        candidate that follows another one at a kink fails). Without it any valid
        subgradient passes.
    precision
        ``"float16"``/``"float32"``/``"float64"``: the candidate's arithmetic when its dtypes
        do not say.
    search
        With no data: let hypothesis search for (and shrink) a dataset where the check
        fails; the report then carries a ready pytest test that reproduces it.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[2.0, 1.0], [-1.0, 3.0]]); y = np.array([1.0, -1.0])
    >>> def my_grad(X, y, w, b):
    ...     s = X @ w + b
    ...     c = -y * (y * s <= 0)
    ...     return c @ X, c.sum()
    >>> report = check_gradient("perceptron", grad=my_grad, X=X, y=y, w=[0.5, 0.5], b=0.0)
    >>> report.passed, len(report.points)
    (True, 5)
    """
    d, strict = _derivation(loss, params, kink, mean)
    _validate(mode, seed, points, directions)
    seed = 0 if seed is None else int(seed)
    if search:
        if X is not None or data is not None:
            raise OptionError("search=True looks for its own data; leave X, y and data out")

        def one(Xs: Any, ys: Any, ws: Any, bs: Any) -> CheckReport:
            return check_gradient(
                d, grad=grad, claim=claim, X=Xs, y=ys, w=ws, b=bs, mode="full", points=1,
                precision=precision, kink=strict,  # type: ignore[arg-type]
            )

        return search_failure(d, one, grad=grad, candidate=_source(grad, claim), seed=seed,
                              max_examples=max_examples, precision=precision, strict=strict)
    ff = functions_for(d)
    cases, _, notes = _cases(d, X, y, data, w, b, at, claim)
    count = 1 if claim is not None else (DEFAULT_POINTS if points is None else int(points))
    clock = Budget()
    results: list[PointResult] = []
    fn = _function(d, grad) if claim is None else None
    for index, case in enumerate(cases):
        dtype = _point_dtype(case, w)
        given = _given_point(case, w, b, at)
        u0 = max(unit_roundoff(dtype), unit_roundoff(getattr(case.Xc, "dtype", np.float64)))
        with np.errstate(all="ignore"):  # huge data: points are sized from finite results
            pts = plan_points(
                case.ds, ff, d.form, dict(d.params), given, count, seed, index, dtype, u0
            )
        for k, pt in enumerate(pts):
            rng = np.random.default_rng([seed, index, k, 1])
            res = _one_point(d, ff, case, pt, fn, claim, w, b, dtype, mode, strict, rng,
                             directions, precision, clock, _source(grad, claim))
            if res is None:
                notes.append(
                    f"the {pt.label} of {case.data.label} was skipped: the gradient is "
                    "undefined there (w = 0 with a norm(w) term); the random points were checked"
                )
                continue
            if loss_fn is not None and res.failure is None:
                _check_loss_value(res, d, ff, loss_fn, case, pt, dtype, w, b)
            results.append(res)
    return _report(d, results, cases, notes, strict, seed, grad, claim, mode)


def _source(grad: Any, claim: Any) -> str:
    if claim is not None:
        return "claimed gradient"
    return "your gradient function" if grad is not None else "derived gradient"


def _function(d: Derivation, grad: Callable[..., Any] | None) -> Callable[..., Any]:
    return grad if grad is not None else d.numpy().grad


def _one_point(d, ff, case, pt, fn, claim, w, b, dtype, mode, strict, rng, directions,
               precision, clock, source) -> PointResult | None:
    """Run the candidate at one point and check it (None: undefined default point)."""
    wc, bc = _caller_point(pt, dtype, w, b)
    cand: Candidate | CandidateFailure
    if claim is not None:
        cand = from_claim(claim, case.ds.d)
    else:
        cand = call_function(fn, case.Xc, case.yc, wc, bc, source=source, precision=precision)
    m = mode
    if m == "auto":
        n, dim = case.ds.X.shape
        m = "full" if dim <= FULL_MODE_MAX_D and n * (dim + 1) <= FULL_MODE_MAX_WORK else "fast"
    base = dict(label=pt.label, kind=pt.kind, dataset=case.data.label, n=case.ds.n,
                d=case.ds.d, w=[float(v) for v in pt.w[:20]], b=float(pt.b), mode=m)
    if isinstance(cand, CandidateFailure):
        return PointResult(passed=False, failure=cand.message,
                           hints=[cand.hint] if cand.hint else [], **base)
    try:
        return clock.run(lambda: _silent_check(d, ff, cand, case.data, pt, m, strict, rng, directions))
    except UndefinedReference as exc:
        if pt.kind == "default":
            return None
        raise DataError(f"{exc} (the {pt.label}); check at a point with w ≠ 0") from None


def _silent_check(d, ff, cand, data, pt, mode, strict, rng, directions) -> PointResult:
    # overflow is detected from the results (non-finite bounds), not from warnings
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return check_point(d, ff, cand, data, pt, mode=mode, strict=strict, rng=rng,
                           directions=directions)


def _report(d, results, cases, notes, strict, seed, grad, claim, mode) -> CheckReport:
    """One report from the points' results; its own fields are the primary point's."""
    if not results:
        raise DataError("no point could be checked: the gradient is undefined at all of them")
    failing = [i for i, r in enumerate(results) if not r.passed]
    # The primary point shows the clearest evidence: a crash, else a failing point off every
    # kink with the most nonzero entries (where the correct ∂L/∂b is 0, "the sign of ∂L/∂w is
    # flipped" and "the sign is flipped everywhere" cannot be told apart), else the first.
    primary = (
        min(
            failing,
            key=lambda i: (
                results[i].failure is None,
                bool(results[i].kinks),
                -results[i].significant,
                i,
            ),
        )
        if failing
        else 0
    )
    p = results[primary]
    def least(attr: str) -> float:
        vals = [getattr(r, attr) for r in results if getattr(r, attr) == getattr(r, attr)]
        return float(min(vals)) if vals else float("nan")

    hints = list(p.hints)
    for i in failing:  # a binding convention's hint is only found where samples sit on kinks
        hints += [h for h in results[i].hints if h.startswith("kink=") and h not in hints]
    modes = sorted({r.mode for r in results})
    report = CheckReport(
        loss=d.name,
        candidate=_source(grad, claim),
        mode="/".join(modes) if modes else ("fast" if mode == "fast" else "full"),
        passed=not failing,
        precision=p.precision,
        method=p.method,
        convention=d.kink,
        strict=strict is not None,
        self_test=grad is None and claim is None,
        kink_convention_matched=p.kink_convention_matched,
        digits=least("digits"),
        fd_digits=least("fd_digits"),
        noise_floor_digits=least("noise_floor_digits"),
        fd_noise_floor_digits=least("fd_noise_floor_digits"),
        seed=seed,
        n=p.n,
        d=p.d,
        entries=list(p.entries),
        directions=list(p.directions),
        kinks=list(p.kinks),
        culprits=list(p.culprits),
        samples=list(p.samples),
        hints=hints,
        notes=notes + [nt for nt in p.notes if nt not in notes],
        correct=p.correct,
        points=results,
        primary=primary,
        datasets=[c.data.label for c in cases],
    )
    return report


def _check_loss_value(res: PointResult, d, ff, loss_fn, case: _Case, pt, dtype, w, b) -> None:
    """Check the user's loss value at the point; a wrong or failing one fails the point."""
    wc, bc = _caller_point(pt, dtype, w, b)
    try:
        with np.errstate(all="ignore"):
            value = float(loss_fn(case.Xc, case.yc, read_only(np.array(wc)), bc))
    except BaseException as exc:  # the user's code, whatever it raises
        res.passed = False
        res.failure = f"your loss function raised {type(exc).__name__}: {exc}"
        return
    X, y = case.ds.X, case.ds.y
    exact, terms = reference_loss(ff, X, y, np.asarray(pt.w), float(pt.b), mean=d.form.mean)
    n, dim = X.shape
    u = max(unit_roundoff(dtype), unit_roundoff(getattr(case.Xc, "dtype", np.float64)))
    bound = gamma(n + dim + 4, u) * terms + 8 * u * abs(exact)
    err = abs(value - exact)
    ok = bool(err <= bound)
    res.entries.append(
        Entry("L", value, exact, exact, exact, exact, exact, err,
              err / abs(exact) if exact else None, bound, bound,
              float(digits_agreeing(value, exact, bound)), False, ok)
    )
    if not ok:
        res.passed = False
        res.culprits.insert(0, "L")
        res.hints.append(
            f"your loss value {value:.17g} differs from the exact loss {exact:.17g} by "
            f"{err:.3g} (a correct value is within {bound:.2g})"
        )


def assert_gradient(loss: str | Derivation, **kwargs: Any) -> CheckReport:
    """:func:`check_gradient`, raising AssertionError (with the report) when it fails.

    In pytest the failure shows the report, not gradproof's own frames.

    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0]]); y = np.array([0.5])
    >>> def wrong(X, y, w, b):
    ...     r = X @ w + b - y
    ...     return 2 * (r @ X), 2 * r.sum()
    >>> assert_gradient("squared_error", grad=wrong, X=X, y=y, w=[1.0, 0.0], b=0.0)
    Traceback (most recent call last):
    ...
    AssertionError: gradproof check: squared_error — FAIL ...
    """
    __tracebackhide__ = True  # pytest: the report is the message, our frames are noise
    report = check_gradient(loss, **kwargs)
    if not report.passed:
        raise AssertionError(str(report))
    return report
