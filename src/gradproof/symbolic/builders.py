"""The derivation's steps, one small builder per rule, in the order they are shown.

Each builder reads a :class:`~gradproof.symbolic.context.BuildContext` and returns the steps of
its rule (none when the rule does not apply); :data:`STEP_BUILDERS` lists them in order. A
builder computes no fact another one needs (those are in the context), and takes its prose
from :mod:`gradproof.symbolic.sentences`, kept as a sentence with its fields: it is said in
the rendering's language, not when the steps are built.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from gradproof.symbolic import display as D
from gradproof.symbolic import sentences as T
from gradproof.symbolic.atoms import B, Q, S, Z
from gradproof.symbolic.context import L_SYM, PARAMETER_SYMBOLS, BuildContext
from gradproof.symbolic.notation import indicator_of, math_name
from gradproof.symbolic.sentences import prose, sentence, words
from gradproof.symbolic.steps import (
    DerivationStep,
    Formula,
    Join,
    Rule,
    rules_used,
    trace_derivative,
)

__all__ = ["STEP_BUILDERS", "StepBuilder", "build_steps"]

StepBuilder = Callable[[BuildContext], list[DerivationStep]]


def _depends(e: sp.Expr, p: str) -> bool:
    """Whether ``e`` (a regulariser) depends on the parameter ``p``: w through ‖w‖², or b."""
    return bool(e.has(Q if p == "w" else B))


def _set_definition(ctx: BuildContext) -> list[Formula]:
    """M = {i : condition}, as the last line of a step (nothing without an active set)."""
    if ctx.condition is None:
        return []
    return [Formula((D.SetDef(ctx.where, ctx.condition),), "index", expand_score=True)]


def definition(ctx: BuildContext) -> list[DerivationStep]:
    """L = Σᵢ ℓ [/ n] + R, with the score sᵢ = w·xᵢ + b when ℓ goes through it."""
    formulas = [Formula((L_SYM, ctx.total(ctx.ell) + ctx.reg), "index")]
    score = ctx.form.score_form and ctx.ell.has(S)
    if score:
        formulas.append(Formula((S, D.Expanded(S)), "index"))
    said = sentence(T.DEFINITION[ctx.mean, ctx.reg != 0, bool(score)], title=words(ctx.spec.title))
    return [DerivationStep(Rule.DEFINITION, tuple(formulas), said)]


def active_set(ctx: BuildContext) -> list[DerivationStep]:
    """max(0, u) is u on the active set and 0 off it, so the sum runs over that set."""
    if ctx.switch is None:
        return []
    formulas = [Formula((L_SYM, ctx.total(ctx.inner, ctx.where) + ctx.reg), "index")]
    spec = ctx.spec
    note = spec.kink_note if spec.kink_note and ctx.convention.name == spec.kink else ""
    said = sentence(
        T.ACTIVE_SET[ctx.convention.name, bool(note)],
        meaning=words(spec.set_meaning),
        set=math_name(ctx.set_name),
        note=prose(note),
    )
    return [DerivationStep(Rule.ACTIVE_SET, tuple(formulas + _set_definition(ctx)), said)]


def sum_rule(ctx: BuildContext) -> list[DerivationStep]:
    """∂L/∂w = Σᵢ ∂ℓᵢ/∂w [+ ∂R/∂w], and the same for b."""
    lines = []
    for p, var in PARAMETER_SYMBOLS:
        if p in ctx.wrt:
            rhs = ctx.total(D.Partial(ctx.inner, var), ctx.where)
            if _depends(ctx.reg, p):
                rhs = rhs + D.Partial(ctx.reg, var)
            lines.append(Formula((D.Partial(L_SYM, var), rhs)))
    said = sentence(T.SUM_RULE[ctx.switch is not None], set=math_name(ctx.set_name))
    return [DerivationStep(Rule.SUM_RULE, tuple(lines), said)]


def chain_rule(ctx: BuildContext) -> list[DerivationStep]:
    """∂ℓ/∂w = Σ over the atoms a of ∂ℓ/∂a · ∂a/∂w (and the same for b)."""
    lines = []
    for p, var in PARAMETER_SYMBOLS:
        # w reaches ℓ through every atom but b; b through s and b itself.
        through = [
            a.symbol for a in ctx.atoms if (a.symbol != B if p == "w" else a.symbol in (S, B))
        ]
        if p in ctx.wrt and through:
            rhs = sp.Add(
                *[
                    D.Partial(ctx.inner, a) * D.Partial(a, var)
                    if a != var
                    else D.Partial(ctx.inner, a)
                    for a in through
                ]
            )
            lines.append(Formula((D.Partial(ctx.inner, var), rhs)))
    if not lines:
        return []
    written = Join(tuple(_atom_written(a.symbol) for a in ctx.atoms))
    said = sentence(T.CHAIN_RULE, atoms=written)
    return [DerivationStep(Rule.CHAIN_RULE, tuple(lines), said)]


def _atom_written(a: sp.Symbol) -> Formula:
    """An atom as the chain-rule sentence names it: sᵢ = w·xᵢ + b, w·xᵢ, ‖w‖², b."""
    return Formula((S, D.Expanded(S)) if a == S else (a,), "index")


def scalar_derivatives(ctx: BuildContext) -> list[DerivationStep]:
    """∂ℓ/∂a for each atom a, by the rules of scalar calculus; at full detail, each rule
    applied to each sub-expression, outermost first."""
    steps = []
    for atom in ctx.atoms:
        a = atom.symbol
        rules = rules_used(ctx.inner, a)
        others = Join(tuple(words(r.value) for r in rules[1:]))
        said = sentence(
            T.SCALAR_DERIVATIVE[bool(others.items)], atom=Formula((a,), "index"), rules=others
        )
        steps.append(
            DerivationStep(
                rules[0] if rules else Rule.CONSTANT,
                (Formula((D.Partial(ctx.inner, a), ctx.tidy(sp.diff(ctx.inner, a)))),),
                said,
            )
        )
        for rule, node, d in trace_derivative(ctx.inner, a, ctx.tidy)[1:]:
            steps.append(
                DerivationStep(rule, (Formula((D.Partial(node, a), d)),), (), detail="full")
            )
    return steps


def dot_product(ctx: BuildContext) -> list[DerivationStep]:
    """∂(w·xᵢ)/∂w = xᵢ, for the score and for a bare w·xᵢ."""
    if "w" not in ctx.wrt:
        return []
    steps = []
    for atom in ctx.atoms:
        if atom.symbol == S:
            chain: tuple[sp.Basic, ...] = (
                D.Partial(S, D.W),
                D.Partial(D.Expanded(S), D.W),
                D.XI,
            )
        elif atom.symbol == Z:
            chain = (D.Partial(Z, D.W), D.XI)
        else:
            continue
        said = sentence(T.DOT_PRODUCT[atom.symbol == S])
        steps.append(DerivationStep(Rule.DOT_PRODUCT, (Formula(chain),), said))
    return steps


def norm_rule(ctx: BuildContext) -> list[DerivationStep]:
    """∂‖w‖²/∂w = 2w, when ℓ goes through ‖w‖²."""
    if "w" not in ctx.wrt or not any(a.symbol == Q for a in ctx.atoms):
        return []
    formula = Formula((D.Partial(Q, D.W), 2 * D.W))
    return [DerivationStep(Rule.NORM, (formula,), sentence(T.NORM))]


def constant_rule(ctx: BuildContext) -> list[DerivationStep]:
    """∂sᵢ/∂b = 1: w·xᵢ is a constant for b."""
    if "b" not in ctx.wrt or not ctx.inner.has(S):
        return []
    formula = Formula((D.Partial(S, B), D.Partial(D.Expanded(S), B), sp.Integer(1)))
    return [DerivationStep(Rule.CONSTANT, (formula,), sentence(T.CONSTANT))]


def regulariser(ctx: BuildContext) -> list[DerivationStep]:
    """∂R/∂w and ∂R/∂b, differentiated directly (R is outside the sum)."""
    if ctx.reg == 0:
        return []
    steps = []
    for p, var in PARAMETER_SYMBOLS:
        if p in ctx.wrt and _depends(ctx.reg, p):
            rhs = ctx.form.rw * D.W if p == "w" else ctx.form.rb
            steps.append(
                DerivationStep(
                    Rule.NORM if p == "w" else Rule.POWER,
                    (Formula((D.Partial(ctx.reg, var), rhs)),),
                    sentence(T.REGULARISER),
                )
            )
    return steps


def collect_terms(ctx: BuildContext) -> list[DerivationStep]:
    """The gradient in index form, with the set its sums run over."""
    lines = [
        Formula((D.Partial(L_SYM, var), ctx.gradient[p]), "index", expand_score=True)
        for p, var in PARAMETER_SYMBOLS
        if p in ctx.gradient
    ]
    said = sentence(T.COLLECT[ctx.switch is not None], set=math_name(ctx.set_name))
    return [DerivationStep(Rule.COLLECT, tuple(lines + _set_definition(ctx)), said)]


def matrix_form(ctx: BuildContext) -> list[DerivationStep]:
    """The gradient with the samples stacked: Xᵀc instead of Σᵢ cᵢ xᵢ."""
    lines = [
        Formula((D.Partial(L_SYM, var), ctx.matrix[p]), "index")
        for p, var in PARAMETER_SYMBOLS
        if p in ctx.matrix
    ]
    said = sentence(
        T.MATRIX_FORM[ctx.switch is not None],
        set=math_name(ctx.set_name),
        indicator=indicator_of(ctx.set_name),
    )
    return [DerivationStep(Rule.MATRIX_FORM, tuple(lines), said)]


def gradient(ctx: BuildContext) -> list[DerivationStep]:
    """∇L = (∂L/∂w, ∂L/∂b), when both were asked for."""
    if len(ctx.gradient) != 2:
        return []
    stacked = D.StackedGradient(ctx.gradient["w"], ctx.gradient["b"])
    formula = Formula((D.Sym("∇L"), stacked), "index", expand_score=True)
    return [DerivationStep(Rule.RESULT, (formula,), sentence(T.RESULT))]


STEP_BUILDERS: tuple[StepBuilder, ...] = (
    definition,
    active_set,
    sum_rule,
    chain_rule,
    scalar_derivatives,
    dot_product,
    norm_rule,
    constant_rule,
    regulariser,
    collect_terms,
    matrix_form,
    gradient,
)
"""The builders in the order their steps are shown."""


def build_steps(ctx: BuildContext) -> tuple[DerivationStep, ...]:
    """All the steps of the derivation of ``ctx``, builder after builder."""
    return tuple(step for builder in STEP_BUILDERS for step in builder(ctx))
