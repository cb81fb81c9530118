"""Shared data and independent (hand-written numpy) formulas for the notes tests."""

from __future__ import annotations

import numpy as np
import pytest

# Four separable points (the built-in sample data, written out here on purpose).
SAMPLE_X = np.array([[2.0, 3.0], [1.0, -1.0], [-1.0, 2.0], [-2.0, -1.0]])
SAMPLE_Y = np.array([1.0, -1.0, 1.0, -1.0])


def perceptron_grad(X, y, w, b):
    """∂L/∂(w, b) of Σ max(0, −y(w·x + b)), margin ≤ 0 counted as misclassified."""
    m = y * (X @ w + b) <= 0
    return -(y[m] @ X[m]), -y[m].sum()


def perceptron_loss(X, y, w, b):
    return np.maximum(0.0, -y * (X @ w + b)).sum()


def hinge_grad(X, y, w, b, lam):
    """∂L/∂(w, b) of Σ max(0, 1 − y(w·x + b)) + λ/2 ‖w‖², margin exactly 1 left out."""
    v = y * (X @ w + b) < 1
    return lam * w - y[v] @ X[v], -y[v].sum()


def hinge_loss(X, y, w, b, lam):
    return np.maximum(0.0, 1 - y * (X @ w + b)).sum() + lam / 2 * w @ w


@pytest.fixture
def sample():
    from gradproof.datasets import as_dataset

    return as_dataset(SAMPLE_X, SAMPLE_Y, "test sample")
