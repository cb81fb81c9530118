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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from gradproof._typing import KinkConvention
from gradproof.datasets import Dataset, Point
from gradproof.errors import DataError, OptionError
from gradproof.i18n import _, lazy, tr
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.model_derivation import ModelDerivation
from gradproof.symbolic.network_derivation import NETWORK_MODELS
from gradproof.verify import budget
from gradproof.verify.assemble import assemble
from gradproof.verify.budget import Budget
from gradproof.verify.candidate import Candidate, CandidateFailure, call_function, from_claim
from gradproof.verify.cases import Case, caller_point, cases_for, given_point, point_dtype
from gradproof.verify.evaluators import FormFunctions, form_functions
from gradproof.verify.loss_value import check_loss_value
from gradproof.verify.model_check import check_model_gradient
from gradproof.verify.pointcheck import check_point
from gradproof.verify.points import DEFAULT_POINTS, CheckPoint, plan_points
from gradproof.verify.reference import NORM_AT_ZERO, UndefinedReference, undefined_at
from gradproof.verify.report import CheckReport, PointResult
from gradproof.verify.search import search_failure
from gradproof.verify.tolerance import unit_roundoff

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
    network: tuple[Any, Any, Any] = (None, None, None),
) -> tuple[Derivation, str | None]:
    """The derivation, and the convention made binding by ``kink=`` (or None);
    ``network`` is (layers, activation, output_loss) of ``loss="mlp"``."""
    if kink is not None and kink not in ("include", "exclude", "average"):
        raise OptionError(f"kink must be 'include', 'exclude' or 'average', got {kink!r}")
    if isinstance(loss, str) and loss.strip().lower() in NETWORK_MODELS:
        layers, activation, output = network
        d = budget.derive(
            output,
            model="mlp",
            layers=layers,
            activation=activation,
            params=params,
            kink=kink,
            mean=mean,
        )
        return d, kink
    if any(v is not None for v in network):
        raise OptionError(
            _(
                "layers=, activation= and output_loss= describe a network: "
                'check_gradient("mlp", layers="2-8-3", grad=…)'
            )
        )
    if isinstance(loss, ModelDerivation):
        return loss, kink
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
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, np.integer))
            or not (lo <= int(value) <= hi)
        ):
            raise OptionError(f"{name} must be a whole number from {lo} to {hi}, got {value!r}")


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
    layers: str | Sequence[int] | None = None,
    activation: str | None = None,
    output_loss: str | None = None,
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
        data's scale, at large and medium margins, and beside a kink (default
        :data:`~gradproof.verify.points.DEFAULT_POINTS`, see :mod:`gradproof.verify.points`).
        Any failing point fails the check.
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
    layers, activation, output_loss
        With ``loss="mlp"``: the network (as for :func:`gradproof.derive`: widths
        ``"2-8-3"``, the hidden activation, the loss on its outputs, default softmax). Its
        candidate is ``grad(X, y, W1, b1, W2, b2, …)`` returning ``{"W1": …, "b1": …, …}``;
        without ``at`` its first point is the random point of ``seed``.

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
    (True, 6)
    """
    # long only for its docstring: the work is in _Run, cases_for, assemble
    network = (layers, activation, output_loss)
    d, strict = _derivation(loss, params, kink, mean, network)
    if isinstance(d, ModelDerivation):  # a model with K scores: its own check
        _validate(mode, seed, points, directions)
        unsupported = {"loss_fn": loss_fn, "w": w, "b": b}
        given = [k for k, v in unsupported.items() if v is not None]
        if given or search:
            raise OptionError(
                _(
                    "check for a model with K scores supports grad=, claim=, X=, y=, data=, "
                    "at=, mode=, points=, directions=, seed=, kink= and precision= so far, "
                    "not {names}",
                    names=", ".join(given) or "search",
                )
            )
        return check_model_gradient(
            d,
            grad=grad,
            claim=claim,
            precision=precision,
            X=X,
            y=y,
            data=data,
            at=at,
            points=points,
            seed=seed,
            mode=mode,
            directions=directions,
            binding=strict is not None,
        )
    _validate(mode, seed, points, directions)
    seed = 0 if seed is None else int(seed)
    if search:
        if X is not None or data is not None:
            raise OptionError("search=True looks for its own data; leave X, y and data out")

        def one(Xs: Any, ys: Any, ws: Any, bs: Any) -> CheckReport:
            return check_gradient(
                d,
                grad=grad,
                claim=claim,
                X=Xs,
                y=ys,
                w=ws,
                b=bs,
                mode="full",
                points=1,
                precision=precision,
                kink=strict,  # type: ignore[arg-type]
            )

        return search_failure(
            d,
            one,
            grad=grad,
            candidate=_source(grad, claim),
            seed=seed,
            max_examples=max_examples,
            precision=precision,
            strict=strict,
        )
    run = _Run(d, grad, claim, w, b, mode, strict, directions, precision, seed)
    cases, _given, notes = cases_for(d, X, y, data, w, b, at, claim)
    count = 1 if claim is not None else (DEFAULT_POINTS if points is None else int(points))
    results: list[PointResult] = []
    for index, case in enumerate(cases):
        for k, pt in enumerate(run.points(case, index, given_point(case, w, b, at), count)):
            res = run.check(case, index, k, pt)
            if res is None:
                skipped = (
                    lazy(
                        "the {point} (w = 0) was skipped: norm(w) has no gradient there",
                        point=pt.label,
                    )
                    if run.skipped == NORM_AT_ZERO
                    else lazy(
                        "the {point} was skipped: the gradient is undefined there "
                        "(a coefficient divides by zero)",
                        point=pt.label,
                    )
                )
                if skipped not in notes:
                    notes.append(skipped)
                continue
            if loss_fn is not None and res.failure is None:
                check_loss_value(res, d, run.ff, loss_fn, case, pt, point_dtype(case, w), w, b)
            results.append(res)
    labels = [c.data.label for c in cases]
    return assemble(
        d, results, labels, notes, strict, seed, run.source, grad is None and claim is None, mode
    )


def _source(grad: Any, claim: Any) -> str:
    if claim is not None:
        return lazy("claimed gradient")
    return lazy("your gradient function") if grad is not None else lazy("derived gradient")


class _Run:
    """One check's settings, and the work at one point: run the candidate, then check it."""

    def __init__(self, d, grad, claim, w, b, mode, strict, directions, precision, seed) -> None:
        self.d, self.claim, self.w, self.b = d, claim, w, b
        self.mode, self.strict, self.directions = mode, strict, directions
        self.precision, self.seed = precision, seed
        self.ff = functions_for(d)
        self.fn = None if claim is not None else (grad if grad is not None else d.numpy().grad)
        self.source = _source(grad, claim)
        self.clock = Budget()
        self.skipped: str | None = None  # why check() last skipped a point

    def points(self, case: Case, index: int, given: CheckPoint, count: int) -> list[CheckPoint]:
        """The given point and the random ones for dataset ``index``."""
        dtype = point_dtype(case, self.w)
        u0 = max(unit_roundoff(dtype), unit_roundoff(getattr(case.Xc, "dtype", np.float64)))
        with np.errstate(all="ignore"):  # huge data: points are sized from finite results
            return plan_points(
                case.ds,
                self.ff,
                self.d.form,
                dict(self.d.params),
                given,
                count,
                self.seed,
                index,
                dtype,
                u0,
                case.data.xx,
            )

    def _mode(self, case: Case) -> str:
        if self.mode != "auto":
            return self.mode
        n, dim = case.ds.X.shape
        return "full" if dim <= FULL_MODE_MAX_D and n * (dim + 1) <= FULL_MODE_MAX_WORK else "fast"

    def check(self, case: Case, index: int, k: int, pt: CheckPoint) -> PointResult | None:
        """The result at one point (None: a default or kink point where the gradient is
        undefined, which is skipped)."""
        reason = undefined_at(
            self.ff, case.ds.X, case.ds.y, np.asarray(pt.w), float(pt.b), case.data.xx
        )
        if reason is not None:
            if pt.kind in ("default", "kink"):
                self.skipped = reason
                return None
            where = {"reason": tr(reason), "point": tr(pt.label)}
            if reason == NORM_AT_ZERO:
                raise DataError(_("{reason} (the {point}); check at a point with w ≠ 0", **where))
            raise DataError(_("{reason} (the {point}); check at another point", **where))
        mode = self._mode(case)
        cand: Candidate | CandidateFailure
        if self.claim is not None:
            cand = from_claim(self.claim, case.ds.d)
        else:
            wc, bc = caller_point(pt, point_dtype(case, self.w), self.w, self.b)
            assert self.fn is not None
            cand = call_function(
                self.fn, case.Xc, case.yc, wc, bc, source=self.source, precision=self.precision
            )
        if isinstance(cand, CandidateFailure):
            return PointResult(
                label=pt.label,
                kind=pt.kind,
                dataset=case.data.label,
                n=case.ds.n,
                d=case.ds.d,
                w=[float(v) for v in pt.w[:20]],
                b=float(pt.b),
                mode=mode,
                passed=False,
                failure=cand.message,
                hints=[cand.hint] if cand.hint else [],
            )
        rng = np.random.default_rng([self.seed, index, k, 1])
        ok = cand
        try:
            return self.clock.run(lambda: self._judge(ok, case, pt, mode, rng))
        except UndefinedReference as exc:
            if pt.kind in ("default", "kink"):
                return None
            raise DataError(
                _(
                    "{reason} (the {point}); check at a point with w ≠ 0",
                    reason=exc,
                    point=tr(pt.label),
                )
            ) from None

    def _judge(self, cand: Candidate, case: Case, pt, mode: str, rng) -> PointResult:
        # overflow is detected from the results (non-finite bounds), not from warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return check_point(
                self.d,
                self.ff,
                cand,
                case.data,
                pt,
                mode=mode,
                strict=self.strict,
                rng=rng,
                directions=self.directions,
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
