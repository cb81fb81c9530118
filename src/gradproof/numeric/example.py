"""The worked example's numbers: the derived formula evaluated on data, and one step.

Every number comes from the compiled functions of the derivation (scores, the per-sample
coefficients, the loss, the gradient), not from a separate hand-written path. Only numbers are
computed here; :mod:`gradproof.symbolic.render.example` writes them as steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from gradproof.datasets import Dataset, Point
from gradproof.errors import DataError, OptionError
from gradproof.symbolic.atoms import Q, hyperparameter
from gradproof.symbolic.conventions import active_mask
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.example import WorkedExample

__all__ = ["worked_example"]

_COEFFICIENTS = ("cw", "cb", "cq")  # the per-sample coefficients the example reports


def worked_example(d: Derivation, data: Dataset, at: Point, lr: float = 0.1) -> WorkedExample:
    """Evaluate the derived gradient on ``data`` at ``at`` and take one step of size ``lr``.

    Raises :class:`~gradproof.errors.OptionError` for a learning rate that is not a positive
    number and :class:`~gradproof.errors.DataError` where the loss or its gradient is not
    finite in float64.
    """
    if not np.isfinite(lr) or lr <= 0:
        raise OptionError(f"the learning rate lr must be a positive number, got {lr}")
    compiled = d.numpy()
    X, y, w, b = data.X, data.y, at.w, at.b
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            coef = compiled.coefficients(X, y, w, b)
            loss, gw, gb = compiled.loss_and_grad(X, y, w, b)
    except FloatingPointError as exc:
        if not np.any(w) and _divides_by_norm(d):  # (w @ w could overflow here)
            raise DataError(
                "‖w‖ is not differentiable at w = 0 (the gradient contains w/‖w‖); evaluate "
                "at a point with w ≠ 0"
            ) from None
        raise DataError(
            f"the loss or its gradient is not finite in float64 at this point ({exc}); use "
            f"smaller data values or another point"
        ) from None
    gw = np.asarray(gw, dtype=float)
    gb = float(gb)
    scores = np.asarray(coef.get("s", X @ w + b), dtype=float)
    values = dict(
        zip([sw.expr for sw in d.form.switches], compiled.switches(X, y, w, b), strict=True)
    )
    active = {
        name: np.flatnonzero(active_mask(values[u], d.form.at_kink))
        for u, name in d.set_names.items()
    }
    coefficients = {k: np.asarray(coef[k], dtype=float) for k in _COEFFICIENTS if k in coef}
    coefficients["rw"] = np.asarray(_regulariser_coefficient(d, w), dtype=float)
    margins = y * scores if d.spec.labels == "pm1" else None
    new_w = w - lr * gw if "w" in d.wrt else w.copy()
    new_b = b - lr * gb if "b" in d.wrt else b
    return WorkedExample(
        X,
        y,
        w,
        b,
        lr,
        scores,
        active,
        float(loss),
        gw,
        gb,
        new_w,
        float(new_b),
        coefficients=coefficients,
        margins=margins,
        switches={name: np.asarray(values[u], dtype=float) for u, name in d.set_names.items()},
    )


def _regulariser_coefficient(d: Derivation, w: Any) -> float:
    """The regulariser's coefficient of w at ``w`` (λ for λ/2 ‖w‖²): ∂R/∂w = rw · w."""
    subs: dict[sp.Symbol, float] = {hyperparameter(k): v for k, v in d.params.items()}
    subs[Q] = float(w @ w)
    try:
        return float(d.form.rw.subs(subs))
    except (TypeError, ValueError):  # not a number here (1/‖w‖ at w = 0): no term to show
        return float("nan")


def _divides_by_norm(d: Derivation) -> bool:
    """True when a coefficient has ‖w‖ (q = w·w) in a denominator."""
    coefs = (d.form.cw, d.form.cb, d.form.cq, d.form.rw, d.form.rb)
    return any(p.base == Q and p.exp.is_negative for c in coefs for p in c.atoms(sp.Pow))
