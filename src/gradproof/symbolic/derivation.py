"""Build a :class:`Derivation`: the gradient in vector form and the steps that lead to it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import sympy as sp

from gradproof._typing import KinkConvention
from gradproof.errors import OptionError
from gradproof.symbolic import display as D
from gradproof.symbolic.atoms import XX, B, N, Q, S, Y, Z
from gradproof.symbolic.calculus import (
    GradientForm,
    active_set_form,
    differentiate,
    restrict_to_active,
)
from gradproof.symbolic.functions import KINK_VALUES, apply_convention
from gradproof.symbolic.losses import LossSpec
from gradproof.symbolic.rewrite import logistic_rewrite
from gradproof.symbolic.steps import DerivationStep, Formula, J, Rule, rules_used, trace_derivative

if TYPE_CHECKING:  # pragma: no cover
    from gradproof.numeric.compile import CompiledLoss

__all__ = ["Derivation", "build_derivation", "PARAMETERS"]

PARAMETERS = ("w", "b")
L_SYM = D.Sym("L")


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
    example: Any = None
    expression: str | None = None
    reg_expression: str | None = None

    # -- rendering -----------------------------------------------------------------------
    def render(
        self, format: str = "text", *, detail: str = "summary", standalone: bool = False
    ) -> str:
        """The derivation as ``text`` (unicode), ``latex`` or ``markdown``."""
        from gradproof.symbolic.render.document import render

        return render(self, format=format, detail=detail, standalone=standalone)

    def render_formula(self, parameter: str, format: str = "text") -> str:
        """∂L/∂w or ∂L/∂b alone, in index form, as text or LaTeX."""
        from gradproof.symbolic.render.printers import to_latex, to_text

        printer = to_text if format == "text" else to_latex
        return printer(self.gradient[parameter], expand_score=True, sets=dict(self.set_names))

    def __str__(self) -> str:
        return self.render("text")

    def _repr_markdown_(self) -> str:
        from gradproof.symbolic.render.document import render_markdown_jupyter

        return render_markdown_jupyter(self)

    def _repr_latex_(self) -> str:
        from gradproof.symbolic.render.document import render_latex_math

        return render_latex_math(self)

    # -- numeric -------------------------------------------------------------------------
    def numpy(self) -> CompiledLoss:
        """Compile to vectorised numpy functions (see :mod:`gradproof.numeric.compile`)."""
        from gradproof.numeric.compile import compile_derivation

        return compile_derivation(self)

    def with_example(self, example: Any, steps: Sequence[DerivationStep]) -> Derivation:
        """A copy with a worked example appended (built by the numeric layer)."""
        return replace(self, example=example, steps=self.steps + tuple(steps))


def _sum(body: sp.Expr, where: sp.Expr, mean: bool) -> sp.Expr:
    if body == 0:
        return sp.Integer(0)
    if isinstance(body, sp.Mul) and body.could_extract_minus_sign():
        return -_sum(-body, where, mean)
    total = D.SampleSum(body, where)
    return total / N if mean else total


def _kink_words(h: sp.Expr) -> str:
    return {1: "counted in", 0: "left out of"}.get(
        int(h) if h in (0, 1) else -1, "counted with weight ½ in"
    )


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
    """Differentiate ``spec`` and write the derivation steps."""
    if kink not in KINK_VALUES:
        raise OptionError(f"unknown kink convention {kink!r}; use one of {', '.join(KINK_VALUES)}")
    wrt = tuple(wrt)
    bad = [p for p in wrt if p not in PARAMETERS]
    if bad or not wrt:
        raise OptionError(
            f"cannot differentiate with respect to {', '.join(bad) or 'nothing'}"
            f"; choose from w, b (e.g. --wrt w,b)"
        )
    h = KINK_VALUES[kink]
    form = differentiate(spec.per_sample, spec.regularizer, h, mean)
    ell, reg = form.loss, form.reg
    steps: list[DerivationStep] = []
    set_names: dict[sp.Expr, str] = {}

    def tidy(e: sp.Expr) -> sp.Expr:
        return sp.factor_terms(logistic_rewrite(apply_convention(e, h)))

    # 1. Definition
    definition = Formula((L_SYM, _sum(ell, D.ALL, mean) + reg), "index")
    defs = [definition]
    if form.score_form and ell.has(S):
        defs.append(Formula((S, D.Expanded(S)), "index"))
    steps.append(
        DerivationStep(
            Rule.DEFINITION,
            tuple(defs),
            J(
                f"{spec.title}, summed over the n samples"
                + (", averaged" if mean else "")
                + (" plus a regulariser outside the sum" if reg != 0 else "")
                + (", with the score sᵢ = w·xᵢ + b" if form.score_form and ell.has(S) else "")
            ),
        )
    )

    # 2. Active set of max(0, ·)
    where: sp.Expr = D.ALL
    inner = ell
    # A set {i : u ≥ 0} needs the indicator to be 0 or 1 at the kink; with the ½ convention
    # the indicators stay in the formulas.
    active = active_set_form(ell) if h in (0, 1) else None
    if active is not None:
        u, inner = active
        name = spec.set_name
        set_names[u] = name
        where = D.Sym(name)
        from gradproof.symbolic.render.printers import step_condition

        cond = step_condition(u, h)
        set_formula = (
            Formula((D.SetDef(where, cond),), "index", expand_score=True)
            if cond is not None
            else None
        )
        formulas = [Formula((L_SYM, _sum(inner, where, mean) + reg), "index")]
        if set_formula is not None:
            formulas.append(set_formula)
        steps.append(
            DerivationStep(
                Rule.ACTIVE_SET,
                tuple(formulas),
                J(
                    "max(0, u) is u where u ≥ 0 and 0 elsewhere, so only the "
                    f"{spec.set_meaning} ({name}) contribute; "
                    f"a sample exactly on the kink u = 0 is "
                    f"{_kink_words(h)} {name}"
                    + (f" ({spec.kink_note})" if spec.kink_note and kink == spec.kink else "")
                ),
            )
        )

    # 3. Sum rule
    sum_lines = []
    for p, var in (("w", D.W), ("b", B)):
        if p in wrt:
            rhs = _sum(D.Partial(inner, var), where, mean)
            if reg.has(Q if p == "w" else B):
                rhs = rhs + D.Partial(reg, var)
            sum_lines.append(Formula((D.Partial(L_SYM, var), rhs)))
    steps.append(
        DerivationStep(
            Rule.SUM_RULE,
            tuple(sum_lines),
            J(
                "the derivative of a sum is the sum of the derivatives"
                + (
                    f"; {spec.set_name} is held fixed, as it changes only where a sample "
                    "crosses the "
                    "kink"
                    if active is not None
                    else ""
                )
            ),
        )
    )

    # 4. Chain rule through the atoms, with the scalar derivative of the per-sample loss
    atom_parts = [(S, "sᵢ = w·xᵢ + b"), (Z, "w·xᵢ"), (Q, "‖w‖²"), (B, "b")]
    present = [(a, words) for a, words in atom_parts if inner.has(a)]
    chain_lines = []
    for p, var in (("w", D.W), ("b", B)):
        through = [a for a, _ in present if (a != B if p == "w" else a in (S, B))]
        if p in wrt and through:
            rhs = sp.Add(
                *[
                    D.Partial(inner, a) * D.Partial(a, var) if a != var else D.Partial(inner, a)
                    for a in through
                ]
            )
            chain_lines.append(Formula((D.Partial(inner, var), rhs)))
    if chain_lines:
        steps.append(
            DerivationStep(
                Rule.CHAIN_RULE,
                tuple(chain_lines),
                J("w and b reach the loss only through " + ", ".join(w for _, w in present)),
            )
        )
    for a, words in present:
        deriv = tidy(sp.diff(inner, a))
        rules = rules_used(inner, a)
        others = [r.value for r in rules[1:]]
        steps.append(
            DerivationStep(
                rules[0] if rules else Rule.CONSTANT,
                (Formula((D.Partial(inner, a), deriv)),),
                J(
                    f"the per-sample loss differentiated as a function of {words.split(' = ')[0]}"
                    + (f", also using the {', '.join(others)}" if others else "")
                ),
            )
        )
        for rule, node, d in trace_derivative(inner, a, tidy)[1:]:
            steps.append(
                DerivationStep(rule, (Formula((D.Partial(node, a), d)),), (), detail="full")
            )
    if "w" in wrt:
        for a, _ in present:
            if a in (S, Z):
                chain = (
                    (D.Partial(S, D.W), D.Partial(D.Expanded(S), D.W), D.XI)
                    if a == S
                    else (D.Partial(Z, D.W), D.XI)
                )
                steps.append(
                    DerivationStep(
                        Rule.DOT_PRODUCT,
                        (Formula(chain),),
                        J(
                            "∂(w·x)/∂w = x for any fixed vector x"
                            + ("; b does not depend on w" if a == S else "")
                        ),
                    )
                )
            if a == Q:
                steps.append(
                    DerivationStep(
                        Rule.NORM,
                        (Formula((D.Partial(Q, D.W), 2 * D.W)),),
                        J("‖w‖² = w·w and ∂(w·w)/∂w = 2w"),
                    )
                )
    if "b" in wrt and inner.has(S):
        steps.append(
            DerivationStep(
                Rule.CONSTANT,
                (Formula((D.Partial(S, B), D.Partial(D.Expanded(S), B), sp.Integer(1))),),
                J("w·xᵢ does not depend on b, and ∂b/∂b = 1"),
            )
        )
    if reg != 0:
        for p, var, coef in (("w", D.W, form.rw), ("b", B, form.rb)):
            if p in wrt and reg.has(Q if p == "w" else B):
                rhs = coef * D.W if p == "w" else coef
                steps.append(
                    DerivationStep(
                        Rule.NORM if p == "w" else Rule.POWER,
                        (Formula((D.Partial(reg, var), rhs)),),
                        J("the regulariser, differentiated directly; ∂‖w‖²/∂w = 2w"),
                    )
                )

    # 5. Collect terms: index form
    def index_term(coef: sp.Expr, vec: sp.Expr | None) -> sp.Expr:
        for u, name in set_names.items():
            g = restrict_to_active(coef, u)
            if g is not None:
                return _sum(g * vec if vec is not None else g, D.Sym(name), mean)
        return _sum(coef * vec if vec is not None else coef, D.ALL, mean)

    gradient: dict[str, sp.Expr] = {}
    matrix: dict[str, sp.Expr] = {}
    if "w" in wrt:
        gw = index_term(form.cw, D.XI) + _sum(form.cq, D.ALL, mean) * D.W + form.rw * D.W
        gradient["w"] = gw
        matrix["w"] = _matrix(form.cw, D.X_MAT, mean) + (_sum(form.cq, D.ALL, mean) + form.rw) * D.W
    if "b" in wrt:
        gb = index_term(form.cb, None) + form.rb
        gradient["b"] = gb
        matrix["b"] = _matrix(form.cb, sp.Integer(1), mean) + form.rb
    lines = []
    for p, var in (("w", D.W), ("b", B)):
        if p in gradient:
            lines.append(Formula((D.Partial(L_SYM, var), gradient[p]), "index", expand_score=True))
    if active is not None:
        from gradproof.symbolic.render.printers import step_condition

        u = next(iter(set_names))
        cond = step_condition(u, h)
        if cond is not None:
            lines.append(
                Formula((D.SetDef(D.Sym(spec.set_name), cond),), "index", expand_score=True)
            )
    steps.append(
        DerivationStep(
            Rule.COLLECT,
            tuple(lines),
            J(
                "put the pieces together"
                + (f"; the sum runs over {spec.set_name} only" if active is not None else "")
            ),
        )
    )
    mlines = [
        Formula((D.Partial(L_SYM, var), matrix[p]), "index")
        for p, var in (("w", D.W), ("b", B))
        if p in matrix
    ]
    steps.append(
        DerivationStep(
            Rule.MATRIX_FORM,
            tuple(mlines),
            J(
                "stack the samples as the rows of X and the labels in y; "
                "⊙ is the elementwise product"
                + (
                    f" and 𝟙_{spec.set_name} the indicator vector of {spec.set_name}"
                    if active is not None
                    else ""
                )
            ),
        )
    )
    if len(gradient) == 2:
        steps.append(
            DerivationStep(
                Rule.RESULT,
                (
                    Formula(
                        (D.Sym("∇L"), D.StackedGradient(gradient["w"], gradient["b"])),
                        "index",
                        expand_score=True,
                    ),
                ),
                J("the gradient with respect to (w, b)"),
            )
        )

    return Derivation(
        name=spec.name,
        title=spec.title,
        spec=spec,
        form=form,
        params=dict(params),
        kink=kink,
        wrt=wrt,
        set_names=set_names,
        steps=tuple(steps),
        gradient=gradient,
        matrix_form=matrix,
        expression=expression,
        reg_expression=reg_expression,
    )


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
