"""Compiled network gradients against an independent numpy backprop and central differences."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from network_oracle import (
    backprop,
    central5,
    draw_labels,
    draw_point,
    pre_activations,
    rel_err,
    total_loss,
    widths_of,
)

import gradproof

ACTIVATIONS = ["relu", "sigmoid", "tanh", "identity"]
LOSSES = ["softmax", "squared_error", "logistic"]


def _layers(depth: int, loss: str) -> str:
    K = 1 if loss == "logistic" else 3 if depth < 3 else 2
    return {1: f"3-{K}", 2: f"3-4-{K}", 3: f"3-4-3-{K}"}[depth]


CASES = [(1, "relu", loss) for loss in LOSSES] + [
    (depth, act, loss) for depth in (2, 3) for act in ACTIVATIONS for loss in LOSSES
]


@functools.cache
def derived(
    layers: str,
    act: str,
    loss: str,
    reg: str | None = None,
    mean: bool = False,
    kink: str | None = None,
):
    return gradproof.derive(
        "mlp", layers=layers, activation=act, loss=loss, reg=reg, mean=mean, kink=kink
    )


def _data(layers, act, loss, seed, n=7):
    """Data and a point with every pre-activation at least 0.05 from 0 (ReLU kinks)."""
    rng = np.random.default_rng(seed)
    w = widths_of(layers)
    for _ in range(100):
        X = rng.standard_normal((n, w[0]))
        p = draw_point(layers, rng)
        if all(np.min(np.abs(Z)) > 0.05 for Z in pre_activations(layers, act, X, p)):
            return X, draw_labels(loss, n, w[-1], rng), p
    raise AssertionError("no point away from the kinks")


@pytest.mark.parametrize("depth,act,loss", CASES, ids=[f"{d}-{a}-{lo}" for d, a, lo in CASES])
def test_gradient_matches_backprop_and_differences(depth, act, loss):
    layers = _layers(depth, loss)
    X, y, p = _data(layers, act, loss, seed=depth * 7 + len(act))
    f = derived(layers, act, loss).numpy()
    L, g = f.loss_and_gradient(X, y, **p)
    want = backprop(layers, act, loss, X, y, p)
    assert rel_err(g, want) <= 1e-8
    assert L == pytest.approx(total_loss(layers, act, loss, X, y, p), rel=1e-12)
    fd = central5(lambda q: total_loss(layers, act, loss, X, y, q), p)
    assert rel_err(g, fd) <= 1e-8


@pytest.mark.parametrize("reg", ["l2", "l1", "elastic_net"])
@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_regularised_mean_matches_backprop(reg, act):
    layers = "3-4-3"
    X, y, p = _data(layers, act, "softmax", seed=3)
    g = derived(layers, act, "softmax", reg, True).numpy().gradient(X, y, **p)
    want = backprop(layers, act, "softmax", X, y, p, mean=True, reg=reg)
    assert rel_err(g, want) <= 1e-8
    fd = central5(lambda q: total_loss(layers, act, "softmax", X, y, q, mean=True, reg=reg), p)
    assert rel_err(g, fd) <= 1e-8


@pytest.mark.parametrize("loss", LOSSES)
def test_float32_stays_float32(loss):
    layers = _layers(2, loss)
    X, y, p = _data(layers, "tanh", loss, seed=5)
    f = derived(layers, "tanh", loss).numpy()
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    L32, g32 = f.loss_and_gradient(X.astype(np.float32), y, **p32)
    assert all(v.dtype == np.float32 for v in g32.values())
    assert rel_err(g32, backprop(layers, "tanh", loss, X, y, p)) <= 1e-4
    assert L32 == pytest.approx(total_loss(layers, "tanh", loss, X, y, p), rel=1e-4)


@pytest.mark.parametrize("kink,h0", [("exclude", 0.0), ("include", 1.0), ("average", 0.5)])
def test_relu_kink_by_hand(kink, h0):
    # x = 1, W1 = 1, b1 = −1: z = 0 exactly, a = 0, s = b2 = 0.5, y = 0, so g = 0.5;
    # ∂L/∂W2 = g·a = 0, ∂L/∂b2 = 0.5, δ1 = g·W2·relu′(0) = 0.5·2·h0 = h0 = ∂L/∂W1 = ∂L/∂b1
    f = derived("1-1-1", "relu", "squared_error", kink=kink).numpy()
    g = f.gradient(
        np.array([[1.0]]), np.array([[0.0]]), W1=[[1.0]], b1=[-1.0], W2=[[2.0]], b2=[0.5]
    )
    assert g["W1"].tolist() == [[h0]] and g["b1"].tolist() == [h0]
    assert g["W2"].tolist() == [[0.0]] and g["b2"].tolist() == [0.5]


@pytest.mark.parametrize("kink,h0", [("exclude", 0.0), ("include", 1.0), ("average", 0.5)])
def test_relu_kinks_in_a_batch(kink, h0):
    # a zero row of X with b1 = 0 puts every unit of layer 1 exactly on its kink
    layers = "2-5-3"
    rng = np.random.default_rng(11)
    X = np.vstack([np.zeros((1, 2)), rng.standard_normal((4, 2))])
    y = np.array([0, 1, 2, 1, 0])
    p = draw_point(layers, rng)
    p["b1"] = np.zeros(5)
    g = derived(layers, "relu", "softmax", kink=kink).numpy().gradient(X, y, **p)
    want = backprop(layers, "relu", "softmax", X, y, p, h0=h0)
    assert rel_err(g, want) <= 1e-12


def test_minimal_matrix_products():
    for layers, products in (("2-3", 2), ("2-16-3", 5), ("2-4-4-4-3", 11)):
        src = derived(layers, "relu", "softmax").numpy().source
        body = src.split("def loss_and_grad", 1)[1]
        assert body.count(" @ ") == products, layers  # L forward, 2L − 1 backward


def test_large_scores_stay_finite():
    X = np.array([[1e3, -1e3], [-2e3, 5e2]])
    p = {"W1": np.eye(2) * 10, "b1": np.zeros(2), "W2": np.array([[1.0, 1.0]]), "b2": [0.0]}
    with np.errstate(all="raise"):
        L, g = (
            derived("2-2-1", "tanh", "logistic")
            .numpy()
            .loss_and_gradient(X, np.array([1.0, -1.0]), **p)
        )
    assert np.isfinite(L) and all(np.all(np.isfinite(v)) for v in g.values())


@pytest.mark.parametrize(
    "X,y,point,match",
    [
        ([[1.0, 2.0, 3.0]], [0], {}, "features"),
        ([[1.0, 2.0]], [3], {}, "label 3"),
        ([[1.0, 2.0]], [0], {"W1": [[1.0]]}, "W1 has shape"),
        ([[1.0, 2.0]], [0], {"V": [1.0]}, "unknown parameter"),
    ],
    ids=["wrong-width", "label-past-K", "wrong-shape", "unknown-name"],
)
def test_bad_input_is_one_error(X, y, point, match):
    f = derived("2-4-3", "relu", "softmax").numpy()
    with pytest.raises(gradproof.GradproofError, match=match):
        f.gradient(np.array(X), np.array(y), **point)


def test_logistic_labels_must_be_pm1():
    f = derived("2-4-1", "relu", "logistic").numpy()
    with pytest.raises(gradproof.GradproofError, match="−1 and \\+1"):
        f.gradient(np.ones((2, 2)), np.array([0.0, 1.0]))
