"""The printer core: every layout decision for text and LaTeX formulas, made once.

:class:`FormulaPrinter` dispatches on node type (``_print_Add``, ``_print_SampleSum``, …,
functions through the primitive registry) and recurses only through ``self._print``; brackets
come from one precedence function (:meth:`FormulaPrinter._precedence`). It decides where a
coefficient goes, which way a relation reads, when a fraction's parts are compound and how a
product is joined; the order of terms and factors is :mod:`~gradproof.symbolic.render.order`.
The text and LaTeX printers (:mod:`~gradproof.symbolic.render.text`,
:mod:`~gradproof.symbolic.render.latex`) supply only leaves
(:class:`~gradproof.symbolic.render.leaves.Leaves`): symbols, numbers, operators, delimiters,
and the syntax of fractions, powers, sums and indicators.

It is based on SymPy's bare :class:`~sympy.printing.printer.Printer`, so a node type without a
rule here is an error (:class:`~gradproof.symbolic.primitives.RegistryError`), never SymPy's
own printing. Printing never re-evaluates the expression
(:func:`~gradproof.symbolic.render._base.replace_symbol`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import sympy as sp
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.printer import Printer

from gradproof.symbolic import display as D
from gradproof.symbolic import primitives
from gradproof.symbolic.atoms import SK, XX, B, Q, S, Z
from gradproof.symbolic.primitives import INDICATOR
from gradproof.symbolic.render._base import (
    EXPANDED,
    readable_relation,
    replace_symbol,
    step_condition,
)
from gradproof.symbolic.render.leaves import Leaves
from gradproof.symbolic.render.matrix import MatrixPrinting
from gradproof.symbolic.render.order import (
    is_hyper,
    is_indicator,
    ordered_terms,
    per_sample,
    split_mul,
)

__all__ = ["FormulaPrinter", "MODES"]

MODES = ("scalar", "index", "vector")
_SCORE_SUM = Z + B


def _on_scores(u: sp.Expr) -> bool:
    """Whether a switching function is written in a model's scores (not the linear score)."""
    return u.has(SK) or any(primitives.score_rule(a) is not None for a in u.free_symbols)


def _basic(e: Any) -> sp.Basic:
    if isinstance(e, sp.Basic):
        return e
    if isinstance(e, (int, float)) and not isinstance(e, bool):
        return sp.Integer(e) if isinstance(e, int) else sp.Float(e)
    raise TypeError(f"cannot print {type(e).__name__} as a formula")


class FormulaPrinter(Leaves, MatrixPrinting, Printer):
    """Formulas in one layout; subclasses give the leaves (see the module docstring).

    Settings (one defaults dict; unknown keys are rejected): ``atoms`` is how per-sample
    atoms appear (``scalar`` s, y; ``index`` sᵢ, yᵢ; ``vector`` all samples at once, with ⊙
    between per-sample factors), ``expand_score`` writes s as w·x + b, and ``sets`` names
    the active sets {u: name} so 𝟙[u ≥ 0] prints as 𝟙_M in vector form.
    """

    printmethod = None  # no node prints itself
    _default_settings: ClassVar[dict[str, Any]] = {
        "atoms": "index",
        "expand_score": False,
        "sets": {},
    }

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__(settings)
        if self._settings["atoms"] not in MODES:
            raise ValueError(f"atoms must be one of {', '.join(MODES)}")
        self._memo: dict[sp.Expr, dict[Any, Any]] = {}  # per replacement, see _replace

    def emptyPrinter(self, expr: Any) -> str:
        raise primitives.RegistryError(
            f"the formula printer has no rule for {type(expr).__name__} ({expr!r}); register "
            f"a function in gradproof/symbolic/primitives.py or add _print_"
            f"{type(expr).__name__} to gradproof/symbolic/render/core.py"
        )

    # -- entry point ----------------------------------------------------------------------
    def print_formula(self, expr: Any) -> str:
        """A formula, or an equation chain (a tuple) joined by " = "."""
        sets = dict(self._settings["sets"])
        self._settings["sets"] = {
            **sets,
            **{self._replace(k, _SCORE_SUM): v for k, v in sets.items()},
            **{self._replace(k, EXPANDED): v for k, v in sets.items()},
        }
        chain = expr if isinstance(expr, tuple) else (expr,)
        return " = ".join(self.doprint(self._prepare(_basic(e))) for e in chain)

    def _replace(self, e: Any, new: sp.Expr) -> Any:
        return replace_symbol(e, S, new, self._memo.setdefault(new, {}))

    def _prepare(self, e: Any) -> Any:
        """The score written out as w·x + b where the settings ask for it."""
        if self._settings["atoms"] == "vector":
            return self._replace(e, EXPANDED)  # Xw + b𝟏; a bare b stays the scalar b
        if self._settings["expand_score"]:
            return self._replace(e, _SCORE_SUM)
        return e

    def _with_mode(self, mode: str, e: sp.Expr) -> str:
        saved = self._settings["atoms"]
        self._settings["atoms"] = mode
        try:
            return self._print(self._prepare(e))
        finally:
            self._settings["atoms"] = saved

    # -- brackets: one precedence function ------------------------------------------------
    def _precedence(self, e: sp.Basic) -> int:
        if isinstance(e, D.Expanded) or (e == S and self._score_written_out()):
            return PRECEDENCE["Add"]
        if e == Z or (e == XX and self._settings["atoms"] == "vector"):
            return PRECEDENCE["Mul"]  # w·xᵢ and (X ⊙ X)𝟏 are products: (w·xᵢ)², not w·xᵢ²
        return int(precedence(e))

    def _needs_parens(self, e: sp.Basic, level: int) -> bool:
        """Whether ``e`` binds looser than ``level`` (or is a negative product in a product)."""
        return self._precedence(e) < level or (
            isinstance(e, sp.Mul) and e.could_extract_minus_sign() and level > PRECEDENCE["Add"]
        )

    def _wrap(self, e: sp.Basic, level: int) -> str:
        s = self._print(e)
        return self._leaf_parens(s) if self._needs_parens(e, level) else s

    def _score_written_out(self) -> bool:
        return bool(self._settings["expand_score"]) or self._settings["atoms"] == "vector"

    # -- atoms and numbers ----------------------------------------------------------------
    def _print_Symbol(self, e: sp.Symbol) -> str:
        if isinstance(e, D.Sym):
            return self._leaf_sym(e.name)
        score = self._score_symbol(e)
        if score is not None:
            return score
        if e == S and self._score_written_out():
            return self._print(EXPANDED)
        if e in self.ATOMS:
            return self.ATOMS[e][self._settings["atoms"]]
        return self._leaf_name(e.name)

    def _print_Expanded(self, e: D.Expanded) -> str:
        return self.ATOMS[EXPANDED][self._settings["atoms"]]

    def _print_VecSymbol(self, e: D.VecSymbol) -> str:
        return self._leaf_vector(e.name)

    def _print_Lit(self, e: D.Lit) -> str:
        return e.text if self.FORMAT == "text" else e.tex

    def _print_Integer(self, e: sp.Integer) -> str:
        return self._leaf_integer(int(e))

    def _print_int(self, e: int) -> str:
        return self._leaf_integer(e)

    def _print_Rational(self, e: sp.Rational) -> str:
        return self._leaf_rational(int(e.p), int(e.q))

    def _print_Float(self, e: sp.Float) -> str:
        return self._leaf_float(float(e))

    def _print_Pi(self, e: Any) -> str:
        return self.CONSTANTS[sp.pi]

    def _print_Exp1(self, e: Any) -> str:
        return self.CONSTANTS[sp.E]

    def _print_BooleanTrue(self, e: Any) -> str:
        return self.CONSTANTS[sp.true]

    # -- sums -----------------------------------------------------------------------------
    def _print_Add(self, expr: sp.Add) -> str:
        out = ""
        for i, t in enumerate(ordered_terms(expr)):
            if t.could_extract_minus_sign():
                out += (self.MINUS_FIRST if i == 0 else self.MINUS) + self._wrap(
                    -t, PRECEDENCE["Add"] + 1
                )
            else:
                out += ("" if i == 0 else self.PLUS) + self._wrap(t, PRECEDENCE["Add"])
        return out

    # -- products -------------------------------------------------------------------------
    def _print_Mul(self, expr: sp.Mul) -> str:
        """(λ/2)‖w‖², (1/n) Σᵢ …, (1/7) yᵢ xᵢ, a/b, a b."""
        neg, coeff, num, den = split_mul(expr)
        sign = self.SIGN if neg else ""
        p, q = sp.Integer(coeff.p), sp.Integer(coeff.q)
        if q != 1 and not den:  # a rational coefficient, with any hyperparameters over it
            hypers = [f for f in num if is_hyper(f)]
            rest = [f for f in num if f not in hypers]
            return sign + self._scaled(([p] if p != 1 else []) + hypers, [q], rest, False)
        parts = ([p] if p != 1 else []) + num
        den = ([q] if q != 1 else []) + den
        sums = [f for f in num if isinstance(f, (D.SampleSum, D.MatTVec, D.Mat, D.Tr, D.Diag))]
        if den and sums:  # (c/d) Σ…, not Σ…/d
            return sign + self._scaled([f for f in parts if f not in sums], den, sums, True)
        if den:
            return sign + self._fraction(parts, den)
        return sign + (self._join(parts) if parts else "1")

    def _scaled(
        self, head: list[sp.Expr], bottom: list[sp.Expr], rest: list[sp.Expr], space: bool
    ) -> str:
        """A coefficient head/bottom in front of the product ``rest`` (a sum when ``space``)."""
        body = self._join(rest)
        unit = int(bottom[0]) if not head and len(bottom) == 1 and bottom[0].is_Integer else None
        coeff = self._leaf_coefficient(
            self._join(head) if head else None,
            self._join(bottom),
            len(bottom) > 1 or isinstance(bottom[0], sp.Mul),
            unit,
            bool(body),
        )
        return coeff + self._leaf_coefficient_sep(space, body) + body if body else coeff

    def _fraction(self, top: list[sp.Expr], bottom: list[sp.Expr]) -> str:
        return self._leaf_fraction(
            self._join(top) if top else "1",
            self._join(bottom),
            len(top) > 1 or bool(top and isinstance(top[0], sp.Add)),
            len(bottom) > 1 or isinstance(bottom[0], sp.Mul),
        )

    def _join(self, factors: list[sp.Expr]) -> str:
        out = ""
        prev: sp.Expr | None = None
        for f in factors:
            s = self._wrap(f, PRECEDENCE["Mul"] + (1 if isinstance(f, sp.Add) else 0))
            out = s if prev is None else out + self.JOIN[self._join_kind(prev, f)] + s
            prev = f
        return out

    def _join_kind(self, prev: sp.Expr, f: sp.Expr) -> str:
        """How two adjacent factors meet: ``hadamard`` (⊙, per-sample vectors), ``numbers``,
        ``tight`` (2yᵢ, λw, λ‖w‖²; but 2 w·xᵢ), ``partials``, ``after_number`` or ``space``."""
        if self._settings["atoms"] == "vector" and per_sample(prev) and per_sample(f):
            return "hadamard"
        if prev.is_Number and f.is_Number:
            return "numbers"
        if f != Z and (
            (prev.is_Number and isinstance(f, sp.Symbol))
            or (is_hyper(prev) and (isinstance(f, D.VecSymbol) or f == Q))
        ):
            return "tight"
        if isinstance(prev, D.Partial) and isinstance(f, D.Partial):
            return "partials"
        if not prev.is_commutative and not f.is_commutative:
            return "matrix"  # (P − Y)ᵀX, diag(c)Y
        return "after_number" if prev.is_Number else "space"

    # -- powers ---------------------------------------------------------------------------
    def _print_Pow(self, expr: sp.Pow) -> str:
        base, e = expr.base, expr.exp
        norm = self._norm_power(expr)
        if norm is not None and not (norm[0] == "x" and self._settings["atoms"] == "vector"):
            indexed = norm[0] == "x" and self._settings["atoms"] == "index"
            return self._leaf_norm(norm[0], indexed, norm[1])
        if e == sp.S.Half:
            return self._leaf_sqrt(self._print(base))
        if e.is_Number and e.is_negative:
            inner = sp.Pow(base, -e)
            return self._leaf_fraction(
                "1", self._print(inner), False, self._needs_parens(inner, PRECEDENCE["Pow"] + 1)
            )
        return self._leaf_power(self._wrap(base, PRECEDENCE["Pow"] + 1), e)

    def _norm_power(self, e: sp.Pow) -> tuple[str, sp.Rational] | None:
        """('w' or 'x', k) when e is ‖w‖ᵏ = q^(k/2) or ‖x‖ᵏ = xx^(k/2) for a rational k."""
        if e.base in (Q, XX) and e.exp.is_Rational:
            return ("w" if e.base == Q else "x"), sp.Rational(2 * e.exp)
        return None

    # -- relations and piecewise definitions ----------------------------------------------
    def _print_Relational(self, expr: sp.core.relational.Relational) -> str:
        expr = readable_relation(expr)  # δ ≥ |r| reads |r| ≤ δ, in every format
        op = self.RELATIONS[expr.rel_op]
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        return self._leaf_piecewise(
            [
                (self._print(value), None if cond == sp.true else self._print(cond))
                for value, cond in expr.args
            ]
        )

    # -- functions: the primitive registry ------------------------------------------------
    def _print_Function(self, expr: sp.Function) -> str:
        entry = primitives.node_entry(expr, self.FORMAT)
        assert entry is not None  # node_entry raises for a node without this printing
        template = getattr(entry, self.FORMAT)
        if template == INDICATOR:
            return self._indicator(expr)
        return str(template).format(*(self._print(a) for a in expr.args))

    def _indicator(self, expr: sp.Function) -> str:
        """𝟙[condition] of 𝟙[u ≥ 0] read nicely, 𝟙_M for a named set in vector form, the
        mean of both one-sided indicators for the ½ convention."""
        u = expr.args[0]
        at_kink = expr.args[1] if len(expr.args) == 2 else None
        name = self._settings["sets"].get(u)
        if name is not None and self._settings["atoms"] == "vector":
            return self._leaf_indicator_set(name)
        cond = step_condition(u, at_kink)
        if cond is not None and _on_scores(u):  # a margin reads u > 0: 𝟙[sᵢₖ − sᵢ,yᵢ + 1 > 0]
            rel = sp.StrictGreaterThan if at_kink == 0 else sp.GreaterThan
            cond = rel(u, 0, evaluate=False)
        if cond is None:
            ge, gt = step_condition(u, sp.Integer(1)), step_condition(u, sp.Integer(0))
            return self._leaf_indicator_average(self._print(ge), self._print(gt))
        return self._leaf_indicator(self._print(cond))

    # -- display nodes --------------------------------------------------------------------
    def _print_SampleSum(self, e: D.SampleSum) -> str:
        body, where = e.args
        head = self._leaf_sum(None if where == D.ALL else self._print(where))
        return f"{head} {self._wrap(body, PRECEDENCE['Mul'])}"

    def _print_Partial(self, e: D.Partial) -> str:
        f, v = e.args
        if f == Z:
            kind = "dotted"  # an atom printed with an infix ·
        elif f.is_Atom or (isinstance(f, sp.Function) and not isinstance(f, D._Display)):
            kind = "atom"
        else:
            kind = "compound"
        return self._leaf_partial(self._print(f), kind, self._print(v), v == Z)

    def _print_SetDef(self, e: D.SetDef) -> str:
        return self._leaf_setdef(self._print(e.args[0]), self._print(e.args[1]))

    def _print_MatTVec(self, e: D.MatTVec) -> str:
        c, mat = e.args
        inner = self._with_mode("vector", c)
        left = self._leaf_transpose(None if mat == 1 else self._print(mat))
        if c == 1:
            return left + self.ONES
        if isinstance(c, sp.Symbol) or is_indicator(c):
            return left + inner
        return left + self._leaf_parens(inner)

    def _print_StackedGradient(self, e: D.StackedGradient) -> str:
        return self._leaf_stack([self._print(a) for a in e.args])
