"""The worked example of a model with K scores per sample, written as steps.

The numbers come from a :class:`~gradproof.symbolic.example.ModelExample` (filled by the
numeric layer from the compiled functions); this module only formats them, in the order the
derivation runs: the data and the point, the scores S = XWᵀ + 𝟏bᵀ (and the softmax P where
the loss goes through log Σₗ exp(sₗ)), the loss, G = ∂L/∂S row by row, ∂L/∂W and ∂L/∂b from
the matrix-product rule, and one gradient step. Matrices with more than
:data:`~gradproof.symbolic.render.example.MAX_LISTED` rows show their first rows only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from gradproof._typing import Array
from gradproof.symbolic import display as D
from gradproof.symbolic import sentences as T
from gradproof.symbolic.atoms import hyperparameter
from gradproof.symbolic.example import ModelExample
from gradproof.symbolic.render.example import MAX_LISTED, fmt, number_lit, vector_lit
from gradproof.symbolic.sentences import sentence
from gradproof.symbolic.steps import DerivationStep, Formula, Join, Rule

__all__ = ["model_example_steps"]

_L = D.Sym("L")
_G = D.Mat("G")
_S = D.Mat("S")


def _matrix(M: Array, rows: int | None = None, tiny: float = 0.0) -> D.Lit:
    """A matrix of numbers; ``rows`` is its true number of rows when only the first are
    given (G is computed for the rows shown only); entries within ``tiny`` of 0 print as 0."""
    total = len(M) if rows is None else rows
    shown = [[fmt(0.0 if abs(a) <= tiny else a) for a in r] for r in M[:MAX_LISTED]]
    more = total > len(shown)
    text = "[" + "; ".join(", ".join(r) for r in shown) + ("; …" if more else "") + "]"
    tex = (
        r"\begin{bmatrix}"
        + r" \\ ".join(" & ".join(r) for r in shown)
        + (r" \\ \vdots" if more else "")
        + r"\end{bmatrix}"
    )
    return D.Lit(text.replace("-", "−"), tex)


def _tiny(ex: ModelExample) -> float:
    """What rounding leaves of a sum that is exactly 0 (−1.1e−16 for Σᵢ (pᵢₖ − yᵢₖ) at W = 0):
    1e−12 times the size of the terms the example adds up; such numbers print as the 0 they
    stand for."""

    def top(a: Any) -> float:
        return float(np.max(np.abs(np.asarray(a, dtype=np.float64)), initial=0.0))

    G = top(ex.score_gradient) if ex.score_gradient is not None else 1.0
    terms = [top(ex.scores), ex.n * G * (1 + top(ex.X)), *[top(v) for v in ex.point.values()]]
    return 1e-12 * max(terms + [top(v) for v in ex.gradient.values()])


def _array(a: Array, tiny: float = 0.0) -> D.Lit:
    """A parameter's numbers: a vector or a matrix."""
    if a.ndim == 2:
        return _matrix(a, tiny=tiny)
    return vector_lit(np.where(np.abs(a) <= tiny, 0.0, a))


def _param(name: str, a: Array) -> D.Mat:
    return D.Mat(name, bold=a.ndim == 1)


def _eq(name: str, value: int) -> Formula:
    return Formula((D.Lit(f"{name} = {value}", f"{name} = {value}"),))


def _data(d: Any, ex: ModelExample) -> DerivationStep:
    assert ex.X is not None and ex.y is not None  # filled by the numeric layer
    y = D.Lit("Y", "Y") if ex.y.ndim == 2 else D.Lit("y", r"\mathbf{y}")
    lines = [Formula((D.Lit("X", "X"), _matrix(ex.X))), Formula((y, _array(ex.y)))]
    lines += [Formula((_param(k, v), _array(v))) for k, v in ex.point.items()]
    params = Join(tuple(Formula((hyperparameter(k), number_lit(v))) for k, v in d.params.items()))
    said = sentence(
        T.MODEL_EXAMPLE_DATA[bool(d.params)],
        n_eq=_eq("n", ex.n),
        d_eq=_eq("d", ex.d),
        K_eq=_eq("K", ex.K),
        params=params,
    )
    return DerivationStep(Rule.EXAMPLE_DATA, tuple(lines), said)


def _scores(d: Any, ex: ModelExample) -> DerivationStep:
    score_form = D.Mat("X") * D.Tr(D.Mat("W")) + D.Mat("1_n", text="𝟏", tex=r"\mathbf{1}") * D.Tr(
        D.Mat("b", bold=True)
    )
    lines = [Formula((_S, score_form, _matrix(ex.scores, tiny=_tiny(ex))))]
    if ex.probabilities is not None:
        p_ik = D.Entry("p", "ik")
        lines.append(Formula((D.Mat("P"), _matrix(ex.probabilities))))
        said = sentence(
            T.MODEL_EXAMPLE_SCORES[True, ex.n > MAX_LISTED],
            p_ik=Formula((p_ik,)),
            shown=MAX_LISTED,
            n_samples=ex.n,
        )
    else:
        said = sentence(T.MODEL_EXAMPLE_SCORES[False, ex.n > MAX_LISTED], shown=MAX_LISTED,
                        n_samples=ex.n)  # fmt: skip
    return DerivationStep(Rule.EXAMPLE_SCORES, tuple(lines), said)


def _loss(d: Any, ex: ModelExample) -> DerivationStep:
    definition = d.steps[0].formulas[0] if d.steps and d.steps[0].formulas else None
    chain: tuple[Any, ...] = (_L, number_lit(ex.loss))
    if definition is not None and len(definition.chain) == 2:
        chain = (_L, definition.chain[1], number_lit(ex.loss))
    return DerivationStep(Rule.EXAMPLE_LOSS, (Formula(chain, "index"),), sentence(T.EXAMPLE_LOSS))


def _g_matrix(d: Any) -> sp.Expr | None:
    """G in matrix form as the loss's rule wrote it (P − Y, V − diag(V𝟏)Y, …)."""
    for step in d.steps:
        if step.rule != d.spec.rule:
            continue
        for f in step.formulas:
            if len(f.chain) == 2 and f.chain[0] == _G:
                return f.chain[1]
    return None


def _gradient(d: Any, ex: ModelExample) -> DerivationStep:
    lines = []
    if ex.score_gradient is not None:
        g = _g_matrix(d)
        chain = (_G,) + ((g,) if g is not None else ()) + (_matrix(ex.score_gradient, ex.n),)
        lines.append(Formula(chain, "index"))
    for name, value in ex.gradient.items():
        theta = _param(name, value)
        number = _array(value, _tiny(ex))
        lines.append(Formula((D.Partial(_L, theta), d.matrix_form[name], number), "index"))
    said = sentence(
        T.MODEL_EXAMPLE_GRADIENT[ex.n > MAX_LISTED],
        g_ik=Formula((D.Entry("g", "ik"),)),
        shown=MAX_LISTED,
        n_samples=ex.n,
    )
    return DerivationStep(Rule.EXAMPLE_GRADIENT, tuple(lines), said)


def _update(d: Any, ex: ModelExample) -> DerivationStep:
    eta = fmt(ex.lr)
    lines = []
    for name, new in ex.update.items():
        theta = _param(name, new)
        t, x = theta.text, theta.tex
        rule = D.Lit(
            f"{t} ← {t} − η ∂L/∂{t}",
            rf"{x} \leftarrow {x} - \eta\,\frac{{\partial L}}{{\partial {x}}}",
        )
        tiny = _tiny(ex)
        old, grad = _array(ex.point[name]), _array(ex.gradient[name], tiny)
        now = _array(new, tiny)
        # three lines, each continuing the last ("= …"): three matrices side by side would
        # run past the line of a page
        step = D.Lit(f"= {old.text} − {eta}·{grad.text}", rf"= {old.tex} - {eta} \cdot {grad.tex}")
        lines += [
            Formula((rule,)),
            Formula((step,)),
            Formula((D.Lit(f"= {now.text}", f"= {now.tex}"),)),
        ]
    said = sentence(T.EXAMPLE_UPDATE, eta=Formula((D.Lit(f"η = {eta}", rf"\eta = {eta}"),)))
    return DerivationStep(Rule.EXAMPLE_UPDATE, tuple(lines), said)


def model_example_steps(d: Any, ex: ModelExample) -> list[DerivationStep]:
    """The worked example of the model derivation ``d`` as steps: data and point, scores
    (and probabilities), loss, G and the gradient, update."""
    return [_data(d, ex), _scores(d, ex), _loss(d, ex), _gradient(d, ex), _update(d, ex)]
