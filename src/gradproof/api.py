"""The Python API: one call per thing the CLI does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from gradproof._typing import KinkConvention
from gradproof.data import Dataset, Point, as_dataset, parse_point, sample_dataset, validate_labels
from gradproof.errors import OptionError
from gradproof.limits import TIME_LIMITS, run_with_limit
from gradproof.symbolic.atoms import hyperparameter
from gradproof.symbolic.derivation import PARAMETERS, Derivation, build_derivation
from gradproof.symbolic.losses import LOSSES, LossSpec, get_loss
from gradproof.symbolic.parse import parse_loss

__all__ = ["derive", "list_losses"]


def _spec_from_expression(expr: str, reg: str | None, params: Mapping[str, float],
                          labels: str) -> LossSpec:
    parsed = parse_loss(expr, params)
    reg_expr = parse_loss(reg, params, allow_data=False).expr if reg else sp.Integer(0)
    return LossSpec(name="custom", title="Custom loss", per_sample=parsed.expr,
                    regularizer=reg_expr, params=dict(params), labels=labels,
                    kink="include", set_name="A", set_meaning="active samples",
                    formula=expr + (f" + {reg}" if reg else ""))


def _check_params(spec: LossSpec, given: Mapping[str, float]) -> dict[str, float]:
    values = dict(spec.params)
    for k, v in given.items():
        if spec.name != "custom" and k not in spec.params:
            known = ", ".join(spec.params) or "none"
            raise OptionError(f"the {spec.name} loss has no hyperparameter {k!r} "
                              f"(its hyperparameters: {known})")
        try:
            fv = float(v)
        except (TypeError, ValueError):
            raise OptionError(f"hyperparameter {k} must be a number, got {v!r}") from None
        if not fv == fv or fv in (float("inf"), float("-inf")):
            raise OptionError(f"hyperparameter {k} must be finite, got {v!r}")
        values[k] = fv
    free = {str(s) for e in (spec.per_sample, spec.regularizer)
            for s in getattr(e, "free_symbols", set())}
    missing = [k for k in free if hyperparameter(k) in _all_symbols(spec) and k not in values]
    if missing:
        raise OptionError(f"no value for hyperparameter(s) {', '.join(missing)}; "
                          f"give --param NAME=VALUE")
    return values


def _all_symbols(spec: LossSpec) -> set[Any]:
    out: set[Any] = set()
    for e in (spec.per_sample, spec.regularizer):
        out |= set(getattr(e, "free_symbols", set()))
    return out


def derive(loss: str | None = None, *, expr: str | None = None, reg: str | None = None,
           params: Mapping[str, float] | None = None, kink: KinkConvention | None = None,
           mean: bool = False, wrt: Sequence[str] = PARAMETERS, labels: str | None = None,
           X: Any = None, y: Any = None, data: Dataset | None = None,
           at: Point | Mapping[str, Any] | str | None = None, lr: float = 0.1,
           example: bool | None = None) -> Derivation:
    """Derive the gradient of a built-in loss or of a user expression.

    Parameters
    ----------
    loss
        A built-in loss name (see :func:`list_losses`), or None with ``expr``.
    expr, reg
        A per-sample loss expression and an optional regulariser (outside the sum), in
        gradproof's expression language; parsed, never evaluated.
    params
        Hyperparameter values, e.g. ``{"lam": 0.1}``.
    kink
        Subgradient convention at kinks: ``include`` (𝟙 = 1 at 0), ``exclude`` or
        ``average``; each loss has its own default.
    mean
        Average over samples instead of summing.
    wrt
        The parameters to differentiate by (``w``, ``b``).
    X, y, data, at, lr, example
        Data for a worked example (``data`` or ``X``/``y``; with ``example=True`` and no data,
        the built-in sample data), the point (default zeros) and the learning rate.

    Examples
    --------
    >>> d = derive("perceptron")
    >>> print(d.render().splitlines()[0])
    Perceptron loss — gradient derivation
    """
    if (loss is None) == (expr is None):
        raise OptionError("give a built-in loss name or an expression (expr=...), not both")
    given = dict(params or {})
    if expr is not None:
        spec = _spec_from_expression(expr, reg, given, labels or "real")
    else:
        if reg is not None:
            raise OptionError("reg= applies to user expressions; built-in losses have their own")
        spec = get_loss(loss)  # type: ignore[arg-type]
        if labels is not None and labels != spec.labels:
            raise OptionError(f"the {spec.name} loss uses {spec.labels} labels")
    values = _check_params(spec, given)
    d = run_with_limit(lambda: build_derivation(spec, params=values, kink=kink or spec.kink,
                                                mean=mean, wrt=wrt, expression=expr),
                       TIME_LIMITS["derive_seconds"])
    if data is None and (X is not None or y is not None):
        if X is None or y is None:
            raise OptionError("give both X and y for a worked example")
        data = as_dataset(X, y)
    if data is None and example:
        data = sample_dataset(spec.labels)
    if data is not None:
        from gradproof.numeric.example import worked_example

        validate_labels(data, spec.labels)
        point = at if isinstance(at, Point) else parse_point(at, data.d)
        ex, steps = worked_example(d, data, point, lr)
        d = d.with_example(ex, steps)
    return d


def list_losses() -> list[LossSpec]:
    """The built-in losses, in registry order."""
    return list(LOSSES.values())
