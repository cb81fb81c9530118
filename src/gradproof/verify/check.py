"""``check_gradient`` and ``assert_gradient``: is a gradient right, and if not, where not?

A candidate (the derived gradient, a user's function or a claimed value) is compared with

1. the **exact reference**: the symbolic gradient coefficients evaluated sample by sample in
   mpmath (:mod:`gradproof.verify.reference`), and
2. **finite differences of the loss** (:mod:`gradproof.verify.finite_diff`),

each within a bound from the error model of :mod:`gradproof.verify.tolerance` for the
candidate's precision. At kinks the reference is the set of valid subgradients and the
report says which convention the candidate follows (:mod:`gradproof.verify.kinks`).
``mode="full"`` checks every entry; ``mode="fast"`` checks random directions and localises
wrong entries by bisection (:mod:`gradproof.verify.fast`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradproof._typing import KinkConvention
from gradproof.datasets import (
    Dataset,
    Point,
    as_dataset,
    parse_point,
    sample_dataset,
    validate_labels,
)
from gradproof.errors import OptionError
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.render.printers import to_text
from gradproof.verify.candidate import Candidate, CandidateError, from_claim, from_function
from gradproof.verify.diagnose import diagnose
from gradproof.verify.evaluators import FormFunctions, form_functions
from gradproof.verify.finite_diff import coordinate_directions, directional_fd, switch_near_kink
from gradproof.verify.kinks import CONVENTIONS, convention_gradient, fit_subgradient
from gradproof.verify.reference import reference_gradient, reference_loss
from gradproof.verify.report import CheckReport, Entry, KinkSample
from gradproof.verify.tolerance import (
    digits_agreeing,
    gamma,
    precision_name,
    require_finite,
    unit_roundoff,
)

__all__ = ["check_gradient", "assert_gradient", "FULL_MODE_MAX_D"]

FULL_MODE_MAX_D = 2000
"""``mode="auto"`` checks every entry up to this many features, random directions above."""

_U64 = unit_roundoff(np.float64)


@functools.lru_cache(maxsize=64)
def _functions(form: Any, params: tuple[tuple[str, float], ...]) -> FormFunctions:
    return form_functions(form, dict(params))


def functions_for(d: Derivation) -> FormFunctions:
    """The verify layer's own callables for a derivation (cached)."""
    return _functions(d.form, tuple(sorted((k, float(v)) for k, v in d.params.items())))


def _derivation(
    loss: str | Derivation,
    params: Mapping[str, float] | None,
    kink: KinkConvention | None,
    mean: bool,
) -> Derivation:
    if isinstance(loss, Derivation):
        if params or kink is not None or mean:
            raise OptionError(
                "params=, kink= and mean= define a derivation; with a "
                "Derivation given, pass them to derive() instead"
            )
        return loss
    from gradproof.symbolic.derive import derive_symbolic as derive

    return derive(loss, params=params, kink=kink, mean=mean)


def _data(
    d: Derivation,
    X: Any,
    y: Any,
    data: Dataset | None,
    w: Any,
    b: Any,
    at: Point | Mapping[str, Any] | str | None,
) -> tuple[Dataset, Any, Any, Any, Any, list]:
    """Validated data (float64 copies) and the caller's own arrays (dtype kept)."""
    notes = []
    if data is None and X is None and y is None:
        data = sample_dataset(d.spec.labels)
        notes.append("no data given: used the built-in sample data")
    if data is None:
        if X is None or y is None:
            raise OptionError("give both X and y (or data=...)")
        data = _dataset(X, y)
    else:
        X, y = data.X, data.y
    validate_labels(data, d.spec.labels)
    if at is not None:
        if w is not None:
            raise OptionError("give the point as at=... or as w=/b=, not both")
        pt = at if isinstance(at, Point) else parse_point(at, data.d)
        w, b = pt.w, pt.b
    if w is None:
        w = np.zeros(data.d)
    if b is None:
        b = 0.0
    w64 = np.asarray(w, dtype=np.float64)
    if w64.shape != (data.d,) or not np.all(np.isfinite(w64)) or not np.isfinite(float(b)):
        raise OptionError(
            f"w must be {data.d} finite numbers and b a finite number, got w of shape {w64.shape}"
        )
    return data, X, y, w, b, notes


def _dataset(X: Any, y: Any) -> Dataset:
    """:func:`gradproof.datasets.as_dataset`, with a fast path for large float arrays: a finite
    sum proves every entry finite in one pass without a temporary (an overflowing sum falls
    back to the entry-by-entry check, which names the bad value)."""
    fast = (
        isinstance(X, np.ndarray)
        and isinstance(y, np.ndarray)
        and X.ndim == 2
        and y.ndim == 1
        and X.shape[0] == y.shape[0]
        and X.size > 0
        and np.issubdtype(X.dtype, np.floating)
        and np.issubdtype(y.dtype, np.floating)
    )
    if fast:
        with np.errstate(over="ignore", invalid="ignore"):
            finite = bool(np.isfinite(X.sum()) and np.isfinite(y.sum()))
        if finite:
            return Dataset(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return as_dataset(X, y)


def _candidate(
    d: Derivation,
    grad: Callable[..., Any] | None,
    claim: Mapping[str, Any] | None,
    X: Any,
    y: Any,
    w: Any,
    b: Any,
    precision: str | None,
) -> Candidate:
    if grad is not None and claim is not None:
        raise OptionError("give grad= (a function) or claim= (a value), not both")
    if claim is not None:
        return from_claim(claim, int(np.shape(w)[0]))
    if grad is None:
        compiled = d.numpy()
        # overflow in our own code shows up as a non-finite value, reported as such
        with np.errstate(all="ignore"):
            return from_function(
                compiled.grad, X, y, w, b, source="derived gradient", precision=precision
            )
    return from_function(grad, X, y, w, b, source="your gradient function", precision=precision)


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
    directions: int = 4,
    params: Mapping[str, float] | None = None,
    kink: KinkConvention | None = None,
    mean: bool = False,
    precision: str | None = None,
    search: bool = False,
    max_examples: int = 200,
) -> CheckReport:
    """Check a gradient of ``loss`` at (w, b) on data (X, y).

    Parameters
    ----------
    loss
        A built-in loss name or a :class:`~gradproof.Derivation`.
    grad, claim
        The candidate: ``grad(X, y, w, b) -> (grad_w, grad_b)``, or a claimed value
        ``{"w": [...], "b": ...}``; neither checks the derived gradient itself.
    loss_fn
        Optionally a user's ``loss(X, y, w, b) -> float``, whose value is checked too.
    X, y, data, w, b, at
        The data and the point (default: the built-in sample data, w = 0, b = 0).
    mode
        ``"full"`` (every entry), ``"fast"`` (random directions, cost independent of the
        number of checks per entry) or ``"auto"`` (full up to :data:`FULL_MODE_MAX_D`).
    seed, directions
        Fast mode: the random directions' seed (printed in the report) and their number.
    params, kink, mean
        Passed to :func:`gradproof.derive` when ``loss`` is a name.
    precision
        ``"float32"``/``"float64"``: the candidate's arithmetic when its dtypes do not say.
    search
        With no data: let hypothesis search for (and shrink) a dataset where the check
        fails; the report then carries a reproducing snippet.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[2.0, 1.0], [-1.0, 3.0]]); y = np.array([1.0, -1.0])
    >>> def my_grad(X, y, w, b):
    ...     s = X @ w + b
    ...     c = -y * (y * s <= 0)
    ...     return c @ X, c.sum()
    >>> report = check_gradient("perceptron", grad=my_grad, X=X, y=y, w=[0.5, 0.5], b=0.0)
    >>> report.passed
    True
    """
    d = _derivation(loss, params, kink, mean)
    if mode not in ("auto", "full", "fast"):
        raise OptionError(f"mode must be 'full', 'fast' or 'auto', got {mode!r}")
    if search:
        if X is not None or data is not None:
            raise OptionError("search=True looks for its own data; leave X, y and data out")
        from gradproof.verify.search import search_failure

        return search_failure(
            d, grad=grad, claim=claim, seed=seed, max_examples=max_examples, precision=precision
        )
    ds, Xc, yc, wc, bc, notes = _data(d, X, y, data, w, b, at)
    cand = _candidate(d, grad, claim, Xc, yc, wc, bc, precision)
    w64 = np.asarray(wc, dtype=np.float64)
    # overflow is detected from the results (non-finite bounds), not from warnings
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        if mode == "fast" or (mode == "auto" and ds.d > FULL_MODE_MAX_D):
            from gradproof.verify.fast import fast_check

            report = fast_check(
                d, functions_for(d), cand, ds.X, ds.y, w64, float(bc), seed=seed, k=directions
            )
        else:
            report = full_check(d, functions_for(d), cand, ds.X, ds.y, w64, float(bc))
    report.notes.extend(notes)
    if loss_fn is not None:
        _check_loss_value(report, d, loss_fn, ds, Xc, yc, wc, bc, cand.u)
    return report


def full_check(
    d: Derivation,
    ff: FormFunctions,
    cand: Candidate,
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: float,
) -> CheckReport:
    """Check every entry of ``cand`` against the exact reference and finite differences."""
    n, dim = X.shape
    mean = d.form.mean
    u = cand.u
    ref = reference_gradient(ff, X, y, w, b, mean=mean, u_cand=u)
    g = cand.values
    tol = ref.candidate_bound(u, n, dim) + ref.bound + cand.resolution
    require_finite(ref.grad, tol, u)
    fit = fit_subgradient(g, ref.base, ref.kinks, tol)
    near = switch_near_kink(ff, X, y, w, b, u)
    score_err = gamma(dim + 2, _U64) * ref.row_abs
    fd = directional_fd(
        ff,
        X,
        y,
        w,
        b,
        coordinate_directions(X, w, b),
        mean=mean,
        near_kink=near,
        curvature=ref.dcw,
        score_err=score_err,
    )
    fd_tol = fd.err + ref.candidate_bound(u, n, dim) + cand.resolution
    fd_ok = (g >= fd.lo - fd_tol) & (g <= fd.hi + fd_tol)
    closest = fit.closest
    if ref.kinks and not fit.valid:
        # report against the named convention nearest to the candidate, not a blend
        options = [convention_gradient(ref.base, ref.kinks, c) for c in CONVENTIONS]
        closest = min(
            options, key=lambda o: (int(np.sum(np.abs(g - o) > tol)), float(np.sum(np.abs(g - o))))
        )
    ref_ok = np.abs(g - closest) <= tol if not fit.valid else np.abs(fit.residual) <= tol
    ok = fd_ok & ref_ok
    names = [f"w[{j}]" for j in range(dim)] + ["b"]
    kink_cols = np.zeros(dim + 1, dtype=bool)
    for k in ref.kinks:
        kink_cols |= k.jump != 0
    entries = []
    for j, name in enumerate(names):
        err = abs(g[j] - closest[j])
        entries.append(
            Entry(
                name=name,
                candidate=float(g[j]),
                reference=float(closest[j]),
                fd_low=float(fd.lo[j]),
                fd_high=float(fd.hi[j]),
                abs_error=float(err),
                rel_error=_rel(err, float(closest[j])),
                bound=float(tol[j]),
                fd_bound=float(fd_tol[j]),
                digits=float(digits_agreeing(g[j], closest[j], tol[j])),
                kink=bool(kink_cols[j]),
                ok=bool(ok[j]),
            )
        )
    passed = bool(ok.all())
    sig = np.abs(closest) > np.maximum(tol, 1e-300)
    # With nothing significant to compare (the reference is 0 within its bound) there are no
    # "agreeing digits" to speak of; the verdict rests on the absolute errors.
    digits = float(np.min(digits_agreeing(g, closest, 0.0)[sig])) if sig.any() else float("nan")
    smooth_fd = fd.lo == fd.hi
    fd_mid = (fd.lo + fd.hi) / 2
    fd_sig = sig & smooth_fd
    fd_digits = (
        float(np.min(digits_agreeing(g, fd_mid, 0.0)[fd_sig])) if fd_sig.any() else float("nan")
    )
    floor = (
        float(np.min(-np.log10(np.maximum(tol[sig], 1e-300) / np.abs(closest[sig]))))
        if sig.any()
        else float("nan")
    )
    fd_floor = (
        float(np.min(-np.log10(np.maximum(fd.err[fd_sig], 1e-300) / np.abs(closest[fd_sig]))))
        if fd_sig.any()
        else float("nan")
    )
    switch_names = [to_text(ind.arg, atoms="scalar") for ind in ff.indicators]
    kinks = [
        KinkSample(
            k.sample,
            switch_names[k.indicator],
            k.u,
            k.exact,
            float(t) if np.all(np.isfinite(t)) else None,
        )
        for k, t in zip(ref.kinks, fit.t, strict=True)
    ]
    method = fd.method
    if fd.one_sided:
        method += f"; {fd.one_sided} stencil(s) made one-sided to avoid crossing a kink"
    if fd.on_kink:
        method += "; one-sided pairs at samples on a kink"
    matched = fit.conventions if ref.kinks else ()
    if ref.kinks and all(ff.indicators[k.indicator].kind == "sign" for k in ref.kinks):
        # for |u| the "indicator" is sign(u): ½ ↔ sign(0) = 0, 1 ↔ +1, 0 ↔ −1
        matched = tuple(
            {"include": "sign(0) = +1", "exclude": "sign(0) = −1", "average": "sign(0) = 0"}[c]
            for c in matched
        )
    report = CheckReport(
        loss=d.name,
        candidate=cand.source,
        mode="full",
        passed=passed,
        precision=precision_name(u),
        method=method,
        convention=d.kink,
        kink_convention_matched=matched,
        digits=min(digits, 17.0),
        fd_digits=fd_digits,
        noise_floor_digits=min(floor, 17.0),
        fd_noise_floor_digits=min(fd_floor, 17.0),
        n=n,
        d=dim,
        entries=entries,
        kinks=kinks,
        culprits=[
            e.name
            for e in sorted(entries, key=lambda e: -e.abs_error / max(e.bound, 1e-300))
            if not e.ok
        ],
    )
    if not ref.exact:
        report.notes.append(
            "reference evaluated in float64 with a rounding-error bound "
            "(the problem is too large for mpmath)"
        )
    if ref.kinks and fit.valid and not fit.conventions:
        report.notes.append(
            "weights on the kink samples (0 = u < 0 side, 1 = u > 0 side): "
            + ", ".join(f"{t:.3g}" for t in fit.t[:10])
        )
    if not passed:
        diag = diagnose(g, closest, tol, ff, X, y, w, b, mean=mean, cw=ref.cw)
        report.hints.extend(diag.hints)
        report.samples = diag.samples
        if not fd_ok.all() and ref_ok.all():
            report.hints.append(
                "the exact reference accepts it but finite differences of the "
                "loss do not: the loss and its gradient formula disagree"
            )
        diff = g - ref.grad
        report.correct = {
            "w": [float(v) for v in ref.grad[:-1]],
            "b": float(ref.grad[-1]),
            "difference": {"w": [float(v) for v in diff[:-1]], "b": float(diff[-1])},
        }
        if ref.kinks and not fit.valid:
            report.notes.append(
                "entries are compared with the named convention closest to "
                "the candidate; the correct gradient is given under the "
                f"derivation's convention ({d.kink})"
            )
    return report


def _rel(err: float, ref: float) -> float:
    if ref != 0:
        return err / abs(ref)
    return float("inf") if err else 0.0


def _check_loss_value(
    report: CheckReport,
    d: Derivation,
    loss_fn: Callable[..., Any],
    ds: Dataset,
    X: Any,
    y: Any,
    w: Any,
    b: Any,
    u: float,
) -> None:
    ff = functions_for(d)
    try:
        value = float(loss_fn(X, y, w, b))
    except Exception as exc:  # the user's code
        raise CandidateError(f"your loss function raised {type(exc).__name__}: {exc}") from exc
    w64 = np.asarray(w, dtype=np.float64)
    exact, bound_terms = reference_loss(ff, ds.X, ds.y, w64, float(b), mean=d.form.mean)
    n, dim = ds.X.shape
    bound = gamma(n + dim + 4, u) * bound_terms + 8 * u * abs(exact)
    err = abs(value - exact)
    ok = err <= bound
    report.entries.append(
        Entry(
            "L",
            value,
            exact,
            exact,
            exact,
            err,
            _rel(err, exact),
            bound,
            bound,
            float(digits_agreeing(value, exact, bound)),
            False,
            ok,
        )
    )
    if not ok:
        report.passed = False
        report.culprits.insert(0, "L")
        report.hints.append(
            f"your loss value {value!r} differs from the exact loss "
            f"{exact!r} by {err:.3g} (bound {bound:.3g})"
        )


def assert_gradient(loss: str | Derivation, **kwargs: Any) -> CheckReport:
    """:func:`check_gradient`, raising AssertionError (with the report) when it fails.

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
    report = check_gradient(loss, **kwargs)
    if not report.passed:
        raise AssertionError(str(report))
    return report
