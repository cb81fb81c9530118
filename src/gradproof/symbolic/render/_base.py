"""What the printers share besides the core: the readable form of an indicator's condition,
the reading order of relations, and the tables of per-sample atoms and Greek letters."""

from __future__ import annotations

from typing import Any

import sympy as sp

from gradproof.symbolic.atoms import XX, S, Y, Z

__all__ = ["step_condition", "readable_relation", "PER_SAMPLE", "GREEK", "SUP"]

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
"""Hyperparameter names printed as Greek letters: name → (text, LaTeX)."""
SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


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
