"""The registry of losses over a score vector: one entry each, with its formula and rule.

A score loss is the per-sample term ℓ(s, y) of a model with K scores per sample, written in
the score atoms of :mod:`gradproof.symbolic.atoms` (logsumexp, s_y, the maxima) and class
sums; :func:`gradproof.symbolic.score.differentiate_score` differentiates it. Adding a loss
is adding one :class:`ScoreLossSpec` to :data:`SCORE_LOSSES`.

================  ==========================================  ===================
loss              ℓ(s, y)                                     labels
================  ==========================================  ===================
softmax           log Σₗ exp(sₗ) − s_y  (cross-entropy)        0 … K−1 / one-hot
multiclass_hinge  Σ_{l≠y} max(0, 1 + sₗ − s_y)  (Weston–Watkins)  0 … K−1
crammer_singer    max(0, 1 + max_{l≠y} sₗ − s_y)               0 … K−1
multi_squared_error  ½ Σₗ (sₗ − yₗ)²                            real, K per sample
================  ==========================================  ===================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import sympy as sp

from gradproof._typing import KinkConvention
from gradproof.errors import UnknownLossError
from gradproof.i18n import N_, _
from gradproof.symbolic.atoms import LSE, SK, SOTHER, SY, YK
from gradproof.symbolic.functions import ClassSum, Ramp
from gradproof.symbolic.steps import Rule

__all__ = ["ScoreLossSpec", "SCORE_LOSSES", "get_score_loss", "is_score_loss", "ScoreLabels"]

ScoreLabels = Literal["classes", "targets"]
"""``classes``: one label 0 … K−1 per sample (or a one-hot row); ``targets``: K real numbers
per sample."""


@dataclass(frozen=True)
class ScoreLossSpec:
    """One loss over a score vector: ℓ, its labels, its rule, its convention, its model.

    ``rule`` is the named rule the derivation step of ∂ℓ/∂s shows; ``set_name`` and
    ``set_meaning`` name the (sample, class) pairs where its max(0, ·) is active.
    """

    name: str
    title: str
    per_sample: sp.Expr
    labels: ScoreLabels
    rule: Rule
    model: str = "multiclass_linear"
    params: Mapping[str, float] = field(default_factory=dict)
    positive_params: tuple[str, ...] = ()
    kink: KinkConvention = "include"
    set_name: str = "A"
    set_meaning: str = "active samples"
    kink_note: str = ""
    formula: str = ""
    description: str = ""
    reference: str = ""


_LOSS_LIST = [
    ScoreLossSpec(
        name="softmax",
        title=N_("Softmax cross-entropy"),
        per_sample=LSE - SY,
        labels="classes",
        rule=Rule.SOFTMAX_CE,
        formula=N_("log Σₗ exp(sₗ) − s_y, with s = Wx + b"),
        description=N_(
            "softmax regression (multinomial logistic regression): the negative "
            "log-probability of the true class"
        ),
    ),
    ScoreLossSpec(
        name="multiclass_hinge",
        title=N_("Multi-class hinge loss (Weston–Watkins)"),
        per_sample=ClassSum(Ramp(1 + SK - SY), 1),
        labels="classes",
        rule=Rule.MULTICLASS_HINGE,
        kink="exclude",
        set_name="V",
        set_meaning="margin violations",
        kink_note="a class exactly on the margin (1 + sₖ − s_y = 0) contributes the "
        "subgradient 0, as in CS231n's SVM loss",
        formula=N_("Σ_{l≠y} max(0, 1 + sₗ − s_y), with s = Wx + b"),
        description=N_("the multi-class SVM of Weston and Watkins (CS231n's SVM loss)"),
        reference="J. Weston and C. Watkins, Support vector machines for multi-class pattern "
        "recognition, ESANN 1999",
    ),
    ScoreLossSpec(
        name="crammer_singer",
        title=N_("Multi-class hinge loss (Crammer–Singer)"),
        per_sample=Ramp(1 + SOTHER - SY),
        labels="classes",
        rule=Rule.MULTICLASS_HINGE,
        kink="exclude",
        set_name="V",
        set_meaning="margin violators",
        kink_note="a sample exactly on the margin contributes the subgradient 0; where rival "
        "classes tie, the first (lowest label) is taken",
        formula=N_("max(0, 1 + max_{l≠y} sₗ − s_y), with s = Wx + b"),
        description=N_(
            "the multi-class SVM of Crammer and Singer: only the strongest rival counts"
        ),
        reference="K. Crammer and Y. Singer, On the algorithmic implementation of multiclass "
        "kernel-based vector machines, JMLR 2001",
    ),
    ScoreLossSpec(
        name="multi_squared_error",
        title=N_("Multi-output squared error"),
        per_sample=ClassSum((SK - YK) ** 2 / 2, 0),
        labels="targets",
        rule=Rule.SQUARED_ERROR_RULE,
        formula=N_("½ Σₗ (sₗ − yₗ)², with s = Wx + b"),
        description=N_("multi-output least squares: K real targets per sample"),
    ),
]

SCORE_LOSSES: dict[str, ScoreLossSpec] = {spec.name: spec for spec in _LOSS_LIST}


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def is_score_loss(name: str | None) -> bool:
    """True when ``name`` is a loss over a score vector (not one of the linear model's)."""
    return name is not None and _key(name) in SCORE_LOSSES


def get_score_loss(name: str) -> ScoreLossSpec:
    """The score loss called ``name`` (dashes and case are forgiven)."""
    key = _key(name)
    if key not in SCORE_LOSSES:
        raise UnknownLossError(
            _(
                "unknown loss {name!r}; the losses over K scores are {names}",
                name=name,
                names=", ".join(SCORE_LOSSES),
            )
        )
    return SCORE_LOSSES[key]
