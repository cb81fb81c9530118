"""Derivation steps as data: the rule used, the formulas it produces, a one-line justification.

The symbolic layer builds steps; renderers print them. No step formats strings for a
particular output, and no renderer computes maths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal, Union

import sympy as sp

from gradproof.symbolic import display as D
from gradproof.symbolic.functions import Ramp, Sigmoid, Softplus, Step

__all__ = ["Rule", "Formula", "DerivationStep", "J", "trace_derivative", "rules_used"]

Atoms = Literal["scalar", "index", "vector"]


class Rule(str, Enum):
    """The named rules a derivation step may use."""

    DEFINITION = "definition"
    ACTIVE_SET = "subgradient of max(0, ·)"
    SUM_RULE = "sum rule (linearity)"
    CHAIN_RULE = "chain rule"
    DOT_PRODUCT = "derivative of a dot product"
    CONSTANT = "constant rule"
    CONSTANT_MULTIPLE = "constant multiple rule"
    PRODUCT = "product rule"
    POWER = "power rule"
    EXP = "derivative of exp"
    LOG = "derivative of log"
    SIGMOID = "derivative of the sigmoid"
    SOFTPLUS = "derivative of softplus"
    TANH = "derivative of tanh"
    COSH = "derivative of cosh"
    ABS = "subgradient of |·|"
    RAMP = "subgradient of max(0, ·)"
    PIECEWISE = "piecewise rule"
    NORM = "derivative of a norm"
    COLLECT = "collect terms"
    MATRIX_FORM = "matrix form"
    RESULT = "gradient"
    EXAMPLE_DATA = "worked example: data"
    EXAMPLE_SCORES = "worked example: scores"
    EXAMPLE_ACTIVE = "worked example: active set"
    EXAMPLE_LOSS = "worked example: loss"
    EXAMPLE_GRADIENT = "worked example: gradient"
    EXAMPLE_UPDATE = "worked example: update step"


@dataclass(frozen=True)
class Formula:
    """An equation chain ``a = b = c`` (one expression is a formula on its own).

    ``atoms`` and ``expand_score`` are printer settings: how per-sample atoms are written.
    """

    chain: tuple[sp.Basic, ...]
    atoms: Atoms = "index"
    expand_score: bool = False


Inline = Union[str, Formula]


@dataclass(frozen=True)
class DerivationStep:
    """One step: rule, formulas (one per line), justification (text and inline formulas).

    ``detail`` is ``"summary"`` for steps shown always, ``"full"`` for the finer ones.
    """

    rule: Rule
    formulas: tuple[Formula, ...]
    justification: tuple[Inline, ...] = field(default=())
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


# -- one entry per primitive: which rule differentiates it ---------------------------------
def _rule_of(node: sp.Expr, var: sp.Symbol) -> Rule | None:
    if node == var or not node.has(var):
        return None
    if isinstance(node, sp.Add):
        return Rule.SUM_RULE
    if isinstance(node, sp.Mul):
        dependent = [f for f in node.args if f.has(var)]
        return Rule.CONSTANT_MULTIPLE if len(dependent) == 1 else Rule.PRODUCT
    if isinstance(node, sp.Pow):
        return Rule.POWER if not node.exp.has(var) else Rule.EXP
    table: dict[type, Rule] = {
        sp.exp: Rule.EXP,
        sp.log: Rule.LOG,
        Sigmoid: Rule.SIGMOID,
        Softplus: Rule.SOFTPLUS,
        sp.tanh: Rule.TANH,
        sp.cosh: Rule.COSH,
        sp.Abs: Rule.ABS,
        Ramp: Rule.RAMP,
        sp.Piecewise: Rule.PIECEWISE,
        Step: Rule.CONSTANT,
    }
    for cls, rule in table.items():
        if isinstance(node, cls):
            return rule
    return Rule.CHAIN_RULE


def trace_derivative(expr: sp.Expr, var: sp.Symbol, tidy) -> list[tuple[Rule, sp.Expr, sp.Expr]]:
    """Each sub-expression of ``expr`` that depends on ``var``, outermost first, with the rule
    that differentiates it and its derivative (``tidy`` applies the kink convention)."""
    out: list[tuple[Rule, sp.Expr, sp.Expr]] = []
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


def rules_used(expr: sp.Expr, var: sp.Symbol) -> list[Rule]:
    """The distinct rules that differentiate ``expr`` with respect to ``var``, in order."""
    rules: list[Rule] = []
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
