"""Formula printers: one expression, printed as unicode text or as LaTeX.

Both printers dispatch on node type (``_print_Ramp``, ``_print_SampleSum``, ...) and recurse
only through ``self._print``. Their settings are one defaults dict; unknown keys are rejected
by SymPy's Printer. The ``atoms`` setting decides how per-sample atoms appear:

``scalar``  the loss of one sample: s, y, w·x
``index``   inside Σᵢ: sᵢ, yᵢ, w·xᵢ
``vector``  all samples at once (matrix form): y, Xw + b𝟏, ⊙ between per-sample factors
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from gradproof.symbolic import display as D
from gradproof.symbolic.atoms import XX, B, Q, S, Y, Z
from gradproof.symbolic.functions import Ramp, Sigmoid, Softplus, Step

__all__ = ["TextPrinter", "TexPrinter", "to_text", "to_latex", "step_condition"]

_PER_SAMPLE = (S, Y, Z, XX)
_GREEK = {"lam": ("λ", r"\lambda"), "lambda_": ("λ", r"\lambda"), "delta": ("δ", r"\delta"),
          "alpha": ("α", r"\alpha"), "beta": ("β", r"\beta"), "gamma": ("γ", r"\gamma"),
          "eta": ("η", r"\eta"), "mu": ("μ", r"\mu"), "sigma": ("σ", r"\sigma"),
          "tau": ("τ", r"\tau"), "epsilon": ("ε", r"\epsilon"), "rho": ("ρ", r"\rho"),
          "kappa": ("κ", r"\kappa"), "theta": ("θ", r"\theta"), "nu": ("ν", r"\nu"),
          "C": ("C", "C")}
_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_FACTOR_ORDER = {"y": 1, "s": 2, "z": 2}


def step_condition(u: sp.Expr, at_kink: sp.Expr | None) -> sp.Expr | None:
    """The condition under which 𝟙[u ≥ 0] (with value ``at_kink`` at 0) is 1, read nicely.

    1 − y·s ≥ 0 becomes y·s ≤ 1; −y·s ≥ 0 becomes y·s ≤ 0. Returns None for the ½ convention.
    """
    const, rest = u.as_independent(*u.free_symbols, as_Add=True)
    strict = at_kink == 0
    if at_kink is not None and at_kink not in (0, 1):
        return None
    if rest != 0 and rest.could_extract_minus_sign():
        lhs, rhs = -rest, const
        return sp.StrictLessThan(lhs, rhs, evaluate=False) if strict else sp.LessThan(
            lhs, rhs, evaluate=False)
    lhs, rhs = rest if rest != 0 else u, -const if rest != 0 else sp.Integer(0)
    return sp.StrictGreaterThan(lhs, rhs, evaluate=False) if strict else sp.GreaterThan(
        lhs, rhs, evaluate=False)


def _readable_relation(rel: sp.core.relational.Relational) -> Any:
    """Put the expression on the left and the bound on the right: δ ≥ |r| reads |r| ≤ δ."""
    flip = {">=": sp.LessThan, "<=": sp.GreaterThan, ">": sp.StrictLessThan,
            "<": sp.StrictGreaterThan}

    def simple(e: sp.Expr) -> bool:
        return bool(e.is_Number) or (isinstance(e, sp.Symbol) and e not in _PER_SAMPLE)

    if rel.rel_op in flip and simple(rel.lhs) and not simple(rel.rhs):
        return flip[rel.rel_op](rel.rhs, rel.lhs, evaluate=False)
    return rel


class _Shared:
    """Ordering and classification shared by both printers."""

    _settings: dict[str, Any]

    def _per_sample(self, e: sp.Expr) -> bool:
        return isinstance(e, Step) or any(e.has(a) for a in _PER_SAMPLE)

    def _is_hyper(self, f: sp.Expr) -> bool:
        return (isinstance(f, sp.Symbol) and f.is_commutative and not isinstance(f, D.Sym)
                and f not in _PER_SAMPLE and f not in (B, Q))

    def _prepare(self, e: Any) -> Any:
        """Write the score out as w·x + b where the settings ask for it."""
        if isinstance(e, sp.Basic) and (self._settings["expand_score"]
                                        or self._settings["atoms"] == "vector"):
            return e.subs(S, Z + B)
        return e

    def _with_mode(self, mode: str, e: sp.Expr) -> str:
        saved = self._settings["atoms"]
        self._settings["atoms"] = mode
        try:
            return self._print(self._prepare(e))  # type: ignore[attr-defined]
        finally:
            self._settings["atoms"] = saved

    def _factor_key(self, f: sp.Expr) -> tuple[int, str]:
        if f.is_Number:
            return (0, "")
        if self._is_hyper(f):
            return (1, f.name)
        base = f.base if isinstance(f, sp.Pow) else f
        if isinstance(base, sp.Symbol):
            return (2 + _FACTOR_ORDER.get(base.name, 3), base.name)
        if isinstance(f, Step):
            return (9, "")
        if isinstance(f, D.Partial):
            return (7 if f.args[1] in (S, Z, Q) else 8, "")
        if not f.is_commutative:
            return (20, str(f))
        return (6, sp.default_sort_key(f).__repr__())

    def _split_mul(self, expr: sp.Mul) -> tuple[bool, sp.Expr, list[sp.Expr], list[sp.Expr]]:
        """(negative, rational coefficient, numerator factors, denominator factors)."""
        neg = expr.could_extract_minus_sign()
        if neg:
            expr = -expr
        coeff, rest = expr.as_coeff_Mul()
        factors = list(rest.args) if isinstance(rest, sp.Mul) else [rest]
        num, den = [], []
        for f in factors:
            if f == 1:
                continue
            if (isinstance(f, sp.Pow) and f.exp.is_Number and f.exp.is_negative
                    and not isinstance(f.base, sp.Symbol) or (isinstance(f, sp.Pow)
                    and f.exp == -1)):
                den.append(sp.Pow(f.base, -f.exp))
            else:
                num.append(f)
        comm = sorted((f for f in num if f.is_commutative), key=self._factor_key)
        noncomm = [f for f in num if not f.is_commutative]
        return neg, sp.Rational(coeff), comm + noncomm, sorted(den, key=self._factor_key)

    def _ordered_terms(self, expr: sp.Add) -> list[sp.Expr]:
        terms = list(expr.as_ordered_terms())
        consts = [t for t in terms if t.is_Number]
        others = [t for t in terms if not t.is_Number]
        if consts and others and others[0].could_extract_minus_sign():
            return consts + others
        def key(t: sp.Expr) -> tuple[int, int]:
            if t.has(D.SampleSum) or t.has(D.MatTVec):
                rank = -1
            else:
                rank = 0 if (t.has(Z) or t.has(S)) else 1 if t.has(B) else 2
            return (int(t.could_extract_minus_sign()), rank)

        return sorted(others, key=key) + consts

    def _atom_name(self, sym: sp.Symbol) -> str | None:
        mode = self._settings["atoms"]
        return {"scalar": None, "index": "i", "vector": "vec"}[mode]


class TextPrinter(_Shared, StrPrinter):
    """Readable one-line unicode: −Σ_{i∈M} yᵢ xᵢ, max(0, 1 − yᵢsᵢ), ‖w‖², 𝟙[yᵢsᵢ ≤ 0]."""

    printmethod = "_gradproof_text"
    _default_settings = dict(StrPrinter._default_settings, atoms="index", expand_score=False,
                             sets={})

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
        if e == B and mode == "vector":
            return "b𝟏"
        if e == Q:
            return "‖w‖²"
        if e == XX:
            return "‖x‖²" if mode != "index" else "‖xᵢ‖²"
        if e.name in _GREEK:
            return _GREEK[e.name][0]
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
    def _wrap(self, e: sp.Expr, level: int) -> str:
        s = self._print(e)
        if precedence(e) < level or (isinstance(e, sp.Mul) and e.could_extract_minus_sign()
                                     and level > PRECEDENCE["Add"]):
            return f"({s})"
        return s

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        out = ""
        for i, t in enumerate(self._ordered_terms(expr)):
            if t.could_extract_minus_sign():
                out += ("−" if i == 0 else " − ") + self._wrap(-t, PRECEDENCE["Add"] + 1)
            else:
                out += ("" if i == 0 else " + ") + self._wrap(t, PRECEDENCE["Add"])
        return out

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
            elif (prev.is_Number or self._is_hyper(prev)) and isinstance(f, sp.Symbol):
                out += s
            elif isinstance(prev, D.Partial) and isinstance(f, D.Partial):
                out += " · " + s
            elif prev.is_Number:
                out += "·" + s
            else:
                out += " " + s
            prev = f
        return out

    def _print_Mul(self, expr: sp.Mul) -> str:
        neg, coeff, num, den = self._split_mul(expr)
        sign = "−" if neg else ""
        hypers = [f for f in num if self._is_hyper(f)]
        if coeff.q != 1 and not den:
            head = [coeff.p] if coeff.p != 1 else []
            rest = [f for f in num if f not in hypers]
            top = self._join([sp.Integer(h) for h in head] + hypers) if head or hypers else ""
            body = self._join(rest)
            if not top:
                return sign + self._print(sp.Rational(1, coeff.q)) + body
            return sign + (f"({top}/{coeff.q})" if body else f"{top}/{coeff.q}") + body
        parts = ([sp.Integer(coeff)] if coeff != 1 else []) + num
        top = self._join(parts) if parts else "1"
        if den and any(isinstance(f, (D.SampleSum, D.MatTVec)) for f in num):
            return f"{sign}(1/{self._join(den)}) {top}"
        if den:
            bottom = self._join(den)
            if len(den) > 1 or isinstance(den[0], sp.Mul):
                bottom = f"({bottom})"
            if len(parts) > 1 or (parts and isinstance(parts[0], sp.Add)):
                top = f"({top})"
            return f"{sign}{top}/{bottom}"
        return sign + top

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, e = expr.base, expr.exp
        if base == Q and e == sp.Rational(1, 2):
            return "‖w‖"
        if base == XX and e == sp.Rational(1, 2):
            return "‖xᵢ‖" if self._settings["atoms"] == "index" else "‖x‖"
        if base == Q and e.is_Integer:
            return "‖w‖" + str(2 * int(e)).translate(_SUP)
        if e == sp.Rational(1, 2):
            return f"√({self._print(base)})"
        if e.is_Number and e.is_negative:
            return f"1/{self._wrap(sp.Pow(base, -e), PRECEDENCE['Pow'] + 1)}"
        b = self._wrap(base, PRECEDENCE["Pow"] + 1)
        if e.is_Integer:
            return b + str(int(e)).translate(_SUP)
        return f"{b}^({self._print(e)})"

    def _print_Relational(self, expr: sp.core.relational.Relational) -> str:
        expr = _readable_relation(expr)
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
    def _print_Dot(self, e: D.Dot) -> str:
        return f"{self._print(e.args[0])}·{self._print(e.args[1])}"

    def _print_Norm(self, e: D.Norm) -> str:
        return f"‖{self._print(e.args[0])}‖"

    def _print_SampleSum(self, e: D.SampleSum) -> str:
        body, where = e.args
        sub = "ᵢ" if where == D.ALL else f"_{{i∈{where}}}"
        return f"Σ{sub} {self._wrap(body, PRECEDENCE['Mul'])}"

    def _print_Indicator(self, e: D.Indicator) -> str:
        return f"𝟙[{self._print(e.args[0])}]"

    def _print_Partial(self, e: D.Partial) -> str:
        f, v = e.args
        simple = (f.is_Atom and f != Z) or (
            isinstance(f, sp.Function) and not isinstance(f, D._Display))
        top = self._print(f) if simple else f"({self._print(f)})"
        bottom = self._print(v) if v != Z else f"({self._print(v)})"
        return f"∂{top}/∂{bottom}"

    def _print_SetDef(self, e: D.SetDef) -> str:
        return f"{self._print(e.args[0])} = {{i : {self._print(e.args[1])}}}"

    def _print_MatTVec(self, e: D.MatTVec) -> str:
        c, mat = e.args
        inner = self._with_mode("vector", c)
        left = "𝟏ᵀ" if mat == 1 else f"{self._print(mat)}ᵀ"
        if isinstance(c, (sp.Symbol, Step)):
            return left + inner
        return f"{left}({inner})"

    def _print_VectorForm(self, e: D.VectorForm) -> str:
        return self._with_mode("vector", e.args[0])

    def _print_StackedGradient(self, e: D.StackedGradient) -> str:
        return "[" + ", ".join(self._print(a) for a in e.args) + "]ᵀ"

    def _print_Text(self, e: D.Text) -> str:
        return e.text

    def _print_Lit(self, e: D.Lit) -> str:
        return e.text

    def _print_MatrixBase(self, e: sp.MatrixBase) -> str:
        rows = [", ".join(self._print(v) for v in e.row(i)) for i in range(e.rows)]
        if e.cols == 1 or e.rows == 1:
            return "[" + ", ".join(self._print(v) for v in e) + "]"
        return "[" + "; ".join(rows) + "]"



class TexPrinter(_Shared, LatexPrinter):
    """LaTeX for the same nodes: \\sum_{i \\in M} y_{i} \\mathbf{x}_{i}, \\mathbb{1}[\\cdot]."""

    printmethod = "_gradproof_latex"
    _default_settings = dict(LatexPrinter._default_settings, atoms="index", expand_score=False,
                             sets={})

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
        if e == B and mode == "vector":
            return r"b\mathbf{1}"
        if e == Q:
            return r"\lVert\mathbf{w}\rVert^{2}"
        if e == XX:
            return rf"\lVert\mathbf{{x}}{sub}\rVert^{{2}}"
        if e.name in _GREEK:
            return _GREEK[e.name][1]
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

    def _wrap(self, e: sp.Expr, level: int) -> str:
        s = self._print(e)
        if precedence(e) < level or (isinstance(e, sp.Mul) and e.could_extract_minus_sign()
                                     and level > PRECEDENCE["Add"]):
            return rf"\left({s}\right)"
        return s

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        out = ""
        for i, t in enumerate(self._ordered_terms(expr)):
            if t.could_extract_minus_sign():
                out += ("-" if i == 0 else " - ") + self._wrap(-t, PRECEDENCE["Add"] + 1)
            else:
                out += ("" if i == 0 else " + ") + self._wrap(t, PRECEDENCE["Add"])
        return out

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

    def _print_Mul(self, expr: sp.Mul) -> str:
        neg, coeff, num, den = self._split_mul(expr)
        sign = "- " if neg else ""
        hypers = [f for f in num if self._is_hyper(f)]
        if coeff.q != 1 and not den:
            rest = [f for f in num if f not in hypers]
            top_parts = ([sp.Integer(coeff.p)] if coeff.p != 1 else []) + hypers
            top = self._join(top_parts) if top_parts else "1"
            return sign + rf"\frac{{{top}}}{{{coeff.q}}}" + (" " + self._join(rest) if rest else "")
        parts = ([sp.Integer(coeff)] if coeff != 1 else []) + num
        if den and any(isinstance(f, (D.SampleSum, D.MatTVec)) for f in num):
            return sign + rf"\frac{{1}}{{{self._join(den)}}} {self._join(parts)}"
        if den:
            top = self._join(parts) if parts else "1"
            return sign + rf"\frac{{{top}}}{{{self._join(den)}}}"
        return sign + (self._join(parts) if parts else "1")

    def _print_Pow(self, expr: sp.Pow) -> str:
        base, e = expr.base, expr.exp
        if base == Q and e == sp.Rational(1, 2):
            return r"\lVert\mathbf{w}\rVert"
        if base == XX and e == sp.Rational(1, 2):
            sub = "_{i}" if self._settings["atoms"] == "index" else ""
            return rf"\lVert\mathbf{{x}}{sub}\rVert"
        if base == Q and e.is_Integer:
            return rf"\lVert\mathbf{{w}}\rVert^{{{2 * int(e)}}}"
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
            return (rf"\tfrac{{1}}{{2}}\left(\mathbb{{1}}[{self._print(ge)}] + "
                    rf"\mathbb{{1}}[{self._print(gt)}]\right)")
        return rf"\mathbb{{1}}\left[{self._print(cond)}\right]"

    def _print_Dot(self, e: D.Dot) -> str:
        return rf"{self._print(e.args[0])}\cdot {self._print(e.args[1])}"

    def _print_Norm(self, e: D.Norm) -> str:
        return rf"\lVert {self._print(e.args[0])}\rVert"

    def _print_SampleSum(self, e: D.SampleSum) -> str:
        body, where = e.args
        sub = r"_{i=1}^{n}" if where == D.ALL else rf"_{{i \in {self._print(where)}}}"
        return rf"\sum{sub} {self._wrap(body, PRECEDENCE['Mul'])}"

    def _print_Indicator(self, e: D.Indicator) -> str:
        return rf"\mathbb{{1}}\left[{self._print(e.args[0])}\right]"

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
        if isinstance(c, (sp.Symbol, Step)):
            return left + inner
        return rf"{left}\left({inner}\right)"

    def _print_VectorForm(self, e: D.VectorForm) -> str:
        return self._with_mode("vector", e.args[0])

    def _print_StackedGradient(self, e: D.StackedGradient) -> str:
        rows = r" \\ ".join(self._print(a) for a in e.args)
        return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"

    def _print_Text(self, e: D.Text) -> str:
        return rf"\text{{{e.text}}}"

    def _print_Lit(self, e: D.Lit) -> str:
        return e.tex


def _doprint(p: Any, expr: Any) -> str:
    sets = dict(p._settings["sets"])
    p._settings["sets"] = {**sets, **{k.subs(S, Z + B): v for k, v in sets.items()}}
    if isinstance(expr, tuple):
        return " = ".join(p.doprint(p._prepare(e)) for e in expr)
    return p.doprint(p._prepare(expr))


def to_text(expr: Any, **settings: Any) -> str:
    """Print a formula (or an equation chain, a tuple) as unicode text."""
    return _doprint(TextPrinter(settings), expr)


def to_latex(expr: Any, **settings: Any) -> str:
    """Print a formula (or an equation chain, a tuple) as LaTeX."""
    return _doprint(TexPrinter(settings), expr)
