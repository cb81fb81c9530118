"""The symbolic derivation as one call: a loss (built-in or typed), checked, then derived.

:func:`derive_symbolic` is :func:`gradproof.derive` without the worked example: it defines
the loss (a built-in name, or a user expression and regulariser parsed by the whitelist
parser), checks the hyperparameters, and builds the derivation under the time limit.

>>> d = derive_symbolic("hinge", params={"lam": 0.1})
>>> d.render_formula("w")
'λw − Σ_{i∈V} yᵢ xᵢ'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from gradproof._typing import KinkConvention
from gradproof.errors import OptionError
from gradproof.i18n import N_, _, tr
from gradproof.limits import TIME_LIMITS, run_with_limit
from gradproof.symbolic.derivation import PARAMETERS, build_derivation
from gradproof.symbolic.hyper import real_number
from gradproof.symbolic.losses import LABEL_SETS, LossSpec, get_loss
from gradproof.symbolic.model_derive import derive_model_symbolic, is_model_request
from gradproof.symbolic.network_derivation import NETWORK_MODELS, derive_network_symbolic
from gradproof.symbolic.parse import parse_loss

__all__ = ["derive_symbolic", "loss_spec", "check_params"]


def _is_network(model: str | None, layers: Any, activation: Any) -> bool:
    """Whether the request is for a feed-forward network (``model="mlp"`` or layers given)."""
    named = model is not None and model.strip().lower() in NETWORK_MODELS
    if not named and (layers is not None or activation is not None):
        raise OptionError("layers= and activation= belong to a network: add model='mlp'")
    return named


def _spec_from_expression(
    expr: str, reg: str | None, params: Mapping[str, Any], labels: str
) -> LossSpec:
    parsed = parse_loss(expr, params)
    reg_expr = parse_loss(reg, params, allow_data=False).expr if reg else sp.Integer(0)
    return LossSpec(
        name="custom",
        title=N_("Custom loss"),
        per_sample=parsed.expr,
        regularizer=reg_expr,
        params=dict(params),
        labels=labels,
        kink="include",
        set_name="A",
        set_meaning=N_("active samples"),
        formula=expr + (f" + {reg}" if reg else ""),
    )


def loss_spec(
    loss: str | None,
    *,
    expr: str | None = None,
    reg: str | None = None,
    params: Mapping[str, Any] | None = None,
    labels: str | None = None,
) -> LossSpec:
    """The definition of a built-in loss (``loss``) or of a user expression (``expr``, ``reg``)."""
    if (loss is None) == (expr is None):
        raise OptionError(
            _("give either a built-in loss name or an expression (expr=...)")
            if loss is not None
            else _("give a built-in loss name (see list_losses()) or an expression (expr=...)")
        )
    if labels is not None and labels not in LABEL_SETS:
        raise OptionError(
            _(
                "unknown label set {labels!r}; use one of {known}",
                labels=labels,
                known=", ".join(LABEL_SETS),
            )
        )
    if expr is not None:
        return _spec_from_expression(expr, reg, dict(params or {}), labels or "real")
    if reg is not None:
        raise OptionError(_("reg= applies to user expressions; built-in losses have their own"))
    spec = get_loss(loss)  # type: ignore[arg-type]
    if labels is not None and labels != spec.labels:
        raise OptionError(
            _(
                "the {loss} loss takes {labels}, not {other}",
                loss=spec.name,
                labels=tr(LABEL_SETS[spec.labels]),
                other=tr(LABEL_SETS[labels]),
            )
        )
    return spec


def check_params(spec: LossSpec, given: Mapping[str, Any]) -> dict[str, float]:
    """The loss's defaults overridden by ``given``, each a finite real number ≥ 0 (> 0 where
    the loss needs it), whether the loss uses it or not; a name a built-in loss does not have
    is refused."""
    values = dict(spec.params)
    for k, v in given.items():
        if spec.name != "custom" and k not in spec.params:
            known = ", ".join(spec.params) or _("none")
            raise OptionError(
                _(
                    "the {loss} loss has no hyperparameter {k!r} (its hyperparameters: {known})",
                    loss=spec.name,
                    k=k,
                    known=known,
                )
            )
        fv = real_number(k, v)
        if fv == 0 and k in spec.positive_params:
            raise OptionError(
                _("hyperparameter {k} must be > 0 for the {loss} loss", k=k, loss=spec.name)
            )
        values[k] = fv
    return values


def derive_symbolic(
    loss: str | None = None,
    *,
    expr: str | None = None,
    reg: str | None = None,
    params: Mapping[str, Any] | None = None,
    kink: KinkConvention | None = None,
    mean: bool = False,
    wrt: Sequence[str] | None = None,
    labels: str | None = None,
    model: str | None = None,
    l1: str | None = None,
    layers: str | Sequence[int] | None = None,
    activation: str | None = None,
) -> Any:
    """Derive the gradient of a built-in loss or of a user expression (no worked example).

    The arguments are those of :func:`gradproof.derive` without the data. A loss over K
    scores per sample (``softmax``, ``logsumexp(s) - s[y]``, or ``model=`` another model
    than ``linear``) gives a :class:`~gradproof.symbolic.model_derivation.ModelDerivation`,
    the others a :class:`~gradproof.symbolic.derivation.Derivation`. Raises a
    :class:`~gradproof.errors.GradproofError` for any input that cannot be derived, and a
    :class:`~gradproof.errors.LimitError` when deriving takes longer than
    ``TIME_LIMITS["derive_seconds"]``. ``model="mlp"`` with ``layers`` (``"2-16-3"``) and
    ``activation`` gives a :class:`~gradproof.symbolic.network_derivation.NetworkDerivation`.
    """
    if _is_network(model, layers, activation):
        if expr is not None or labels is not None or wrt is not None:
            raise OptionError(
                "a network takes a built-in loss (softmax, squared_error or logistic), not "
                "expr=, labels= or wrt= (it differentiates every weight and bias)"
            )
        if layers is None:
            raise OptionError("a network needs its layer widths, e.g. layers='2-16-3'")
        return derive_network_symbolic(
            layers if isinstance(layers, str) else tuple(layers),
            activation,
            loss,
            reg=reg,
            params=params,
            kink=kink,
            l1=l1,
            mean=mean,
        )
    if is_model_request(loss, expr, model):
        return derive_model_symbolic(
            loss,
            expr=expr,
            reg=reg,
            params=params,
            kink=kink,
            l1=l1,
            mean=mean,
            wrt=wrt,
            labels=labels,
        )
    if l1 is not None:
        raise OptionError(
            "l1= is the L1 convention of a model's regulariser; for the linear model write "
            "norm1(w) in the regulariser, whose subgradient at 0 is sgn(0) = 0"
        )
    wrt = PARAMETERS if wrt is None else wrt
    given = dict(params or {})
    spec = loss_spec(loss, expr=expr, reg=reg, params=given, labels=labels)
    values = check_params(spec, given)
    return run_with_limit(
        lambda: build_derivation(
            spec,
            params=values,
            kink=kink or spec.kink,
            mean=mean,
            wrt=wrt,
            expression=expr,
            reg_expression=reg,
        ),
        TIME_LIMITS["derive_seconds"],
    )
