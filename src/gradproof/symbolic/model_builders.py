"""The steps of a model derivation, one small builder per rule, in the order they are shown.

Each builder reads a :class:`~gradproof.symbolic.model_context.ModelContext` and returns the
steps of its rule: the definition (scores and shapes), the sum over samples, the chain rule
through the scores, the loss's own rule for G = ∂L/∂S (softmax–cross-entropy, multi-class
hinge, squared error, or the chain rule through the score functions of a user expression),
the regulariser rule, the gradient entry by entry (index form), the matrix-product rule
(matrix form) and the result. Every step ends with a line of shapes; every matrix form was
shape-checked when the context was built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from gradproof.symbolic import display as D
from gradproof.symbolic import primitives
from gradproof.symbolic import sentences as T
from gradproof.symbolic.atoms import N
from gradproof.symbolic.model_context import (
    G_MAT,
    K_IDX,
    L_IDX,
    ONES_N,
    S_MAT,
    X_MAT,
    Y_MAT,
    ModelContext,
)
from gradproof.symbolic.sentences import sentence, words
from gradproof.symbolic.steps import DerivationStep, Formula, Join, Rule, Sentence

__all__ = ["MODEL_STEP_BUILDERS", "build_model_steps", "L_SYM"]

ModelStepBuilder = Callable[[ModelContext], list[DerivationStep]]

L_SYM = D.Sym("L")
ELL_I = D.Entry("ℓ", "i")
J_IDX = sp.Symbol("j")


def _space(e: sp.Basic, shape: tuple[str, ...]) -> D.InSpace:
    return D.InSpace(e, sp.Tuple(*[sp.Symbol(s) for s in shape]))


def _shapes(*items: tuple[sp.Basic, tuple[str, ...]]) -> Formula:
    return Formula((D.Shapes(*[_space(e, s) for e, s in items]),), "index")


def _params(ctx: ModelContext) -> list[tuple[str, str]]:
    """(name, role) of the parameters differentiated, in the model's order."""
    return [(p.name, p.role) for p in ctx.model.parameters if p.name in ctx.wrt]


def _entry(name: str, role: str) -> D.Entry:
    return D.Entry(name, "kj" if role == "weight" else "k")


def _total(ctx: ModelContext, body: sp.Expr) -> sp.Expr:
    total = D.SampleSum(body, D.ALL)
    return total / N if ctx.mean else total


def _score_row(ctx: ModelContext) -> Formula:
    lay = ctx.layer
    s_i = D.Mat("s_i", text="sᵢ", tex=r"\mathbf{s}_{i}")
    x_i = D.Mat("x_i", text="xᵢ", tex=r"\mathbf{x}_{i}")
    b = D.Mat(lay.bias, bold=True)
    return Formula((s_i, D.Mat(lay.weight) * x_i + b), "index")


def _score_matrix(ctx: ModelContext) -> sp.Expr:
    lay = ctx.layer
    return X_MAT * D.Tr(D.Mat(lay.weight)) + ONES_N * D.Tr(D.Mat(lay.bias, bold=True))


def _score_entry(ctx: ModelContext, cls: str) -> Formula:
    lay = ctx.layer
    body = D.Entry(lay.weight, cls + "j") * D.Entry("x", "ij")
    return Formula(
        (D.Entry("s", "i" + cls), D.IndexSum(body, J_IDX, D.ALL) + D.Entry(lay.bias, cls)),
        "index",
    )


def definition(ctx: ModelContext) -> list[DerivationStep]:
    """L = Σᵢ ℓᵢ [/ n] + R, ℓᵢ in the scores, S = XWᵀ + 𝟏bᵀ, and every shape."""
    lay = ctx.layer
    formulas = [
        Formula((L_SYM, _total(ctx, ELL_I) + ctx.reg), "index"),
        Formula((ELL_I, ctx.form.loss), "index"),
        Formula((S_MAT, _score_matrix(ctx)), "index"),
        _score_entry(ctx, "k"),
        _shapes(
            (X_MAT, ctx.shapes["X"]),
            (D.Mat(lay.weight), ctx.shapes[lay.weight]),
            (D.Mat(lay.bias, bold=True), ctx.shapes[lay.bias]),
            (S_MAT, ctx.shapes["S"]),
        ),
    ]
    said = sentence(
        T.MODEL_DEFINITION[ctx.mean, bool(ctx.regs)],
        title=words(ctx.loss.title),
        model=words(ctx.model.title),
        score_row=_score_row(ctx),
        scores=Formula((S_MAT, _score_matrix(ctx)), "index"),
    )
    return [DerivationStep(Rule.DEFINITION, tuple(formulas), said)]


def sample_sum(ctx: ModelContext) -> list[DerivationStep]:
    """∂L/∂θ = Σᵢ ∂ℓᵢ/∂θ [/ n] + ∂R/∂θ, for each parameter."""
    lines = []
    regularised = {t.weight for t in ctx.regs}
    for name, role in _params(ctx):
        theta = D.Mat(name, bold=role == "bias")
        rhs = _total(ctx, D.Partial(ELL_I, theta))
        if name in regularised:
            rhs = rhs + D.Partial(sp.Add(*[t.expr for t in ctx.regs if t.weight == name]), theta)
        lines.append(Formula((D.Partial(L_SYM, theta), rhs)))
    shapes = [
        (D.Partial(L_SYM, D.Mat(n, bold=r == "bias")), ctx.shapes[n]) for n, r in _params(ctx)
    ]
    said = sentence(T.MODEL_SUM[bool(ctx.regs)])
    return [DerivationStep(Rule.SAMPLE_SUM, (*lines, _shapes(*shapes)), said)]


def score_chain(ctx: ModelContext) -> list[DerivationStep]:
    """∂ℓᵢ/∂Wₖⱼ = Σₗ ∂ℓᵢ/∂sᵢₗ · ∂sᵢₗ/∂Wₖⱼ = gᵢₖ xᵢⱼ and ∂ℓᵢ/∂bₖ = gᵢₖ."""
    s_il, g_il, g_ik = D.Entry("s", "il"), D.Entry("g", "il"), D.Entry("g", "ik")
    lines = []
    for name, role in _params(ctx):
        e = _entry(name, role)
        local = D.Delta(L_IDX, K_IDX) * (D.Entry("x", "ij") if role == "weight" else 1)
        chain = (
            D.Partial(ELL_I, e),
            D.IndexSum(D.Partial(ELL_I, s_il) * D.Partial(s_il, e), L_IDX, D.ALL),
            D.IndexSum(g_il * local, L_IDX, D.ALL),
            g_ik * D.Entry("x", "ij") if role == "weight" else g_ik,
        )
        lines.append(Formula(chain))
    lay = ctx.layer
    w_e, b_e = D.Entry(lay.weight, "kj"), D.Entry(lay.bias, "k")
    said = sentence(
        T.SCORE_CHAIN,
        ell_i=ELL_I,
        score_entry=_score_entry(ctx, "l"),
        ds_dw=Formula((D.Partial(s_il, w_e), D.Delta(L_IDX, K_IDX) * D.Entry("x", "ij"))),
        ds_db=Formula((D.Partial(s_il, b_e), D.Delta(L_IDX, K_IDX))),
        l_eq_k=Formula((sp.Eq(L_IDX, K_IDX, evaluate=False),)),
        g_entry=Formula((g_ik, D.Partial(ELL_I, D.Entry("s", "ik")))),
        g_def=Formula((G_MAT, D.Partial(L_SYM, S_MAT))),
    )
    shapes = _shapes((G_MAT, ctx.shapes["G"]), (S_MAT, ctx.shapes["S"]))
    return [DerivationStep(Rule.SCORE_CHAIN, (*lines, shapes), said)]


def _directions(ctx: ModelContext) -> list[tuple[sp.Symbol, Any]]:
    """(atom, its ScoreRule) for each score atom the gradient goes through."""
    return [(a, primitives.score_rule(a)) for a in ctx.form.coefficients]


def _rule_sentence(ctx: ModelContext) -> Sentence:
    name = ctx.loss.name if ctx.loss.name in T.SCORE_RULE else "custom"
    s_k, y_k, s_y = D.Entry("s", "k"), D.Entry("y", "k"), D.Lit("s_y", "s_{y}")
    u = ctx.form.switches[0].expr if ctx.form.switches else sp.Integer(0)
    violated = Formula((sp.StrictGreaterThan(u, 0, evaluate=False),), "scalar")
    fields: dict[str, object] = {
        "lse": D.Lit("log Σₗ exp(sₗ)", r"\log \sum_{l} e^{s_{l}}"),
        "p": D.Entry("p", "k"),
        "sy": s_y,
        "yk": y_k,
        # the rival k ≠ y is the class whose entry gₖ the sentence says is incremented
        "rival": Formula((sp.Ne(K_IDX, sp.Symbol("y"), evaluate=False),)),
        "violated": violated,
        "diff": D.Lit("e_r − e_y", r"\mathbf{e}_{r} - \mathbf{e}_{y}"),
        "half_sq": D.Lit("½(sₖ − yₖ)²", r"\tfrac{1}{2}(s_{k} - y_{k})^{2}"),
        "residual": Formula((s_k - y_k,)),
        "logistic": D.Lit("log(1 + exp(−y s))", r"\log\left(1 + e^{-y s}\right)"),
        "logistic_prime": D.Lit("−y σ(−y s)", r"-y\,\sigma(-y s)"),
    }
    if name == "custom":
        atoms = [Formula((a,), "scalar") for a, _ in _directions(ctx)]
        dirs = [
            Formula((D.Partial(a, D.Entry("s", "k")), D.Entry(r.direction[0], "k")), "scalar")
            for a, r in _directions(ctx)
        ]
        fields["atoms"] = Join(tuple(atoms)) if atoms else (D.Lit("—", "-"),)
        fields["directions"] = Join(tuple(dirs)) if dirs else (D.Lit("—", "-"),)
    return sentence(T.SCORE_RULE[name], **fields)


def score_rule(ctx: ModelContext) -> list[DerivationStep]:
    """gᵢₖ by the loss's rule, the letters it uses, G in matrix form, and Σₖ gᵢₖ = 0."""
    g_ik = D.Entry("g", "ik")
    lines = [Formula((g_ik, D.Partial(ELL_I, D.Entry("s", "ik")), ctx.g_index))]
    mats: list[tuple[sp.Basic, tuple[str, ...]]] = [(G_MAT, ("n", "K"))]
    for _atom, rule in _directions(ctx):
        text, tex = rule.direction[2]
        lines.append(Formula((D.Lit(text, tex),)))
        mats.append((D.Mat(rule.direction[1]), ("n", "K")))
    for dfn in ctx.definitions:
        lines.append(Formula((dfn.entry, dfn.value)))
        mats.append((dfn.matrix, ctx.shapes[dfn.matrix.name]))
    lines.append(Formula((G_MAT, ctx.g_matrix), "index"))
    if ctx.row_sum is not None:
        total = D.IndexSum(g_ik, K_IDX, D.ALL)
        lines.append(Formula((total, D.IndexSum(ctx.g_index, K_IDX, D.ALL), sp.Integer(0))))
    if Y_MAT in ctx.g_matrix.atoms(D.Mat) and all(m != Y_MAT for m, _ in mats):
        mats.append((Y_MAT, ("n", "K")))
    said = _rule_sentence(ctx)
    steps = [DerivationStep(ctx.loss.rule, (*lines, _shapes(*mats)), said)]
    if ctx.row_sum is not None:
        steps.append(
            DerivationStep(
                Rule.SUM_RULE,
                (Formula((D.IndexSum(g_ik, K_IDX, D.ALL), sp.Integer(0))),),
                sentence(T.ROW_SUM, G=G_MAT),
                detail="full",
            )
        )
    return steps


def regulariser(ctx: ModelContext) -> list[DerivationStep]:
    """∂R/∂W = λW (+ μ sgn W), entry by entry, with the L1 convention at 0."""
    if not ctx.regs:
        return []
    steps = []
    for name in dict.fromkeys(t.weight for t in ctx.regs):
        if name not in ctx.wrt:
            continue
        terms = [t for t in ctx.regs if t.weight == name]
        w = D.Mat(name)
        expr = sp.Add(*[t.expr for t in terms])
        l2 = any(t.r2 != 0 for t in terms)
        l1 = any(t.r1 != 0 for t in terms)
        q, a = D.NormOf(name, 2), D.NormOf(name, 1)
        h = terms[0].sign_at_zero
        said = sentence(
            T.MODEL_REGULARISER[l2, l1],
            l2_rule=Formula((D.Partial(q, w), 2 * w)),
            l1_rule=Formula((D.Partial(a, w), D.Sgn(w, sp.Integer(h)))),
            sgn0=D.Lit(f"sgn(0) = {h}".replace("-", "−"), rf"\operatorname{{sgn}}(0) = {h}"),
        )
        formula = Formula((D.Partial(expr, w), ctx.reg_matrix[name]))
        shapes = _shapes((D.Partial(expr, w), ctx.shapes[name]))
        steps.append(DerivationStep(Rule.REGULARISER, (formula, shapes), said))
    return steps


def collect(ctx: ModelContext) -> list[DerivationStep]:
    """The gradient entry by entry: ∂L/∂Wₖⱼ = Σᵢ gᵢₖ xᵢⱼ + … = Σᵢ (pᵢₖ − yᵢₖ) xᵢⱼ + …"""
    lines = []
    g_ik = D.Entry("g", "ik")
    for name, role in _params(ctx):
        e = _entry(name, role)
        body = g_ik * D.Entry("x", "ij") if role == "weight" else g_ik
        short = _total(ctx, body) + ctx.reg_index.get(name, sp.Integer(0))
        lines.append(Formula((D.Partial(L_SYM, e), short, ctx.gradient[name]), "index"))
    said = sentence(T.MODEL_COLLECT)
    shapes = _shapes(*[(D.Partial(L_SYM, _entry(n, r)), ()) for n, r in _params(ctx)])
    return [DerivationStep(Rule.COLLECT, (*lines, shapes), said)]


def matrix_product(ctx: ModelContext) -> list[DerivationStep]:
    """Σᵢ gᵢₖ xᵢⱼ = (GᵀX)ₖⱼ: ∂L/∂W = GᵀX + … = (P − Y)ᵀX + …, with the shapes multiplied."""
    lines = []
    scale = 1 / N if ctx.mean else sp.Integer(1)
    for name, role in _params(ctx):
        theta = D.Mat(name, bold=role == "bias")
        data = D.Tr(G_MAT) * (X_MAT if role == "weight" else ONES_N)
        short = scale * data + ctx.reg_matrix.get(name, sp.Integer(0))
        lines.append(Formula((D.Partial(L_SYM, theta), short, ctx.matrix[name]), "index"))
    lay = ctx.layer
    g_ik = D.Entry("g", "ik")
    dims = ctx.shapes
    times = r" \times "
    product = D.Lit(
        f"[K×n][n×d] = [{'×'.join(dims[lay.weight])}]",
        rf"[K \times n][n \times d] = [{times.join(dims[lay.weight])}]",
    )
    said = sentence(
        T.MATRIX_PRODUCT,
        sum_gx=D.SampleSum(g_ik * D.Entry("x", "ij"), D.ALL),
        gtx=D.Tr(G_MAT) * X_MAT,
        sum_g=D.SampleSum(g_ik, D.ALL),
        gt1=D.Tr(G_MAT) * ONES_N,
        product=product,
        param=D.Mat(lay.weight),
    )
    shapes = _shapes(
        (D.Tr(G_MAT), ("K", "n")),
        (X_MAT, dims["X"]),
        (D.Tr(G_MAT) * X_MAT, dims[lay.weight]),
        (D.Tr(G_MAT) * ONES_N, dims[lay.bias]),
    )
    return [DerivationStep(Rule.MATRIX_PRODUCT, (*lines, shapes), said)]


def result(ctx: ModelContext) -> list[DerivationStep]:
    """The gradient with respect to every parameter, each of its parameter's shape."""
    lines = []
    shapes = []
    for name, role in _params(ctx):
        theta = D.Mat(name, bold=role == "bias")
        lines.append(Formula((D.Partial(L_SYM, theta), ctx.matrix[name]), "index"))
        shapes.append((D.Partial(L_SYM, theta), ctx.shapes[name]))
    return [DerivationStep(Rule.RESULT, (*lines, _shapes(*shapes)), sentence(T.MODEL_RESULT))]


MODEL_STEP_BUILDERS: tuple[ModelStepBuilder, ...] = (
    definition,
    sample_sum,
    score_chain,
    score_rule,
    regulariser,
    collect,
    matrix_product,
    result,
)
"""The builders in the order their steps are shown."""


def build_model_steps(ctx: ModelContext) -> tuple[DerivationStep, ...]:
    """All the steps of the derivation of ``ctx``, builder after builder."""
    return tuple(step for builder in MODEL_STEP_BUILDERS for step in builder(ctx))
