"""Independent numpy implementations of the built-in losses and their gradients.

Written by hand from the textbook formulas, without gradproof, so tests can compare against
them. Each returns (loss, grad_w, grad_b) for L = Σᵢ ℓᵢ (+ regulariser).
"""

from __future__ import annotations

import numpy as np


def perceptron(X, y, w, b, include_kink=True):
    m = y * (X @ w + b)
    act = (m <= 0) if include_kink else (m < 0)
    loss = np.maximum(0.0, -m).sum()
    return loss, -(y * act) @ X, -(y * act).sum()


def hinge(X, y, w, b, lam=0.01):
    m = y * (X @ w + b)
    act = m < 1
    loss = np.maximum(0.0, 1 - m).sum() + lam / 2 * w @ w
    return loss, -(y * act) @ X + lam * w, -(y * act).sum()


def squared_hinge(X, y, w, b, lam=0.01):
    m = y * (X @ w + b)
    r = np.maximum(0.0, 1 - m)
    loss = (r**2).sum() + lam / 2 * w @ w
    c = -2 * y * r
    return loss, c @ X + lam * w, c.sum()


def logistic(X, y, w, b):
    m = y * (X @ w + b)
    loss = np.logaddexp(0.0, -m).sum()
    c = -y / (1 + np.exp(m))
    return loss, c @ X, c.sum()


def squared_error(X, y, w, b):
    r = X @ w + b - y
    return 0.5 * (r**2).sum(), r @ X, r.sum()


def huber(X, y, w, b, delta=1.0):
    r = X @ w + b - y
    small = np.abs(r) <= delta
    loss = np.where(small, 0.5 * r**2, delta * (np.abs(r) - delta / 2)).sum()
    c = np.where(small, r, delta * np.sign(r))
    return loss, c @ X, c.sum()


ORACLES = {
    "perceptron": perceptron,
    "hinge": hinge,
    "squared_hinge": squared_hinge,
    "logistic": logistic,
    "squared_error": squared_error,
    "huber": huber,
}


def central_diff(f, w, b, h=1e-6):
    """Central finite differences of a scalar f(w, b), coordinate by coordinate."""
    gw = np.zeros_like(w)
    for j in range(w.size):
        e = np.zeros_like(w)
        e[j] = h * max(1.0, abs(w[j]))
        gw[j] = (f(w + e, b) - f(w - e, b)) / (2 * e[j])
    hb = h * max(1.0, abs(b))
    gb = (f(w, b + hb) - f(w, b - hb)) / (2 * hb)
    return gw, gb
