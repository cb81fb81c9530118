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
from gradproof.numeric.network_example import network_example
from gradproof.symbolic.derive import derive_symbolic
from gradproof.symbolic.model_derivation import ModelDerivation
from gradproof.symbolic.network_derivation import NETWORK_MODELS, NetworkDerivation

__all__ = ["derive"]


def derive(
    name: str | None = None,
    /,
    *,
    loss: str | None = None,
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
    layers: str | Sequence[int] | None = None,
    activation: str | None = None,
    seed: int | None = None,
) -> Any:
    """Derive the gradient of a built-in loss or of a user expression.

    Parameters
    ----------
    name, loss
        A built-in loss name (see :func:`gradproof.list_losses`), or None with ``expr``;
        ``"mlp"`` as the name is a feed-forward network, whose ``loss=`` is the loss on its
        outputs (``softmax``, the default; ``squared_error``; ``logistic``: one output
        unit, labels ±1).
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
    layers, activation, seed
        A network's widths (``"2-16-3"``: d inputs, hidden widths, K outputs), its hidden
        activation (``relu``, the default; ``sigmoid``, ``tanh``, ``identity``; relu′(0) is
        ``kink``: ``exclude`` → 0, the default, ``include`` → 1, ``average`` → ½), and the
        seed of its example's random point (a network at zeros has zero hidden gradients,
        so without ``at`` the point is that of seed 0).

    Examples
    --------
    >>> d = derive("perceptron")
    >>> print(d.render().splitlines()[0])
    Perceptron loss — gradient derivation
    """
    if name is not None and name.strip().lower() in NETWORK_MODELS:
        if model is not None and model.strip().lower() not in NETWORK_MODELS:
            raise OptionError(f"derive({name!r}) is a network; model={model!r} contradicts it")
        model = name
    elif name is not None and loss is not None:
        raise OptionError(f"give the loss once: derive({name!r}) or derive(loss={loss!r})")
    elif name is not None:
        loss = name
    network = model is not None and model.strip().lower() in NETWORK_MODELS
    if seed is not None and not network:
        raise OptionError("seed= draws a network's example point; it applies to derive('mlp')")
    d = derive_symbolic(
        loss,
        layers=layers,
        activation=activation,
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
    if isinstance(d, NetworkDerivation):
        if data is not None:
            X, y = data.X, data.y
        if (X is None) != (y is None):
            raise OptionError("give both X and y for a worked example")
        if X is None and not example and at is None and seed is None:
            return d
        return d.with_example(network_example(d, X, y, at, seed, lr))
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
