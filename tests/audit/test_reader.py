"""The math reader and evaluator: LaTeX and unicode forms against values computed here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradproof.audit import nodes as N
from gradproof.audit.reader import statements
from gradproof.audit.values import Scope, Unevaluable, close, evaluate, tolerance


def value(text: str):
    (st,) = statements(f"{text} = 0")
    return evaluate(st.parts[0].node, Scope())


@pytest.mark.parametrize(
    "text, expected",
    [
        (r"\frac{1}{2} \cdot 3", 1.5),
        ("√(9) + 2²", 7.0),
        (r"\sqrt{16} \times 2", 8.0),
        (r"\exp(0) + \log(1) + \ln(e)", 2.0),
        ("e^{2}", math.e**2),
        ("[1, 2]·[3, 4]", 11.0),
        ("[1, 2] \\cdot [3, 4]", 11.0),
        ("2·[1, 2]", [2.0, 4.0]),
        ("0.5[2, 4]", [1.0, 2.0]),
        ("−(1·[1,2] + (−1)·[3,0])", [2.0, -2.0]),
        ("-[1,2] + [3,0]", [2.0, -2.0]),
        (r"\begin{bmatrix}1 & 2\\3 & 4\end{bmatrix}\begin{bmatrix}1\\1\end{bmatrix}", [3.0, 7.0]),
        (r"\begin{pmatrix} 1 \\ -2 \end{pmatrix}", [1.0, -2.0]),
        ("[[1, 2], [3, 4]]·[1, 0]", [1.0, 3.0]),
        ("(1, 2)ᵀ·(3, 4)", 11.0),
        (r"(1, 2)^\top (3, 4)", 11.0),
        (r"\left(1 + 2\right) \cdot 3", 9.0),
        (r"\sum_{i=1}^{3} i", 6.0),
        ("Σ_{k=1}^{4} k^2", 30.0),
        ("‖[3, 4]‖", 5.0),
        (r"\|[3, 4]\|^2", 25.0),
        (r"\lVert (1, 2) \rVert", math.sqrt(5)),
        ("σ(0)", 0.5),
        (r"\sigma(2)", 1 / (1 + math.exp(-2))),
        ("|−3|", 3.0),
        ("⟨[1,2],[3,4]⟩", 11.0),
        (r"\max(0, -2) + \min(1, 3)", 1.0),
        (r"\max\{0, 5\}", 5.0),
        ("1/4 + 1/4", 0.5),
        ("2^{-1}", 0.5),
        ("10⁻¹", 0.1),
        ("3 × 2 − 6 ÷ 3", 4.0),
        ("2 (3 + 1)", 8.0),
        (r"\tfrac{3}{4}", 0.75),
        (r"\log\left(1 + e^{0}\right)", math.log(2)),
        ("（1，2）·（1，1）", 3.0),  # full-width brackets and comma
        (r"\mathbb{1}[2 > 1] + 𝟙[1 ≥ 2]", 1.0),
        (r"\mathrm{1\!\!1}[2 > 1] + \mathbbm{1}[3 > 2]", 2.0),  # how gradproof draws 𝟙
        ("[ 0.2 -0.2]", [0.2, -0.2]),  # as numpy prints it
        ("[-0.2  0.2]", [-0.2, 0.2]),
        ("[2. 3.]", [2.0, 3.0]),
        ("[0.2 - 0.2]", 0.0),  # spaced signs: a subtraction
        ("2[3 + 4]", 14.0),  # square brackets as grouping
    ],
    ids=lambda v: str(v)[:28],
)
def test_values(text, expected):
    got = value(text)
    assert np.allclose(np.asarray(got, float), expected, rtol=1e-12, atol=0), got


@pytest.mark.parametrize(
    "text",
    [
        "x + 1",  # an unknown name
        "[1, 2] + 3",  # a vector plus a number
        r"\log(-1)",
        "1/0",
        "[1, 2] × [3, 4]",  # a cross product is not ours
        "(-8)^{1/3}",
        r"\sum_{i=1}^{100000000} 1",  # too long
        "[1, 2]·[1, 2, 3]",
        "2^{100000}",  # not finite
        "f(3)",
        r"\int_0^1 x",
    ],
)
def test_unevaluable(text):
    with pytest.raises(Unevaluable):
        value(text)


def test_sets():
    (st,) = statements("M = {1, 3}")
    assert evaluate(st.parts[1].node, Scope()) == frozenset({0, 2})
    (st,) = statements(r"M = \{x_1, x_2\}")
    assert evaluate(st.parts[1].node, Scope()) == frozenset({0, 1})
    (st,) = statements(r"M = \emptyset")
    assert evaluate(st.parts[1].node, Scope()) == frozenset()


@pytest.mark.parametrize(
    "text, holds",
    [
        ("1/3 = 0.333", True),  # a decimal stands for what rounds to it
        ("1/3 = 0.334", False),
        ("1/3 ≈ 0.33", True),
        ("1/3 ≈ 0.34", False),
        ("2.4 = 2", False),  # an integer under = is exact
        ("2.4 ≈ 2", True),  # under ≈, within ½
        ("2.6 ≈ 2", False),
        ("[0.1, 0.2]·[1, 1] = 0.3", True),  # float rounding is not an error
        ("[1/3, 2/3] ≈ [0.33, 0.67]", True),
        ("[1/3, 2/3] ≈ [0.33, 0.66]", False),
    ],
)
def test_precision_shown(text, holds):
    (st,) = statements(text)
    a, b = (evaluate(p.node, Scope()) for p in st.parts)
    tol = np.maximum(
        tolerance(st.parts[0].node, a, st.rels[0]), tolerance(st.parts[1].node, b, st.rels[0])
    )
    assert close(a, b, tol) is holds


def test_statement_splitting():
    text = (
        "on two points: x₁ = [1, 2], x₂ = [3, 0] with labels y = [1, −1], "
        "w = 0 (the zero vector), b = 0."
    )
    got = [(p.parts[0].node.key, len(p.parts)) for p in statements(text, prose=True)]
    assert got == [("x_1", 2), ("x_2", 2), ("y", 2), ("w", 2), ("b", 2)]
    zh = "初始化 w = 0，b = 0；学习率 η = 0.1。"
    assert [s.parts[0].node.key for s in statements(zh, prose=True)] == ["w", "b", "η"]
    align = "a &= 1 + 1 \\\\\n  &= 2 \\\\\nb &= 3"
    assert [len(s.parts) for s in statements(align)] == [3, 2]


def test_derivative_spellings_are_one_node():
    spellings = [
        r"\frac{\partial L}{\partial w}",
        "∂L/∂w",
        r"\nabla_w L",
        r"\nabla_{\mathbf{w}} L",
        "dL/dw",
        r"\frac{dL}{dw}",
        r"\frac{\mathrm{d} L}{\mathrm{d} w}",
    ]
    for s in spellings:
        (st,) = statements(f"{s} = [1, 2]", prose=s == "dL/dw")
        node = st.parts[0].node
        assert isinstance(node, N.Deriv) and (node.of.key, node.wrt.key) == ("L", "w"), s


def test_nothing_is_evaluated_from_text():
    # Python in a formula is only names and calls this reader does not know.
    for text in ["__import__('os').system('true')", "eval(1)", "().__class__"]:
        for st in statements(f"{text} = 1"):
            with pytest.raises(Unevaluable):
                evaluate(st.parts[0].node, Scope())
