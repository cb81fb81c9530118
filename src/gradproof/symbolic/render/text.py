"""The leaves of readable one-line unicode formulas: −Σ_{i∈M} yᵢ xᵢ, max(0, 1 − yᵢsᵢ), ‖w‖²,
𝟙[yᵢsᵢ ≤ 0]. Every layout decision is the core's (:mod:`gradproof.symbolic.render.core`)."""

from __future__ import annotations

import re
from typing import ClassVar

import sympy as sp

from gradproof.i18n import _
from gradproof.symbolic.atoms import XX, Q, S, Y, Z
from gradproof.symbolic.render._base import EXPANDED, GREEK, SUP
from gradproof.symbolic.render.core import FormulaPrinter

__all__ = ["TextPrinter"]

_INDEX = str.maketrans("ijkl", "ᵢⱼₖₗ")
_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_LAYER = re.compile(r"([A-Za-z]+)(\d+)")  # a layer's parameter name: W1, b2
_SUPER = str.maketrans("nKdh0123456789", "ⁿᴷᵈʰ⁰¹²³⁴⁵⁶⁷⁸⁹")
_GLYPHS = {(1, 2): "½", (-1, 2): "−½", (1, 3): "⅓", (1, 4): "¼"}


def _minus(s: str) -> str:
    return s.replace("-", "−")


class TextPrinter(FormulaPrinter):
    """Readable one-line unicode: −Σ_{i∈M} yᵢ xᵢ, max(0, 1 − yᵢsᵢ), ‖w‖², 𝟙[yᵢsᵢ ≤ 0]."""

    FORMAT = "text"
    ATOMS: ClassVar = {
        S: {"scalar": "s", "index": "sᵢ", "vector": "s"},
        Z: {"scalar": "w·x", "index": "w·xᵢ", "vector": "Xw"},
        Y: {"scalar": "y", "index": "yᵢ", "vector": "y"},
        Q: {"scalar": "‖w‖²", "index": "‖w‖²", "vector": "‖w‖²"},
        XX: {"scalar": "‖x‖²", "index": "‖xᵢ‖²", "vector": "(X ⊙ X)𝟏"},
        EXPANDED: {"scalar": "w·x + b", "index": "w·xᵢ + b", "vector": "Xw + b𝟏"},
    }
    CONSTANTS: ClassVar = {sp.pi: "π", sp.E: "e", sp.true: "true"}
    RELATIONS: ClassVar = {"<=": "≤", ">=": "≥", "<": "<", ">": ">", "==": "=", "!=": "≠"}
    JOIN: ClassVar = {
        "hadamard": " ⊙ ",
        "numbers": "·",
        "tight": "",
        "partials": " · ",
        "after_number": "·",
        "space": " ",
        "matrix": "",
    }
    PLUS = " + "
    MINUS = " − "
    MINUS_FIRST = "−"
    SIGN = "−"
    ONES = "𝟏"

    def _leaf_parens(self, s: str) -> str:
        return f"({s})"

    def _leaf_sym(self, name: str) -> str:
        return name

    def _leaf_name(self, name: str) -> str:
        return GREEK[name][0] if name in GREEK else name

    def _leaf_vector(self, name: str) -> str:
        return {"x_i": "xᵢ"}.get(name, name)

    def _leaf_integer(self, n: int) -> str:
        return _minus(str(n))

    def _leaf_rational(self, p: int, q: int) -> str:
        return _GLYPHS.get((p, q), _minus(f"{p}/{q}"))

    def _leaf_float(self, x: float) -> str:
        return _minus(f"{x:.6g}")

    def _leaf_coefficient(
        self, head: str | None, bottom: str, bottom_compound: bool, unit: int | None, before: bool
    ) -> str:
        # Inline, a fraction in front of a product is bracketed: (1/7) yᵢ, not 1/7yᵢ, which
        # reads as 1/(7yᵢ). One glyph (½, ⅓, ¼) needs no brackets.
        if unit is not None and (1, unit) in _GLYPHS:
            return _GLYPHS[(1, unit)]
        frac = f"{head or '1'}/{f'({bottom})' if bottom_compound else bottom}"
        return f"({frac})" if before else frac

    def _leaf_coefficient_sep(self, space: bool, body: str) -> str:
        # (λ/2)‖w‖² and ½yᵢ are tight, but a bar after a coefficient would read as closing
        # one: (1/7) |b|, not (1/7)|b|.
        return " " if space or body.startswith("|") else ""

    def _leaf_fraction(
        self, top: str, bottom: str, top_compound: bool, bottom_compound: bool
    ) -> str:
        high = f"({top})" if top_compound else top
        low = f"({bottom})" if bottom_compound else bottom
        return f"{high}/{low}"

    def _leaf_power(self, base: str, exp: sp.Expr) -> str:
        if exp.is_Integer:
            return base + str(int(exp)).translate(SUP)
        return f"{base}^({self._print(exp)})"

    def _leaf_norm(self, vector: str, indexed: bool, k: sp.Rational) -> str:
        head = f"‖{vector}{'ᵢ' if indexed else ''}‖"
        if k == 1:
            return head
        return head + (str(int(k)).translate(SUP) if k.is_Integer else f"^({k})")

    def _leaf_sqrt(self, s: str) -> str:
        return f"√({s})"

    def _leaf_piecewise(self, pieces: list[tuple[str, str | None]]) -> str:
        parts = [
            _("{value} otherwise", value=v)
            if c is None
            else _("{value} if {condition}", value=v, condition=c)
            for v, c in pieces
        ]
        return "{" + _("; ").join(parts) + "}"  # the separator of the cases, too

    def _leaf_indicator(self, cond: str) -> str:
        return f"𝟙[{cond}]"

    def _leaf_indicator_set(self, name: str) -> str:
        return f"𝟙_{name}"

    def _leaf_indicator_average(self, ge: str, gt: str) -> str:
        return f"½(𝟙[{ge}] + 𝟙[{gt}])"

    def _leaf_sum(self, where: str | None) -> str:
        return "Σᵢ" if where is None else f"Σ_{{i∈{where}}}"

    def _leaf_partial(self, f: str, kind: str, v: str, v_dotted: bool) -> str:
        top = f if kind == "atom" else f"({f})"  # inline, w·x needs brackets too
        return f"∂{top}/∂{f'({v})' if v_dotted else v}"

    def _leaf_setdef(self, lhs: str, cond: str) -> str:
        return f"{lhs} = {{i : {cond}}}"

    def _leaf_transpose(self, mat: str | None) -> str:
        return "𝟏ᵀ" if mat is None else f"{mat}ᵀ"

    def _leaf_stack(self, items: list[str]) -> str:
        return "[" + ", ".join(items) + "]ᵀ"

    # -- matrices and entries (models with K scores) -----------------------------------------
    SHAPES_SEP: ClassVar[str] = ",  "

    def _leaf_transposed(self, inner: str) -> str:
        return f"{inner}ᵀ"

    def _leaf_operator(self, name: str, inner: str) -> str:
        return f"{name}({inner})"

    def _leaf_entry(self, base: str, index: str) -> str:
        layer = _LAYER.fullmatch(base)  # a network's W1: (W₁)ₖⱼ
        if layer:
            base = f"({layer[1]}{layer[2].translate(_DIGITS)})"
        return base + index.translate(_INDEX)

    def _leaf_index_sum(self, index: str, skip: str | None) -> str:
        return f"Σ{index.translate(_INDEX)}" if skip is None else f"Σ_{{{index}≠{skip}}}"

    def _leaf_delta(self, a: str, b: str) -> str:
        return f"δ{(a + b).translate(_INDEX)}"

    def _leaf_in_space(self, expr: str, dims: list[str]) -> str:
        return f"{expr} ∈ ℝ" + "ˣ".join(d.translate(_SUPER) for d in dims)

    def _leaf_norm_of(self, weight: str, p: int) -> str:
        layer = _LAYER.fullmatch(weight)
        if layer:
            weight = layer[1] + layer[2].translate(_DIGITS)
        return f"‖{weight}‖_F²" if p == 2 else f"‖{weight}‖₁"
