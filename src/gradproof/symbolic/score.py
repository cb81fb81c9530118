"""Score-vector calculus: the atom idea one level up, for losses over K scores per sample.

A loss over a score vector s ∈ ℝᴷ reaches s only through a few *score atoms* and class sums;
replace each by a scalar symbol and ℓ is an ordinary scalar SymPy expression. The gradient
g = ∂ℓ/∂s ∈ ℝᴷ is reassembled with the chain rule and the table of atom directions:

==============  =========================  =====================================
symbol          atom                       ∂atom/∂s (a K-vector)
==============  =========================  =====================================
``lse``         log Σₖ exp(sₖ)             p = softmax(s)
``s_y``         s_y (the true class)       e_y (one-hot: yₖ = 𝟙[k = y])
``smax``        maxₖ sₖ                    e_k* (k* = the first class with the max)
``smax_other``  max_{k≠y} sₖ               e_k* (k* ≠ y, the first with the max)
ClassSum(g)     Σₖ g(sₖ, yₖ) [k ≠ y]       g′(sₖ) in component k [0 at k = y]
==============  =========================  =====================================

so that, with cₐ = ∂ℓ/∂a (a class sum's own atoms included),

    gₖ = Σₐ cₐ·(∂a/∂s)ₖ + Σⱼ c_Cⱼ·gⱼ′(sₖ)·[k ≠ y]

All coefficients are per-sample scalars and the cost is independent of K. The directions
and their numpy/mpmath evaluators are the score entries of the primitive registry
(:mod:`gradproof.symbolic.score_primitives`).

>>> f = differentiate_score(LSE - SY, sp.Integer(0), mean=False)
>>> dict(f.coefficients)
{lse: 1, s_y: -1}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from gradproof.symbolic import primitives
from gradproof.symbolic.atoms import LSE, SCORE_ATOMS, SK, SMAX, SOTHER, SY, YK
from gradproof.symbolic.functions import ClassSum, Ramp, Step, apply_convention
from gradproof.symbolic.rewrite import logistic_rewrite

__all__ = [
    "LSE",
    "SY",
    "SMAX",
    "SOTHER",
    "SK",
    "YK",
    "SCORE_ATOMS",
    "ClassSum",
    "ClassTerm",
    "ScoreSwitch",
    "ScoreForm",
    "differentiate_score",
    "class_sums",
]

CLASS_LABEL_ATOMS = frozenset({SY, SOTHER})
"""Atoms that need a class label y (not real targets)."""


def class_sums(expr: sp.Expr) -> list[ClassSum]:
    """The distinct class sums of ``expr``, outermost first."""
    found: list[ClassSum] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, ClassSum) and node not in found:
            found.append(node)
    return found


@dataclass(frozen=True)
class ClassTerm:
    """One class sum Σₖ g(sₖ, yₖ) of ℓ: its coefficient ∂ℓ/∂C and g′ = ∂g/∂sₖ."""

    node: ClassSum
    coefficient: sp.Expr
    derivative: sp.Expr

    @property
    def exclude_y(self) -> bool:
        return self.node.exclude_y


@dataclass(frozen=True)
class ScoreSwitch:
    """A switching function of a score loss: ``expr`` = 0 is a kink.

    ``per_class`` switches (inside a class sum) have one value per sample and class; the
    others one per sample. ``kind`` is ``max`` (max(0, u)), ``abs`` or ``tie`` (two classes
    share the maximum of ``smax``/``smax_other``: ``expr`` is that atom).
    """

    expr: sp.Expr
    kind: str
    at_kink: sp.Expr | None
    per_class: bool = False


@dataclass(frozen=True)
class ScoreForm:
    """ℓ(s, y) over a score vector and its gradient in atom coefficients (module docstring)."""

    loss: sp.Expr
    coefficients: Mapping[sp.Symbol, sp.Expr]
    class_terms: tuple[ClassTerm, ...]
    switches: tuple[ScoreSwitch, ...]
    at_kink: sp.Expr
    mean: bool

    @property
    def atoms(self) -> tuple[sp.Symbol, ...]:
        """The score atoms the loss or its gradient uses, in table order."""
        exprs = [self.loss, *self.coefficients.values()]
        exprs += [t.coefficient for t in self.class_terms] + [
            t.derivative for t in self.class_terms
        ]
        used = set().union(*(e.free_symbols for e in exprs))
        for t in self.class_terms:
            used |= t.node.body.free_symbols
        return tuple(a for a in SCORE_ATOMS if a in used)

    @property
    def needs_labels(self) -> bool:
        """True when ℓ reads a class label y (s_y, max over k ≠ y, or a sum leaving y out)."""
        return bool(set(self.atoms) & CLASS_LABEL_ATOMS) or any(
            t.exclude_y for t in self.class_terms
        )


def _tidy(e: sp.Expr, at_kink: sp.Expr) -> sp.Expr:
    e = apply_convention(e, at_kink)
    e = e.replace(lambda x: isinstance(x, sp.Derivative), lambda x: sp.Integer(0))
    return sp.factor_terms(logistic_rewrite(e))


def _switches(expr: sp.Expr, at_kink: sp.Expr, per_class: bool) -> list[ScoreSwitch]:
    """The arguments of every kinked primitive in ``expr`` (class sums not entered)."""
    out: list[ScoreSwitch] = []
    walk = sp.preorder_traversal(expr)
    for node in walk:
        if isinstance(node, ClassSum):
            walk.skip()
            continue
        entry = primitives.node_entry(node) if isinstance(node, sp.Function) else None
        if entry is not None and entry.kink != "none" and not isinstance(node, Step):
            h = at_kink if entry.kink == "max" else None
            out.append(ScoreSwitch(node.args[0], entry.kink, h, per_class))
    return out


def differentiate_score(loss: sp.Expr, at_kink: sp.Expr, *, mean: bool) -> ScoreForm:
    """Differentiate ℓ (in score atoms and class sums) with respect to the score vector.

    ``at_kink`` is the value of every max(0, u) indicator at u = 0 (1, 0 or ½).
    """
    loss = sp.sympify(loss)
    sums = class_sums(loss)
    stand_ins = [sp.Dummy(f"C{j}") for j in range(len(sums))]
    flat = loss.xreplace(dict(zip(sums, stand_ins, strict=True)))
    if flat.has(ClassSum) or flat.has(SK) or flat.has(YK):
        raise ValueError("internal error: a class sum nested in another, or s_k outside one")

    def d(e: sp.Expr, v: sp.Symbol) -> sp.Expr:
        return sp.diff(e, v) if e.has(v) else sp.Integer(0)

    coefficients: dict[sp.Symbol, sp.Expr] = {}
    for a in SCORE_ATOMS:
        c = d(flat, a)
        for node, c_sym in zip(sums, stand_ins, strict=True):
            inner = d(node.body, a)
            if inner != 0:
                # a constant factor outside the sum: −Σₗ 𝟙[…], not Σₗ (−𝟙[…])
                k, rest = _tidy(inner, at_kink).as_coeff_Mul()
                c = c + k * d(flat, c_sym) * ClassSum(rest, node.args[1])
        c = _tidy(c.xreplace(dict(zip(stand_ins, sums, strict=True))), at_kink)
        if c != 0:
            coefficients[a] = c
    terms = []
    for node, c_sym in zip(sums, stand_ins, strict=True):
        coef = _tidy(d(flat, c_sym).xreplace(dict(zip(stand_ins, sums, strict=True))), at_kink)
        terms.append(ClassTerm(node, coef, _tidy(d(node.body, SK), at_kink)))
    switches = _switches(loss, at_kink, per_class=False)
    for node in sums:
        switches += _switches(node.body, at_kink, per_class=True)
    for atom in (SMAX, SOTHER):
        if loss.has(atom):
            switches.append(ScoreSwitch(atom, "tie", None))
    unique: dict[tuple[sp.Expr, str, bool], ScoreSwitch] = {}
    for sw in switches:
        unique.setdefault((sw.expr, sw.kind, sw.per_class), sw)
    return ScoreForm(loss, coefficients, tuple(terms), tuple(unique.values()), at_kink, mean)


def ramp_free(expr: sp.Expr) -> bool:
    """True when ``expr`` has no max(0, ·) (a smooth score loss)."""
    return not expr.has(Ramp)
