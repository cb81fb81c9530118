"""User-written losses: the derived gradient equals central finite differences of a numpy
loss written independently in the test, at random points away from kinks."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from oracles import central_diff
from user_cases import CASES

import gradproof


def _kink_free(X, y, w, b, expr):
    s = X @ w + b
    z = X @ w
    dist = [np.abs(y * s), np.abs(1 - y * s), np.abs(1 - y * z), np.abs(s - y), np.abs(1 + y * s)]
    return all(np.min(np.abs(v)) > 1e-3 for v in dist)


@pytest.mark.parametrize("expr, reg, params, labels, ell, R", CASES, ids=[c[0][:40] for c in CASES])
def test_user_expression_gradient_matches_finite_differences(expr, reg, params, labels, ell, R):
    rng = np.random.default_rng(zlib.crc32(expr.encode()))
    n, d = 25, 4
    for _ in range(50):
        X = rng.normal(size=(n, d))
        y = rng.choice([-1.0, 1.0], size=n) if labels == "pm1" else rng.uniform(0.1, 0.9, size=n)
        w, b = rng.normal(size=d) * 0.5, float(rng.normal()) * 0.5
        if _kink_free(X, y, w, b, expr):
            break
    deriv = gradproof.derive(expr=expr, reg=reg, params=params, labels=labels)

    def total(w_, b_):
        return ell(X, y, w_, b_).sum() + (R(w_, b_) if R else 0.0)

    got_w, got_b = deriv.numpy().grad(X, y, w, b)
    fd_w, fd_b = central_diff(total, w, b)
    np.testing.assert_allclose(deriv.numpy().loss(X, y, w, b), total(w, b), rtol=1e-10)
    np.testing.assert_allclose(got_w, fd_w, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got_b, fd_b, rtol=1e-6, atol=1e-7)


def test_cost_does_not_depend_on_dimension():
    # The derivation never sees d: the same Derivation serves d = 2 and d = 1000.
    deriv = gradproof.derive(
        expr="max(0, 1 - y*(w·x + b))", reg="lam/2*norm(w)^2", params={"lam": 0.1}
    )
    rng = np.random.default_rng(0)
    for d in (2, 1000):
        X = rng.normal(size=(5, d))
        y = rng.choice([-1.0, 1.0], size=5)
        w = rng.normal(size=d)
        gw, _ = deriv.numpy().grad(X, y, w, 0.0)
        ref = -((y * (y * (X @ w) < 1)) @ X) + 0.1 * w
        np.testing.assert_allclose(gw, ref, rtol=1e-12)


def test_user_hinge_matches_builtin_form():
    user = gradproof.derive(
        expr="max(0, 1 - y*(dot(w,x) + b))",
        reg="lam/2*norm(w)^2",
        params={"lam": 0.01},
        kink="exclude",
    )
    builtin = gradproof.derive("hinge")
    assert user.form.cw == builtin.form.cw
    assert user.form.rw == builtin.form.rw
