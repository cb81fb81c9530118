"""Exact rewrites into the logistic functions σ and softplus, and into stable forms.

:func:`logistic_rewrite` is used for display and for numbers: the forms read better in a
derivation and evaluate without overflow, and the value is unchanged:
log(1 + e^u) → softplus(u); e^u/(1 + e^u) → σ(u); 1/(1 + e^u) → σ(−u);
e^u/(1 + e^u)² → σ(u)·σ(−u); 1 − σ(u) → σ(−u).

:func:`numeric_rewrite` goes further, for compiled code only (the displayed derivation keeps
the user's spelling): every spelling of a stable loss becomes its stable form, e.g.
log σ(u) → −softplus(−u), so −log(1/(1 + e^(−m))) and binary cross-entropy written with
log(1 − σ(s)) stay finite and accurate at margins of ±1000. Each rule is an identity of real
functions (tested at random points against mpmath).
"""

from __future__ import annotations

import sympy as sp

from gradproof.symbolic.functions import Sigmoid, Softplus

__all__ = ["logistic_rewrite", "numeric_rewrite"]


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

    def flipped(e: sp.Expr) -> sp.Expr:
        u = _one_minus_sigmoid(e)
        return Sigmoid(-u) if u is not None else e

    return expr.replace(lambda e: _one_minus_sigmoid(e) is not None, flipped)


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


# -- numeric-only rewrites ---------------------------------------------------------------
def _sigmoid_power(e: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(u, k) when e is σ(u)^k, else None."""
    base, k = (e.base, e.exp) if isinstance(e, sp.Pow) else (e, sp.Integer(1))
    return (base.args[0], k) if isinstance(base, Sigmoid) else None


def _log_rule(e: sp.log) -> sp.Expr | None:
    """log σ(u)^k → −k·softplus(−u); log cosh u → |u| + softplus(−2|u|) − log 2;
    log(e^a + e^b) → a + softplus(b − a); log(e^a·r) → a + log r (a real: e^a > 0, so
    the identity holds for any r the log takes)."""
    (arg,) = e.args
    if isinstance(arg, sp.Mul):
        exps = [f for f in arg.args if isinstance(f, sp.exp) and f.args[0].is_real]
        if exps:
            rest = sp.Mul(*(f for f in arg.args if f not in exps))
            return sp.Add(*(f.args[0] for f in exps)) + sp.log(rest)
    sig = _sigmoid_power(arg)
    if sig is not None:
        u, k = sig
        return -k * Softplus(-u)
    if isinstance(arg, sp.cosh):
        a = sp.Abs(arg.args[0])
        return a + Softplus(-2 * a) - sp.log(2)
    if (
        isinstance(arg, sp.Add)
        and len(arg.args) == 2
        and all(isinstance(t, sp.exp) for t in arg.args)
    ):
        a, b = (t.args[0] for t in arg.args)
        return a + Softplus(b - a)
    return None


def _add_rule(e: sp.Add) -> sp.Expr | None:
    """k − k·σ(u) → k·σ(−u) (and −k + k·σ(u) → −k·σ(−u)); k − k·tanh²u → 4k·σ(2u)σ(−2u)
    (= k·sech²u, without the cancellation that makes 1 − tanh²u exactly 0 for |u| > 19);
    k·softplus(u) − k·u → k·softplus(−u) where the linear part cancels against the rest of the
    sum."""
    terms = list(e.args)
    for i, t in enumerate(terms):
        k, f = t.as_coeff_Mul()
        if isinstance(f, Sigmoid) and k.is_number:
            rest = sp.Add(*terms[:i], *terms[i + 1 :])
            const, others = rest.as_coeff_Add()
            if const == -k and const != 0:  # k·σ(u) − k = −k·σ(−u)
                return others - k * Sigmoid(-f.args[0])
        if isinstance(f, sp.Pow) and isinstance(f.base, sp.tanh) and f.exp == 2 and k.is_number:
            rest = sp.Add(*terms[:i], *terms[i + 1 :])
            const, others = rest.as_coeff_Add()
            if const == -k and const != 0:  # k·tanh²u − k = −k·sech²u = −4k·σ(2u)σ(−2u)
                u = f.base.args[0]
                return others - 4 * k * Sigmoid(2 * u) * Sigmoid(-2 * u)
        if isinstance(f, Softplus):
            rest = sp.Add(*terms[:i], *terms[i + 1 :])
            moved = rest + t.as_coeff_Mul()[0] * f.args[0]
            if len(sp.Add.make_args(moved)) < len(sp.Add.make_args(rest)) or moved == 0:
                return moved + k * Softplus(-f.args[0])
    return None


def _exp_pair(e: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(a, b) when e is e^a + e^b, else None."""
    if isinstance(e, sp.Add) and len(e.args) == 2 and all(isinstance(t, sp.exp) for t in e.args):
        return e.args[0].args[0], e.args[1].args[0]
    return None


def _power(f: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(base, exponent) of a factor (exponent 1 for a factor that is not a power)."""
    return (f.base, f.exp) if isinstance(f, sp.Pow) else (f, sp.Integer(1))


def _mul_rule(e: sp.Mul) -> sp.Expr | None:
    """sinh(u)^k cosh(u)^−k → tanh(u)^k; e^u σ(−u) → σ(u); N/(e^a + e^b) → tanh or σ terms
    (:func:`_ratio`)."""
    factors = list(e.args)

    def without(*drop: int) -> sp.Expr:
        return sp.Mul(*[f for i, f in enumerate(factors) if i not in drop])

    for i, f in enumerate(factors):
        base, k = _power(f)
        if isinstance(base, sp.sinh):
            u = base.args[0]
            j = next((j for j, g in enumerate(factors) if _power(g) == (sp.cosh(u), -k)), None)
            if j is not None:
                return without(i, j) * sp.tanh(u) ** k
        if isinstance(base, sp.exp) and k == 1:
            u = base.args[0]
            j = next(
                (
                    j
                    for j, g in enumerate(factors)
                    if isinstance(g, Sigmoid) and sp.expand(g.args[0] + u) == 0
                ),
                None,
            )
            if j is not None:
                return without(i, j) * Sigmoid(u)
        pair = _exp_pair(base)
        if pair is not None and k == -1:
            ratio = _ratio(without(i), *pair)
            if ratio is not None:
                return ratio
    return None


def _ratio(num: sp.Expr, a: sp.Expr, b: sp.Expr) -> sp.Expr | None:
    """num/(e^a + e^b) as c·tanh((a − b)/2) when num = c·(e^a − e^b), else as a sum of
    c·σ(a − b) and c·σ(b − a) when every term of num is c·e^a or c·e^b; None otherwise."""
    coef: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand_mul(num)):
        c, rest = term.as_independent(sp.exp, as_Add=False)
        if not isinstance(rest, sp.exp) or rest.args[0] not in (a, b):
            return None
        coef[rest.args[0]] = coef.get(rest.args[0], 0) + c
    ca, cb = coef.get(a, sp.Integer(0)), coef.get(b, sp.Integer(0))
    if ca != 0 and sp.expand(ca + cb) == 0:
        return ca * sp.tanh((a - b) / 2)
    return ca * Sigmoid(a - b) + cb * Sigmoid(b - a)


_RULES = {sp.log: _log_rule, sp.Add: _add_rule, sp.Mul: _mul_rule}


def _bottom_up(e: sp.Expr) -> sp.Expr:
    if e.is_Atom:
        return e
    args = [_bottom_up(a) for a in e.args]
    if args != list(e.args):
        e = e.func(*args)
    for _ in range(8):  # a rule may enable another at the same node; 8 is never reached
        rule = _RULES.get(type(e))
        if rule is None:
            break
        new = rule(e)
        if new is None or new == e:
            break
        e = _bottom_up(new)
    return e


def numeric_rewrite(expr: sp.Expr) -> sp.Expr:
    """The stable form of ``expr`` for compiled code (see the module docstring): every rule
    is an identity of real functions, so only the rounding changes.

    Rules (applied bottom-up until none applies), beyond :func:`logistic_rewrite`:
    log σ(u)^k → −k·softplus(−u); k − k·σ(u) → k·σ(−u);
    k − k·tanh²u → 4k·σ(2u)σ(−2u); k·softplus(u) − k·u → k·softplus(−u);
    log cosh u → |u| + softplus(−2|u|) − log 2;
    log(e^a + e^b) → a + softplus(b − a); log(e^a·r) → a + log r; sinh u / cosh u → tanh u;
    (e^a − e^b)/(e^a + e^b) → tanh((a − b)/2); e^a/(e^a + e^b) → σ(a − b); e^u σ(−u) → σ(u).

    >>> from gradproof.symbolic.atoms import S
    >>> numeric_rewrite(-sp.log(Sigmoid(S)))
    Softplus(-s)
    """
    return _bottom_up(logistic_rewrite(sp.sympify(expr)))
