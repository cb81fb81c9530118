"""``gradproof.derive``: the symbolic derivation, with a worked example when data is given.

The derivation itself is :func:`gradproof.symbolic.derive.derive_symbolic`; this module adds
the worked example, whose numbers come from the compiled functions
(:func:`gradproof.numeric.example.worked_example`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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
from gradproof.numeric.example import worked_example
from gradproof.symbolic.derivation import PARAMETERS, Derivation
from gradproof.symbolic.derive import derive_symbolic

__all__ = ["derive"]


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
        A built-in loss name (see :func:`gradproof.list_losses`), or None with ``expr``.
    expr, reg
        A per-sample loss expression and an optional regulariser (outside the sum), in
        gradproof's expression language; parsed, never evaluated.
    params
        Hyperparameter values, e.g. ``{"lam": 0.1}``: finite real numbers ≥ 0.
    kink
        Subgradient convention at kinks: ``include`` (𝟙 = 1 at 0), ``exclude`` or
        ``average``; each loss has its own default.
    mean
        Average over samples instead of summing.
    wrt
        The parameters to differentiate by (``w``, ``b``).
    labels
        The label set of a user expression: ``real`` (default) or ``pm1``.
    X, y, data, at, lr, example
        Data for a worked example (``data`` or ``X``/``y``; with ``example=True`` and no data,
        the built-in sample data), the point (default zeros) and the learning rate.

    Examples
    --------
    >>> d = derive("perceptron")
    >>> print(d.render().splitlines()[0])
    Perceptron loss — gradient derivation
    """
    d = derive_symbolic(
        loss, expr=expr, reg=reg, params=params, kink=kink, mean=mean, wrt=wrt, labels=labels
    )
    if data is None and (X is not None or y is not None):
        if X is None or y is None:
            raise OptionError("give both X and y for a worked example")
        data = as_dataset(X, y)
    if data is None and example:
        data = sample_dataset(d.spec.labels)
    if data is None:
        return d
    validate_labels(data, d.spec.labels)
    point = at if isinstance(at, Point) else parse_point(at, data.d)
    return d.with_example(worked_example(d, data, point, lr))
