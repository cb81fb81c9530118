"""The perceptron: exact form of the result, the textbook steps, and the kink convention."""

from __future__ import annotations

import numpy as np
import pytest

import gradproof
from gradproof.symbolic.steps import Rule

X = np.array([[2.0, 3.0], [1.0, -1.0]])
Y = np.array([1.0, -1.0])


def test_result_is_minus_sum_over_misclassified():
    d = gradproof.derive("perceptron")
    assert d.render_formula("w") == "−Σ_{i∈M} yᵢ xᵢ"
    assert d.render_formula("b") == "−Σ_{i∈M} yᵢ"
    assert d.render_formula("w", "latex") == r"- \sum_{i \in M} y_{i} \mathbf{x}_{i}"
    text = d.render()
    assert "M = {i : yᵢ (w·xᵢ + b) ≤ 0}" in text
    assert "∂L/∂w = −Xᵀ(y ⊙ 𝟙_M)" in text


def test_textbook_route_rules_in_order():
    rules = [s.rule for s in gradproof.derive("perceptron").steps]
    expected = [
        Rule.DEFINITION,
        Rule.ACTIVE_SET,
        Rule.SUM_RULE,
        Rule.CHAIN_RULE,
        Rule.DOT_PRODUCT,
        Rule.CONSTANT,
        Rule.COLLECT,
        Rule.MATRIX_FORM,
        Rule.RESULT,
    ]
    positions = [rules.index(r) for r in expected]
    assert positions == sorted(positions)


def test_worked_example_numbers_by_hand():
    # At w = 0, b = 0 every margin is 0, so with margin ≤ 0 both samples are misclassified:
    # ∂L/∂w = −(1·[2, 3] + (−1)·[1, −1]) = [−1, −4], ∂L/∂b = −(1 − 1) = 0.
    d = gradproof.derive("perceptron", X=X, y=Y, lr=0.5)
    ex = d.example.to_dict()
    assert ex["active"] == [1, 2]  # numbered from 1
    assert ex["loss"] == 0.0
    assert ex["gradient"] == {"w": [-1.0, -4.0], "b": 0.0}
    assert ex["update"] == {"lr": 0.5, "w": [0.5, 2.0], "b": 0.0}


@pytest.mark.parametrize("kink, factor", [("include", 1.0), ("exclude", 0.0), ("average", 0.5)])
def test_kink_convention_at_zero(kink, factor):
    # All samples sit exactly on the boundary at w = 0: the gradient is the full
    # −Σ yᵢ xᵢ times the indicator's value at 0.
    gw, gb = gradproof.derive("perceptron", kink=kink).numpy().grad(X, Y, np.zeros(2), 0.0)
    np.testing.assert_allclose(gw, factor * -(Y @ X))
    assert gb == pytest.approx(factor * -Y.sum())


def test_away_from_boundary_only_misclassified_count():
    w, b = np.array([1.0, 0.0]), 0.0  # margins: 2 (correct), −1 (misclassified)
    d = gradproof.derive("perceptron", X=X, y=Y, at={"w": [1, 0], "b": 0})
    assert d.example.to_dict()["active"] == [2]  # the second sample
    gw, gb = d.numpy().grad(X, Y, w, b)
    np.testing.assert_allclose(gw, [1.0, -1.0])  # −(−1)·[1, −1]
    assert gb == 1.0
