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
from gradproof.numeric.model_example import model_example
from gradproof.symbolic.derive import derive_symbolic
from gradproof.symbolic.model_derivation import ModelDerivation

__all__ = ["derive"]


def derive(
    loss: str | None = None,
    *,
    expr: str | None = None,
    reg: str | None = None,
    params: Mapping[str, float] | None = None,
    kink: KinkConvention | None = None,
    mean: bool = False,
    wrt: Sequence[str] | None = None,
    labels: str | None = None,
    model: str | None = None,
    l1: str | None = None,
    X: Any = None,
    y: Any = None,
    data: Dataset | None = None,
    at: Point | Mapping[str, Any] | str | None = None,
    lr: float = 0.1,
    example: bool | None = None,
) -> Any:
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
        The parameters to differentiate by (default all: ``w``, ``b``; ``W``, ``b`` for a
        model with K scores).
    labels
        The label set of a user expression: ``real`` (default) or ``pm1``.
    model, l1
        The model (``linear``, or ``multiclass_linear`` for a loss over K scores per sample,
        which ``softmax``, ``multiclass_hinge``, ``crammer_singer`` and
        ``multi_squared_error`` imply), and the L1 convention of its regulariser (the value
        of sgn(0): ``zero``, ``plus`` or ``minus``). A model's ``reg`` is a regulariser
        name: ``l2``, ``l1`` or ``elastic_net``; the result is then a
        :class:`~gradproof.symbolic.model_derivation.ModelDerivation`.
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
        loss,
        expr=expr,
        reg=reg,
        params=params,
        kink=kink,
        mean=mean,
        wrt=wrt,
        labels=labels,
        model=model,
        l1=l1,
    )
    if isinstance(d, ModelDerivation):
        return _model_example(d, X, y, data, at, lr, example)
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


# the built-in sample for a model's worked example: K = 3 classes of 2-d data (labels 0, 2, 1)
_SAMPLE_X = [[1.0, 2.0], [-1.0, 0.5], [0.5, -1.5]]
_SAMPLE_Y = {"classes": [0, 2, 1], "targets": [[1.0, 0.0, -1.0], [0.5, 2.0, 0.0], [0.0, 1.0, 1.5]]}


def _model_example(
    d: ModelDerivation, X: Any, y: Any, data: Dataset | None, at: Any, lr: float, example: Any
) -> ModelDerivation:
    """``d`` with its worked example when data (or ``example=True``) is given."""
    if data is not None:
        X, y = data.X, data.y
    if (X is None) != (y is None):
        raise OptionError("give both X and y for a worked example")
    if X is None and not example:
        return d
    if X is None:
        X, y = _SAMPLE_X, _SAMPLE_Y[d.spec.labels]
    if isinstance(at, Point):
        raise OptionError("a model's point is a mapping such as {'W': [[…]], 'b': […]}")
    return d.with_example(model_example(d, X, y, at, lr))
