"""The worked example of a model with K scores per sample: the derived gradient evaluated on
data at a point, and one gradient step — every number from the compiled functions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradproof._typing import Array
from gradproof.errors import DataError, OptionError
from gradproof.numeric.model import model_arrays
from gradproof.parameters import parse_parameters

__all__ = ["ModelExample", "model_example"]


@dataclass(frozen=True)
class ModelExample:
    """Numbers of a model's worked example (parameters by name, as arrays)."""

    n: int
    d: int
    K: int
    point: dict[str, Array]
    scores: Array
    loss: float
    gradient: dict[str, Array]
    lr: float
    update: dict[str, Array]
    X: Array | None = None  # the data (float64) and labels/targets as given
    y: Array | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready numbers: each parameter as a nested list of its shape."""
        return {
            "n": self.n,
            "d": self.d,
            "K": self.K,
            "point": {k: v.tolist() for k, v in self.point.items()},
            "scores": self.scores.tolist(),
            "loss": float(self.loss),
            "gradient": {k: v.tolist() for k, v in self.gradient.items()},
            "update": {"lr": float(self.lr), **{k: v.tolist() for k, v in self.update.items()}},
        }


def _width(at: Any) -> int | None:
    """K from the point (the rows of W) when it gives W, else None (the labels decide)."""
    if isinstance(at, dict) and "W" in at and np.ndim(at["W"]) == 2:
        return int(np.shape(at["W"])[0])
    return None


def model_example(d: Any, X: Any, y: Any, at: Any, lr: float = 0.1) -> ModelExample:
    """Evaluate ``d``'s compiled gradient on (X, y) at ``at`` (JSON text, a mapping or None
    for zeros) and take one step of size ``lr``."""
    if not np.isfinite(lr) or lr <= 0:
        raise OptionError(f"the learning rate lr must be a positive number, got {lr}")
    raw = at
    if isinstance(at, str):
        try:
            raw = json.loads(at)
        except ValueError:
            raw = at  # parse_parameters says what is wrong, in one line
    Xa, _, _, K = model_arrays(d.spec.labels, X, y, _width(raw))
    Xa = Xa.astype(np.float64)
    layout = d.layout(Xa.shape[1], K)
    point = parse_parameters(at, layout, "--at")
    compiled = d.numpy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            loss, grad = compiled.loss_and_gradient(Xa, y, K=K, **point)
        except FloatingPointError as exc:
            raise DataError(
                f"the loss or its gradient is not finite in float64 at this point ({exc}); "
                f"use smaller data values or another point"
            ) from None
    scores = Xa @ point["W"].T + point["b"]
    update = {k: point[k] - lr * grad[k] for k in grad}
    return ModelExample(
        Xa.shape[0], Xa.shape[1], K, point, scores, loss, grad, lr, update, Xa, np.asarray(y)
    )
