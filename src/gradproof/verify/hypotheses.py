"""Deliberately wrong versions of a derivation, for naming bugs (:mod:`gradproof.verify.diagnose`).

A squared hinge's coefficient carries its active-set filter inside max(0, 1 − y·s) rather than
in an indicator; the gradient *without* that filter is the derivation with every max(0, u) in
the coefficients replaced by u. Built with the public :func:`~gradproof.verify.evaluators.
form_functions` and cached, since it is only needed when a candidate fails.
"""

from __future__ import annotations

import dataclasses
import functools

import sympy as sp

from gradproof.symbolic.calculus import GradientForm
from gradproof.symbolic.functions import Ramp
from gradproof.verify.evaluators import FormFunctions, form_functions

__all__ = ["unfiltered_functions"]


@functools.lru_cache(maxsize=32)
def _unfiltered(form: GradientForm, params: tuple[tuple[str, float], ...]) -> FormFunctions | None:
    coefs = (form.cw, form.cb, form.cq)
    ramps = {node for c in coefs for node in sp.preorder_traversal(c) if isinstance(node, Ramp)}
    if not ramps:
        return None
    rep = {r: r.args[0] for r in ramps}
    new = dataclasses.replace(
        form, cw=form.cw.xreplace(rep), cb=form.cb.xreplace(rep), cq=form.cq.xreplace(rep)
    )
    return form_functions(new, dict(params))


def unfiltered_functions(form: GradientForm, params: dict[str, float]) -> FormFunctions | None:
    """The callables of ``form`` with max(0, u) → u in its coefficients (None if it has none)."""
    return _unfiltered(form, tuple(sorted((k, float(v)) for k, v in params.items())))
