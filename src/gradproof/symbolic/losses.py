"""The registry of built-in losses: one entry each, with its formula, labels and convention.

A loss is the per-sample term ℓ (summed over samples) plus a regulariser R outside the sum,
both in the atom symbols of :mod:`gradproof.symbolic.atoms`. Adding a loss is adding one
:class:`LossSpec` to :data:`LOSSES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp

from gradproof._typing import KinkConvention
from gradproof.errors import UnknownLossError
from gradproof.i18n import N_, _
from gradproof.symbolic import sentences as T
from gradproof.symbolic.atoms import Q, S, Y, hyperparameter
from gradproof.symbolic.functions import Ramp, Softplus
from gradproof.symbolic.sentences import said

__all__ = ["LossSpec", "LOSSES", "get_loss", "list_losses", "LABEL_SETS"]

LABEL_SETS = {name: said(words) for name, words in T.LABEL_SETS.items()}
"""The label sets a loss may take, with how the documents describe each (messages: English
text, translated where printed with :func:`gradproof.i18n.tr`)."""

LAM = hyperparameter("lam")
DELTA = hyperparameter("delta")


@dataclass(frozen=True)
class LossSpec:
    """One loss: ℓ per sample, R outside the sum, hyperparameter defaults, labels, convention.

    ``set_name``/``set_meaning`` name the active set of its max(0, ·) (e.g. M, the
    misclassified samples); ``kink`` is the default subgradient convention at u = 0. The
    words (title, meaning, note, formula, description) are English message ids, marked for
    the catalog with ``N_`` and translated where they are printed.
    """

    name: str
    title: str
    per_sample: sp.Expr
    regularizer: sp.Expr = sp.Integer(0)
    params: Mapping[str, float] = field(default_factory=dict)
    positive_params: tuple[str, ...] = ()  # hyperparameters that must be > 0, not just ≥ 0
    labels: str = "pm1"
    kink: KinkConvention = "include"
    set_name: str = "A"
    set_meaning: str = N_("active samples")
    kink_note: str = ""
    formula: str = ""
    description: str = ""


_LOSS_LIST = [
    LossSpec(
        name="perceptron",
        title=N_("Perceptron loss"),
        per_sample=Ramp(-Y * S),
        labels="pm1",
        kink="include",
        set_name="M",
        set_meaning=N_("misclassified samples"),
        kink_note=N_(
            "a sample exactly on the boundary (margin 0) counts as misclassified, so the "
            "update at w = 0, b = 0 is not zero"
        ),
        formula=N_("max(0, −y(w·x + b))"),
        description=N_("Rosenblatt's perceptron criterion: zero for correctly classified samples"),
    ),
    LossSpec(
        name="hinge",
        title=N_("Hinge loss (soft-margin SVM)"),
        per_sample=Ramp(1 - Y * S),
        regularizer=LAM / 2 * Q,
        params={"lam": 0.01},
        labels="pm1",
        kink="exclude",
        set_name="V",
        set_meaning=N_("margin violators"),
        kink_note=N_(
            "a sample exactly on the margin (y(w·x + b) = 1) contributes the subgradient "
            "0, as in Pegasos and scikit-learn"
        ),
        formula=N_("max(0, 1 − y(w·x + b)) + (λ/2)‖w‖²"),
        description=N_("the support vector machine's loss with L2 regularisation"),
    ),
    LossSpec(
        name="squared_hinge",
        title=N_("Squared hinge loss (L2-SVM)"),
        per_sample=Ramp(1 - Y * S) ** 2,
        regularizer=LAM / 2 * Q,
        params={"lam": 0.01},
        labels="pm1",
        kink="exclude",
        set_name="V",
        set_meaning=N_("margin violators"),
        kink_note=N_("differentiable everywhere: both one-sided derivatives are 0 on the margin"),
        formula=N_("max(0, 1 − y(w·x + b))² + (λ/2)‖w‖²"),
        description=N_("a smooth (C¹) variant of the hinge loss"),
    ),
    LossSpec(
        name="logistic",
        title=N_("Logistic loss"),
        per_sample=Softplus(-Y * S),
        labels="pm1",
        formula=N_("log(1 + exp(−y(w·x + b)))"),
        description=N_("the negative log-likelihood of logistic regression with labels ±1"),
    ),
    LossSpec(
        name="squared_error",
        title=N_("Squared error"),
        per_sample=(S - Y) ** 2 / 2,
        labels="real",
        formula=N_("½(w·x + b − y)²"),
        description=N_("least squares linear regression"),
    ),
    LossSpec(
        name="huber",
        title=N_("Huber loss"),
        per_sample=sp.Piecewise(
            ((S - Y) ** 2 / 2, sp.Abs(S - Y) <= DELTA),
            (DELTA * (sp.Abs(S - Y) - DELTA / 2), True),
        ),
        params={"delta": 1.0},
        positive_params=("delta",),
        labels="real",
        kink_note=N_(
            "differentiable everywhere: the two pieces meet with the same slope at |r| = δ"
        ),
        formula=N_("½r² if |r| ≤ δ, else δ(|r| − δ/2), with r = w·x + b − y"),
        description=N_("squared error near zero, absolute error in the tails"),
    ),
]

LOSSES: dict[str, LossSpec] = {spec.name: spec for spec in _LOSS_LIST}


def get_loss(name: str) -> LossSpec:
    """The built-in loss called ``name`` (dashes and case are forgiven)."""
    key = name.strip().lower().replace("-", "_")
    if key not in LOSSES:
        raise UnknownLossError(
            _(
                "unknown loss {name!r}; the built-in losses are {losses} (or give your own loss "
                "as an expression)",
                name=name,
                losses=", ".join(LOSSES),
            )
        )
    return LOSSES[key]


def list_losses() -> list[LossSpec]:
    """The built-in losses, in registry order."""
    return list(LOSSES.values())
