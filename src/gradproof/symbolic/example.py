"""The numbers of a worked example: data, the point, and what the derived formula gives there.

Only numbers: the numeric layer fills a :class:`WorkedExample` (a :class:`ModelExample` for a
model with K scores per sample) from the compiled functions of a derivation; the renderers
(:mod:`gradproof.symbolic.render.example`, :mod:`gradproof.symbolic.render.model_example`)
turn it into steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradproof._typing import Array

__all__ = ["WorkedExample", "ModelExample", "NetworkExample", "MAX_LISTED"]

MAX_LISTED = 12
"""Samples a worked example lists one by one; larger data is summarised (and the numeric
layer computes per-sample numbers for the listed samples only)."""


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


@dataclass(frozen=True)
class ModelExample:
    """Numbers of a model's worked example (parameters by name, as arrays).

    Attributes
    ----------
    n, d, K
        Samples, features, classes (outputs).
    point, gradient, update
        The parameters, ∂L/∂θ there and the parameters after one step of size ``lr``.
    scores, loss
        S = XWᵀ + 𝟏bᵀ (n×K) and L.
    X, y
        The data (float64), and the labels 0…K−1 (n) or the targets (n×K) as given.
    probabilities
        The softmax of each row of S when the loss goes through log Σₗ exp(sₗ), else None.
    score_gradient
        The first rows of G: gᵢₖ = ∂ℓᵢ/∂sᵢₖ of each sample (not averaged), from the compiled
        functions run on that sample alone; at most as many rows as the renderers list.
    """

    n: int
    d: int
    K: int
    point: Mapping[str, Array]
    scores: Array
    loss: float
    gradient: Mapping[str, Array]
    lr: float
    update: Mapping[str, Array]
    X: Array | None = None
    y: Array | None = None
    probabilities: Array | None = None
    score_gradient: Array | None = None

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


@dataclass(frozen=True)
class NetworkExample(ModelExample):
    """Numbers of a network's worked example: a :class:`ModelExample` (``scores`` is S, the
    last layer's output; ``score_gradient`` all of G = ∂L/∂S, per sample, not averaged) and
    every stage the derivation names.

    Attributes
    ----------
    hidden
        (Zₗ, Aₗ) of each hidden layer l = 1 … L−1, in order.
    deltas
        δₗ by layer l = 1 … L−1 (δ_L is G), not averaged: the derivation's δ.
    mean
        Whether L is averaged over the samples (then ∂L/∂Wₗ = δₗᵀAₗ₋₁ / n).
    """

    hidden: tuple[tuple[Array, Array], ...] = ()
    deltas: Mapping[int, Array] = field(default_factory=dict)
    mean: bool = False
