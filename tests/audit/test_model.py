"""The quantities the audit checks against: gradproof's numbers, and recomputation from the
post's values, against gradient formulas written out in numpy here."""

from __future__ import annotations

import numpy as np
import pytest

from gradproof.audit.model import Model, quantity_key
from gradproof.audit.reader import statements
from gradproof.numeric.derive import derive


def _sigmoid(u):
    return 1 / (1 + np.exp(-u))


# Gradients written out by hand: (loss, params, grad_w(X, y, w, b, s), grad_b)
HAND = {
    "perceptron": (
        {},
        lambda X, y, w, s: -(y * (y * s <= 0)) @ X,
        lambda y, s: -(y * (y * s <= 0)).sum(),
    ),
    "hinge": (
        {"lam": 0.3},
        lambda X, y, w, s: 0.3 * w - (y * (y * s < 1)) @ X,
        lambda y, s: -(y * (y * s < 1)).sum(),
    ),
    "logistic": (
        {},
        lambda X, y, w, s: -(y * _sigmoid(-y * s)) @ X,
        lambda y, s: -(y * _sigmoid(-y * s)).sum(),
    ),
    "squared_error": ({}, lambda X, y, w, s: (s - y) @ X, lambda y, s: (s - y).sum()),
}


@pytest.mark.parametrize("loss", list(HAND))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_truth_and_recomputation_agree_with_hand_formulas(loss, seed):
    params, gw_hand, gb_hand = HAND[loss]
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(6, 3))
    y = rng.choice([-1.0, 1.0], size=6) if loss != "squared_error" else rng.normal(size=6)
    w, b, eta = rng.normal(size=3), float(rng.normal()), 0.3
    m = Model(derive(loss, params=params), X, y, eta)
    t = m.truth(w, b)
    s = X @ w + b
    assert np.allclose(t["s"], s)
    assert np.allclose(t["gw"], gw_hand(X, y, w, s)) and np.isclose(t["gb"], gb_hand(y, s))
    assert np.allclose(t["w_new"], w - eta * t["gw"])
    # recomputing each quantity from its (true) parents gives the same numbers
    for key in ["s", "L", "gw", "gb", "w_new", "b_new", "s[2]", "m[3]", "gw[1]", "ell[1]"]:
        got = m.recompute(key, lambda k: t[k] if k in t else m.value(k, w, b))
        assert np.allclose(got, m.value(key, w, b)), key


def test_recomputation_follows_a_wrong_active_set():
    X = np.array([[1.0, 2.0], [3.0, 0.0]])
    y = np.array([1.0, -1.0])
    m = Model(derive("perceptron"), X, y, 0.1)
    t = m.truth(np.zeros(2), 0.0)
    assert t["set"] == frozenset({0, 1})
    given = {**t, "set": frozenset({0})}  # the post forgot sample 2
    assert np.allclose(m.recompute("gw", given.__getitem__), [-1.0, -2.0])  # −y₁x₁ only
    given = {**t, "gw": np.array([2.0, 2.0])}  # the wrong gradient
    assert np.allclose(m.recompute("w_new", given.__getitem__), [-0.2, -0.2])


@pytest.mark.parametrize(
    "text, key",
    [
        ("∂L/∂w", "gw"),
        (r"\frac{\partial L}{\partial w_2}", "gw[2]"),
        (r"\nabla_b L", "gb"),
        ("L(w, b)", "L"),
        ("s_1", "s[1]"),
        ("z₃", "s[3]"),
        ("m_2", "m[2]"),
        ("ℓ_1", "ell[1]"),
        ("w_new", "w_new"),
        ("w'", "w_new"),
        ("w^{(1)}", "w_new"),
        (r"w_{\text{new}}", "w_new"),
        ("w_{t+1}", "w_new"),
        ("b_new", "b_new"),
        ("w_0", "w"),
        ("η", "eta"),
        ("lr", "eta"),
        ("λ", "lam"),
        ("M", "set"),
        ("x_2", "x[2]"),
        ("y₁", "y[1]"),
        ("g_w", "gw"),
        ("∂ℓ/∂w", None),
        ("q", None),
        ("w_2", None),
    ],
)
def test_quantity_names(text, key):
    (st,) = statements(f"{text} = 1")
    assert quantity_key(st.parts[0].node) == key
