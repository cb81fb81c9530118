"""The worked example of a model with K scores per sample: the derived gradient evaluated on
data at a point, and one gradient step — every number from the compiled functions."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from gradproof.errors import DataError, OptionError
from gradproof.i18n import _
from gradproof.numeric.model import model_arrays
from gradproof.parameters import parse_parameters
from gradproof.symbolic.atoms import LSE
from gradproof.symbolic.example import MAX_LISTED, ModelExample

__all__ = ["ModelExample", "model_example"]


def _width(at: Any) -> int | None:
    """K from the point (the rows of W) when it gives W, else None (the labels decide)."""
    if isinstance(at, dict) and "W" in at and np.ndim(at["W"]) == 2:
        return int(np.shape(at["W"])[0])
    return None


def model_example(d: Any, X: Any, y: Any, at: Any, lr: float = 0.1) -> ModelExample:
    """Evaluate ``d``'s compiled gradient on (X, y) at ``at`` (JSON text, a mapping or None
    for zeros) and take one step of size ``lr``."""
    if not np.isfinite(lr) or lr <= 0:
        raise OptionError(_("the learning rate lr must be a positive number, got {lr}", lr=lr))
    raw = at
    if isinstance(at, str):
        try:
            raw = json.loads(at)
        except ValueError:
            raw = at  # parse_parameters says what is wrong, in one line
    Xa, _lab, _T, K = model_arrays(d.spec.labels, X, y, _width(raw))
    Xa = Xa.astype(np.float64)
    layout = d.layout(Xa.shape[1], K)
    point = parse_parameters(at, layout, "--at")
    compiled = d.numpy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            loss, grad = compiled.loss_and_gradient(Xa, y, K=K, **point)
        except FloatingPointError as exc:
            raise DataError(
                _(
                    "the loss or its gradient is not finite in float64 at this point ({why}); "
                    "use smaller data values or another point",
                    why=str(exc),
                )
            ) from None
    scores = Xa @ point["W"].T + point["b"]
    update = {k: point[k] - lr * grad[k] for k in grad}
    probabilities = None
    if LSE in d.form.atoms:  # the loss goes through log Σₗ exp(sₗ): show P = softmax(S)
        shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        G = compiled.score_gradient(Xa, y, point["W"], point["b"], K=K, rows=MAX_LISTED)
    labels = np.asarray(y, dtype=np.float64)
    return ModelExample(
        Xa.shape[0],
        Xa.shape[1],
        K,
        point,
        scores,
        loss,
        grad,
        lr,
        update,
        X=Xa,
        y=labels,
        probabilities=probabilities,
        score_gradient=G,
    )
