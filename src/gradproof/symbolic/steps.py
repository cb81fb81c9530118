"""Derivation steps as data: the rule used, the formulas it produces, a one-line justification.

The symbolic layer builds steps; renderers print them. No step formats strings for a
particular output, and no renderer computes maths. A justification is a :class:`Sentence`:
the message id of its template and the fields that fill it, translated and filled only when
it is rendered (:func:`gradproof.symbolic.sentences.pieces_of`), so one derivation prints in
any language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal, Union

import sympy as sp

from gradproof.i18n import N_
from gradproof.symbolic import display as D
from gradproof.symbolic import primitives
from gradproof.symbolic.primitives import PrimitiveRule

__all__ = [
    "Rule",
    "PrimitiveRule",
    "StepRule",
    "Formula",
    "Sentence",
    "Join",
    "DerivationStep",
    "J",
    "trace_derivative",
    "rules_used",
]

Atoms = Literal["scalar", "index", "vector"]


class Rule(str, Enum):
    """The structural rules a derivation step may use.

    The rule of one function (derivative of the sigmoid, subgradient of |·|, ...) is its
    primitive's :class:`PrimitiveRule`, from :mod:`gradproof.symbolic.primitives`.
    """

    DEFINITION = N_("definition")
    ACTIVE_SET = N_("subgradient of max(0, ·)")
    SUM_RULE = N_("sum rule (linearity)")
    CHAIN_RULE = N_("chain rule")
    DOT_PRODUCT = N_("derivative of a dot product")
    CONSTANT = N_("constant rule")
    CONSTANT_MULTIPLE = N_("constant multiple rule")
    PRODUCT = N_("product rule")
    POWER = N_("power rule")
    PIECEWISE = N_("piecewise rule")
    NORM = N_("derivative of a norm")
    COLLECT = N_("collect terms")
    MATRIX_FORM = N_("matrix form")
    RESULT = N_("gradient")
    SAMPLE_SUM = N_("sum over samples")
    SCORE_CHAIN = N_("chain rule through the scores")
    SOFTMAX_CE = N_("softmax–cross-entropy rule")
    MULTICLASS_HINGE = N_("multi-class hinge rule")
    SQUARED_ERROR_RULE = N_("squared-error rule")
    SCORE_FUNCTIONS = N_("chain rule through the score functions")
    MATRIX_PRODUCT = N_("matrix-product rule")
    REGULARISER = N_("regulariser rule")
    LAYER_CHAIN = N_("chain rule through a layer")
    ACTIVATION = N_("elementwise activation rule")
    BIAS_SUM = N_("bias sum rule")
    DELTA_RECURSION = N_("backpropagation recursion")
    EXAMPLE_DATA = N_("worked example: data")
    EXAMPLE_SCORES = N_("worked example: scores")
    EXAMPLE_ACTIVE = N_("worked example: active set")
    EXAMPLE_LOSS = N_("worked example: loss")
    EXAMPLE_GRADIENT = N_("worked example: gradient")
    EXAMPLE_UPDATE = N_("worked example: update step")


@dataclass(frozen=True)
class Formula:
    """An equation chain ``a = b = c`` (one expression is a formula on its own).

    ``atoms`` and ``expand_score`` are printer settings: how per-sample atoms are written.
    """

    chain: tuple[sp.Basic, ...]
    atoms: Atoms = "index"
    expand_score: bool = False


Inline = Union[str, Formula]
StepRule = Union[Rule, PrimitiveRule]
"""What a step names: a structural rule or one primitive's rule (both have ``.value``)."""


@dataclass(frozen=True)
class Sentence:
    """A sentence kept as data: ``template`` is its message id (English, with ``{name}``
    placeholders), ``fields`` fill them: formulas, literal text (names, numbers: never
    translated), or sentences and :class:`Join` s, translated in turn. With ``prose`` the
    translated text is searched for the notation it contains, which is set as math. The
    language is chosen when it is rendered."""

    template: str
    fields: tuple[tuple[str, object], ...] = ()
    prose: bool = False


@dataclass(frozen=True)
class Join:
    """An enumeration inside a sentence ("a, b, c"), its separator in the rendering language."""

    items: tuple[object, ...]


Justification = Union[Sentence, tuple[Inline, ...]]
"""A step's justification: a sentence to translate, or pieces already in their language."""


@dataclass(frozen=True)
class DerivationStep:
    """One step: rule, formulas (one per line), justification (text and inline formulas).

    ``detail`` is ``"summary"`` for steps shown always, ``"full"`` for the finer ones.
    """

    rule: StepRule
    formulas: tuple[Formula, ...]
    justification: Justification = field(default=())
    detail: Literal["summary", "full"] = "summary"


def J(template: str, *parts: sp.Basic | Formula, atoms: Atoms = "index") -> tuple[Inline, ...]:
    """Build a justification from a template with ``{}`` slots for inline formulas.

    >>> J("because {} for every sample", sp.Symbol("a"))[0]
    'because '
    """
    pieces = re.split(r"\{\}", template)
    if len(pieces) != len(parts) + 1:
        raise ValueError("template slots and parts do not match")
    out: list[Inline] = []
    for i, text in enumerate(pieces):
        if text:
            out.append(text)
        if i < len(parts):
            p = parts[i]
            out.append(p if isinstance(p, Formula) else Formula((p,), atoms))
    return tuple(out)


# -- which rule differentiates a node: structure here, functions from the registry ---------
def _rule_of(node: sp.Expr, var: sp.Symbol) -> StepRule | None:
    if node == var or not node.has(var):
        return None
    if isinstance(node, sp.Add):
        return Rule.SUM_RULE
    if isinstance(node, sp.Mul):
        dependent = [f for f in node.args if f.has(var)]
        return Rule.CONSTANT_MULTIPLE if len(dependent) == 1 else Rule.PRODUCT
    if isinstance(node, sp.Pow):  # c^u = exp(u·log c)
        return Rule.POWER if not node.exp.has(var) else primitives.by_name("exp").rule
    if isinstance(node, sp.Piecewise):
        return Rule.PIECEWISE
    entry = primitives.node_entry(node, "rule")
    assert entry is not None and entry.rule is not None  # node_entry raises otherwise
    return entry.rule


def trace_derivative(
    expr: sp.Expr, var: sp.Symbol, tidy: Callable[[sp.Expr], sp.Expr]
) -> list[tuple[StepRule, sp.Expr, sp.Expr]]:
    """Each sub-expression of ``expr`` that depends on ``var``, outermost first, with the rule
    that differentiates it and its derivative (``tidy`` applies the kink convention)."""
    out: list[tuple[StepRule, sp.Expr, sp.Expr]] = []
    seen: set[sp.Expr] = set()

    def visit(node: sp.Expr) -> None:
        rule = _rule_of(node, var)
        if rule is None or node in seen:
            return
        seen.add(node)
        out.append((rule, node, tidy(sp.diff(node, var))))
        args = node.args if not isinstance(node, sp.Piecewise) else [a for a, _ in node.args]
        for a in args:
            visit(a)

    visit(expr)
    return out


def rules_used(expr: sp.Expr, var: sp.Symbol) -> list[StepRule]:
    """The distinct rules that differentiate ``expr`` with respect to ``var``, in order."""
    rules: list[StepRule] = []
    for rule, _, _ in trace_derivative(expr, var, lambda e: e):
        if rule not in rules:
            rules.append(rule)
    inner_chain = any(
        isinstance(n, sp.Function) and n.args[0] != var
        for n in sp.preorder_traversal(expr)
        if n.has(var) and isinstance(n, sp.Function) and not isinstance(n, D._Display)
    )
    if inner_chain and Rule.CHAIN_RULE not in rules:
        rules.append(Rule.CHAIN_RULE)
    return rules
