"""What the printers share besides the core: the readable form of an indicator's condition,
the reading order of relations, the substitution that writes the score out without
re-evaluating anything, and the tables of per-sample atoms and Greek letters."""

from __future__ import annotations

from typing import Any

import sympy as sp

from gradproof.symbolic import display as D
from gradproof.symbolic.atoms import XX, S, Y, Z

__all__ = [
    "step_condition",
    "readable_relation",
    "replace_symbol",
    "PER_SAMPLE",
    "GREEK",
    "SUP",
    "EXPANDED",
]

PER_SAMPLE = (S, Y, Z, XX)
EXPANDED = D.Expanded(S)
"""The score written out (w·x + b, Xw + b𝟏), as the atom printers show it."""
GREEK = {
    "lam": ("λ", r"\lambda"),
    "lam1": ("λ₁", r"\lambda_{1}"),
    "lam2": ("λ₂", r"\lambda_{2}"),
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


def replace_symbol(e: Any, old: sp.Symbol, new: sp.Expr, memo: dict[Any, Any]) -> Any:
    """``e`` with the symbol ``old`` replaced by ``new``, re-evaluating no function.

    SymPy's ``subs`` and ``xreplace`` rebuild every node above a replaced leaf with
    evaluation, and evaluating a function asks assumptions of its whole argument: that is
    exponential in the nesting of tanh(tanh(…)) (14 s at depth 10, measured). Here sums,
    products and powers are rebuilt with evaluation (it only flattens and collects, so
    −(z + b) still prints −z − b), every other node as it is (``evaluate=False``); shared
    sub-trees are rebuilt once (``memo``). A written-out score (``Expanded``) is a leaf.
    """
    if e == old:
        return new
    if not isinstance(e, sp.Basic) or not e.args or isinstance(e, D.Expanded):
        return e
    if e in memo:
        done = memo[e]
        return e if done is None else done  # None: unchanged (e, not an equal copy of it)
    args = [replace_symbol(a, old, new, memo) for a in e.args]
    if all(a is b for a, b in zip(args, e.args, strict=True)):
        memo[e] = None
        return e
    if isinstance(e, (sp.Add, sp.Mul, sp.Pow)):
        out = e.func(*args)
    elif isinstance(e, (sp.Function, sp.core.relational.Relational)):
        out = e.func(*args, evaluate=False)
    else:  # containers: ExprCondPair, Tuple
        out = e.func(*args)
    memo[e] = out
    return out
