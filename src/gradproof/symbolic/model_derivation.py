"""A derivation for a model with K scores per sample: :class:`ModelDerivation`.

:func:`build_model_derivation` differentiates a score loss on a model
(:func:`~gradproof.symbolic.model_context.build_model_context`, shape-checked as it is built),
cross-checks the result against scalar SymPy on a small instance
(:func:`~gradproof.symbolic.crosscheck.cross_check`) and only then writes the steps. The
result renders like a linear :class:`~gradproof.symbolic.derivation.Derivation` (text, LaTeX,
Markdown) and compiles with whatever the numeric layer registered
(:func:`register_model_compiler`).

>>> d = build_model_derivation(get_score_loss("softmax"), params={}, kink="include",
...                            mean=False)
>>> d.render_formula("W")
'(P − Y)ᵀX'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import sympy as sp

from gradproof._typing import KinkConvention
from gradproof.errors import OptionError
from gradproof.i18n import _
from gradproof.parameters import ParameterLayout
from gradproof.symbolic import display as D
from gradproof.symbolic import sentences as T
from gradproof.symbolic.conventions import get_convention
from gradproof.symbolic.crosscheck import cross_check
from gradproof.symbolic.domain import check_expressions
from gradproof.symbolic.model_builders import build_model_steps
from gradproof.symbolic.model_context import build_model_context
from gradproof.symbolic.models import ModelSpec, get_model
from gradproof.symbolic.regularisers import (
    RegTerm,
    get_l1_convention,
    get_regulariser,
    reg_term,
)
from gradproof.symbolic.render.document import render, render_latex_math, render_markdown_jupyter
from gradproof.symbolic.render.model_example import model_example_steps
from gradproof.symbolic.render.printers import to_latex, to_text
from gradproof.symbolic.score import ScoreForm
from gradproof.symbolic.score_losses import ScoreLossSpec, get_score_loss
from gradproof.symbolic.sentences import sentence
from gradproof.symbolic.steps import DerivationStep, Formula, Justification, Sentence
from gradproof.symbolic.tensor import Shape

__all__ = [
    "ModelDerivation",
    "build_model_derivation",
    "register_model_compiler",
    "register_model_example",
    "get_score_loss",
]

_COMPILER: list[Callable[..., Any]] = []  # at most one: the numeric layer's
_EXAMPLE_STEPS: list[Callable[..., Any]] = []  # the worked example's steps (render layer)


def register_model_compiler(compiler: Callable[..., Any]) -> None:
    """Make ``compiler`` what :meth:`ModelDerivation.numpy` calls (the numeric layer does
    this when it is imported)."""
    _COMPILER[:] = [compiler]


def register_model_example(steps: Callable[..., Any]) -> None:
    """Make ``steps`` what writes a worked example as steps (:mod:`~gradproof.symbolic.render`)."""
    _EXAMPLE_STEPS[:] = [steps]


@dataclass(frozen=True)
class ModelDerivation:
    """A derived gradient of a model with named, shaped parameters.

    Attributes
    ----------
    name, title, spec
        The loss (a :class:`~gradproof.symbolic.score_losses.ScoreLossSpec`; ``"custom"``
        for a user expression).
    model
        The model (:mod:`gradproof.symbolic.models`): its parameters, in order.
    form
        ∂ℓ/∂s as score-atom coefficients: what the numeric and verify layers evaluate.
    regs
        The regulariser on each weight, differentiated.
    params, kink, l1, mean, wrt
        Hyperparameter values; the convention at max(0, ·) kinks; the L1 convention (sgn 0);
        averaged or summed; the parameters differentiated.
    shapes
        Every letter's shape in size names (W: K×d, b: K, S: n×K, …).
    steps
        The derivation, then (with data) the worked example.
    gradient, matrix_form
        ∂L/∂θ by parameter name, in index form (entry k, j) and in matrix form.
    """

    name: str
    title: str
    spec: ScoreLossSpec
    model: ModelSpec
    form: ScoreForm
    regs: tuple[RegTerm, ...]
    params: Mapping[str, float]
    kink: KinkConvention
    l1: str
    wrt: tuple[str, ...]
    shapes: Mapping[str, Shape]
    steps: tuple[DerivationStep, ...]
    gradient: Mapping[str, sp.Expr]
    matrix_form: Mapping[str, sp.Expr]
    extra_facts: tuple[Justification, ...] = ()
    regulariser: str | None = None
    example: Any = None
    expression: str | None = None
    reg_expression: str | None = field(default=None, repr=False)

    @property
    def set_names(self) -> dict[sp.Expr, str]:
        """Active sets the sums run over: none (the indicators stay in the formulas)."""
        return {}

    @property
    def parameters(self) -> tuple[str, ...]:
        """The model's parameter names, in order."""
        return self.model.parameter_names

    def layout(self, d: int, K: int) -> ParameterLayout:
        """The parameters at d features and K classes (outputs)."""
        return self.model.layout({"d": d, "K": K})

    # -- rendering -----------------------------------------------------------------------
    def render(
        self,
        format: str = "text",
        *,
        detail: str = "summary",
        standalone: bool = False,
        site: str | None = None,
    ) -> str:
        """The derivation as ``text`` (unicode), ``latex`` or ``markdown``."""
        view = cast(Any, self)  # the renderers read the fields a Derivation also has
        return render(view, format=format, detail=detail, standalone=standalone, site=site)

    def render_formula(self, parameter: str, format: str = "text") -> str:
        """∂L/∂θ in matrix form, as text or LaTeX."""
        printer = to_text if format == "text" else to_latex
        return printer(self.matrix_form[parameter])

    def render_index(self, parameter: str, format: str = "text") -> str:
        """∂L/∂θ entry by entry (index form), as text or LaTeX."""
        printer = to_text if format == "text" else to_latex
        return printer(self.gradient[parameter])

    def __str__(self) -> str:
        return self.render("text")

    def _repr_markdown_(self) -> str:
        return render_markdown_jupyter(cast(Any, self))

    def _repr_latex_(self) -> str:
        return render_latex_math(cast(Any, self))

    # -- numeric -------------------------------------------------------------------------
    def numpy(self, backend: str = "numpy") -> Any:
        """Compile to vectorised numpy functions (a ``gradproof.numeric.CompiledModel``)."""
        if not _COMPILER:
            raise RuntimeError(
                "internal error: no model compiler is registered; importing gradproof (or "
                "gradproof.numeric) registers it"
            )
        return _COMPILER[0](self, backend=backend)

    def with_example(self, example: Any) -> ModelDerivation:
        """A copy with a worked example: its numbers, and its steps after the derivation's."""
        if self.example is not None:
            raise ValueError("this derivation already has a worked example")
        done = replace(self, example=example)
        if not _EXAMPLE_STEPS:
            return done
        return replace(done, steps=self.steps + tuple(_EXAMPLE_STEPS[0](done, example)))


def _facts(model: ModelSpec, regs: tuple[RegTerm, ...], form: ScoreForm, l1: str) -> list[Sentence]:
    """The header facts a model derivation adds: layout, the L1 convention, ties."""
    w = model.weights[0]
    facts = [
        sentence(
            T.LAYOUT,
            example=Formula(
                (
                    D.InSpace(
                        D.Partial(D.Sym("L"), D.Mat(w)),
                        sp.Tuple(*[sp.Symbol(s) for s in model.param(w).shape]),
                    ),
                ),
            ),
            index=D.Lit("k, j", "k, j"),
            entry=Formula((D.Partial(D.Sym("L"), D.Entry(w, "kj")),)),
        )
    ]
    if any(t.r1 != 0 for t in regs):
        h = get_l1_convention(l1)
        facts.append(
            sentence(
                T.L1_CONVENTION,
                l1norm=D.NormOf(w, 1),
                sgn0=D.Lit(f"sgn(0) = {h}".replace("-", "−"), rf"\operatorname{{sgn}}(0) = {h}"),
                name=l1,
            )
        )
    if any(sw.kind == "tie" for sw in form.switches):
        facts.append(sentence(T.TIE_CONVENTION))
    return facts


def build_model_derivation(
    spec: ScoreLossSpec,
    *,
    params: Mapping[str, float],
    kink: KinkConvention,
    mean: bool,
    l1: str = "zero",
    regulariser: str | None = None,
    wrt: Sequence[str] | None = None,
    expression: str | None = None,
) -> ModelDerivation:
    """Differentiate ``spec`` on its model, cross-check it, and write the derivation steps.

    ``regulariser`` names an entry of :mod:`gradproof.symbolic.regularisers` applied to
    every weight; ``l1`` is the value of sgn(0) in ‖W‖₁'s subgradient
    (:data:`~gradproof.symbolic.regularisers.L1_CONVENTIONS`).
    """
    convention = get_convention(kink)
    model = get_model(spec.model)
    sign0 = get_l1_convention(l1)
    wrt_t = tuple(wrt) if wrt is not None else model.parameter_names
    bad = [p for p in wrt_t if p not in model.parameter_names]
    if bad or not wrt_t:
        raise OptionError(
            _(
                "cannot differentiate with respect to {names}; the {model} has {params}",
                names=", ".join(bad) or _("nothing"),
                model=_(model.title),
                params=", ".join(model.parameter_names),
            )
        )
    regs: tuple[RegTerm, ...] = ()
    if regulariser is not None:
        reg = get_regulariser(regulariser)
        regs = tuple(reg_term(reg, w, sign0) for w in model.weights)
    ctx = build_model_context(model, spec, regs, convention, mean=mean, wrt=wrt_t)
    parts = [("the loss", ctx.form.loss)] + [
        ("the gradient", c)
        for c in (*ctx.form.coefficients.values(), *[t.derivative for t in ctx.form.class_terms])
    ]
    check_expressions(parts, params)
    cross_check(ctx, params)
    return ModelDerivation(
        name=spec.name,
        title=spec.title,
        spec=spec,
        model=model,
        form=ctx.form,
        regs=regs,
        params=dict(params),
        kink=convention.name,
        l1=l1,
        wrt=wrt_t,
        shapes=dict(ctx.shapes),
        steps=build_model_steps(ctx),
        gradient=dict(ctx.gradient),
        matrix_form=dict(ctx.matrix),
        extra_facts=tuple(_facts(model, regs, ctx.form, l1)),
        regulariser=regulariser,
        expression=expression,
    )


register_model_example(model_example_steps)
