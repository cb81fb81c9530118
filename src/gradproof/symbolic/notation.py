r"""The maths that appears inside sentences, written once as text and as LaTeX.

A sentence template (:mod:`gradproof.symbolic.sentences`) names these by placeholder
(``{score}``, ``{u_ge_0}``); :func:`~gradproof.symbolic.sentences.say` fills them with their
text, :func:`~gradproof.symbolic.sentences.say_inline` keeps them as formulas so that LaTeX
and Markdown set them as math. Formulas are never translated.

>>> NOTATION["score"].text, NOTATION["score"].tex
('sᵢ = w·xᵢ + b', 's_{i} = \\mathbf{w}\\cdot\\mathbf{x}_{i} + b')
"""

from __future__ import annotations

from gradproof.symbolic.display import Lit

__all__ = ["NOTATION", "INDICATOR", "indicator_of", "math_name"]

INDICATOR = r"\mathrm{1\!\!1}"
"""The indicator 𝟙 in LaTeX: a double-struck one that KaTeX, MathJax and pdflatex draw alike
(their \\mathbb has no digits: KaTeX and MathJax draw \\mathbb{1} as a plain 1)."""

_W = r"\mathbf{w}"
_X = r"\mathbf{x}"

NOTATION: dict[str, Lit] = {
    "n": Lit("n", "n"),
    "w": Lit("w", _W),
    "b": Lit("b", "b"),
    "x": Lit("x", _X),
    "X": Lit("X", "X"),
    "y": Lit("y", r"\mathbf{y}"),
    "u": Lit("u", "u"),
    "zero": Lit("0", "0"),
    "wb": Lit("(w, b)", rf"({_W}, b)"),
    "score": Lit("sᵢ = w·xᵢ + b", rf"s_{{i}} = {_W}\cdot{_X}_{{i}} + b"),
    "s_i": Lit("sᵢ", "s_{i}"),
    "wx_i": Lit("w·xᵢ", rf"{_W}\cdot{_X}_{{i}}"),
    "max0u": Lit("max(0, u)", r"\max(0, u)"),
    "u_ge_0": Lit("u ≥ 0", r"u \geq 0"),
    "u_eq_0": Lit("u = 0", "u = 0"),
    "abs_u": Lit("|u|", r"\lvert u\rvert"),
    "dot_rule": Lit("∂(w·x)/∂w = x", rf"\partial({_W}\cdot{_X})/\partial {_W} = {_X}"),
    "norm_sq": Lit("‖w‖² = w·w", rf"\lVert {_W}\rVert^{{2}} = {_W}\cdot{_W}"),
    "norm_rule": Lit("∂(w·w)/∂w = 2w", rf"\partial({_W}\cdot{_W})/\partial {_W} = 2{_W}"),
    "reg_rule": Lit("∂‖w‖²/∂w = 2w", rf"\partial\lVert {_W}\rVert^{{2}}/\partial {_W} = 2{_W}"),
    "db_db": Lit("∂b/∂b = 1", r"\partial b/\partial b = 1"),
    "odot": Lit("⊙", r"\odot"),
    "one": Lit("𝟙 = 1", f"{INDICATOR} = 1"),
    "nought": Lit("𝟙 = 0", f"{INDICATOR} = 0"),
    "half": Lit("½", r"\tfrac{1}{2}"),
    "origin": Lit("w = 0, b = 0", rf"{_W} = \mathbf{{0}},\ b = 0"),
    "on_margin": Lit("y(w·x + b) = 1", rf"y({_W}\cdot{_X} + b) = 1"),
    "r_delta": Lit("|r| = δ", r"\lvert r\rvert = \delta"),
    "pm1": Lit("±1", r"\pm 1"),
    "labels_pm1": Lit("{−1, +1}", r"\{-1, +1\}"),
    "sum_cx": Lit("∂L/∂w = Σᵢ cᵢ xᵢ", rf"\partial L/\partial {_W} = \sum_{{i}} c_{{i}} {_X}_{{i}}"),
    "sum_cx_mean": Lit(
        "∂L/∂w = (1/n) Σᵢ cᵢ xᵢ",
        rf"\partial L/\partial {_W} = \frac{{1}}{{n}} \sum_{{i}} c_{{i}} {_X}_{{i}}",
    ),
    "sum_cx_dw": Lit(
        "∂L/∂w = Σᵢ cᵢ xᵢ + (Σᵢ dᵢ) w",
        rf"\partial L/\partial {_W} = \sum_{{i}} c_{{i}} {_X}_{{i}} + "
        rf"\left(\sum_{{i}} d_{{i}}\right) {_W}",
    ),
    "sum_cx_dw_mean": Lit(
        "∂L/∂w = (1/n) Σᵢ cᵢ xᵢ + (1/n)(Σᵢ dᵢ) w",
        rf"\partial L/\partial {_W} = \frac{{1}}{{n}} \sum_{{i}} c_{{i}} {_X}_{{i}} + "
        rf"\frac{{1}}{{n}} \left(\sum_{{i}} d_{{i}}\right) {_W}",
    ),
    "sum_c": Lit("∂L/∂b = Σᵢ cᵢ", r"\partial L/\partial b = \sum_{i} c_{i}"),
    "sum_c_mean": Lit("∂L/∂b = (1/n) Σᵢ cᵢ", r"\partial L/\partial b = \frac{1}{n} \sum_{i} c_{i}"),
    "y_i_s_i": Lit("yᵢ sᵢ", r"y_{i} s_{i}"),
    "labels_classes": Lit("0, 1, …, K − 1", r"0, 1, \ldots, K - 1"),
    "i": Lit("i", "i"),
    "K": Lit("K", "K"),
    "entry_ik": Lit("(i, k)", "(i, k)"),
    "entry_kj": Lit("(k, j)", "(k, j)"),
    "entry_k": Lit("k", "k"),
    "ell": Lit("ℓ", r"\ell"),
    "s": Lit("s", r"\mathbf{s}"),
}
"""Placeholder name → the formula as text and as LaTeX."""


def math_name(name: str) -> Lit:
    """A set or variable name (M, V, c) as a formula."""
    return Lit(name, name)


def indicator_of(name: str) -> Lit:
    """𝟙_M, the indicator vector of the set ``name``."""
    return Lit(f"𝟙_{name}", f"{INDICATOR}_{{{name}}}")
