"""What the steps of a model derivation share: the score gradient G and the layer rules.

:func:`build_model_context` differentiates a score loss (:mod:`gradproof.symbolic.score`) and
applies the dense layer's row of the layer table (``docs/model-layer.md``)::

    forward   S = XWᵀ + 𝟏bᵀ            sᵢₖ = Σⱼ Wₖⱼ xᵢⱼ + bₖ
    backward  ∂L/∂W = GᵀX  (K×d)        ∂L/∂b = Gᵀ𝟏  (K)          G = ∂L/∂S  (n×K)

It writes G in index form (gᵢₖ = pᵢₖ − yᵢₖ) and in matrix form (G = P − Y), with the
definitions of every letter the matrix form uses, and each gradient in both forms. Every
matrix form is shape-checked as it is built (:func:`~gradproof.symbolic.tensor.check_shape`);
the builders of :mod:`gradproof.symbolic.model_builders` only write steps from this context.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from gradproof.symbolic import display as D
from gradproof.symbolic import primitives
from gradproof.symbolic.atoms import SK, YK, N, Y
from gradproof.symbolic.conventions import Convention
from gradproof.symbolic.functions import ClassSum
from gradproof.symbolic.models import Dense, ModelSpec
from gradproof.symbolic.regularisers import RegTerm
from gradproof.symbolic.score import ScoreForm, differentiate_score
from gradproof.symbolic.score_losses import ScoreLossSpec
from gradproof.symbolic.tensor import Shape, check_shape

__all__ = [
    "ModelContext",
    "Definition",
    "build_model_context",
    "K_IDX",
    "L_IDX",
    "ONES_N",
    "ONES_K",
]

K_IDX = sp.Symbol("k")
L_IDX = sp.Symbol("l")
ONES_N = D.Mat("1_n", text="𝟏", tex=r"\mathbf{1}")
ONES_K = D.Mat("1_K", text="𝟏", tex=r"\mathbf{1}")
X_MAT = D.Mat("X")
S_MAT = D.Mat("S")
G_MAT = D.Mat("G")
Y_MAT = D.Mat("Y")


@dataclass(frozen=True)
class Definition:
    """A letter the matrix form of G uses: its matrix (or vector), one entry's symbol and
    that entry's definition (an index form, or a pre-printed literal)."""

    matrix: D.Mat
    entry: D.Entry
    value: sp.Basic


@dataclass(frozen=True)
class ModelContext:
    """A differentiated model loss and the facts the steps are written from.

    Attributes
    ----------
    model, loss, regs, convention, mean, wrt
        What was asked for.
    form
        ∂ℓ/∂s as score-atom coefficients (:class:`~gradproof.symbolic.score.ScoreForm`).
    shapes
        Every letter's shape in size names (X: n×d, W: K×d, …, G: n×K).
    g_index, g_matrix
        gᵢₖ = ∂ℓᵢ/∂sᵢₖ as an index form, and G as a matrix form.
    definitions
        The letters of ``g_matrix`` beyond S and Y, defined entry by entry.
    row_sum
        Σₖ gᵢₖ as an index form when it is 0 (the rows of G sum to 0), else None.
    gradient, matrix
        ∂L/∂(each parameter in ``wrt``) in index form (entry k, j) and in matrix form.
    reg_matrix
        Each regularised weight's ∂R/∂θ in matrix form.
    """

    model: ModelSpec
    loss: ScoreLossSpec
    form: ScoreForm
    regs: tuple[RegTerm, ...]
    convention: Convention
    mean: bool
    wrt: tuple[str, ...]
    shapes: Mapping[str, Shape]
    g_index: sp.Expr
    g_matrix: sp.Expr
    definitions: tuple[Definition, ...]
    row_sum: sp.Expr | None
    gradient: Mapping[str, sp.Expr]
    matrix: Mapping[str, sp.Expr]
    reg_matrix: Mapping[str, sp.Expr]
    reg_index: Mapping[str, sp.Expr]

    @property
    def layer(self) -> Dense:
        """The model's (single) dense layer."""
        layer = self.model.layers[0]
        assert isinstance(layer, Dense)
        return layer

    @property
    def reg(self) -> sp.Expr:
        """R, the sum of the regularisers."""
        return sp.Add(*[t.expr for t in self.regs])

    def param_shape(self, name: str) -> Shape:
        return self.shapes[name]


def _index_letters(shape: Shape) -> str:
    """The index letters of a parameter's entry: W (K×d) → kj, b (K) → k."""
    return "".join({"K": "k", "d": "j"}[s] for s in shape)


def _varies(e: sp.Expr) -> bool:
    """Whether a coefficient differs from sample to sample (a score atom, class sum or y)."""
    atoms = any(primitives.score_rule(s) is not None for s in e.free_symbols)
    return atoms or e.has(ClassSum, Y)


def _g_index(form: ScoreForm) -> sp.Expr:
    """gᵢₖ = Σₐ cₐ·(∂a/∂s)ᵢₖ + Σⱼ c_Cⱼ·gⱼ′(sᵢₖ)·𝟙[k ≠ yᵢ]."""
    terms = []
    for atom, c in form.coefficients.items():
        rule = primitives.score_rule(atom)
        terms.append(c * D.Entry(rule.direction[0], "ik"))
    for t in form.class_terms:
        mask = D.Indicator(sp.Ne(K_IDX, Y)) if t.exclude_y else sp.Integer(1)
        terms.append(t.coefficient * mask * t.derivative)
    return sp.Add(*terms)


def _affine_in_scores(e: sp.Expr) -> bool:
    """True when g′ is a polynomial in s_k and y_k alone (then H = g′(S, Y) reads as a matrix)."""
    return e.is_polynomial(SK, YK) and e.free_symbols <= {SK, YK} and sp.degree(e, SK) <= 1


def _g_matrix(
    form: ScoreForm, spec: ScoreLossSpec
) -> tuple[sp.Expr, list[Definition], dict[str, Shape]]:
    """G as a matrix form, with the definitions of the letters it introduces."""
    defs: list[Definition] = []
    shapes: dict[str, Shape] = {}
    class_mats: list[tuple[ClassSum, sp.Expr]] = []
    terms: list[tuple[sp.Expr, sp.Expr]] = []  # (per-sample coefficient, n×K matrix)
    for t in form.class_terms:
        if not t.exclude_y and _affine_in_scores(t.derivative):
            h = t.derivative.xreplace({SK: S_MAT, YK: Y_MAT})
        else:
            letter = spec.set_name if spec.set_name not in ("A",) else "H"
            h = D.Mat(letter)
            shapes[letter] = ("n", "K")
            mask = D.Indicator(sp.Ne(K_IDX, Y)) if t.exclude_y else sp.Integer(1)
            defs.append(Definition(h, D.Entry(letter.lower(), "ik"), mask * t.derivative))
        class_mats.append((ClassSum(t.derivative, t.node.args[1]), h))
        terms.append((t.coefficient, h))
    for atom, c in form.coefficients.items():
        letter = primitives.score_rule(atom).direction[1]
        shapes[letter] = ("n", "K")
        terms.append((c, D.Mat(letter)))
    letters = [spec.set_name.lower()] if spec.set_name not in ("A",) else []
    vectors = iter(letters + [c for c in "cdefhm" if c not in letters])
    named: dict[sp.Expr, D.Mat] = {}
    grouped: dict[sp.Expr, list[sp.Expr]] = {}  # diag(v) → the ±matrices it multiplies
    out = []
    for c, mat in terms:
        if not _varies(c):
            out.append(c * mat)
            continue
        k, rest = c.as_coeff_Mul()
        row = next((h for cs, h in class_mats if cs == rest), None)
        if row is not None:  # κ Σₗ hᵢₗ: the row sums of H, H𝟏
            grouped.setdefault(D.Diag(row * ONES_K), []).append(k * mat)
            continue
        if rest not in named:
            letter = next(vectors)
            named[rest] = D.Mat(letter, bold=True)
            shapes[letter] = ("n",)
            defs.append(Definition(named[rest], D.Entry(letter, "i"), rest))
        grouped.setdefault(D.Diag(named[rest]), []).append(k * mat)
    for diag, mats in grouped.items():
        out.append(diag * sp.Add(*mats))
    return sp.Add(*out), defs, shapes


def _row_sum(form: ScoreForm) -> sp.Expr | None:
    """Σₖ gᵢₖ when it is 0: each direction (p, e_y, e_k*) sums to 1 over the classes, and a
    class term to its class sum."""
    total = sp.Add(*form.coefficients.values()) + sp.Add(
        *[t.coefficient * ClassSum(t.derivative, t.node.args[1]) for t in form.class_terms]
    )
    if sp.expand(total) != 0:
        return None
    return total


def _reg_forms(regs: tuple[RegTerm, ...]) -> tuple[dict[str, sp.Expr], dict[str, sp.Expr]]:
    """∂R/∂θ for each regularised weight, in matrix form (λW + μ sgn W) and by entry."""
    mats: dict[str, sp.Expr] = {}
    idx: dict[str, sp.Expr] = {}
    for t in regs:
        w = D.Mat(t.weight)
        e = D.Entry(t.weight, "kj")
        h = sp.Integer(t.sign_at_zero)
        mats[t.weight] = mats.get(t.weight, sp.Integer(0)) + t.r2 * w + t.r1 * D.Sgn(w, h)
        idx[t.weight] = idx.get(t.weight, sp.Integer(0)) + t.r2 * e + t.r1 * D.Sgn(e, h)
    return mats, idx


def build_model_context(
    model: ModelSpec,
    loss: ScoreLossSpec,
    regs: tuple[RegTerm, ...],
    convention: Convention,
    *,
    mean: bool,
    wrt: tuple[str, ...],
    per_sample: sp.Expr | None = None,
) -> ModelContext:
    """Differentiate ``loss`` (or the parsed ``per_sample`` of a user expression) on ``model``
    under ``convention`` and read off what the steps need."""
    form = differentiate_score(
        loss.per_sample if per_sample is None else per_sample, convention.at_kink, mean=mean
    )
    layer = model.layers[0]
    assert isinstance(layer, Dense)
    shapes: dict[str, Shape] = {
        "X": ("n", "d"),
        layer.weight: ("K", "d"),
        layer.bias: ("K",),
        "S": ("n", "K"),
        "G": ("n", "K"),
        "Y": ("n", "K"),
        "1_n": ("n",),
        "1_K": ("K",),
    }
    g_index = sp.factor_terms(_g_index(form))
    g_matrix, defs, extra = _g_matrix(form, loss)
    shapes.update(extra)
    check_shape(g_matrix, ("n", "K"), shapes, "G")
    check_shape(
        X_MAT * D.Tr(D.Mat(layer.weight)) + ONES_N * D.Tr(D.Mat(layer.bias)),
        ("n", "K"),
        shapes,
        "the scores S = XWᵀ + 𝟏bᵀ",
    )
    reg_mats, reg_idx = _reg_forms(regs)
    scale = 1 / N if mean else sp.Integer(1)
    gradient: dict[str, sp.Expr] = {}
    matrix: dict[str, sp.Expr] = {}
    for p in model.parameters:
        if p.name not in wrt:
            continue
        letters = _index_letters(shapes[p.name])
        if p.role == "weight":
            body = g_index * D.Entry("x", "ij")
            data = D.Tr(G_MAT) * X_MAT
            full = D.Tr(g_matrix) * X_MAT
        else:
            body, data, full = g_index, D.Tr(G_MAT) * ONES_N, D.Tr(g_matrix) * ONES_N
        reg_m = reg_mats.get(p.name, sp.Integer(0))
        gradient[p.name] = scale * D.SampleSum(body, D.ALL) + reg_idx.get(p.name, sp.Integer(0))
        matrix[p.name] = scale * full + reg_m
        for e in (scale * data + reg_m, matrix[p.name]):
            check_shape(e, shapes[p.name], shapes, f"∂L/∂{p.name}")
        assert letters  # every parameter has entries
    return ModelContext(
        model=model,
        loss=loss,
        form=form,
        regs=regs,
        convention=convention,
        mean=mean,
        wrt=wrt,
        shapes=shapes,
        g_index=g_index,
        g_matrix=g_matrix,
        definitions=tuple(defs),
        row_sum=_row_sum(form),
        gradient=gradient,
        matrix=matrix,
        reg_matrix=reg_mats,
        reg_index=reg_idx,
    )
