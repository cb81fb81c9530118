"""The registry of regularisers on a weight matrix: one entry each, with its formula and rule.

A regulariser is a function of a weight θ (any shape) through two atoms, q = ‖θ‖²_F
(Σ θ², with ∂q/∂θ = 2θ) and a = ‖θ‖₁ (Σ |θ|, with ∂a/∂θ = sgn θ): so
∂R/∂θ = 2·(∂R/∂q)·θ + (∂R/∂a)·sgn θ, of the shape of θ. sgn θ at an entry θ = 0 is the L1
convention (:data:`L1_CONVENTIONS`: 0, the smallest subgradient, unless chosen otherwise).

>>> get_regulariser("elastic_net").params
{'lam1': 0.01, 'lam2': 0.01}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp

from gradproof.errors import OptionError
from gradproof.i18n import _
from gradproof.symbolic import display as D
from gradproof.symbolic.atoms import hyperparameter

__all__ = [
    "RegSpec",
    "REGULARISERS",
    "get_regulariser",
    "L1_CONVENTIONS",
    "get_l1_convention",
    "weight_atoms",
    "RegTerm",
    "reg_term",
]

Q_ATOM = sp.Symbol("q", nonnegative=True)
"""‖θ‖²_F in a registry entry (replaced per weight by :func:`weight_atoms`)."""
A_ATOM = sp.Symbol("a1", nonnegative=True)
"""‖θ‖₁ in a registry entry."""

L1_CONVENTIONS: dict[str, int] = {"zero": 0, "plus": 1, "minus": -1}
"""The value of sgn(θ) used at θ = 0 for ‖θ‖₁ (any value in [−1, 1] is a valid subgradient):
``zero`` (the smallest subgradient, as np.sign and scikit-learn's coordinate descent),
``plus`` or ``minus``."""


def get_l1_convention(name: str) -> int:
    """sgn(0) under the L1 convention ``name``."""
    if name not in L1_CONVENTIONS:
        raise OptionError(
            _(
                "unknown L1 convention {name!r}; use one of {names} (the value of sgn(0) in "
                "the subgradient of ‖W‖₁)",
                name=name,
                names=", ".join(L1_CONVENTIONS),
            )
        )
    return L1_CONVENTIONS[name]


@dataclass(frozen=True)
class RegSpec:
    """One regulariser: R(θ) in the atoms q = ‖θ‖²_F and a1 = ‖θ‖₁, with its defaults."""

    name: str
    title: str
    expr: sp.Expr
    params: Mapping[str, float] = field(default_factory=dict)
    formula: str = ""
    description: str = ""

    @property
    def has_l1(self) -> bool:
        return bool(self.expr.has(A_ATOM))


_LAM = hyperparameter("lam")
_LAM1 = hyperparameter("lam1")
_LAM2 = hyperparameter("lam2")

_REG_LIST = [
    RegSpec(
        "l2",
        "L2 (weight decay)",
        _LAM / 2 * Q_ATOM,
        {"lam": 0.01},
        "(λ/2)‖W‖²_F",
        "ridge: the squared Frobenius norm, gradient λW",
    ),
    RegSpec(
        "l1",
        "L1 (lasso)",
        _LAM * A_ATOM,
        {"lam": 0.01},
        "λ‖W‖₁",
        "the sum of absolute values, subgradient λ sgn(W)",
    ),
    RegSpec(
        "elastic_net",
        "elastic net",
        _LAM1 * A_ATOM + _LAM2 / 2 * Q_ATOM,
        {"lam1": 0.01, "lam2": 0.01},
        "λ₁‖W‖₁ + (λ₂/2)‖W‖²_F",
        "L1 and L2 together, subgradient λ₁ sgn(W) + λ₂W",
    ),
]

REGULARISERS: dict[str, RegSpec] = {r.name: r for r in _REG_LIST}


def get_regulariser(name: str) -> RegSpec:
    """The regulariser called ``name`` (dashes and case are forgiven)."""
    key = name.strip().lower().replace("-", "_")
    if key not in REGULARISERS:
        raise OptionError(
            _(
                "unknown regulariser {name!r}; use one of {names} (on the weights of a model)",
                name=name,
                names=", ".join(REGULARISERS),
            )
        )
    return REGULARISERS[key]


def weight_atoms(name: str) -> tuple[sp.Symbol, sp.Symbol]:
    """(q, a1) of the weight called ``name``: ‖W‖²_F and ‖W‖₁."""
    return D.NormOf(name, 2), D.NormOf(name, 1)


@dataclass(frozen=True)
class RegTerm:
    """One regulariser on one weight: R_θ and its gradient 2·(∂R/∂q)·θ + (∂R/∂a)·sgn θ."""

    weight: str
    spec: RegSpec
    expr: sp.Expr
    r2: sp.Expr  # the coefficient of θ
    r1: sp.Expr  # the coefficient of sgn θ
    sign_at_zero: int


def reg_term(spec: RegSpec, weight: str, sign_at_zero: int) -> RegTerm:
    """``spec`` on the weight ``weight``, differentiated."""
    q, a = weight_atoms(weight)
    expr = spec.expr.xreplace({Q_ATOM: q, A_ATOM: a})
    return RegTerm(weight, spec, expr, 2 * sp.diff(expr, q), sp.diff(expr, a), int(sign_at_zero))
