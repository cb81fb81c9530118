"""Exact rewrites into the logistic functions σ and softplus.

They read better in a derivation and evaluate without overflow, and the value is unchanged:
log(1 + e^u) → softplus(u); e^u/(1 + e^u) → σ(u); 1/(1 + e^u) → σ(−u);
e^u/(1 + e^u)² → σ(u)·σ(−u); 1 − σ(u) → σ(−u).
"""

from __future__ import annotations

import sympy as sp

from gradproof.symbolic.functions import Sigmoid, Softplus

__all__ = ["logistic_rewrite"]


def _exp_arg(e: sp.Expr) -> sp.Expr | None:
    """u when e is 1 + exp(u), else None."""
    if isinstance(e, sp.Add) and len(e.args) == 2 and sp.Integer(1) in e.args:
        other = e.args[0] if e.args[1] == 1 else e.args[1]
        if isinstance(other, sp.exp):
            return other.args[0]
    return None


def _rewrite_mul(e: sp.Expr) -> sp.Expr:
    """exp(u)^m · (1 + exp(u))^(−k) → σ(u)^m · σ(−u)^(k − m) for integers 0 ≤ m ≤ k."""
    factors = list(e.args) if isinstance(e, sp.Mul) else [e]
    changed = False
    for i, f in enumerate(factors):
        if not (isinstance(f, sp.Pow) and f.exp.is_Integer and f.exp < 0):
            continue
        u = _exp_arg(f.base)
        if u is None:
            continue
        k = int(-f.exp)
        m = 0
        for j, g in enumerate(factors):
            if j == i or not isinstance(g, sp.exp):
                continue
            ratio = sp.cancel(g.args[0] / u)  # exp(u)^m is stored as exp(m·u)
            if ratio.is_Integer and 0 < ratio <= k:
                m = int(ratio)
                factors[j] = sp.Integer(1)
                break
        factors[i] = Sigmoid(u) ** m * Sigmoid(-u) ** (k - m)
        changed = True
    return sp.Mul(*factors) if changed else e


def logistic_rewrite(expr: sp.Expr) -> sp.Expr:
    """Rewrite overflow-prone forms into :class:`Softplus` and :class:`Sigmoid`.

    log(1 + e^u) → softplus(u); e^u / (1 + e^u) → σ(u); 1 / (1 + e^u) → σ(−u);
    e^u / (1 + e^u)² → σ(u)·σ(−u); 1 − σ(u) → σ(−u). The rewrites are identities, so the
    value is unchanged; only its rounding improves.
    """
    expr = sp.sympify(expr)
    expr = expr.replace(
        lambda e: isinstance(e, sp.log) and _exp_arg(e.args[0]) is not None,
        lambda e: Softplus(_exp_arg(e.args[0])),
    )
    expr = _top_down(expr)
    return expr.replace(
        lambda e: _one_minus_sigmoid(e) is not None, lambda e: Sigmoid(-_one_minus_sigmoid(e))
    )


def _one_minus_sigmoid(e: sp.Expr) -> sp.Expr | None:
    """u when e is 1 − σ(u) (= σ(−u), which keeps its relative accuracy for large u)."""
    if isinstance(e, sp.Add) and len(e.args) == 2 and sp.Integer(1) in e.args:
        other = e.args[0] if e.args[1] == 1 else e.args[1]
        neg = -other
        if isinstance(neg, Sigmoid):
            return neg.args[0]
    return None


def _top_down(e: sp.Expr) -> sp.Expr:
    """Apply :func:`_rewrite_mul` from the root down, so a product is rewritten as a whole
    before its factor (1 + e^u)^(−k) could be rewritten alone."""
    if e.is_Atom:
        return e
    if isinstance(e, (sp.Mul, sp.Pow)):
        e = _rewrite_mul(e)
        if e.is_Atom:
            return e
    args = [_top_down(a) for a in e.args]
    return e.func(*args) if args != list(e.args) else e
