"""What a wrong model gradient most likely did: one hint per failing point, or none.

Each hypothesis is a simple transformation of the right gradient (the regulariser's term
left out or halved, W transposed, the whole gradient scaled by n or 1/n, the sign flipped);
a hint is given only when the candidate equals that transformation to within the check's
own tolerance, so it names a mistake the numbers prove, never a guess.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from gradproof._typing import Array
from gradproof.i18n import _
from gradproof.symbolic.atoms import hyperparameter

__all__ = ["reg_gradient", "value_hint"]


def reg_gradient(d: Any, lay: Any, point: dict[str, Any]) -> Array:
    """The regulariser's part of the derived gradient at ``point``, flat (0 outside W)."""
    values = {hyperparameter(k): v for k, v in d.params.items()}
    out = {name: np.zeros(shape) for name, shape in lay.shapes.items()}
    for t in d.regs:
        if t.weight not in out:
            continue
        W = np.asarray(point[t.weight], dtype=np.float64)
        r2 = float(sp.sympify(t.r2).xreplace(values))
        r1 = float(sp.sympify(t.r1).xreplace(values))
        out[t.weight] += r2 * W + r1 * (np.sign(W) + t.sign_at_zero * (W == 0))
    flat: Array = lay.flatten(out)
    return flat


def value_hint(
    d: Any, lay: Any, point: dict[str, Any], values: Array, want: Array, tol: Array, n: int
) -> str:
    """The mistake ``values`` (the candidate, flat) shows against ``want``, or ''."""
    slack = tol + 1e-9 * (1 + np.max(np.abs(want)))

    def equals(other: Array) -> bool:
        return bool(np.all(np.abs(values - other) <= slack))

    reg = reg_gradient(d, lay, point)
    if np.any(reg != 0):
        if equals(want - reg):
            return _("the regulariser's term is missing from the W part (∂R/∂W is not added)")
        if equals(want - reg / 2):
            return _(
                "half the regulariser's term is missing: the derivative of (λ/2)‖W‖² is λW, "
                "not λW/2"
            )
    K, dim = lay.shapes.get("W", (0, 1))  # a network's W1, W2, … have no transpose hint yet
    if K == dim:
        swapped = lay.unflatten(want.copy())
        swapped["W"] = swapped["W"].T
        if not np.allclose(swapped["W"], lay.unflatten(want)["W"]) and equals(lay.flatten(swapped)):
            return _("the W part is the transpose of ∂L/∂W: return G.T @ X (GᵀX), not X.T @ G")
    if n > 1 and not np.any(reg != 0):
        for factor, why in (
            (n, _("summed where the loss averages")),
            (1 / n, _("averaged where the loss sums")),
        ):
            if equals(factor * want):
                return _(
                    "the whole gradient is {factor} × the right one: {why} over the n = {n} "
                    "samples (see --mean)",
                    factor=f"{factor:.4g}",
                    why=why,
                    n=n,
                )
    if np.any(want != 0) and equals(-want):
        return _("the gradient has the wrong sign: it is −∂L/∂θ")
    return ""
