"""Readable one-line unicode formulas: −Σ_{i∈M} yᵢ xᵢ, max(0, 1 − yᵢsᵢ), ‖w‖², 𝟙[yᵢsᵢ ≤ 0]."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from gradproof.symbolic import display as D
from gradproof.symbolic.atoms import XX, Q, S, Y, Z
from gradproof.symbolic.functions import Ramp, Sigmoid, Softplus, Step
from gradproof.symbolic.render._base import GREEK, SUP, Shared, readable_relation, step_condition

__all__ = ["TextPrinter"]


class TextPrinter(Shared, StrPrinter):
    """Readable one-line unicode: −Σ_{i∈M} yᵢ xᵢ, max(0, 1 − yᵢsᵢ), ‖w‖², 𝟙[yᵢsᵢ ≤ 0]."""

    MINUS = "−"
    PARENS = ("(", ")")

    printmethod = "_gradproof_text"
    _default_settings = dict(
        StrPrinter._default_settings, atoms="index", expand_score=False, sets={}
    )

    # -- atoms ---------------------------------------------------------------------------
    def _print_Symbol(self, e: sp.Symbol) -> str:
        mode = self._settings["atoms"]
        if isinstance(e, D.Sym):
            return e.name
        sub = "ᵢ" if mode == "index" else ""
        if e == S:
            if self._settings["expand_score"] or mode == "vector":
                return self._print(self._score_expr())
            return "s" + sub
        if e == Z:
            return "Xw" if mode == "vector" else f"w·x{sub}"
        if e == Y:
            return "y" + sub
        if e == Q:
            return "‖w‖²"
        if e == XX:
            return {"index": "‖xᵢ‖²", "vector": "(X ⊙ X)𝟏"}.get(mode, "‖x‖²")
        if e.name in GREEK:
            return GREEK[e.name][0]
        return e.name

    def _score_expr(self) -> sp.Expr:
        return D.Expanded(S)

    def _print_Expanded(self, e: D.Expanded) -> str:
        mode = self._settings["atoms"]
        if mode == "vector":
            return "Xw + b𝟏"
        return "w·xᵢ + b" if mode == "index" else "w·x + b"

    def _print_VecSymbol(self, e: D.VecSymbol) -> str:
        return {"x_i": "xᵢ"}.get(e.name, e.name)

    def _print_Rational(self, e: sp.Rational) -> str:
        special = {(1, 2): "½", (-1, 2): "−½", (1, 3): "⅓", (1, 4): "¼"}
        key = (int(e.p), int(e.q))
        if key in special:
            return special[key]
        return f"{e.p}/{e.q}".replace("-", "−")

    def _print_Integer(self, e: sp.Integer) -> str:
        return str(int(e)).replace("-", "−")

    def _print_Float(self, e: sp.Float) -> str:
        return f"{float(e):.6g}".replace("-", "−")

    # -- arithmetic ----------------------------------------------------------------------
    def _join(self, factors: list[sp.Expr]) -> str:
        vec = self._settings["atoms"] == "vector"
        out = ""
        prev: sp.Expr | None = None
        for f in factors:
            s = self._wrap(f, PRECEDENCE["Mul"] + (1 if isinstance(f, sp.Add) else 0))
            if prev is None:
                out = s
            elif vec and self._per_sample(prev) and self._per_sample(f):
                out += " ⊙ " + s
            elif f != Z and (
                (prev.is_Number and isinstance(f, sp.Symbol))
                or (self._is_hyper(prev) and (isinstance(f, D.VecSymbol) or f == Q))
            ):
                out += s  # 2yᵢ, λw, λ‖w‖²; but 2 w·xᵢ, c yᵢ
            elif isinstance(prev, D.Partial) and isinstance(f, D.Partial):
                out += " · " + s
            elif prev.is_Number:
                out += "·" + s
            else:
                out += " " + s
            prev = f
        return out

    SIGN = "−"

    def _scaled(
        self, head: list[sp.Expr], bottom: list[sp.Expr], rest: list[sp.Expr], space: bool
    ) -> str:
        body = self._join(rest)
        if not head and len(bottom) == 1 and bottom[0].is_Integer:
            return self._print(sp.Rational(1, int(bottom[0]))) + (" " if space else "") + body
        low = self._join(bottom)
        if len(bottom) > 1 or isinstance(bottom[0], sp.Mul):
            low = f"({low})"
        frac = f"{self._join(head) if head else '1'}/{low}"
        if not body:
            return frac
        return f"({frac})" + (" " if space else "") + body

    def _fraction(self, top: list[sp.Expr], bottom: list[sp.Expr]) -> str:
        low = self._join(bottom)
        if len(bottom) > 1 or isinstance(bottom[0], sp.Mul):
            low = f"({low})"
        high = self._join(top) if top else "1"
        if len(top) > 1 or (top and isinstance(top[0], sp.Add)):
            high = f"({high})"
        return f"{high}/{low}"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, e = expr.base, expr.exp
        norm = self._norm_power(expr)
        if norm is not None and not (norm[0] == "x" and self._settings["atoms"] == "vector"):
            sub = "ᵢ" if norm[0] == "x" and self._settings["atoms"] == "index" else ""
            head, k = f"‖{norm[0]}{sub}‖", norm[1]
            if k == 1:
                return head
            return head + (str(int(k)).translate(SUP) if k.is_Integer else f"^({k})")
        if e == sp.Rational(1, 2):
            return f"√({self._print(base)})"
        if e.is_Number and e.is_negative:
            return f"1/{self._wrap(sp.Pow(base, -e), PRECEDENCE['Pow'] + 1)}"
        b = self._wrap(base, PRECEDENCE["Pow"] + 1)
        if e.is_Integer:
            return b + str(int(e)).translate(SUP)
        return f"{b}^({self._print(e)})"

    def _print_Relational(self, expr: sp.core.relational.Relational) -> str:
        expr = readable_relation(expr)
        op = {"<=": "≤", ">=": "≥", "<": "<", ">": ">", "==": "=", "!=": "≠"}[expr.rel_op]
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    # -- functions -----------------------------------------------------------------------
    def _print_Function(self, expr: sp.Function) -> str:
        name = {"sign": "sgn"}.get(type(expr).__name__, type(expr).__name__)
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    def _print_exp(self, expr: sp.exp) -> str:
        return f"exp({self._print(expr.args[0])})"

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_Ramp(self, expr: Ramp) -> str:
        return f"max(0, {self._print(expr.args[0])})"

    def _print_Sigmoid(self, expr: Sigmoid) -> str:
        return f"σ({self._print(expr.args[0])})"

    def _print_Softplus(self, expr: Softplus) -> str:
        return f"softplus({self._print(expr.args[0])})"

    def _print_Step(self, expr: Step) -> str:
        u = expr.args[0]
        name = self._settings["sets"].get(u)
        if name is not None and self._settings["atoms"] == "vector":
            return f"𝟙_{name}"
        cond = step_condition(u, expr.at_kink)
        if cond is None:
            ge, gt = step_condition(u, sp.Integer(1)), step_condition(u, sp.Integer(0))
            return f"½(𝟙[{self._print(ge)}] + 𝟙[{self._print(gt)}])"
        return f"𝟙[{self._print(cond)}]"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        parts = []
        for value, cond in expr.args:
            if cond == sp.true:
                parts.append(f"{self._print(value)} otherwise")
            else:
                parts.append(f"{self._print(value)} if {self._print(cond)}")
        return "{" + "; ".join(parts) + "}"

    def _print_BooleanTrue(self, expr: Any) -> str:
        return "true"

    # -- display nodes -------------------------------------------------------------------
    def _print_SampleSum(self, e: D.SampleSum) -> str:
        body, where = e.args
        sub = "ᵢ" if where == D.ALL else f"_{{i∈{where}}}"
        return f"Σ{sub} {self._wrap(body, PRECEDENCE['Mul'])}"

    def _print_Partial(self, e: D.Partial) -> str:
        f, v = e.args
        simple = (f.is_Atom and f != Z) or (
            isinstance(f, sp.Function) and not isinstance(f, D._Display)
        )
        top = self._print(f) if simple else f"({self._print(f)})"
        bottom = self._print(v) if v != Z else f"({self._print(v)})"
        return f"∂{top}/∂{bottom}"

    def _print_SetDef(self, e: D.SetDef) -> str:
        return f"{self._print(e.args[0])} = {{i : {self._print(e.args[1])}}}"

    def _print_MatTVec(self, e: D.MatTVec) -> str:
        c, mat = e.args
        inner = self._with_mode("vector", c)
        left = "𝟏ᵀ" if mat == 1 else f"{self._print(mat)}ᵀ"
        if c == 1:
            return left + "𝟏"
        if isinstance(c, (sp.Symbol, Step)):
            return left + inner
        return f"{left}({inner})"

    def _print_StackedGradient(self, e: D.StackedGradient) -> str:
        return "[" + ", ".join(self._print(a) for a in e.args) + "]ᵀ"

    def _print_Lit(self, e: D.Lit) -> str:
        return e.text

    def _print_MatrixBase(self, e: sp.MatrixBase) -> str:
        rows = [", ".join(self._print(v) for v in e.row(i)) for i in range(e.rows)]
        if e.cols == 1 or e.rows == 1:
            return "[" + ", ".join(self._print(v) for v in e) + "]"
        return "[" + "; ".join(rows) + "]"
