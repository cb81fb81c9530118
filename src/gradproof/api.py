"""The Python API: one call per thing the CLI does."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

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
from gradproof.limits import TIME_LIMITS, run_with_limit
from gradproof.symbolic.derivation import PARAMETERS, Derivation, build_derivation
from gradproof.symbolic.losses import LABEL_SETS, LOSSES, LossSpec, get_loss
from gradproof.symbolic.parse import parse_loss

__all__ = ["derive", "list_losses"]


def _spec_from_expression(
    expr: str, reg: str | None, params: Mapping[str, float], labels: str
) -> LossSpec:
    parsed = parse_loss(expr, params)
    reg_expr = parse_loss(reg, params, allow_data=False).expr if reg else sp.Integer(0)
    return LossSpec(
        name="custom",
        title="Custom loss",
        per_sample=parsed.expr,
        regularizer=reg_expr,
        params=dict(params),
        labels=labels,
        kink="include",
        set_name="A",
        set_meaning="active samples",
        formula=expr + (f" + {reg}" if reg else ""),
    )


def _check_params(spec: LossSpec, given: Mapping[str, float]) -> dict[str, float]:
    """Defaults overridden by ``given``: finite numbers ≥ 0; names the loss does not use are
    dropped (for a user expression) or refused (for a built-in loss)."""
    values = dict(spec.params)
    used = {s.name for e in (spec.per_sample, spec.regularizer) for s in e.free_symbols}
    for k, v in given.items():
        if spec.name != "custom" and k not in spec.params:
            known = ", ".join(spec.params) or "none"
            raise OptionError(
                f"the {spec.name} loss has no hyperparameter {k!r} (its hyperparameters: {known})"
            )
        if spec.name == "custom" and k not in used:
            continue  # a value for a name the expression does not use changes nothing
        try:
            fv = float(v)
        except (TypeError, ValueError):
            raise OptionError(f"hyperparameter {k} must be a number, got {v!r}") from None
        if not math.isfinite(fv):
            raise OptionError(f"hyperparameter {k} must be finite, got {v!r}")
        if fv < 0:
            raise OptionError(
                f"hyperparameter {k} = {fv:g} is negative; hyperparameters are "
                f"constants ≥ 0, so write the sign in the expression (e.g. -{k}) "
                f"and give {k}={-fv:g}"
            )
        if fv == 0 and k in spec.positive_params:
            raise OptionError(f"hyperparameter {k} must be > 0 for the {spec.name} loss")
        values[k] = fv
    return values


def derive(
    loss: str | None = None,
    *,
    expr: str | None = None,
    reg: str | None = None,
    params: Mapping[str, float] | None = None,
    kink: KinkConvention | None = None,
    mean: bool = False,
    wrt: Sequence[str] = PARAMETERS,
    labels: str | None = None,
    X: Any = None,
    y: Any = None,
    data: Dataset | None = None,
    at: Point | Mapping[str, Any] | str | None = None,
    lr: float = 0.1,
    example: bool | None = None,
) -> Derivation:
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
        raise OptionError(
            "give either a built-in loss name or an expression (expr=...)"
            if loss is not None
            else "give a built-in loss name (see list_losses()) or an expression (expr=...)"
        )
    given = dict(params or {})
    if expr is not None:
        spec = _spec_from_expression(expr, reg, given, labels or "real")
    else:
        if reg is not None:
            raise OptionError("reg= applies to user expressions; built-in losses have their own")
        spec = get_loss(loss)  # type: ignore[arg-type]
        if labels is not None and labels != spec.labels:
            raise OptionError(
                f"the {spec.name} loss takes {LABEL_SETS[spec.labels]}, not "
                f"{LABEL_SETS.get(labels, labels)}"
            )
    values = _check_params(spec, given)
    d = run_with_limit(
        lambda: build_derivation(
            spec,
            params=values,
            kink=kink or spec.kink,
            mean=mean,
            wrt=wrt,
            expression=expr,
            reg_expression=reg,
        ),
        TIME_LIMITS["derive_seconds"],
    )
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
