"""Property test: random loss expressions (smooth, and with max(0, ·) and |·| away from their
kinks), written as text and evaluated by an independent numpy interpreter
(tests/expression_grammar.py); gradproof's derived gradient must agree with central finite
differences of that interpreter."""

from __future__ import annotations

import numpy as np
from expression_grammar import evaluate, to_text, tree
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from oracles import central_diff

import gradproof


@settings(max_examples=40, deadline=None)
@given(tree(), st.integers(0, 2**16))
def test_random_expression(node, seed):
    text = to_text(node)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(6, 3)) * 0.5
    y = rng.normal(size=6) * 0.5
    w = rng.normal(size=3) * 0.5
    b = float(rng.normal()) * 0.5
    kinks: list = []
    evaluate(node, X, y, w, b, kinks)
    # Finite differences are meaningful only away from kinks (the step is ~1e-6).
    assume(all(np.min(np.abs(u)) > 1e-3 for u in kinks))
    deriv = gradproof.derive(expr=text)

    def total(w_, b_):
        return float(np.sum(evaluate(node, X, y, w_, b_)))

    loss = deriv.numpy().loss(X, y, w, b)
    np.testing.assert_allclose(loss, total(w, b), rtol=1e-9, atol=1e-12, err_msg=text)
    gw, gb = deriv.numpy().grad(X, y, w, b)
    fd_w, fd_b = central_diff(total, w, b)
    scale = 1 + np.max(np.abs(np.r_[fd_w, fd_b]))
    np.testing.assert_allclose(gw, fd_w, rtol=1e-6, atol=1e-6 * scale, err_msg=text)
    np.testing.assert_allclose(gb, fd_b, rtol=1e-6, atol=1e-6 * scale, err_msg=text)
