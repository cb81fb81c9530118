"""The numbers of a worked example: data, the point, and what the derived formula gives there.

Only numbers: the numeric layer fills a :class:`WorkedExample` from the compiled functions of
a derivation; the renderers (:mod:`gradproof.symbolic.render.example`) turn it into steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradproof._typing import Array

__all__ = ["WorkedExample"]


@dataclass(frozen=True)
class WorkedExample:
    """One evaluation of the derived gradient and one gradient-descent step.

    Attributes
    ----------
    X, y, w, b, lr
        The data, the point and the learning rate.
    scores
        sᵢ = w·xᵢ + b for every sample.
    active
        For each active set (by name), the 0-based indices of its samples.
    loss, grad_w, grad_b
        L, ∂L/∂w and ∂L/∂b at the point.
    new_w, new_b
        The point after one step of size ``lr``.
    coefficients
        Per-sample coefficients of the gradient: ``cw`` (of xᵢ), ``cb`` (of ∂L/∂b) and
        ``cq`` (of w), as in :class:`gradproof.symbolic.calculus.GradientForm`; ``rw``, the
        regulariser's coefficient of w (one number).
    margins
        yᵢ sᵢ for every sample, for labels ±1 (None otherwise).
    switches
        For each active set (by name), its switching function uᵢ at every sample (the set
        holds the samples where uᵢ ≥ 0, or > 0, as the convention says).
    """

    X: Array
    y: Array
    w: Array
    b: float
    lr: float
    scores: Array
    active: Mapping[str, Array]
    loss: float
    grad_w: Array
    grad_b: float
    new_w: Array
    new_b: float
    coefficients: Mapping[str, Array] = field(default_factory=dict)
    margins: Array | None = None
    switches: Mapping[str, Array] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """The number of samples."""
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        """The number of features."""
        return int(self.X.shape[1])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready numbers; samples in ``active`` and ``active_sets`` are numbered from 1,
        as in the text and in ``gradproof check --json`` (``numbering`` says so)."""
        sets = {name: (np.asarray(idx) + 1).tolist() for name, idx in self.active.items()}
        first = next(iter(sets.values()), None)
        return {
            "n": self.n,
            "d": self.d,
            "point": {"w": self.w.tolist(), "b": float(self.b)},
            "scores": self.scores.tolist(),
            "loss": float(self.loss),
            "gradient": {"w": self.grad_w.tolist(), "b": float(self.grad_b)},
            "active": first if first is not None else list(range(1, self.n + 1)),
            "active_sets": sets,
            "numbering": "samples are numbered from 1: sample 1 is the first row of X",
            "update": {"lr": float(self.lr), "w": self.new_w.tolist(), "b": float(self.new_b)},
        }
