"""The order of terms and factors, decided once for every format: the score terms before b
before the rest in a sum, a constant first only before a negative term (1 − yᵢsᵢ); in a
product numbers, hyperparameters, y, the score, other factors, partials, indicators,
vectors; every factor with a negative power in the denominator."""

from __future__ import annotations

import sympy as sp

from gradproof.symbolic import display as D
from gradproof.symbolic import primitives
from gradproof.symbolic.atoms import B, Q, S, Z
from gradproof.symbolic.primitives import INDICATOR
from gradproof.symbolic.render._base import PER_SAMPLE

__all__ = ["ordered_terms", "split_mul", "factor_key", "is_hyper", "is_indicator", "per_sample"]

_FACTOR_ORDER = {"y": 1, "s": 2, "z": 2}


def is_indicator(e: sp.Basic) -> bool:
    """Whether ``e`` is an indicator 𝟙[u ≥ 0] (its entry asks the core to write it)."""
    if not isinstance(e, sp.Function):
        return False
    entry = primitives.node_entry(e)
    return entry is not None and entry.text == INDICATOR


def ordered_terms(expr: sp.Add) -> list[sp.Expr]:
    """Sums first, then the score terms, b, the rest; negative terms last; a constant
    leads only when the first other term is negative (1 − yᵢsᵢ)."""
    terms = list(expr.as_ordered_terms())
    consts = [t for t in terms if t.is_Number]
    others = [t for t in terms if not t.is_Number]
    if consts and others and others[0].could_extract_minus_sign():
        return consts + others

    def key(t: sp.Expr) -> tuple[int, int]:
        if t.has(D.SampleSum) or t.has(D.MatTVec) or t.has(D.Tr) or t.has(D.IndexSum):
            # a model's bias term 𝟏bᵀ (ones) after its data term XWᵀ
            rank = -1 if not any(m.name.startswith("1_") for m in t.atoms(D.Mat)) else 0
        else:
            rank = 0 if (t.has(Z) or t.has(S)) else 1 if t.has(B) else 2
        return (int(t.could_extract_minus_sign()), rank)

    return sorted(others, key=key) + consts


def per_sample(e: sp.Expr) -> bool:
    """Whether ``e`` varies with the sample (in vector form, ⊙ joins such factors)."""
    return is_indicator(e) or any(e.has(a) for a in PER_SAMPLE)


def is_hyper(f: sp.Expr) -> bool:
    """Whether ``f`` is a hyperparameter symbol (λ, δ, ...)."""
    return (
        isinstance(f, sp.Symbol)
        and f.is_commutative
        and not isinstance(f, (D.Sym, D.Entry, D.NormOf))
        and primitives.score_rule(f) is None
        and f not in PER_SAMPLE
        and f not in (B, Q)
    )


def factor_key(f: sp.Expr) -> tuple[int, str]:
    """Numbers, hyperparameters, y, the score, other factors, partials, indicators,
    vectors."""
    if f.is_Number:
        return (0, "")
    if isinstance(f, D.Entry) and f.base == "x":
        return (19, f.name)  # data last, as xᵢ is: (pᵢₖ − yᵢₖ) xᵢⱼ
    if is_hyper(f):
        return (1, f.name)
    base = f.base if isinstance(f, sp.Pow) else f
    if isinstance(base, sp.Symbol):
        return (2 + _FACTOR_ORDER.get(base.name, 3), base.name)
    if is_indicator(f):
        return (9, "")
    if isinstance(f, D.Partial):
        outer = isinstance(f.args[0], D.Entry) and f.args[0].base == "ℓ"  # ∂ℓᵢ/∂sᵢₗ first
        return (7 if f.args[1] in (S, Z, Q) or outer else 8, "")
    if not f.is_commutative:
        return (20, str(f))
    return (6, sp.default_sort_key(f).__repr__())


def split_mul(expr: sp.Mul) -> tuple[bool, sp.Rational, list[sp.Expr], list[sp.Expr]]:
    """(negative, rational coefficient, numerator factors, denominator factors).

    Every factor with a negative numeric exponent goes to the denominator (λ/‖w‖, not
    λ·1/‖w‖); the coefficient p/q stays separate so the leaves can place p and q.
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
    comm = sorted((f for f in num if f.is_commutative), key=factor_key)
    noncomm = [f for f in num if not f.is_commutative]
    return neg, sp.Rational(coeff), comm + noncomm, sorted(den, key=factor_key)
