"""Independent numpy gradients (written from hand algebra, not from gradproof) for the tests."""

from __future__ import annotations

import numpy as np
import pytest

LAM = 0.01  # the hinge losses' default λ
DELTA = 1.0  # huber's default δ


def _sigmoid(u):
    return 0.5 * (1.0 + np.tanh(u / 2.0))


def hand_coefficient(name, s, y, at_kink=1.0):
    """∂ℓ/∂s by hand; ``at_kink`` is the indicator's value at the kink (perceptron/hinge)."""
    if name == "perceptron":  # ℓ = max(0, −y s)
        u = -y * s
        return -y * np.where(u > 0, 1.0, np.where(u < 0, 0.0, at_kink))
    if name == "hinge":  # ℓ = max(0, 1 − y s)
        u = 1 - y * s
        return -y * np.where(u > 0, 1.0, np.where(u < 0, 0.0, at_kink))
    if name == "squared_hinge":
        return -2 * y * np.maximum(1 - y * s, 0.0)
    if name == "logistic":  # ℓ = log(1 + e^(−y s))
        return -y * _sigmoid(-y * s)
    if name == "squared_error":
        return s - y
    if name == "huber":
        return np.clip(s - y, -DELTA, DELTA)
    raise KeyError(name)


def hand_gradient(name, at_kink=1.0):
    """A user's gradient function for a built-in loss, in numpy, by hand."""

    def grad(X, y, w, b):
        s = X @ w + b
        c = hand_coefficient(name, s, y, at_kink).astype(X.dtype)
        gw = c @ X
        if name in ("hinge", "squared_hinge"):
            gw = gw + X.dtype.type(LAM) * w
        return gw, c.sum()

    return grad


def problem(name, n=12, d=4, seed=0, dtype=np.float64):
    """Random data with labels of the loss's kind and a random point."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if name in ("squared_error", "huber"):
        y = 2 * rng.standard_normal(n)
    else:
        y = np.where(rng.standard_normal(n) > 0, 1.0, -1.0)
    w = rng.standard_normal(d)
    b = 0.3
    return X.astype(dtype), y.astype(dtype), w.astype(dtype), dtype(b)


@pytest.fixture(scope="session")
def hand():
    return hand_gradient


@pytest.fixture(scope="session")
def make_problem():
    return problem


LOSSES = ["perceptron", "hinge", "squared_hinge", "logistic", "squared_error", "huber"]
