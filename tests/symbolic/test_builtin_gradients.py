"""Every built-in loss: the derived gradient, evaluated, equals an independent numpy
implementation (tests/oracles.py) and central finite differences at smooth points."""

from __future__ import annotations

import numpy as np
import pytest
from oracles import ORACLES, central_diff

import gradproof
from gradproof.symbolic.losses import LOSSES


def _data(name, rng, n=40, d=5):
    X = rng.normal(size=(n, d))
    y = rng.choice([-1.0, 1.0], size=n) if LOSSES[name].labels == "pm1" else rng.normal(size=n)
    return X, y, rng.normal(size=d), float(rng.normal())


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_independent_numpy(name, seed):
    rng = np.random.default_rng(seed)
    X, y, w, b = _data(name, rng)
    loss, gw, gb = gradproof.derive(name).numpy().loss_and_grad(X, y, w, b)
    ref_loss, ref_gw, ref_gb = ORACLES[name](X, y, w, b)
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-12)
    np.testing.assert_allclose(gw, ref_gw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gb, ref_gb, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradient_matches_finite_differences_away_from_kinks(name):
    rng = np.random.default_rng(7)
    X, y, w, b = _data(name, rng, n=30, d=4)
    oracle = ORACLES[name]
    # Stay away from kinks: every margin / residual at least 1e-3 from a switching point.
    s = X @ w + b
    u = {
        "perceptron": y * s,
        "hinge": 1 - y * s,
        "squared_hinge": 1 - y * s,
        "huber": np.abs(s - y) - 1.0,
    }.get(name, np.ones_like(s))
    assert np.min(np.abs(u)) > 1e-3
    gw, gb = gradproof.derive(name).numpy().grad(X, y, w, b)
    fd_w, fd_b = central_diff(lambda w_, b_: oracle(X, y, w_, b_)[0], w, b)
    np.testing.assert_allclose(gw, fd_w, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gb, fd_b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", list(LOSSES))
def test_mean_divides_sum_part_only(name):
    rng = np.random.default_rng(3)
    X, y, w, b = _data(name, rng, n=10, d=3)
    total = gradproof.derive(name).numpy().loss_and_grad(X, y, w, b)
    mean = gradproof.derive(name, mean=True).numpy().loss_and_grad(X, y, w, b)
    lam = LOSSES[name].params.get("lam", 0.0)
    reg_loss, reg_gw = lam / 2 * w @ w, lam * w
    np.testing.assert_allclose(mean[0], (total[0] - reg_loss) / 10 + reg_loss, rtol=1e-12)
    np.testing.assert_allclose(mean[1], (total[1] - reg_gw) / 10 + reg_gw, rtol=1e-12)
    np.testing.assert_allclose(mean[2], total[2] / 10, rtol=1e-12, atol=1e-15)


def test_hyperparameter_values_are_used():
    rng = np.random.default_rng(4)
    X, y, w, b = _data("hinge", rng)
    _, ref_w, ref_b = ORACLES["hinge"](X, y, w, b, lam=2.5)
    got_w, got_b = gradproof.derive("hinge", params={"lam": 2.5}).numpy().grad(X, y, w, b)
    np.testing.assert_allclose(got_w, ref_w, rtol=1e-12)
    np.testing.assert_allclose(got_b, ref_b, rtol=1e-12, atol=1e-15)
    yr = rng.normal(size=40)
    _, ref_w, ref_b = ORACLES["huber"](X, yr, w, b, delta=0.3)
    got_w, got_b = gradproof.derive("huber", params={"delta": 0.3}).numpy().grad(X, yr, w, b)
    np.testing.assert_allclose(got_w, ref_w, rtol=1e-12)
    np.testing.assert_allclose(got_b, ref_b, rtol=1e-12)
