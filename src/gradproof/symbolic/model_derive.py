"""The symbolic derivation of a model with K scores per sample, as one call.

:func:`derive_model_symbolic` is what :func:`gradproof.symbolic.derive.derive_symbolic` does
for a loss over a score vector (a built-in such as ``softmax``, or an expression such as
``logsumexp(s) - s[y]``): it defines the loss, checks the hyperparameters (the loss's and
the regulariser's), and builds the cross-checked derivation under the time limit.
:func:`is_model_request` decides which derivation a request is for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gradproof._typing import KinkConvention
from gradproof.errors import OptionError
from gradproof.i18n import _
from gradproof.limits import TIME_LIMITS, run_with_limit
from gradproof.symbolic.hyper import real_number
from gradproof.symbolic.model_derivation import ModelDerivation, build_model_derivation
from gradproof.symbolic.models import MODELS
from gradproof.symbolic.parse_score import parse_score_loss, uses_scores
from gradproof.symbolic.regularisers import REGULARISERS, get_regulariser
from gradproof.symbolic.score_losses import ScoreLossSpec, get_score_loss, is_score_loss
from gradproof.symbolic.steps import Rule

__all__ = ["derive_model_symbolic", "is_model_request", "model_params"]


def is_model_request(loss: str | None, expr: str | None, model: str | None) -> bool:
    """True when the request is for a model with K scores per sample (not the linear one)."""
    if model is not None:
        key = model.strip().lower().replace("-", "_")
        if key not in MODELS:
            raise OptionError(
                _(
                    "unknown model {name!r}; the models are {models}",
                    name=model,
                    models=", ".join(MODELS),
                )
            )
        if key != "linear":
            return True
        if is_score_loss(loss) or (expr is not None and uses_scores(expr)):
            raise OptionError(
                _(
                    "this loss is over K scores per sample; use model multiclass_linear (the "
                    "linear model has one score, s = w·x + b)"
                )
            )
        return False
    return is_score_loss(loss) or (expr is not None and uses_scores(expr))


def _spec(loss: str | None, expr: str | None, params: Mapping[str, Any]) -> ScoreLossSpec:
    if (loss is None) == (expr is None):
        raise OptionError(_("give either a built-in loss name or an expression (expr=...)"))
    if expr is None:
        return get_score_loss(loss)  # type: ignore[arg-type]
    parsed = parse_score_loss(expr, params)
    return ScoreLossSpec(
        name="custom",
        title="Custom loss",
        per_sample=parsed.expr,
        labels="classes",
        rule=Rule.SCORE_FUNCTIONS,
        params=dict(params),
        formula=expr,
    )


def model_params(
    spec: ScoreLossSpec, regulariser: str | None, given: Mapping[str, Any]
) -> dict[str, float]:
    """The defaults of the loss and the regulariser, overridden by ``given``; each must be a
    finite real number ≥ 0, and a built-in loss refuses names neither has."""
    values = dict(spec.params)
    known = dict(spec.params)
    if regulariser is not None:
        values.update(get_regulariser(regulariser).params)
        known.update(get_regulariser(regulariser).params)
    for k, v in given.items():
        if spec.name != "custom" and k not in known:
            names = ", ".join(known) or "none"
            hint = (
                ""
                if regulariser
                else _(" (a regulariser's come with reg='l2', 'l1' or 'elastic_net')")
            )
            raise OptionError(
                _(
                    "the {loss} loss has no hyperparameter {name!r} (its hyperparameters: "
                    "{names}){hint}",
                    loss=spec.name,
                    name=k,
                    names=names,
                    hint=hint,
                )
            )
        fv = real_number(k, v)
        if fv == 0 and k in spec.positive_params:
            raise OptionError(
                _("hyperparameter {name} must be > 0 for the {loss} loss", name=k, loss=spec.name)
            )
        values[k] = fv
    return values


def derive_model_symbolic(
    loss: str | None = None,
    *,
    expr: str | None = None,
    reg: str | None = None,
    params: Mapping[str, Any] | None = None,
    kink: KinkConvention | None = None,
    l1: str | None = None,
    mean: bool = False,
    wrt: Sequence[str] | None = None,
    labels: str | None = None,
) -> ModelDerivation:
    """Derive the gradient of a loss over K scores per sample on the multi-class linear model.

    ``reg`` names a regulariser of :data:`~gradproof.symbolic.regularisers.REGULARISERS`
    (on every weight), ``l1`` the value of sgn(0) in ‖W‖₁'s subgradient.
    """
    given = dict(params or {})
    if reg is not None and reg.strip().lower().replace("-", "_") not in REGULARISERS:
        raise OptionError(
            _(
                "a model's regulariser is one of {names} (on its weights), got {reg!r}",
                names=", ".join(REGULARISERS),
                reg=reg,
            )
        )
    spec = _spec(loss, expr, given)
    if labels is not None and labels != spec.labels:
        raise OptionError(
            _(
                "the {loss} loss takes labels {want!r}, not {got!r}",
                loss=spec.name,
                want=spec.labels,
                got=labels,
            )
        )
    values = model_params(spec, reg, given)
    return run_with_limit(
        lambda: build_model_derivation(
            spec,
            params=values,
            kink=kink or spec.kink,
            mean=mean,
            l1=l1 or "zero",
            regulariser=reg.strip().lower().replace("-", "_") if reg else None,
            wrt=wrt,
            expression=expr,
        ),
        TIME_LIMITS["derive_seconds"],
    )
