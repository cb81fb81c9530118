"""LaTeX formulas for the same nodes as the text printer."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from gradproof.symbolic import display as D
from gradproof.symbolic.atoms import XX, Q, S, Y, Z
from gradproof.symbolic.functions import Ramp, Sigmoid, Softplus, Step
from gradproof.symbolic.render._base import GREEK, Shared, step_condition

__all__ = ["TexPrinter"]


class TexPrinter(Shared, LatexPrinter):
    """LaTeX for the same nodes: \\sum_{i \\in M} y_{i} \\mathbf{x}_{i}, \\mathbb{1}[\\cdot]."""

    MINUS = "-"
    PARENS = (r"\left(", r"\right)")

    printmethod = "_gradproof_latex"
    _default_settings = dict(
        LatexPrinter._default_settings, atoms="index", expand_score=False, sets={}
    )

    def _print_Symbol(self, e: sp.Symbol, style: str = "plain") -> str:
        mode = self._settings["atoms"]
        if isinstance(e, D.Sym):
            return {"ℓ": r"\ell", "∇L": r"\nabla L"}.get(e.name, e.name)
        sub = "_{i}" if mode == "index" else ""
        if e == S:
            if self._settings["expand_score"] or mode == "vector":
                return self._print(D.Expanded(S))
            return "s" + sub
        if e == Z:
            return r"X\mathbf{w}" if mode == "vector" else rf"\mathbf{{w}}\cdot\mathbf{{x}}{sub}"
        if e == Y:
            return r"\mathbf{y}" if mode == "vector" else "y" + sub
        if e == Q:
            return r"\lVert\mathbf{w}\rVert^{2}"
        if e == XX:
            if mode == "vector":
                return r"\left(X \odot X\right)\mathbf{1}"
            return rf"\lVert\mathbf{{x}}{sub}\rVert^{{2}}"
        if e.name in GREEK:
            return GREEK[e.name][1]
        return super()._print_Symbol(e)

    def _print_Expanded(self, e: D.Expanded) -> str:
        mode = self._settings["atoms"]
        if mode == "vector":
            return r"X\mathbf{w} + b\mathbf{1}"
        sub = "_{i}" if mode == "index" else ""
        return rf"\mathbf{{w}}\cdot\mathbf{{x}}{sub} + b"

    def _print_VecSymbol(self, e: D.VecSymbol) -> str:
        if e.name == "X":
            return "X"
        if e.name == "x_i":
            return r"\mathbf{x}_{i}"
        return rf"\mathbf{{{e.name}}}"

    def _join(self, factors: list[sp.Expr]) -> str:
        vec = self._settings["atoms"] == "vector"
        out = ""
        prev: sp.Expr | None = None
        for f in factors:
            s = self._wrap(f, PRECEDENCE["Mul"] + (1 if isinstance(f, sp.Add) else 0))
            if prev is None:
                out = s
            elif vec and self._per_sample(prev) and self._per_sample(f):
                out += r" \odot " + s
            elif prev.is_Number and f.is_Number:
                out += r" \cdot " + s
            else:
                out += " " + s
            prev = f
        return out

    SIGN = "- "

    def _scaled(
        self, head: list[sp.Expr], bottom: list[sp.Expr], rest: list[sp.Expr], space: bool
    ) -> str:
        frac = rf"\frac{{{self._join(head) if head else '1'}}}{{{self._join(bottom)}}}"
        return frac + (" " + self._join(rest) if rest else "")

    def _fraction(self, top: list[sp.Expr], bottom: list[sp.Expr]) -> str:
        return rf"\frac{{{self._join(top) if top else '1'}}}{{{self._join(bottom)}}}"

    def _print_Pow(self, expr: sp.Pow) -> str:
        base, e = expr.base, expr.exp
        norm = self._norm_power(expr)
        if norm is not None and not (norm[0] == "x" and self._settings["atoms"] == "vector"):
            sub = "_{i}" if norm[0] == "x" and self._settings["atoms"] == "index" else ""
            head, k = rf"\lVert\mathbf{{{norm[0]}}}{sub}\rVert", norm[1]
            return head if k == 1 else rf"{head}^{{{self._print(k)}}}"
        if e == sp.Rational(1, 2):
            return rf"\sqrt{{{self._print(base)}}}"
        if e.is_Number and e.is_negative:
            return rf"\frac{{1}}{{{self._print(sp.Pow(base, -e))}}}"
        return f"{self._wrap(base, PRECEDENCE['Pow'] + 1)}^{{{self._print(e)}}}"

    def _print_Ramp(self, expr: Ramp) -> str:
        return rf"\max\left(0, {self._print(expr.args[0])}\right)"

    def _print_Sigmoid(self, expr: Sigmoid) -> str:
        return rf"\sigma\left({self._print(expr.args[0])}\right)"

    def _print_Softplus(self, expr: Softplus) -> str:
        return rf"\operatorname{{softplus}}\left({self._print(expr.args[0])}\right)"

    def _print_sign(self, expr: sp.sign, exp: Any = None) -> str:
        return rf"\operatorname{{sgn}}\left({self._print(expr.args[0])}\right)"

    def _print_Step(self, expr: Step) -> str:
        u = expr.args[0]
        name = self._settings["sets"].get(u)
        if name is not None and self._settings["atoms"] == "vector":
            return rf"\mathbb{{1}}_{{{name}}}"
        cond = step_condition(u, expr.at_kink)
        if cond is None:
            ge, gt = step_condition(u, sp.Integer(1)), step_condition(u, sp.Integer(0))
            return (
                rf"\tfrac{{1}}{{2}}\left(\mathbb{{1}}[{self._print(ge)}] + "
                rf"\mathbb{{1}}[{self._print(gt)}]\right)"
            )
        return rf"\mathbb{{1}}\left[{self._print(cond)}\right]"

    def _print_SampleSum(self, e: D.SampleSum) -> str:
        body, where = e.args
        sub = r"_{i=1}^{n}" if where == D.ALL else rf"_{{i \in {self._print(where)}}}"
        return rf"\sum{sub} {self._wrap(body, PRECEDENCE['Mul'])}"

    def _print_Partial(self, e: D.Partial) -> str:
        f, v = e.args
        if f.is_Atom or (isinstance(f, sp.Function) and not isinstance(f, D._Display)):
            return rf"\frac{{\partial {self._print(f)}}}{{\partial {self._print(v)}}}"
        return rf"\frac{{\partial}}{{\partial {self._print(v)}}}\left({self._print(f)}\right)"

    def _print_SetDef(self, e: D.SetDef) -> str:
        return rf"{self._print(e.args[0])} = \{{\, i : {self._print(e.args[1])} \,\}}"

    def _print_MatTVec(self, e: D.MatTVec) -> str:
        c, mat = e.args
        inner = self._with_mode("vector", c)
        left = r"\mathbf{1}^{\top}" if mat == 1 else rf"{self._print(mat)}^{{\top}}"
        if c == 1:
            return left + r"\mathbf{1}"
        if isinstance(c, (sp.Symbol, Step)):
            return left + inner
        return rf"{left}\left({inner}\right)"

    def _print_StackedGradient(self, e: D.StackedGradient) -> str:
        rows = r" \\ ".join(self._print(a) for a in e.args)
        return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"

    def _print_Lit(self, e: D.Lit) -> str:
        return e.tex
