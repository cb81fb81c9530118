"""Formula claims: right formulas pass, wrong ones fail and get the derived formula."""

from __future__ import annotations

import pytest

from gradproof.audit.formula import check_formula
from gradproof.audit.reader import statements
from gradproof.numeric.derive import derive


@pytest.mark.parametrize(
    "loss, claim, verdict",
    [
        ("perceptron", r"\frac{\partial L}{\partial w} = -\sum_{i \in M} y_i x_i", "ok"),
        (
            "perceptron",
            r"\nabla_w L = -\sum_{i=1}^{n} y_i x_i \mathbb{1}[y_i(w^\top x_i + b) \le 0]",
            "ok",
        ),
        ("perceptron", r"\nabla_w L = -\sum_{i: y_i (w \cdot x_i + b) \le 0} y_i x_i", "ok"),
        ("perceptron", r"\frac{\partial L}{\partial w} = -\sum_{i \in M} x_i", "wrong"),
        ("perceptron", r"\frac{\partial L}{\partial w} = \sum_{i \in M} y_i x_i", "wrong"),
        ("perceptron", r"\frac{\partial L}{\partial b} = -\sum_{i \in M} y_i", "ok"),
        ("perceptron", r"\frac{\partial L}{\partial b} = -\sum_{i} y_i", "wrong"),
        ("hinge", r"\nabla_w L = \lambda w - \sum_{i \in V} y_i x_i", "ok"),
        ("hinge", r"\nabla_w L = w - \sum_{i \in V} y_i x_i", "wrong"),
        ("logistic", r"\nabla_w L = -\sum_i y_i \sigma(-y_i(w^\top x_i + b)) x_i", "ok"),
        ("logistic", r"\nabla_w L = -\sum_i \frac{y_i x_i}{1 + e^{y_i (w \cdot x_i + b)}}", "ok"),
        ("logistic", r"\nabla_w L = -\sum_i y_i \sigma(y_i(w^\top x_i + b)) x_i", "wrong"),
        ("squared_error", r"\nabla_w L = \sum_i (w^\top x_i + b - y_i) x_i", "ok"),
        ("squared_error", r"\nabla_w L = \frac{1}{n}\sum_i (w^\top x_i + b - y_i) x_i", "wrong"),
        ("perceptron", r"\nabla_w L = -\sum_{i \in M} y_i q_i", "unchecked"),  # q unknown
    ],
)
def test_gradient_formulas(loss, claim, verdict):
    d = derive(loss, params={"lam": 0.5} if loss == "hinge" else None)
    (st,) = statements(claim)
    fv = check_formula(st.parts[0].node, st.parts[1].node, d)
    assert fv.verdict == verdict, fv
    if verdict == "wrong":
        assert fv.expected == d.render_formula(st.parts[0].node.wrt.key)


@pytest.mark.parametrize(
    "claim, verdict, expected",
    [
        (
            r"\frac{\partial}{\partial w}\left(\frac{\lambda}{2}\|w\|^2\right) = \lambda w",
            "ok",
            "λw",
        ),
        (
            r"\frac{\partial}{\partial w}\left(\frac{\lambda}{2}\|w\|^2\right) = 2\lambda w",
            "wrong",
            "λw",
        ),
        ("∂/∂w ‖w‖² = 2w", "ok", "2w"),
        ("∂/∂w ‖w‖ = w", "wrong", None),
        (r"\frac{\partial}{\partial b} b^2 = 2b", "ok", "2b"),
    ],
)
def test_derivative_of_an_expression(claim, verdict, expected):
    (st,) = statements(claim)
    fv = check_formula(st.parts[0].node, st.parts[1].node, None)
    assert fv.verdict == verdict
    if expected is not None:
        assert fv.expected == expected
