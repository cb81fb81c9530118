"""What the step builders share: the differentiated loss and the facts read off it once.

:func:`build_context` differentiates a loss and works out, once, everything several steps need:
the active set of its max(0, ·) (if any), the atoms the loss depends on, and the gradient in
index and matrix form. The builders of :mod:`gradproof.symbolic.builders` only write steps from
this context; none of them computes a fact another one needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from gradproof.symbolic import display as D
from gradproof.symbolic.atoms import XX, B, N, Q, S, Y, Z
from gradproof.symbolic.calculus import (
    GradientForm,
    active_set_form,
    differentiate,
    restrict_to_active,
)
from gradproof.symbolic.conventions import Convention
from gradproof.symbolic.functions import apply_convention
from gradproof.symbolic.losses import LossSpec
from gradproof.symbolic.render.printers import step_condition
from gradproof.symbolic.rewrite import logistic_rewrite

__all__ = ["BuildContext", "AtomUse", "build_context", "L_SYM", "PARAMETER_SYMBOLS"]

L_SYM = D.Sym("L")
PARAMETER_SYMBOLS = (("w", D.W), ("b", B))
"""The parameters in the order every step lists them, with the symbol each is written as."""


@dataclass(frozen=True)
class AtomUse:
    """An atom the per-sample loss goes through: its symbol and how the steps name it."""

    symbol: sp.Symbol
    written: str  # as in "w and b reach the loss only through ..."
    name: str  # as in "differentiated as a function of ..."


_ATOMS = (
    AtomUse(S, "sᵢ = w·xᵢ + b", "sᵢ"),
    AtomUse(Z, "w·xᵢ", "w·xᵢ"),
    AtomUse(Q, "‖w‖²", "‖w‖²"),
    AtomUse(B, "b", "b"),
)


@dataclass(frozen=True)
class BuildContext:
    """A differentiated loss and the facts the derivation steps are written from.

    Attributes
    ----------
    spec, convention, mean, wrt
        What was asked for.
    form
        The gradient as per-sample coefficients
        (:func:`~gradproof.symbolic.calculus.differentiate`).
    inner
        The per-sample term as the sums show it: ℓ, or f(u) when ℓ = f(max(0, u)) and the sums
        run over the active set {u ≥ 0}.
    switch
        That u, or None when the sums run over all samples.
    where
        The set the sums run over (``D.ALL`` or the active set's symbol).
    condition
        The active set's defining condition (None without one).
    atoms
        The atoms ``inner`` depends on, in the order the steps treat them.
    gradient, matrix
        ∂L/∂w and ∂L/∂b (those in ``wrt``) in index form and in matrix form.
    """

    spec: LossSpec
    convention: Convention
    mean: bool
    wrt: tuple[str, ...]
    form: GradientForm
    inner: sp.Expr
    switch: sp.Expr | None
    where: sp.Expr
    condition: sp.Expr | None
    atoms: tuple[AtomUse, ...]
    gradient: Mapping[str, sp.Expr]
    matrix: Mapping[str, sp.Expr]

    @property
    def ell(self) -> sp.Expr:
        """The per-sample loss ℓ."""
        return self.form.loss

    @property
    def reg(self) -> sp.Expr:
        """The regulariser R."""
        return self.form.reg

    @property
    def set_name(self) -> str:
        """The name of the active set (e.g. M)."""
        return self.spec.set_name

    @property
    def set_names(self) -> dict[sp.Expr, str]:
        """Switching function → name of the set the sums run over (empty without one)."""
        return {self.switch: self.set_name} if self.switch is not None else {}

    def tidy(self, e: sp.Expr) -> sp.Expr:
        """A derivative as it is shown: the kink convention applied, σ and softplus spotted."""
        return sp.factor_terms(logistic_rewrite(apply_convention(e, self.convention.at_kink)))

    def total(self, body: sp.Expr, where: sp.Expr = D.ALL) -> sp.Expr:
        """Σᵢ body over ``where`` (divided by n for a mean)."""
        return sample_sum(body, where, self.mean)


def sample_sum(body: sp.Expr, where: sp.Expr, mean: bool) -> sp.Expr:
    """Σ over ``where`` of ``body`` (/ n for a mean), with a leading minus sign pulled out."""
    if body == 0:
        return sp.Integer(0)
    if isinstance(body, sp.Mul) and body.could_extract_minus_sign():
        return -sample_sum(-body, where, mean)
    total = D.SampleSum(body, where)
    return total / N if mean else total


def _matrix(coef: sp.Expr, mat: sp.Expr, mean: bool) -> sp.Expr:
    """Xᵀc (or 𝟏ᵀc for ``mat`` = 1) with the factors shared by all samples pulled out."""
    if coef == 0:
        return sp.Integer(0)
    shared, per_sample = coef.as_independent(S, Y, Z, XX, as_Add=False)
    if per_sample.could_extract_minus_sign():
        shared, per_sample = -shared, -per_sample
    if per_sample == 1 and mat == 1:
        out = shared * N  # 𝟏ᵀ𝟏 = n
    else:
        out = shared * D.MatTVec(per_sample, mat)
    return out / N if mean else out


def _index_term(
    coef: sp.Expr, vec: sp.Expr | None, switch: sp.Expr | None, where: sp.Expr, mean: bool
) -> sp.Expr:
    """Σᵢ coefᵢ vecᵢ, over the active set when coef vanishes off it."""
    restricted = restrict_to_active(coef, switch) if switch is not None else None
    if restricted is not None:
        coef, over = restricted, where
    else:
        over = D.ALL
    return sample_sum(coef * vec if vec is not None else coef, over, mean)


def _gradients(
    form: GradientForm, wrt: tuple[str, ...], switch: sp.Expr | None, where: sp.Expr
) -> tuple[dict[str, sp.Expr], dict[str, sp.Expr]]:
    """∂L/∂w and ∂L/∂b in index form and in matrix form."""
    mean = form.mean
    gradient: dict[str, sp.Expr] = {}
    matrix: dict[str, sp.Expr] = {}
    if "w" in wrt:
        through_norm = sample_sum(form.cq, D.ALL, mean)
        gradient["w"] = (
            _index_term(form.cw, D.XI, switch, where, mean) + through_norm * D.W + form.rw * D.W
        )
        matrix["w"] = _matrix(form.cw, D.X_MAT, mean) + (through_norm + form.rw) * D.W
    if "b" in wrt:
        gradient["b"] = _index_term(form.cb, None, switch, where, mean) + form.rb
        matrix["b"] = _matrix(form.cb, sp.Integer(1), mean) + form.rb
    return gradient, matrix


def build_context(
    spec: LossSpec, convention: Convention, *, mean: bool, wrt: tuple[str, ...]
) -> BuildContext:
    """Differentiate ``spec`` under ``convention`` and read off what the steps need."""
    h = convention.at_kink
    form = differentiate(spec.per_sample, spec.regularizer, h, mean)
    # A set {i : u ≥ 0} needs the indicator to be 0 or 1 at the kink; with the ½ convention
    # the indicators stay in the formulas.
    active = active_set_form(form.loss) if convention.defines_set else None
    switch, inner = active if active is not None else (None, form.loss)
    where = D.Sym(spec.set_name) if switch is not None else D.ALL
    condition = step_condition(switch, h) if switch is not None else None
    atoms = tuple(a for a in _ATOMS if inner.has(a.symbol))
    gradient, matrix = _gradients(form, wrt, switch, where)
    return BuildContext(
        spec=spec,
        convention=convention,
        mean=mean,
        wrt=wrt,
        form=form,
        inner=inner,
        switch=switch,
        where=where,
        condition=condition,
        atoms=atoms,
        gradient=gradient,
        matrix=matrix,
    )
