"""Independent gradients for the verify tests: numpy written from hand algebra for the built-in
losses, and, for any loss in the registry without one, the per-sample derivative of its
registered loss by mpmath's high-precision numerical differentiation (no symbolic calculus)."""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import sympy as sp

from gradproof.symbolic.atoms import Q, S, Y, hyperparameter
from gradproof.symbolic.losses import LOSSES as REGISTRY

LOSSES = list(REGISTRY)
"""Every registered loss: tests iterate this, so a new loss is covered without edits."""

SMOOTH = [n for n in LOSSES if n in ("logistic", "squared_error")]
KINKED = [n for n in LOSSES if n in ("perceptron", "hinge")]
LAM = 0.01  # the hinge losses' default λ
DELTA = 1.0  # huber's default δ


def _sigmoid(u):
    return 0.5 * (1.0 + np.tanh(u / 2.0))


_HAND = {
    # ℓ = max(0, −y s)
    "perceptron": lambda s, y, h: -y * np.where(-y * s > 0, 1.0, np.where(-y * s < 0, 0.0, h)),
    # ℓ = max(0, 1 − y s)
    "hinge": lambda s, y, h: -y * np.where(1 - y * s > 0, 1.0, np.where(1 - y * s < 0, 0.0, h)),
    "squared_hinge": lambda s, y, h: -2 * y * np.maximum(1 - y * s, 0.0),
    "logistic": lambda s, y, h: -y * _sigmoid(-y * s),  # ℓ = log(1 + e^(−y s))
    "squared_error": lambda s, y, h: s - y,
    "huber": lambda s, y, h: np.clip(s - y, -DELTA, DELTA),
}

_MP = {
    "Ramp": lambda u: u if u > 0 else mpmath.mpf(0),
    "Softplus": lambda u: mpmath.log1p(mpmath.exp(u)),
    "Sigmoid": lambda u: 1 / (1 + mpmath.exp(-u)),
}


@functools.cache
def _mp_loss(name):
    spec = REGISTRY[name]
    expr = spec.per_sample.xreplace({hyperparameter(k): v for k, v in spec.params.items()})
    if expr.free_symbols - {S, Y}:
        raise KeyError(f"{name}: no hand oracle, and its loss is not a function of s and y alone")
    return sp.lambdify((S, Y), expr, modules=[_MP, "mpmath"])


def hand_coefficient(name, s, y, at_kink=1.0):
    """∂ℓ/∂s; ``at_kink`` is the indicator's value at the kink (perceptron/hinge)."""
    if name in _HAND:
        return _HAND[name](s, y, at_kink)
    return numeric_coefficient(name, s, y)


def numeric_coefficient(name, s, y):
    """∂ℓ/∂s of the registered loss by mpmath's numerical differentiation (off kinks)."""
    f = _mp_loss(name)
    with mpmath.workdps(40):
        return np.array(
            [
                float(mpmath.diff(lambda t, yi=yi: f(t, mpmath.mpf(yi)), mpmath.mpf(si)))
                for si, yi in zip(s, y, strict=True)
            ]
        )


@functools.cache
def _reg_slope(name):
    """R′(q) for a regulariser R(q) of q = ‖w‖² (the hinge losses' λ/2·q has R′ = λ/2)."""
    spec = REGISTRY[name]
    reg = spec.regularizer.xreplace({hyperparameter(k): v for k, v in spec.params.items()})
    if reg == 0:
        return None
    if reg.free_symbols - {Q}:
        raise KeyError(f"{name}: its regulariser is not a function of ‖w‖² alone")
    f = sp.lambdify(Q, reg, modules="mpmath")
    return lambda q: float(mpmath.diff(f, mpmath.mpf(q)))


def hand_gradient(name, at_kink=1.0):
    """A user's gradient function for a registered loss, in numpy, by hand."""
    slope = _reg_slope(name)

    def grad(X, y, w, b):
        s = X @ w + b
        c = np.asarray(hand_coefficient(name, s, y, at_kink)).astype(X.dtype)
        gw = c @ X
        if slope is not None:
            gw = gw + X.dtype.type(2 * slope(float(w @ w))) * w  # ∂R(‖w‖²)/∂w = 2R′·w
        return gw, c.sum()

    return grad


def labels_of(name):
    return REGISTRY[name].labels


def problem(name, n=12, d=4, seed=0, dtype=np.float64):
    """Random data with labels of the loss's kind and a random point."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if labels_of(name) == "real":
        y = 2 * rng.standard_normal(n)
    else:
        y = np.where(rng.standard_normal(n) > 0, 1.0, -1.0)
    w = rng.standard_normal(d)
    b = 0.3
    return X.astype(dtype), y.astype(dtype), w.astype(dtype), dtype(b)
