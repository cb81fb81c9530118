"""Build a :class:`Derivation`: the gradient in vector form and the steps that lead to it.

:func:`build_derivation` differentiates a loss (:func:`~gradproof.symbolic.context.build_context`),
refuses a result that is not real or not finite for the given hyperparameters
(:mod:`gradproof.symbolic.domain`) and writes the steps with the builders of
:mod:`gradproof.symbolic.builders`.

:meth:`Derivation.numpy` compiles with whatever compiler the numeric layer registered
(:func:`register_compiler`): the symbolic layer never imports the numeric one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sympy as sp

from gradproof._typing import KinkConvention
from gradproof.errors import OptionError
from gradproof.symbolic.builders import build_steps
from gradproof.symbolic.calculus import GradientForm
from gradproof.symbolic.context import build_context
from gradproof.symbolic.conventions import get_convention
from gradproof.symbolic.domain import check_domain
from gradproof.symbolic.example import WorkedExample
from gradproof.symbolic.losses import LossSpec
from gradproof.symbolic.render.document import render, render_latex_math, render_markdown_jupyter
from gradproof.symbolic.render.example import example_steps
from gradproof.symbolic.render.printers import to_latex, to_text
from gradproof.symbolic.steps import DerivationStep

__all__ = ["Derivation", "build_derivation", "register_compiler", "PARAMETERS"]

PARAMETERS = ("w", "b")

_COMPILER: list[Callable[[Derivation], Any]] = []  # at most one: the numeric layer's


def register_compiler(compiler: Callable[[Derivation], Any]) -> None:
    """Make ``compiler`` what :meth:`Derivation.numpy` calls (the numeric layer does this when it
    is imported; a later registration replaces an earlier one)."""
    _COMPILER[:] = [compiler]


@dataclass(frozen=True)
class Derivation:
    """A derived gradient: the loss, its gradient in vector form, and the steps.

    Attributes
    ----------
    name, title
        The loss's registry name (``"custom"`` for user expressions) and its title.
    spec
        The loss definition (per-sample term, regulariser, labels, convention).
    form
        The gradient as per-sample scalar coefficients, what the numeric layer compiles.
    params
        Hyperparameter values (λ, δ, ...).
    kink
        The subgradient convention used at the kinks.
    steps
        The derivation, then (when data was given) the worked example.
    gradient
        ∂L/∂w and ∂L/∂b in index form (display expressions), by parameter name.
    matrix_form
        The same in matrix form.
    example
        The worked example's numbers (None without data).
    expression, reg_expression
        A user loss and regulariser as typed (None for built-in losses).
    """

    name: str
    title: str
    spec: LossSpec
    form: GradientForm
    params: Mapping[str, float]
    kink: KinkConvention
    wrt: tuple[str, ...]
    set_names: Mapping[sp.Expr, str]
    steps: tuple[DerivationStep, ...]
    gradient: Mapping[str, sp.Expr]
    matrix_form: Mapping[str, sp.Expr]
    example: WorkedExample | None = None
    expression: str | None = None
    reg_expression: str | None = None

    # -- rendering -----------------------------------------------------------------------
    def render(
        self,
        format: str = "text",
        *,
        detail: str = "summary",
        standalone: bool = False,
        site: str | None = None,
        lang: str | None = None,
    ) -> str:
        """The derivation as ``text`` (unicode), ``latex`` or ``markdown`` (for the platform
        ``site``: see :mod:`gradproof.markup.platforms`), in the language ``lang`` (default:
        ``GRADPROOF_LANG``, then the locale, then English; see
        :func:`gradproof.i18n.resolve_language`). The steps are data: any derivation renders
        in any language."""
        return render(
            self, format=format, detail=detail, standalone=standalone, site=site, lang=lang
        )

    def render_formula(self, parameter: str, format: str = "text") -> str:
        """∂L/∂w or ∂L/∂b alone, in index form, as text or LaTeX."""
        printer = to_text if format == "text" else to_latex
        return printer(self.gradient[parameter], expand_score=True, sets=dict(self.set_names))

    def __str__(self) -> str:
        return self.render("text")

    def __repr__(self) -> str:  # one line, not the whole dataclass
        loss = self.expression or self.spec.formula
        if self.expression and self.reg_expression:
            loss = f"{loss} + {self.reg_expression}"
        extra = ", example=True" if self.example is not None else ""
        return (
            f"Derivation({self.name!r}, loss={loss!r}, params={dict(self.params)!r}, "
            f"wrt={self.wrt!r}, kink={self.kink!r}{extra})"
        )

    def _repr_markdown_(self) -> str:
        return render_markdown_jupyter(self)

    def _repr_latex_(self) -> str:
        return render_latex_math(self)

    # -- numeric -------------------------------------------------------------------------
    def numpy(self) -> Any:
        """Compile to vectorised numpy functions: a :class:`gradproof.numeric.CompiledLoss`
        (typed code may call :func:`gradproof.numeric.compile_derivation` instead)."""
        if not _COMPILER:
            raise RuntimeError(
                "internal error: no numeric compiler is registered; importing gradproof (or "
                "gradproof.numeric) registers it"
            )
        return _COMPILER[0](self)

    def with_example(self, example: WorkedExample) -> Derivation:
        """A copy with a worked example: its numbers, and its steps after the derivation's."""
        if self.example is not None:
            raise ValueError("this derivation already has a worked example")
        done = replace(self, example=example)
        return replace(done, steps=self.steps + tuple(example_steps(done, example)))


def build_derivation(
    spec: LossSpec,
    *,
    params: Mapping[str, float],
    kink: KinkConvention,
    mean: bool,
    wrt: Sequence[str] = PARAMETERS,
    expression: str | None = None,
    reg_expression: str | None = None,
) -> Derivation:
    """Differentiate ``spec`` and write the derivation steps.

    Raises :class:`~gradproof.errors.OptionError` for an unknown convention or parameter, and
    :class:`~gradproof.errors.ParseError` for a loss that is not real or not finite with these
    hyperparameter values (:func:`~gradproof.symbolic.domain.check_domain`).
    """
    convention = get_convention(kink)
    wrt = tuple(wrt)
    bad = [p for p in wrt if p not in PARAMETERS]
    if bad or not wrt:
        raise OptionError(
            f"cannot differentiate with respect to {', '.join(bad) or 'nothing'}; choose from "
            f"{', '.join(PARAMETERS)}"
        )
    ctx = build_context(spec, convention, mean=mean, wrt=wrt)
    check_domain(ctx.form, params)
    return Derivation(
        name=spec.name,
        title=spec.title,
        spec=spec,
        form=ctx.form,
        params=dict(params),
        kink=convention.name,
        wrt=wrt,
        set_names=ctx.set_names,
        steps=build_steps(ctx),
        gradient=ctx.gradient,
        matrix_form=ctx.matrix,
        expression=expression,
        reg_expression=reg_expression,
    )
