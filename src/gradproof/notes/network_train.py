"""Training a feed-forward network through the trainer's :class:`Objective` seam.

A network (``derive("mlp", layers="2-8-2")``) is trained like softmax regression: the
trainer of :mod:`gradproof.notes.model_train` sees its layout (W1, b1, W2, b2, …), its compiled
loss and gradient, its scores (the forward pass) and where it starts. The start is *not*
zeros — at zeros every hidden unit is the same and every hidden gradient is 0, so gradient
descent could never leave that point — but the seeded random point of the network's worked
example (:func:`~gradproof.numeric.network_example.random_point`). The built-in data of a
network with 2 inputs is XOR (:func:`~gradproof.datasets.sample_xor_dataset`), which no
linear model separates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradproof._typing import Array
from gradproof.datasets import Dataset, sample_xor_dataset
from gradproof.errors import DataError
from gradproof.i18n import N_, _
from gradproof.numeric.network import network_arrays
from gradproof.numeric.network_example import forward, random_point, sample_data
from gradproof.parameters import ParameterLayout

__all__ = ["NetworkObjective", "network_objective", "network_data", "is_network", "is_xor"]

NETWORK_SAMPLE = N_("built-in network sample data")


def is_network(d: Any) -> bool:
    """Whether ``d`` is a network's derivation (it has layer widths)."""
    return hasattr(d, "widths")


@dataclass(frozen=True)
class NetworkObjective:
    """The :class:`~gradproof.notes.model_train.Objective` of a network derivation."""

    derivation: Any
    compiled: Any
    layout: ParameterLayout

    @property
    def labels(self) -> str:
        # softmax: classes 0…K−1; squared error: targets; logistic: ±1 (no argmax count)
        return str(self.derivation.spec.labels)

    def loss_and_gradient(
        self, X: Array, y: Array, point: Mapping[str, Array]
    ) -> tuple[float, Mapping[str, Array]]:
        loss, grad = self.compiled.loss_and_gradient(X, y, **point)
        return float(loss), grad

    def scores(self, X: Array, point: Mapping[str, Array]) -> Array:
        return forward(self.derivation, np.asarray(X, dtype=np.float64), dict(point))

    def start(self, seed: int | None) -> dict[str, Array]:
        return random_point(self.derivation, 0 if seed is None else seed)


def network_objective(d: Any) -> NetworkObjective:
    """The objective of the network derivation ``d`` (its widths fix every shape)."""
    return NetworkObjective(d, d.numpy(), d.layout())


def _default_data(d: Any) -> Dataset:
    """XOR for a 2-input softmax network with 2 outputs (or a logistic one, labels ±1), else
    the rows of the network's worked example."""
    if d.widths[0] == 2 and d.spec.name in ("softmax", "logistic") and d.widths[-1] <= 2:
        xor = sample_xor_dataset()
        y = xor.y if d.spec.name == "softmax" else 2.0 * xor.y - 1
        return Dataset(xor.X, y, xor.source)
    X, y = sample_data(d)
    return Dataset(X, np.asarray(y, dtype=np.float64), NETWORK_SAMPLE)


def network_data(d: Any, data: Dataset | None, X: Any = None, y: Any = None) -> Dataset:
    """The samples to train a network on: ``data``, or X and y, or the built-in data (see
    :func:`_default_data`); checked against the network's widths and loss (one line)."""
    if data is None and X is None and y is None:
        return _default_data(d)
    source = data.source if data is not None else "X, y"
    Xa, ya = (data.X, data.y) if data is not None else (X, y)
    Xc = network_arrays(d, Xa, ya)[0]  # one line if the data do not fit the widths
    if not np.all(np.isfinite(Xc)):
        raise DataError(_("X has entries that are not finite (inf or nan); give finite numbers"))
    return Dataset(Xc.astype(np.float64), np.asarray(ya, dtype=np.float64), source)


def is_xor(data: Dataset) -> bool:
    """Whether ``data`` is the built-in XOR data (labels 0/1 or ±1)."""
    xor = sample_xor_dataset()
    return data.source == xor.source and np.array_equal(data.X, xor.X)
