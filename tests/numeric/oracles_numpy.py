"""Independent numpy oracles for the built-in losses, written from their textbook formulas.

Each oracle returns (L, ∂L/∂w, ∂L/∂b) for data X (n, d), y (n,) at (w, b); nothing here
calls gradproof. Kink conventions follow the registry: the perceptron counts margin 0 as
misclassified, the hinge losses leave a sample exactly on the margin out.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Oracle = Callable[..., tuple[float, np.ndarray, float]]


def perceptron(X, y, w, b):
    m = y * (X @ w + b) <= 0  # misclassified, margin 0 included
    return (np.sum(np.where(m, -y * (X @ w + b), 0.0)), -(y[m] @ X[m]), -np.sum(y[m]))


def hinge(X, y, w, b, lam=0.01):
    margin = y * (X @ w + b)
    v = margin < 1  # violators; on the margin exactly: subgradient 0
    return (
        np.sum(np.clip(1 - margin, 0, None)) + lam / 2 * np.dot(w, w),
        -(y[v] @ X[v]) + lam * w,
        -np.sum(y[v]),
    )


def squared_hinge(X, y, w, b, lam=0.01):
    r = np.clip(1 - y * (X @ w + b), 0, None)
    return (np.sum(r**2) + lam / 2 * np.dot(w, w), X.T @ (-2 * y * r) + lam * w, np.sum(-2 * y * r))


def _sigma(u):
    return np.exp(-np.logaddexp(0, -u))  # 1 / (1 + e^(−u)) in log space


def logistic(X, y, w, b):
    m = y * (X @ w + b)
    c = -y * _sigma(-m)
    return np.sum(np.logaddexp(0, -m)), X.T @ c, np.sum(c)


def squared_error(X, y, w, b):
    r = X @ w + b - y
    return 0.5 * np.sum(r * r), X.T @ r, np.sum(r)


def huber(X, y, w, b, delta=1.0):
    r = X @ w + b - y
    a = np.abs(r)
    ell = np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))
    c = np.clip(r, -delta, delta)
    return np.sum(ell), X.T @ c, np.sum(c)


ORACLES: dict[str, Oracle] = {
    "perceptron": perceptron,
    "hinge": hinge,
    "squared_hinge": squared_hinge,
    "logistic": logistic,
    "squared_error": squared_error,
    "huber": huber,
}


def oracle(name: str) -> Oracle:
    """The oracle of a registry loss; a loss added to the registry without one fails here,
    so every numeric test that iterates over the registry covers it or says what is missing."""
    if name not in ORACLES:
        raise AssertionError(
            f"the loss {name!r} is in the registry but has no oracle: add its textbook "
            f"formula to tests/numeric/oracles_numpy.py"
        )
    return ORACLES[name]


def make_data(n: int, d: int, labels: str, seed: int = 0, dtype=np.float64):
    """Random data and a point: X (n, d), y (n,), w (d,), b."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d)
    b = float(rng.standard_normal())
    if labels == "pm1":
        y = np.where(rng.standard_normal(n) > 0, 1.0, -1.0)
    else:
        y = X @ w + b + 1.5 * rng.standard_normal(n)  # residuals on both sides of δ = 1
        w = w + 0.3 * rng.standard_normal(d)
    return X.astype(dtype), y.astype(dtype), w.astype(dtype), b


def integer_data(n: int, d: int, seed: int = 1):
    """Small integers: scores are exact, so many samples sit exactly on a kink (0 or 1)."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-2, 3, size=(n, d)).astype(float)
    w = rng.integers(-1, 2, size=d).astype(float)
    y = np.where(rng.integers(0, 2, size=n) == 1, 1.0, -1.0)
    return X, y, w, 0.0
