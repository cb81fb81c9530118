"""check_gradient / assert_gradient for network gradients: right passes, wrong fails with its
culprit, and a ReLU kink is never a false fail."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import gradproof
from gradproof import assert_gradient, check_gradient


@functools.cache
def derived(layers="2-5-3", act="relu", loss="softmax"):
    return gradproof.derive("mlp", layers=layers, activation=act, loss=loss)


def _forward(X, W1, b1, W2, b2, act):
    Z = X @ W1.T + b1
    A = {"relu": np.maximum(Z, 0), "sigmoid": 1 / (1 + np.exp(-Z))}[act]
    return Z, A, A @ W2.T + b2


def _g(S, y):
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    return P


def candidate(act="relu", bug=None, h0=0.0):
    def grad(X, y, W1, b1, W2, b2):
        Z, A, S = _forward(X, W1, b1, W2, b2, act)
        G = _g(S, y)
        prime = np.where(Z > 0, 1.0, np.where(Z < 0, 0.0, h0)) if act == "relu" else A * (1 - A)
        D = (G @ W2) if bug == "no-prime" else (G @ W2) * prime
        out = {"W1": D.T @ X, "b1": D.sum(axis=0), "W2": G.T @ A, "b2": G.sum(axis=0)}
        if bug == "transposed-W":
            out["W2"] = (G.T @ A).T
        if bug == "bias-axis":
            out["b2"] = G.sum(axis=1)[: G.shape[1]]
        if bug == "W-not-transposed":  # δ₁ from G W₂ᵀ padded: a wrong but well-shaped W1
            out["W1"] = (D * 2).T @ X
        return out

    return grad


DATA = np.random.default_rng(0).standard_normal((12, 2)), np.arange(12) % 3


@pytest.mark.parametrize("act", ["relu", "sigmoid"])
def test_a_right_gradient_passes(act):
    X, y = DATA
    report = check_gradient(derived(act=act), grad=candidate(act), X=X, y=y)
    assert report.passed, str(report)
    assert "random point of seed 0" in str(report)  # not zeros: no hidden gradient there


@pytest.mark.parametrize(
    "bug,culprit",
    [
        ("no-prime", ("W1[", "b1[")),
        ("transposed-W", None),
        ("bias-axis", ("b2[",)),
        ("W-not-transposed", ("W1[",)),
    ],
    ids=["missing-sigma-prime", "transposed-W", "bias-wrong-axis", "wrong-factor"],
)
def test_a_wrong_gradient_fails_with_its_culprit(bug, culprit):
    X, y = DATA
    report = check_gradient(derived(act="sigmoid"), grad=candidate("sigmoid", bug), X=X, y=y)
    assert not report.passed
    text = str(report)
    if culprit is None:  # the shape is wrong: said, not an exception
        assert "the W2 part has shape 5×3, the transpose of W2's 3×5" in text
    else:
        assert report.culprits and all(c.startswith(culprit) for c in report.culprits), text
        layer = culprit[0][1]
        assert f"wrong entries are in layer {layer}" in text


def test_assert_gradient_raises_with_the_report():
    X, y = DATA
    with pytest.raises(AssertionError, match="W1"):
        assert_gradient(derived(act="sigmoid"), grad=candidate("sigmoid", "no-prime"), X=X, y=y)


@pytest.mark.parametrize("h0", [0.0, 0.5, 1.0])
def test_relu_kink_is_never_a_false_fail(h0):
    # a zero row and b1 = 0 put every first-layer unit exactly on its kink at the given point:
    # candidates with any relu′(0) in [0, 1] are valid subgradients there
    X = np.vstack([np.zeros((1, 2)), DATA[0][:5]])
    y = np.arange(6) % 3
    rng = np.random.default_rng(4)
    at = {
        "W1": rng.standard_normal((5, 2)),
        "b1": np.zeros(5),
        "W2": rng.standard_normal((3, 5)),
        "b2": np.zeros(3),
    }
    report = check_gradient(derived(), grad=candidate("relu", h0=h0), X=X, y=y, at=at)
    assert report.passed, str(report)
    assert report.points[0].verdict == "kink" and "on a kink" in str(report)
