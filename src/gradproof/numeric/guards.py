"""What generated code may not do: divide by ‖w‖ at w = 0, or hold a non-finite constant.

Where a coefficient of w (λ w/‖w‖ from a norm regulariser, or a per-sample term with ‖w‖ in a
denominator) is infinite at w = 0, the generated functions send w = 0 exactly to a variant
generated from the form at q = w·w = 0 with the terms in w set to 0: the subgradient of ‖w‖
there with the smallest norm, as |u| takes 0 at u = 0. A quantity still undefined at w = 0 (a
loss divided by ‖w‖) makes the variant raise a one-line error instead of returning NaN.

Hyperparameters and constants must be finite real numbers: a module holding ``p_foo = inf``
would not import. The derive pipeline refuses such values first; this check does not rely
on it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import sympy as sp

from gradproof.numeric.body import compiled_form, prepare
from gradproof.symbolic.atoms import Q
from gradproof.symbolic.calculus import GradientForm

__all__ = [
    "outputs",
    "HOT",
    "zero_w_guard",
    "zero_w_guards",
    "at_zero",
    "check_finite",
    "undefined",
]

HOT = {
    "_loss": ("ell", "reg"),
    "_grad": ("cw", "cb", "cq", "rw", "rb"),
    "_loss_and_grad": ("ell", "reg", "cw", "cb", "cq", "rw", "rb"),
}
"""The outputs each hot function computes."""


def outputs(form: GradientForm) -> dict[str, sp.Expr]:
    """The form's expressions by output name."""
    return {
        "ell": form.loss,
        "reg": form.reg,
        "cw": form.cw,
        "cb": form.cb,
        "cq": form.cq,
        "rw": form.rw,
        "rb": form.rb,
    }


def _singular(e: sp.Expr) -> bool:
    """True when ``e`` is infinite or undefined at q = w·w = 0."""
    return bool(e.has(Q)) and bool(prepare(e).subs(Q, 0).has(sp.zoo, sp.nan, sp.oo, -sp.oo))


def at_zero(form: GradientForm) -> GradientForm | None:
    """The form at w = 0 with its terms in w (cq, rw) taken as 0, or None when one of the
    other outputs is undefined there."""
    rest = {k: e.subs(Q, 0) for k, e in outputs(form).items() if k not in ("cq", "rw")}
    if any(e.has(sp.zoo, sp.nan, sp.oo, -sp.oo) for e in rest.values()):
        return None
    return replace(
        form,
        cq=sp.Integer(0),
        rw=sp.Integer(0),
        **{k: rest[k] for k in ("cw", "cb", "rb")},
        loss=rest["ell"],
        reg=rest["reg"],
    )


def zero_w_guard(form: GradientForm, keys: Sequence[str], fname: str) -> list[str]:
    """Lines sending w = 0 to ``fname``_w0 when one of the outputs ``keys`` is singular there."""
    if not any(_singular(e) for k, e in outputs(form).items() if k in keys):
        return []
    return [
        "if not w.any():  # w = 0: the terms in w are 0 there (the subgradient 0 of ‖w‖)",
        f"    return {fname}_w0(X, y, w, b)",
    ]


def zero_w_guards(form: GradientForm) -> dict[str, bool]:
    """For each hot function, whether it takes another path at w = 0 (see the module doc)."""
    form = compiled_form(form)
    return {f: bool(zero_w_guard(form, keys, f)) for f, keys in HOT.items()}


def undefined(fname: str) -> str:
    """The source of a w = 0 variant that refuses: the loss is undefined there."""
    text = "the loss is not defined at w = 0 (it divides by ‖w‖); evaluate at another point"
    return f"def {fname}(X, y, w, b):\n    raise _DataError({text!r})\n\n"


def check_finite(form: GradientForm, params: Mapping[str, float]) -> None:
    """Refuse non-finite hyperparameters and constants: the module would not import, or
    would compute inf/NaN everywhere (the derive pipeline refuses them earlier)."""
    for k, v in params.items():
        if not math.isfinite(float(v)):
            raise ValueError(f"internal error: hyperparameter {k} = {v!r} is not finite")
    for key, e in outputs(form).items():
        for node in sp.preorder_traversal(prepare(e)):
            if isinstance(node, sp.Expr) and node.is_number:
                try:
                    value = complex(node.evalf(20))
                except TypeError:  # zoo, nan: no complex value at all
                    value = complex(math.nan)
                if not (math.isfinite(value.real) and value.imag == 0):
                    raise ValueError(
                        f"internal error: the constant {node} in {key} = {e} is not a "
                        f"finite real number"
                    )
