"""What the text and LaTeX printers share: factor and term order, atom classification, and
the readable form of an indicator's condition."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.precedence import PRECEDENCE, precedence

from gradproof.symbolic import display as D
from gradproof.symbolic.atoms import XX, B, Q, S, Y, Z
from gradproof.symbolic.functions import Step

__all__ = ["step_condition", "readable_relation", "Shared", "PER_SAMPLE", "GREEK", "SUP"]

PER_SAMPLE = (S, Y, Z, XX)
GREEK = {
    "lam": ("λ", r"\lambda"),
    "lambda_": ("λ", r"\lambda"),
    "delta": ("δ", r"\delta"),
    "alpha": ("α", r"\alpha"),
    "beta": ("β", r"\beta"),
    "gamma": ("γ", r"\gamma"),
    "eta": ("η", r"\eta"),
    "mu": ("μ", r"\mu"),
    "sigma": ("σ", r"\sigma"),
    "tau": ("τ", r"\tau"),
    "epsilon": ("ε", r"\epsilon"),
    "rho": ("ρ", r"\rho"),
    "kappa": ("κ", r"\kappa"),
    "theta": ("θ", r"\theta"),
    "nu": ("ν", r"\nu"),
    "C": ("C", "C"),
}
SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
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
        return (
            sp.StrictLessThan(lhs, rhs, evaluate=False)
            if strict
            else sp.LessThan(lhs, rhs, evaluate=False)
        )
    lhs, rhs = rest if rest != 0 else u, -const if rest != 0 else sp.Integer(0)
    return (
        sp.StrictGreaterThan(lhs, rhs, evaluate=False)
        if strict
        else sp.GreaterThan(lhs, rhs, evaluate=False)
    )


def readable_relation(rel: sp.core.relational.Relational) -> Any:
    """Put the expression on the left and the bound on the right: δ ≥ |r| reads |r| ≤ δ."""
    flip = {
        ">=": sp.LessThan,
        "<=": sp.GreaterThan,
        ">": sp.StrictLessThan,
        "<": sp.StrictGreaterThan,
    }

    def simple(e: sp.Expr) -> bool:
        return bool(e.is_Number) or (isinstance(e, sp.Symbol) and e not in PER_SAMPLE)

    if rel.rel_op in flip and simple(rel.lhs) and not simple(rel.rhs):
        return flip[rel.rel_op](rel.rhs, rel.lhs, evaluate=False)
    return rel


class Shared:
    """Ordering, brackets and sums shared by both printers."""

    MINUS = "-"
    SIGN = "-"  # in front of a negative product
    PARENS = ("(", ")")

    _settings: dict[str, Any]

    def _per_sample(self, e: sp.Expr) -> bool:
        return isinstance(e, Step) or any(e.has(a) for a in PER_SAMPLE)

    def _is_hyper(self, f: sp.Expr) -> bool:
        return (
            isinstance(f, sp.Symbol)
            and f.is_commutative
            and not isinstance(f, D.Sym)
            and f not in PER_SAMPLE
            and f not in (B, Q)
        )

    def _prepare(self, e: Any) -> Any:
        """Write the score out as w·x + b where the settings ask for it."""
        if not isinstance(e, sp.Basic):
            return e
        if self._settings["atoms"] == "vector":
            return e.subs(S, D.Expanded(S))  # Xw + b𝟏; a bare b stays the scalar b
        if self._settings["expand_score"]:
            return e.subs(S, Z + B)
        return e

    def _wrap(self, e: sp.Expr, level: int) -> str:
        """``e`` printed, in brackets when it binds looser than ``level`` (or is a negative
        product inside a product)."""
        s = self._print(e)  # type: ignore[attr-defined]
        prec = precedence(e)
        if isinstance(e, D.Expanded):
            prec = PRECEDENCE["Add"]
        elif e == XX and self._settings["atoms"] == "vector":
            prec = PRECEDENCE["Mul"]  # printed (X ⊙ X)𝟏
        elif e == Z:
            prec = PRECEDENCE["Mul"]  # printed w·xᵢ: (w·xᵢ)², not w·xᵢ²
        if prec < level or (
            isinstance(e, sp.Mul) and e.could_extract_minus_sign() and level > PRECEDENCE["Add"]
        ):
            return f"{self.PARENS[0]}{s}{self.PARENS[1]}"
        return s

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        out = ""
        m = self.MINUS
        for i, t in enumerate(self._ordered_terms(expr)):
            if t.could_extract_minus_sign():
                out += (m if i == 0 else f" {m} ") + self._wrap(-t, PRECEDENCE["Add"] + 1)
            else:
                out += ("" if i == 0 else " + ") + self._wrap(t, PRECEDENCE["Add"])
        return out

    def _print_Mul(self, expr: sp.Mul) -> str:
        """Products in one layout for both printers: (λ/2)‖w‖², (1/n) Σᵢ …, a/b, a b."""
        neg, coeff, num, den = self._split_mul(expr)
        sign = self.SIGN if neg else ""
        p, q = sp.Integer(coeff.p), sp.Integer(coeff.q)
        if q != 1 and not den:  # a rational coefficient, with any hyperparameters over it
            hypers = [f for f in num if self._is_hyper(f)]
            rest = [f for f in num if f not in hypers]
            return sign + self._scaled(([p] if p != 1 else []) + hypers, [q], rest, False)
        parts = ([p] if p != 1 else []) + num
        den = ([q] if q != 1 else []) + den
        sums = [f for f in num if isinstance(f, (D.SampleSum, D.MatTVec))]
        if den and sums:  # (c/d) Σ…, not Σ…/d
            return sign + self._scaled([f for f in parts if f not in sums], den, sums, True)
        if den:
            return sign + self._fraction(parts, den)
        return sign + (self._join(parts) if parts else "1")

    def _with_mode(self, mode: str, e: sp.Expr) -> str:
        saved = self._settings["atoms"]
        self._settings["atoms"] = mode
        try:
            return self._print(self._prepare(e))  # type: ignore[attr-defined]
        finally:
            self._settings["atoms"] = saved

    def _norm_power(self, e: sp.Pow) -> tuple[str, sp.Rational] | None:
        """('w' or 'x', k) when e is ‖w‖ᵏ = q^(k/2) or ‖x‖ᵏ = xx^(k/2) for a rational k."""
        if e.base in (Q, XX) and e.exp.is_Rational:
            return ("w" if e.base == Q else "x"), sp.Rational(2 * e.exp)
        return None

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

    def _split_mul(self, expr: sp.Mul) -> tuple[bool, sp.Rational, list[sp.Expr], list[sp.Expr]]:
        """(negative, rational coefficient, numerator factors, denominator factors).

        Every factor with a negative numeric exponent goes to the denominator (λ/‖w‖, not
        λ·1/‖w‖); the coefficient p/q stays separate so each printer can place p and q.
        """
        neg = expr.could_extract_minus_sign()
        if neg:
            expr = -expr
        coeff, rest = expr.as_coeff_Mul()
        factors = list(rest.args) if isinstance(rest, sp.Mul) else [rest]
        num, den = [], []
        for f in factors:
            if f == 1:
                continue
            if isinstance(f, sp.Pow) and f.exp.is_Number and f.exp.is_negative:
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
