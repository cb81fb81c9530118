"""Gradient descent, SGD and momentum for a model with named, shaped parameters.

The trainer sees a model only through an :class:`Objective`: its
:class:`~gradproof.parameters.ParameterLayout`, the loss and gradient at a point (a mapping
name → array) and the scores S (n×K). It keeps the point as one flat vector θ (the layout's
order), so the update θ ← θ − ηv is the same for W, b of softmax regression and for
W1, b1, W2, … of a network. :func:`model_objective` makes the objective of a
:class:`~gradproof.symbolic.model_derivation.ModelDerivation` from its compiled functions.

After each epoch the full-data loss, the gradient norm ‖∂L/∂θ‖ and (for class labels) the
number of samples whose largest score is their own class are recorded; the bounds, the
history and the early stop at a zero gradient are those of :mod:`gradproof.notes.train`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import numpy as np

from gradproof._typing import Array
from gradproof.datasets import Dataset, sample_model_dataset
from gradproof.errors import DataError, OptionError
from gradproof.i18n import N_, _, language
from gradproof.notes.network_train import network_data, network_objective
from gradproof.notes.train import (
    _batches,
    _check,
    _check_start,
    _History,
    _history_rows,
    _shown,
    _width,
    method_name,
    register_model_trainer,
    summary,
)
from gradproof.numeric.model import model_arrays
from gradproof.parameters import ParameterLayout, parse_parameters
from gradproof.symbolic.render.example import fmt

__all__ = [
    "Objective",
    "ModelObjective",
    "ModelTrainResult",
    "model_objective",
    "run_objective",
    "model_data",
    "train_objective",
    "train_model",
    "format_model_table",
    "model_table_header",
    "model_table_rows",
    "class_labels",
]

CORRECT = N_("correct")  # the column of samples whose largest score is their class


class Objective(Protocol):
    """What the trainer needs from a model (a network provides the same four things).

    ``layout`` names and shapes the parameters; ``labels`` is ``"classes"`` (labels 0…K−1)
    or ``"targets"`` (n×K reals); ``loss_and_gradient`` gives L and ∂L/∂θ by name (each of
    its parameter's shape) on a batch; ``scores`` gives S (n×K) for the decision regions and
    the accuracy; ``start`` the point a run starts from when none is given.
    """

    @property
    def layout(self) -> ParameterLayout: ...

    @property
    def labels(self) -> str: ...

    def loss_and_gradient(
        self, X: Array, y: Array, point: Mapping[str, Array]
    ) -> tuple[float, Mapping[str, Array]]: ...

    def scores(self, X: Array, point: Mapping[str, Array]) -> Array: ...

    def start(self, seed: int | None) -> dict[str, Array]: ...


@dataclass(frozen=True)
class ModelObjective:
    """The :class:`Objective` of a model derivation at ``K`` outputs: its compiled
    ``loss_and_gradient``; the scores from the compiled ``scores`` where the model has one,
    else by its dense layers (S = XWᵀ + 𝟏bᵀ); the start at zeros (or the derivation's own
    ``initial_point(layout, seed)``, which a network needs to break the symmetry)."""

    derivation: Any
    compiled: Any
    layout: ParameterLayout
    K: int

    @property
    def labels(self) -> str:
        return str(self.derivation.spec.labels)

    def loss_and_gradient(
        self, X: Array, y: Array, point: Mapping[str, Array]
    ) -> tuple[float, Mapping[str, Array]]:
        loss, grad = self.compiled.loss_and_gradient(X, y, K=self.K, **point)
        return float(loss), grad

    def scores(self, X: Array, point: Mapping[str, Array]) -> Array:
        if hasattr(self.compiled, "scores"):
            return np.asarray(self.compiled.scores(X, **point))
        A = np.asarray(X, dtype=float)
        for layer in self.derivation.model.layers:
            if type(layer).__name__ != "Dense":  # a network's compiled code gives scores
                raise RuntimeError(f"internal error: no forward pass for layer {layer!r}")
            A = A @ point[layer.weight].T + point[layer.bias]
        return A

    def start(self, seed: int | None) -> dict[str, Array]:
        init = getattr(self.derivation, "initial_point", None)
        if init is not None:
            return dict(init(self.layout, seed))
        return self.layout.zeros()


def class_labels(y: Array) -> Array:
    """Labels 0…K−1 from a label vector or one-hot rows."""
    a = np.asarray(y)
    return a.argmax(axis=1) if a.ndim == 2 else a.astype(np.intp)


def model_data(d: Any, data: Dataset | None, X: Any = None, y: Any = None) -> Dataset:
    """The samples to train on: ``data``, or X and y, or the built-in 3-class data; checked
    against the loss's labels (one line naming what is wrong otherwise); a network's are
    checked against its widths (default: XOR, see :mod:`gradproof.notes.network_train`)."""
    if hasattr(d, "widths"):
        return network_data(d, data, X, y)
    if data is not None and (X is not None or y is not None):
        raise OptionError(_("give the samples once: a Dataset, or X and y, not both"))
    if data is None and (X is None) != (y is None):
        raise OptionError(_("give both X and y (or a Dataset)"))
    if data is None and X is None:
        return sample_model_dataset(d.spec.labels)
    source = data.source if data is not None else "X, y"
    Xa, ya = (data.X, data.y) if data is not None else (X, y)
    Xc, _lab, _T, _K = model_arrays(d.spec.labels, Xa, ya)  # one line if the labels do not fit
    if not np.all(np.isfinite(Xc)):
        raise DataError(_("X has entries that are not finite (inf or nan); give finite numbers"))
    return Dataset(Xc.astype(np.float64), np.asarray(ya, dtype=np.float64), source)


def model_objective(d: Any, data: Dataset, at: Any = None) -> Objective:
    """The objective of ``d`` on ``data``: K from the point's W (when ``at`` gives one) or
    else from the labels; a network's widths fix its shapes (its start is a seeded random
    point, not zeros)."""
    if hasattr(d, "widths"):
        return network_objective(d)
    raw = at
    if isinstance(at, str):
        import json

        try:
            raw = json.loads(at)
        except ValueError:
            raw = None  # parse_parameters says what is wrong, in one line
    K = None
    if isinstance(raw, Mapping) and np.ndim(raw.get("W", 0)) == 2:
        K = int(np.shape(raw["W"])[0])
    _X, _lab, _T, K = model_arrays(d.spec.labels, data.X, data.y, K)
    return ModelObjective(d, d.numpy(), d.layout(data.d, K), K)


def run_objective(d: Any, layout: ParameterLayout, K: int) -> Objective:
    """The objective a run of ``d`` with this layout was trained on (its scores draw the
    decision regions): a network's, or the model's at ``K`` outputs."""
    if hasattr(d, "widths"):
        return network_objective(d)
    return ModelObjective(d, d.numpy(), layout, K)


@dataclass(frozen=True)
class ModelTrainResult:
    """The history of a model's run: row i is the state at the end of epoch ``epochs[i]``
    (epoch 0 is the start); ``thetas[i]`` the flat parameter vector (``layout`` names its
    entries), ``correct[i]`` the samples classified right (None for real targets)."""

    loss_name: str
    title: str
    layout: ParameterLayout
    losses: list[float]
    grad_norms: list[float]
    thetas: list[Array]
    correct: list[int | None]
    converged: bool
    lr: float
    momentum: float
    batch_size: int | None
    seed: int | None
    n: int
    K: int
    epochs: list[int] = field(default_factory=list)
    source: str = "data"

    @property
    def epochs_run(self) -> int:
        """Number of epochs actually run (fewer than asked when the run converged)."""
        return self.epochs[-1]

    @property
    def point(self) -> dict[str, Array]:
        """The final parameters by name."""
        return self.layout.unflatten(self.thetas[-1])

    @property
    def start(self) -> dict[str, Array]:
        """The parameters the run started from."""
        return self.layout.unflatten(self.thetas[0])

    @property
    def method(self) -> str:
        """'gradient descent', 'SGD' and/or 'momentum', as run (in the current language)."""
        return method_name(self.batch_size, self.momentum)

    def __repr__(self) -> str:
        return (
            f"ModelTrainResult({self.loss_name!r}, method={self.method!r}, lr={self.lr:g}, "
            f"epochs={self.epochs_run}, converged={self.converged}, "
            f"loss={fmt(self.losses[-1])}, parameters={self.layout!r})"
        )

    def __str__(self) -> str:
        return f"{summary(cast(Any, self))}\n{format_model_table(self)}"


def train_model(
    derivation: Any,
    data: Dataset | None = None,
    *,
    X: Any = None,
    y: Any = None,
    at: Any = None,
    **options: Any,
) -> ModelTrainResult:
    """Train a model derivation (``derive("softmax")``) on ``data`` (or X, y; default the
    built-in 3-class data) from ``at`` (JSON or a mapping name → array; default zeros); the
    ``options`` are those of :func:`train_objective`.

    >>> from gradproof import derive
    >>> r = train_model(derive("softmax"), lr=0.5, epochs=30)
    >>> r.correct[0], r.correct[-1], r.losses[-1] < r.losses[0]
    (3, 9, True)
    """
    wrt = tuple(derivation.wrt)
    if set(wrt) != set(derivation.parameters):
        raise OptionError(
            _(
                "training needs the gradient with respect to every parameter ({names})",
                names=", ".join(derivation.parameters),
            )
        )
    ds = model_data(derivation, data, X, y)
    objective = model_objective(derivation, ds, at)
    start = None if at is None else parse_parameters(at, objective.layout, "--at")
    result = train_objective(objective, ds, start=start, **options)
    return ModelTrainResult(**{**result, "loss_name": derivation.name, "title": derivation.title})


def train_objective(
    objective: Objective,
    data: Dataset,
    *,
    lr: float = 0.1,
    epochs: int = 100,
    momentum: float = 0.0,
    batch_size: int | None = None,
    seed: int | None = None,
    start: Mapping[str, Array] | None = None,
    tol: float = 0.0,
    callback: Callable[[int], None] | None = None,
    history: int | None = None,
) -> dict[str, Any]:
    """Minimise ``objective`` on ``data``: the fields of a :class:`ModelTrainResult` (all but
    the loss's name and title). ``start`` defaults to ``objective.start(seed)``; the other
    options are those of :func:`gradproof.notes.train.train`."""
    # one piece: the loop reads best as it runs, as in notes.train
    _check(lr, epochs, momentum, batch_size, seed, data.n)
    layout = objective.layout
    X, y = data.X, data.y
    labels = class_labels(y) if objective.labels == "classes" else None
    theta = layout.flatten(start if start is not None else objective.start(seed))
    velocity = np.zeros_like(theta)
    rng = np.random.default_rng(seed)
    kept = _History(history if history is not None else _history_rows(layout.size))

    def grad_at(Xb: Array, yb: Array) -> tuple[float, Array]:
        loss, grad = objective.loss_and_gradient(Xb, yb, layout.unflatten(theta))
        return loss, layout.flatten(grad)

    full: list[Array] = []  # the full-data gradient at θ, recorded: the next GD step's

    def record(epoch: int) -> float:
        loss, g = grad_at(X, y)
        full[:] = [g]
        norm = float(np.sqrt(np.sum(np.square(g))))
        right = None
        if labels is not None:
            S = objective.scores(X, layout.unflatten(theta))
            right = int(np.sum(np.argmax(S, axis=1) == labels))
        kept.add((epoch, float(loss), norm, theta.copy(), right))
        return norm

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # reported below
        converged = record(0) <= tol
        _check_start(kept.rows[0])
        for epoch in range(1, epochs + 1):
            if converged:
                break
            for idx in _batches(rng, data.n, batch_size):
                # full-batch GD steps with the gradient just recorded at this θ (one pass
                # over X per epoch instead of two); a minibatch needs its own
                g = full[0] if batch_size is None else grad_at(X[idx], y[idx])[1]
                velocity = momentum * velocity + g
                theta = theta - lr * velocity
            # a step past the finite numbers is divergence, before the objective reads θ
            # (it would call θ a bad point)
            finite = bool(np.all(np.isfinite(theta)))
            converged = finite and record(epoch) <= tol
            if not (finite and np.isfinite(kept.rows[-1][1])):
                raise OptionError(
                    _(
                        "the run diverged at epoch {epoch} (the loss or the parameters are no "
                        "longer finite); use a smaller --lr than {lr:g}",
                        epoch=epoch,
                        lr=lr,
                    )
                )
            if callback is not None:
                callback(epoch)
    rows = kept.rows
    return {
        "layout": layout,
        "losses": [r[1] for r in rows],
        "grad_norms": [r[2] for r in rows],
        "thetas": [r[3] for r in rows],
        "correct": [r[4] for r in rows],
        "epochs": [r[0] for r in rows],
        "converged": converged,
        "lr": lr,
        "momentum": momentum,
        "batch_size": batch_size,
        "seed": seed,
        "n": data.n,
        "K": int(np.prod(layout.shapes[layout.names[-1]]) or 1),
        "source": data.source,
    }


# -- presentation -----------------------------------------------------------------------------
def model_table_header(result: ModelTrainResult, lang: str | None = None) -> list[str]:
    """Column titles of :func:`model_table_rows` in ``lang`` (default: the current one)."""
    with language(lang):
        return [_("epoch"), _("loss"), "‖g‖", _(CORRECT)]


def model_table_rows(result: ModelTrainResult, limit: int = 25) -> list[list[str]]:
    """One row per shown epoch: epoch, loss, ‖g‖ and the samples classified right (— for
    real targets)."""
    out = []
    for k in _shown(cast(Any, result), limit):
        right = result.correct[k]
        out.append(
            [
                str(result.epochs[k]),
                fmt(result.losses[k]),
                fmt(result.grad_norms[k]),
                "—" if right is None else f"{right}/{result.n}",
            ]
        )
    return out


def format_model_table(result: ModelTrainResult, limit: int = 25, lang: str | None = None) -> str:
    """The history as an aligned plain-text table, in ``lang``."""
    with language(lang):
        header = model_table_header(result)
        rows = model_table_rows(result, limit)
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(" " * (wd - _width(c)) + c for c, wd in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("─" * wd for wd in widths))
    return "\n".join(lines)


def format_point(point: Mapping[str, Array]) -> list[str]:
    """One line per parameter: ``W = [[…], […]]`` with six significant digits."""

    def nested(a: Array) -> str:
        if a.ndim == 0:
            return fmt(float(a))
        return "[" + ", ".join(nested(v) for v in a) + "]"

    return [f"{name} = {nested(np.asarray(a))}" for name, a in point.items()]


register_model_trainer(train_model)
