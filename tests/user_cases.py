"""User-written loss expressions shared by several tests, each with an independent numpy
implementation of its per-sample loss and regulariser (written by hand, not by gradproof)."""

from __future__ import annotations

import numpy as np


def _sig(u):
    return 1 / (1 + np.exp(-u))


# (expression, regulariser, params, labels, independent numpy per-sample loss, numpy reg)
CASES = [
    (
        "max(0, 1 - y*dot(w, x))",
        None,
        {},
        "pm1",
        lambda X, y, w, b: np.maximum(0, 1 - y * (X @ w)),
        None,
    ),
    (
        "max(0, 1 - y*(w·x + b))",
        "lam/2*norm(w)^2",
        {"lam": 0.3},
        "pm1",
        lambda X, y, w, b: np.maximum(0, 1 - y * (X @ w + b)),
        lambda w, b: 0.15 * w @ w,
    ),
    (
        "log(1 + exp(-y*(dot(w,x) + b)))",
        None,
        {},
        "pm1",
        lambda X, y, w, b: np.log1p(np.exp(-y * (X @ w + b))),
        None,
    ),
    (
        "(dot(w, x) + b - y)^2",
        "lam*dot(w, w)",
        {"lam": 0.5},
        "real",
        lambda X, y, w, b: (X @ w + b - y) ** 2,
        lambda w, b: 0.5 * w @ w,
    ),
    ("abs(dot(w, x) + b - y)", None, {}, "real", lambda X, y, w, b: np.abs(X @ w + b - y), None),
    (
        "sqrt(1 + (dot(w,x) - y)^2)",
        "norm(w)",
        {},
        "real",
        lambda X, y, w, b: np.sqrt(1 + (X @ w - y) ** 2),
        lambda w, b: np.linalg.norm(w),
    ),
    ("exp(-y*(w·x + b))", None, {}, "pm1", lambda X, y, w, b: np.exp(-y * (X @ w + b)), None),
    (
        "-y*log(sigmoid(dot(w,x)+b)) - (1-y)*log(1 - sigmoid(dot(w,x)+b))",
        None,
        {},
        "real",
        lambda X, y, w, b: -y * np.log(_sig(X @ w + b)) - (1 - y) * np.log(1 - _sig(X @ w + b)),
        None,
    ),
    (
        "softplus(-y*(dot(w,x)+b)) + tanh(b)^2",
        None,
        {},
        "pm1",
        lambda X, y, w, b: np.logaddexp(0, -y * (X @ w + b)) + np.tanh(b) ** 2,
        None,
    ),
    (
        "log(cosh(dot(w, x) + b - y))",
        None,
        {},
        "real",
        lambda X, y, w, b: np.log(np.cosh(X @ w + b - y)),
        None,
    ),
    (
        "max(0, 1 - y*(w·x + b))^2 + c*norm(w)^2*norm(x)",
        None,
        {"c": 0.2},
        "pm1",
        lambda X, y, w, b: (
            np.maximum(0, 1 - y * (X @ w + b)) ** 2 + 0.2 * (w @ w) * np.linalg.norm(X, axis=1)
        ),
        None,
    ),
    (
        "min(1, max(0, -y*(dot(w,x)+b)))",
        None,
        {},
        "pm1",
        lambda X, y, w, b: np.minimum(1, np.maximum(0, -y * (X @ w + b))),
        None,
    ),
    (
        "log1p(exp(-y*dot(w,x)))/2 + b^2/4",
        "lam/2*norm(w)^2 + b^2",
        {"lam": 1},
        "pm1",
        lambda X, y, w, b: np.log1p(np.exp(-y * (X @ w))) / 2 + b**2 / 4,
        lambda w, b: 0.5 * w @ w + b**2,
    ),
]
