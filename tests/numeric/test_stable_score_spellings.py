"""Stable whatever the spelling, for losses over a model's score vector: 11 ways of writing
softplus, log-softmax and logsumexp losses, at scores up to ±1000.

Each spelling is compiled from the text a user would type and evaluated on one sample whose
scores are the bias (X = 0), so ∂L/∂b is ∂ℓ/∂s. The loss and its gradient must match mpmath
evaluating the *same spelling* at 1 000 digits (its gradient by mpmath's own numerical
differentiation), so overflow and cancellation cannot hide: the loss to 1e-12 relative or a
few units in the last place of the largest score (the rounding of the scores themselves),
the gradient to 1e-12 relative or 1e-13 absolute. No floating-point warning may be raised.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import gradproof

mp = mpmath.mp


def _rival(s, y):
    return max(v for k, v in enumerate(s) if k != y)


def _lse(s):
    return mp.log(mp.fsum(mp.exp(v) for v in s))


# (id, expression, mpmath ℓ(s, y) written as the expression is)
SPELLINGS = [
    (
        "softplus-rival",
        "log(1 + exp(max_rivals(s) - s[y]))",
        lambda s, y: mp.log(1 + mp.exp(_rival(s, y) - s[y])),
    ),
    (
        "neglog-recip-rival",
        "-log(1/(1 + exp(max_rivals(s) - s[y])))",
        lambda s, y: -mp.log(1 / (1 + mp.exp(_rival(s, y) - s[y]))),
    ),
    (
        "neglog-sigmoid-rival",
        "-log(sigmoid(s[y] - max_rivals(s)))",
        lambda s, y: -mp.log(1 / (1 + mp.exp(_rival(s, y) - s[y]))),
    ),
    (
        "two-class-softmax",
        "-log(exp(s[y]) / (exp(s[y]) + exp(max_rivals(s))))",
        lambda s, y: -mp.log(mp.exp(s[y]) / (mp.exp(s[y]) + mp.exp(_rival(s, y)))),
    ),
    (
        "log-two-exp",
        "log(exp(s[y]) + exp(max_rivals(s))) - s[y]",
        lambda s, y: mp.log(mp.exp(s[y]) + mp.exp(_rival(s, y))) - s[y],
    ),
    ("neglog-softmax", "-log(softmax(s)[y])", lambda s, y: -mp.log(mp.exp(s[y] - _lse(s)))),
    (
        "exp-ratio-lse",
        "-log(exp(s[y])/exp(logsumexp(s)))",
        lambda s, y: -mp.log(mp.exp(s[y]) / mp.exp(_lse(s))),
    ),
    (
        "shifted-softmax",
        "-log(exp(s[y] - max(s)) / exp(logsumexp(s) - max(s)))",
        lambda s, y: -mp.log(mp.exp(s[y] - max(s)) / mp.exp(_lse(s) - max(s))),
    ),
    (
        "softplus-lse",
        "log(1 + exp(logsumexp(s) - s[y]))",
        lambda s, y: mp.log(1 + mp.exp(_lse(s) - s[y])),
    ),
    ("log-exp-max", "log(exp(max(s) - s[y]))", lambda s, y: mp.log(mp.exp(max(s) - s[y]))),
    (
        "sigmoid-rival",
        "1/(1 + exp(s[y] - max_rivals(s)))",
        lambda s, y: 1 / (1 + mp.exp(s[y] - _rival(s, y))),
    ),
]

TINY = np.finfo(np.float64).tiny
EPS = np.finfo(np.float64).eps
_COMPILED: dict[str, object] = {}


def _compiled(expr):
    if expr not in _COMPILED:
        _COMPILED[expr] = gradproof.derive(expr=expr).numpy()
    return _COMPILED[expr]


def _reference(ell, s, y):
    """(ℓ, ∂ℓ/∂s) of the mpmath spelling at 1 000 digits."""
    with mpmath.workdps(1000):
        point = [mp.mpf(v) for v in s]

        def at(k):
            return lambda t: ell([t if j == k else v for j, v in enumerate(point)], y)

        value = ell(point, y)
        grad = [mpmath.diff(at(k), point[k]) for k in range(len(point))]
        return float(value), [float(g) for g in grad]


def _close(got, want, atol):
    both_tiny = abs(got) < TINY and abs(want) < TINY
    return both_tiny or abs(got - want) <= 1e-12 * abs(want) + atol


scores = st.lists(st.floats(-1000, 1000, allow_nan=False), min_size=3, max_size=3)


@pytest.mark.parametrize("expr, ell", [s[1:] for s in SPELLINGS], ids=[s[0] for s in SPELLINGS])
@settings(max_examples=20, deadline=None)
@given(s=scores, y=st.integers(0, 2))
@example(s=[1000.0, -1000.0, 0.0], y=0)
@example(s=[1000.0, -1000.0, 0.0], y=1)
@example(s=[-1000.0, 1000.0, 999.0], y=2)
@example(s=[0.0, 700.0, -30.0], y=0)
@example(s=[30.0, 0.0, -5.0], y=0)
def test_score_spellings_match_mpmath_at_extreme_scores(expr, ell, s, y):
    ordered = sorted(s)
    # a tie of max(s) or max_rivals(s) is a kink: no derivative to compare
    assume(min(b - a for a, b in zip(ordered, ordered[1:], strict=False)) >= 1e-3)
    f = _compiled(expr)
    X, W = np.zeros((1, 1)), np.zeros((3, 1))
    L, g = f.loss_and_gradient(X, [y], W, np.array(s))
    want, want_grad = _reference(ell, s, y)
    assert np.isfinite(L) and np.all(np.isfinite(g["b"])), (expr, s, y)
    assert _close(float(L), want, 8 * EPS * max(1.0, *map(abs, s))), (expr, s, y, L, want)
    for got, ref in zip(g["b"], want_grad, strict=True):
        assert _close(float(got), ref, 1e-13), (expr, s, y, g["b"], want_grad)
