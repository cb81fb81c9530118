"""check_gradient / assert_gradient for models with K scores per sample (issue 15): right
candidates pass, a wrong entry is named (W[2,1], numbered from 1), kinks are skipped."""

from __future__ import annotations

import re

import numpy as np
import pytest

import gradproof


def softmax_grad(X, y, W, b):
    S = X @ W.T + b
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    return {"W": P.T @ X, "b": P.sum(axis=0)}


def ww_grad(X, y, W, b):
    S = X @ W.T + b
    rows = np.arange(len(y))
    M = S - S[rows, y][:, None] + 1.0
    A = (M > 0).astype(float)
    A[rows, y] = 0.0
    A[rows, y] = -A.sum(axis=1)
    return A.T @ X, A.sum(axis=0)  # a tuple is accepted too


def mse_grad(X, Y, W, b):
    R = X @ W.T + b - Y
    return {"W": R.T @ X, "b": R.sum(axis=0)}


def data(loss, n=40, d=3, K=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.normal(size=(n, K)) if loss == "multi_squared_error" else rng.integers(0, K, n)
    return X, y


@pytest.mark.parametrize(
    ("loss", "grad"),
    [("softmax", softmax_grad), ("multiclass_hinge", ww_grad), ("multi_squared_error", mse_grad)],
)
def test_right_candidates_pass(loss, grad):
    X, y = data(loss)
    report = gradproof.assert_gradient(loss, grad=grad, X=X, y=y)
    assert report.passed and sum(p.verdict == "pass" for p in report.points) >= 3


@pytest.mark.parametrize(("param", "index", "name"), [("W", (1, 0), "W[2,1]"), ("b", (2,), "b[3]")])
def test_a_wrong_entry_is_named(param, index, name):
    X, y = data("softmax")

    def wrong(X, y, W, b):
        g = softmax_grad(X, y, W, b)
        g[param] = g[param].copy()
        g[param][index] += 0.05 + 0.1 * abs(g[param][index])
        return g

    report = gradproof.check_gradient("softmax", grad=wrong, X=X, y=y)
    assert not report.passed and report.culprits == (name,)
    with pytest.raises(AssertionError, match=re.escape(name) + " is"):
        gradproof.assert_gradient("softmax", grad=wrong, X=X, y=y)


def test_float32_candidate_passes_at_its_precision():
    X, y = data("softmax")

    def g32(X, y, W, b):
        g = softmax_grad(X.astype(np.float32), y, W.astype(np.float32), b.astype(np.float32))
        return {k: v.astype(np.float32) for k, v in g.items()}

    assert gradproof.check_gradient("softmax", grad=g32, X=X, y=y).passed


def test_kink_at_the_given_point_is_skipped_not_failed():
    # W = 0, b = 0: all rivals of Crammer–Singer tie; a candidate breaking ties towards the
    # last rival is another valid subgradient there, and right elsewhere
    X, y = data("crammer_singer", seed=3)

    def last_rival(X, y, W, b):
        S = X @ W.T + b
        rows = np.arange(len(y))
        T = np.where(np.eye(S.shape[1])[y] == 1, -np.inf, S)
        r = S.shape[1] - 1 - np.argmax(T[:, ::-1], axis=1)
        v = (1 + T[rows, r] - S[rows, y] > 0).astype(float)
        G = np.zeros_like(S)
        G[rows, r] += v
        G[rows, y] -= v
        return G.T @ X, G.sum(axis=0)

    report = gradproof.check_gradient("crammer_singer", grad=last_rival, X=X, y=y)
    assert report.points[0].verdict == "kink" and report.passed


def test_a_zero_candidate_fails_even_with_a_kink_first():
    X, y = data("crammer_singer", seed=3)
    report = gradproof.check_gradient(
        "crammer_singer", grad=lambda X, y, W, b: (0 * W, 0 * b), X=X, y=y
    )
    assert not report.passed and report.culprits


@pytest.mark.parametrize(
    "grad",
    [lambda X, y, W, b: {"W": W}, lambda X, y, W, b: (W.T, b), lambda X, y, W, b: 3.0],
    ids=["missing-b", "transposed", "scalar"],
)
def test_bad_candidate_output_is_a_fail_saying_why(grad):
    # as in the linear check: a candidate that gives no usable gradient fails, in one line
    X, y = data("softmax")
    report = gradproof.check_gradient("softmax", grad=grad, X=X, y=y)
    assert not report.passed
    assert all(p.verdict == "fail" and p.failure and "\n" not in p.failure for p in report.points)


@pytest.mark.parametrize(
    "grad",
    [
        lambda X, y, W, b: 1 / 0,
        lambda X, y, W, b: (W * np.nan, b),
        lambda X, y, W, b: (W + 1j, b),
    ],
    ids=["raises", "nan", "complex"],
)
def test_a_candidate_that_raises_or_returns_nan_fails_not_crashes(grad):
    X, y = data("softmax")
    report = gradproof.check_gradient("softmax", grad=grad, X=X, y=y)
    assert not report.passed and "FAIL" in str(report)


def test_small_errors_fail_and_large_data_is_not_a_kink():
    # the review's cases: a missing λW with λ = 1e-4, a float32 gradient 0.1 % off, and the
    # smooth softmax on data ×100 (reported "on a kink" before)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(1000, 3)), rng.integers(0, 3, 1000)

    def sm(X, y, W, b, lam=0.0):
        S = X @ W.T + b
        P = np.exp(S - S.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        P[np.arange(len(y)), y] -= 1
        return {"W": P.T @ X + lam * W, "b": P.sum(0)}

    d = gradproof.derive("softmax", reg="l2", params={"lam": 1e-4})
    assert not gradproof.check_gradient(d, grad=sm, X=X, y=y).passed
    assert gradproof.check_gradient(d, grad=lambda *a: sm(*a, lam=1e-4), X=X, y=y).passed
    off = lambda X, y, W, b: {k: (1.001 * v).astype(np.float32) for k, v in sm(X, y, W, b).items()}  # noqa: E731
    assert not gradproof.check_gradient("softmax", grad=off, X=X, y=y).passed
    f32 = lambda X, y, W, b: sm(X.astype(np.float32), y, W.astype(np.float32), b.astype(np.float32))  # noqa: E731
    assert gradproof.check_gradient("softmax", grad=f32, X=X, y=y).passed
    big = gradproof.check_gradient("softmax", grad=sm, X=100 * X, y=y)
    assert big.passed and big.points[0].verdict == "pass"
