"""The leaves of LaTeX formulas: \\sum_{i \\in M} y_{i} \\mathbf{x}_{i}, the indicator 𝟙[\\cdot].
Every layout decision is the core's (:mod:`gradproof.symbolic.render.core`)."""

from __future__ import annotations

import re
from typing import ClassVar

import sympy as sp

from gradproof.i18n import _
from gradproof.symbolic.atoms import XX, Q, S, Y, Z
from gradproof.symbolic.notation import INDICATOR
from gradproof.symbolic.render._base import EXPANDED, GREEK
from gradproof.symbolic.render.core import FormulaPrinter

_LAYER = re.compile(r"([A-Za-z]+)(\d+)")  # a layer's parameter name: W1, b2

__all__ = ["TexPrinter"]

_W_DOT_X = r"\mathbf{w}\cdot\mathbf{x}"


class TexPrinter(FormulaPrinter):
    """LaTeX for the same nodes: \\sum_{i \\in M} y_{i} \\mathbf{x}_{i}, 𝟙[\\cdot]."""

    FORMAT = "latex"
    ATOMS: ClassVar = {
        S: {"scalar": "s", "index": "s_{i}", "vector": "s"},
        Z: {"scalar": _W_DOT_X, "index": _W_DOT_X + "_{i}", "vector": r"X\mathbf{w}"},
        Y: {"scalar": "y", "index": "y_{i}", "vector": r"\mathbf{y}"},
        Q: dict.fromkeys(("scalar", "index", "vector"), r"\lVert\mathbf{w}\rVert^{2}"),
        XX: {
            "scalar": r"\lVert\mathbf{x}\rVert^{2}",
            "index": r"\lVert\mathbf{x}_{i}\rVert^{2}",
            "vector": r"\left(X \odot X\right)\mathbf{1}",
        },
        EXPANDED: {
            "scalar": _W_DOT_X + " + b",
            "index": _W_DOT_X + "_{i} + b",
            "vector": r"X\mathbf{w} + b\mathbf{1}",
        },
    }
    CONSTANTS: ClassVar = {sp.pi: r"\pi", sp.E: "e", sp.true: r"\text{true}"}
    RELATIONS: ClassVar = {
        "<=": r"\leq",
        ">=": r"\geq",
        "<": "<",
        ">": ">",
        "==": "=",
        "!=": r"\neq",
    }
    JOIN: ClassVar = {
        "hadamard": r" \odot ",
        "numbers": r" \cdot ",
        "tight": " ",
        "partials": " ",
        "after_number": " ",
        "space": " ",
        "matrix": " ",
    }
    PLUS = " + "
    MINUS = " - "
    MINUS_FIRST = "-"
    SIGN = "- "
    ONES = r"\mathbf{1}"

    def _leaf_parens(self, s: str) -> str:
        return rf"\left({s}\right)"

    def _leaf_sym(self, name: str) -> str:
        return {"ℓ": r"\ell", "∇L": r"\nabla L"}.get(name, name)

    def _leaf_name(self, name: str) -> str:
        # SymPy's own LaTeX for a plain symbol name: lam2 → lam_{2}, omega → \omega.
        return GREEK[name][1] if name in GREEK else sp.latex(sp.Symbol(name))

    def _leaf_vector(self, name: str) -> str:
        return {"X": "X", "x_i": r"\mathbf{x}_{i}"}.get(name, rf"\mathbf{{{name}}}")

    def _leaf_integer(self, n: int) -> str:
        return str(n)

    def _leaf_rational(self, p: int, q: int) -> str:
        return rf"{'- ' if p < 0 else ''}\frac{{{abs(p)}}}{{{q}}}"

    def _leaf_float(self, x: float) -> str:
        mantissa, _, exponent = f"{x:.6g}".partition("e")
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}" if exponent else mantissa

    def _leaf_coefficient(
        self, head: str | None, bottom: str, bottom_compound: bool, unit: int | None, before: bool
    ) -> str:
        return rf"\frac{{{head or '1'}}}{{{bottom}}}"

    def _leaf_coefficient_sep(self, space: bool, body: str) -> str:
        return " "

    def _leaf_fraction(
        self, top: str, bottom: str, top_compound: bool, bottom_compound: bool
    ) -> str:
        return rf"\frac{{{top}}}{{{bottom}}}"

    def _leaf_power(self, base: str, exp: sp.Expr) -> str:
        return f"{base}^{{{self._print(exp)}}}"

    def _leaf_norm(self, vector: str, indexed: bool, k: sp.Rational) -> str:
        head = rf"\lVert\mathbf{{{vector}}}{'_{i}' if indexed else ''}\rVert"
        return head if k == 1 else rf"{head}^{{{self._print(k)}}}"

    def _leaf_sqrt(self, s: str) -> str:
        return rf"\sqrt{{{s}}}"

    def _leaf_piecewise(self, pieces: list[tuple[str, str | None]]) -> str:
        otherwise, when = _("otherwise"), _("for")  # the words of the cases, in the language
        rows = [
            rf"{v} & \text{{{otherwise}}}" if c is None else rf"{v} & \text{{{when}}}\: {c}"
            for v, c in pieces
        ]
        return r"\begin{cases} " + r" \\".join(rows) + r" \end{cases}"

    def _leaf_indicator(self, cond: str) -> str:
        return rf"{INDICATOR}\left[{cond}\right]"

    def _leaf_indicator_set(self, name: str) -> str:
        return rf"{INDICATOR}_{{{name}}}"

    def _leaf_indicator_average(self, ge: str, gt: str) -> str:
        return rf"\tfrac{{1}}{{2}}\left({INDICATOR}[{ge}] + {INDICATOR}[{gt}]\right)"

    def _leaf_sum(self, where: str | None) -> str:
        return r"\sum_{i=1}^{n}" if where is None else rf"\sum_{{i \in {where}}}"

    def _leaf_partial(self, f: str, kind: str, v: str, v_dotted: bool) -> str:
        if kind == "compound":
            return rf"\frac{{\partial}}{{\partial {v}}}\left({f}\right)"
        return rf"\frac{{\partial {f}}}{{\partial {v}}}"

    def _leaf_setdef(self, lhs: str, cond: str) -> str:
        return rf"{lhs} = \{{\, i : {cond} \,\}}"

    def _leaf_transpose(self, mat: str | None) -> str:
        return r"\mathbf{1}^{\top}" if mat is None else rf"{mat}^{{\top}}"

    def _leaf_stack(self, items: list[str]) -> str:
        return r"\begin{bmatrix} " + r" \\ ".join(items) + r" \end{bmatrix}"

    # -- matrices and entries (models with K scores) -----------------------------------------
    SHAPES_SEP: ClassVar[str] = r",\quad "

    def _leaf_transposed(self, inner: str) -> str:
        return rf"{inner}^{{\top}}"

    def _leaf_operator(self, name: str, inner: str) -> str:
        return rf"\operatorname{{{name}}}\left({inner}\right)"

    def _leaf_entry(self, base: str, index: str) -> str:
        layer = _LAYER.fullmatch(base)  # a network's W1: (W_{1})_{kj}
        if layer:
            return f"({layer[1]}_{{{layer[2]}}})_{{{index}}}"
        return f"{self._leaf_sym(base)}_{{{index}}}"

    def _leaf_index_sum(self, index: str, skip: str | None) -> str:
        return rf"\sum_{{{index}}}" if skip is None else rf"\sum_{{{index} \neq {skip}}}"

    def _leaf_delta(self, a: str, b: str) -> str:
        return rf"\delta_{{{a}{b}}}"

    def _leaf_in_space(self, expr: str, dims: list[str]) -> str:
        space = r" \times ".join(sp.latex(sp.Symbol(d)) for d in dims)  # h1 → h_{1}
        return rf"{expr} \in \mathbb{{R}}" + (f"^{{{space}}}" if dims else "")

    def _leaf_norm_of(self, weight: str, p: int) -> str:
        layer = _LAYER.fullmatch(weight)
        if layer:
            weight = f"{layer[1]}_{{{layer[2]}}}"
        return rf"\lVert {weight}\rVert_{{F}}^{{2}}" if p == 2 else rf"\lVert {weight}\rVert_{{1}}"
