"""Vector-form differentiation: scalar SymPy calculus on atoms, reassembled by the chain rule.

For L(w, b) = Σᵢ ℓ(atomsᵢ) [/ n] + R(w, b), with the atom table of
:mod:`gradproof.symbolic.atoms`::

    ∂L/∂w = Σᵢ (cwᵢ·xᵢ + cqᵢ·w) [/ n] + rw·w        cw = ∂ℓ/∂s + ∂ℓ/∂z,  cq = 2·∂ℓ/∂q
    ∂L/∂b = Σᵢ cbᵢ [/ n] + rb                       cb = ∂ℓ/∂s + ∂ℓ/∂b,  rw = 2·∂R/∂q, rb = ∂R/∂b

The coefficients are scalar expressions, so the cost does not depend on the dimension d.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from gradproof.errors import ParseError
from gradproof.symbolic import primitives
from gradproof.symbolic.atoms import XX, B, Q, S, Y, Z
from gradproof.symbolic.functions import Ramp, Step, apply_convention
from gradproof.symbolic.rewrite import logistic_rewrite

__all__ = [
    "Switch",
    "GradientForm",
    "differentiate",
    "to_score_form",
    "restrict_to_active",
    "active_set_form",
]


@dataclass(frozen=True)
class Switch:
    """A switching function u: the loss (or its gradient) changes formula where u = 0.

    ``kind`` is ``"max"`` (from max(0, u): the gradient jumps), ``"abs"`` (from |u|: the
    gradient jumps) or ``"piecewise"`` (a boundary of a piecewise definition).
    ``at_kink`` is the value the indicator takes at u = 0 (None for ``abs``, whose subgradient
    at 0 is always taken as 0).
    """

    expr: sp.Expr
    kind: str
    at_kink: sp.Expr | None


@dataclass(frozen=True)
class GradientForm:
    """The gradient of L as per-sample scalar coefficients (see the module docstring)."""

    loss: sp.Expr
    reg: sp.Expr
    cw: sp.Expr
    cb: sp.Expr
    cq: sp.Expr
    rw: sp.Expr
    rb: sp.Expr
    mean: bool
    switches: tuple[Switch, ...]
    at_kink: sp.Expr

    @property
    def score_form(self) -> bool:
        """True when ℓ depends on w and b only through the score s = w·x + b."""
        return not self.loss.has(Z) and not self.loss.has(B)

    @property
    def uses(self) -> frozenset[sp.Symbol]:
        """Atom symbols the loss, regulariser and coefficients need."""
        exprs = (self.loss, self.reg, self.cw, self.cb, self.cq, self.rw, self.rb)
        return frozenset().union(*(e.free_symbols for e in exprs))


def to_score_form(loss: sp.Expr) -> sp.Expr:
    """Rewrite ℓ(z, b) as ℓ(s) with s = z + b when it depends on z and b only through z + b."""
    if not loss.has(Z) or not loss.has(B):
        return loss
    cand = loss.subs(Z, S - B)
    if not cand.has(B):
        return cand
    # b must cancel exactly; expanding (not simplify, which can take seconds) decides the
    # common cases such as y·(s − b) + y·b. When in doubt, keep the z, b form: it is as right.
    d = sp.diff(cand, B)
    if sp.count_ops(d) <= 200 and sp.expand(d) == 0:
        return cand.subs(B, 0)
    return loss


def _collect_switches(expr: sp.Expr, at_kink: sp.Expr) -> list[Switch]:
    """The switching functions of ``expr``: the argument of every primitive with a kink
    (max-like ones take the convention's value at 0, abs-like ones none), and the
    boundaries of a piecewise definition."""
    found: list[Switch] = []
    walk = sp.preorder_traversal(expr)
    for node in walk:
        entry = primitives.node_entry(node) if isinstance(node, sp.Function) else None
        if entry is not None and entry.kink != "none":
            found.append(Switch(node.args[0], entry.kink, at_kink if entry.kink == "max" else None))
        elif isinstance(node, sp.Piecewise):
            # Only built-in losses (Huber) are piecewise; their branches are used away from
            # 0 of any |·| inside them, so the boundaries are the only switches.
            for _, cond in node.args:
                if isinstance(cond, sp.core.relational.Relational):
                    found.append(Switch(cond.lhs - cond.rhs, "piecewise", None))
            walk.skip()
    unique: dict[tuple[sp.Expr, str], Switch] = {}
    for sw in found:
        unique.setdefault((sw.expr, sw.kind), sw)
    return list(unique.values())


def _tidy(expr: sp.Expr, at_kink: sp.Expr) -> sp.Expr:
    expr = apply_convention(expr, at_kink)
    expr = expr.replace(lambda e: isinstance(e, sp.Derivative), lambda e: sp.Integer(0))
    return sp.factor_terms(logistic_rewrite(expr))


def differentiate(loss: sp.Expr, reg: sp.Expr, at_kink: sp.Expr, mean: bool) -> GradientForm:
    """Differentiate L = Σᵢ ℓ [/ n] + R with respect to w and b, in vector form.

    ``at_kink`` is the value of every max(0, u) indicator at u = 0 (1, 0 or ½).
    """
    for atom in (S, Z, Y, XX):
        if reg.has(atom):
            raise ParseError(
                "the regulariser may only use w (through norm(w) or dot(w, w)), "
                "b and hyperparameters"
            )
    loss = to_score_form(sp.sympify(loss))
    reg = sp.sympify(reg)

    def d(e: sp.Expr, v: sp.Symbol) -> sp.Expr:
        return sp.diff(e, v) if e.has(v) else sp.Integer(0)

    cw = _tidy(d(loss, S) + d(loss, Z), at_kink)
    cb = _tidy(d(loss, S) + d(loss, B), at_kink)
    cq = _tidy(2 * d(loss, Q), at_kink)
    rw = _tidy(2 * d(reg, Q), at_kink)
    rb = _tidy(d(reg, B), at_kink)
    _check_real((cw, cb, cq, rw, rb))
    switches = tuple(_collect_switches(loss, at_kink) + _collect_switches(reg, at_kink))
    return GradientForm(loss, reg, cw, cb, cq, rw, rb, mean, switches, at_kink)


_COMPLEX_PARTS = (sp.re, sp.im, sp.arg, sp.conjugate)


def _check_real(coefs: tuple[sp.Expr, ...]) -> None:
    """Refuse a loss whose derivative SymPy can only write with real and imaginary parts
    (re, im, arg): a power or logarithm of something that may be negative, such as |y^b|,
    is not a real function of b where y < 0, and no numeric code is made for it."""
    for c in coefs:
        found = [n for n in sp.preorder_traversal(c) if isinstance(n, _COMPLEX_PARTS)]
        if found:
            part = str(found[0].args[0]).replace("**", "^")
            raise ParseError(
                f"the derivative of this loss is not real everywhere: it needs the complex "
                f"part of {part}, a power or logarithm of something that may be negative; "
                "give it a positive base or an integer exponent, e.g. abs(y)^b instead of y^b"
            )


def restrict_to_active(coef: sp.Expr, u: sp.Expr) -> sp.Expr | None:
    """g with coef = g on the active set {u ≥ 0} of max(0, u) and coef = 0 off it, or None.

    Then Σᵢ coefᵢ xᵢ = Σ_{i∈A} gᵢ xᵢ. At u = 0 the two agree under the convention that chose
    the set: with 𝟙 = 1 at 0 the sample is in A and coef = g; with 𝟙 = 0 it is out and
    coef = 0 (and a C¹ loss has g = 0 there anyway).
    """

    def on_set(value: int) -> sp.Expr:
        e = coef.replace(
            lambda x: isinstance(x, Step) and x.args[0] == u, lambda x: sp.Integer(value)
        )
        return e.replace(
            lambda x: isinstance(x, Ramp) and x.args[0] == u,
            lambda x: u if value else sp.Integer(0),
        )

    if sp.expand(on_set(0)) != 0:
        return None
    g = sp.factor_terms(on_set(1))
    return None if g.has(Step) and any(st.args[0] == u for st in g.atoms(Step)) else g


def active_set_form(loss: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """For ℓ = f(max(0, u)) with f(0) = 0, return (u, f(u)): then L = Σ_{i: uᵢ ≥ 0} f(uᵢ)."""
    ramps = {r for r in loss.atoms(Ramp)}
    if len(ramps) != 1:
        return None
    ramp = ramps.pop()
    if loss.subs(ramp, 0) != 0:
        return None
    u = ramp.args[0]
    inside = loss.subs(ramp, u)
    if inside.has(Ramp):
        return None
    return u, inside
