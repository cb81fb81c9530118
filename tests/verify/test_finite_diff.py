"""Finite differences against hand derivatives; the error model's small parts."""

from __future__ import annotations

import numpy as np
import pytest

import gradproof
from gradproof.verify.evaluators import form_functions
from gradproof.verify.finite_diff import (
    coordinate_directions,
    dense_directions,
    directional_fd,
    switch_near_kink,
)
from gradproof.verify.tolerance import claim_resolution, digits_agreeing, gamma, unit_roundoff


def _fd(name, X, y, w, b, V=None, allow_complex=True):
    d = gradproof.derive(name)
    ff = form_functions(d.form, d.params)
    near = switch_near_kink(ff, X, y, w, b, unit_roundoff(np.float64))
    ds = coordinate_directions(X, w, b) if V is None else dense_directions(X, w, b, V)
    n = X.shape[0]
    return directional_fd(
        ff,
        X,
        y,
        w,
        b,
        ds,
        mean=False,
        near_kink=near,
        curvature=np.ones(n),
        score_err=np.zeros(n),
        allow_complex=allow_complex,
    )


def _logistic_grad(X, y, w, b):
    s = X @ w + b
    c = -y / (1 + np.exp(y * s))
    return np.append(c @ X, c.sum())


@pytest.fixture
def logistic_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((25, 4))
    y = np.where(rng.standard_normal(25) > 0, 1.0, -1.0)
    return X, y, rng.standard_normal(4), -0.2


def test_complex_step_gives_near_full_precision(logistic_data):
    X, y, w, b = logistic_data
    res = _fd("logistic", X, y, w, b)
    assert res.method == "complex step"
    exact = _logistic_grad(X, y, w, b)
    assert np.all(np.abs(res.lo - exact) <= 1e-13 * np.abs(exact).max())
    assert np.all(np.abs(res.lo - exact) <= res.err)


def test_richardson_central_differences_within_their_bound(logistic_data):
    X, y, w, b = logistic_data
    res = _fd("logistic", X, y, w, b, allow_complex=False)
    assert res.method.startswith("central differences")
    exact = _logistic_grad(X, y, w, b)
    assert np.all(np.abs(res.lo - exact) <= res.err)
    assert np.all(digits_agreeing(res.lo, exact) >= 10)


def test_random_directions_are_one_batch(logistic_data):
    X, y, w, b = logistic_data
    V = np.random.default_rng(1).standard_normal((3, 5))
    res = _fd("logistic", X, y, w, b, V=V)
    exact = V @ _logistic_grad(X, y, w, b)
    assert np.all(np.abs(res.lo - exact) <= res.err)


def test_one_sided_derivatives_at_a_perceptron_kink():
    # sample 0: y·s = 0 exactly; along +w[0] its loss max(0, −s) stays 0, along −w[0] it
    # grows like −t·x₀₀: one-sided derivatives 0 and −1; sample 2 adds −y·x = (1, −1)
    X = np.array([[1.0, 2.0], [2.0, -1.0], [-1.0, 1.0]])
    y = np.array([1.0, -1.0, 1.0])
    w = np.array([1.0, 1.0])
    res = _fd("perceptron", X, y, w, -3.0)
    np.testing.assert_allclose(res.lo, [0.0, -3.0, -2.0], atol=1e-9)
    np.testing.assert_allclose(res.hi, [1.0, -1.0, -1.0], atol=1e-9)


def test_stencil_turns_away_from_a_near_kink():
    # sample 0 at hinge margin distance 1e-6: a central stencil of step ~5e-4 would cross
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([1.0, -1.0])
    w = np.array([1.0 - 1e-6, 0.5])
    d = gradproof.derive("hinge")
    ff = form_functions(d.form, d.params)
    near = switch_near_kink(ff, X, y, w, 0.0, unit_roundoff(np.float64))
    assert not near.any()
    res = directional_fd(
        ff,
        X,
        y,
        w,
        0.0,
        coordinate_directions(X, w, 0.0),
        mean=False,
        near_kink=near,
        curvature=np.ones(2),
        score_err=np.zeros(2),
        allow_complex=False,
    )
    assert res.one_sided >= 1
    # ∂/∂w = −y₀x₀ (sample 0 still violates: 1 − s = 1e-6 > 0) − y₁x₁·[1 + 0.5 > 0] + λw
    expected = np.array([-1.0, 1.0]) + 0.01 * w
    np.testing.assert_allclose(res.lo[:2], expected, atol=1e-9)


@pytest.mark.parametrize(
    "text,res", [("1.5", 0.05), ("-3.50", 0.005), ("2", 0.0), ("1e-3", 0.5e-3), ("1.25e2", 0.5)]
)
def test_claim_resolution(text, res):
    assert claim_resolution(text) == pytest.approx(res)


def test_claim_resolution_of_floats():
    assert claim_resolution(0.333) == pytest.approx(0.0005)
    assert claim_resolution(3.0) == 0.0
    assert claim_resolution(1 / 3) < 1e-16


def test_gamma_and_digits():
    u = unit_roundoff(np.float64)
    assert u == 2.0**-53
    assert unit_roundoff(np.float32) == 2.0**-24
    assert gamma(10, u) == pytest.approx(10 * u)
    assert gamma(2**25, unit_roundoff(np.float32)) == float("inf")
    assert digits_agreeing(1.0 + 1e-10, 1.0) == pytest.approx(10.0, abs=1e-5)
    assert digits_agreeing(2.0, 2.0) == 17.0
