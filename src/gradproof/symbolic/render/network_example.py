"""The worked example of a network, written as steps.

The numbers come from a :class:`~gradproof.symbolic.example.NetworkExample` (filled by the
numeric layer from the compiled forward and backward passes); this module only formats them,
in the order the derivation runs: the data and the point, the forward pass (Z₁, A₁, …, S, and
P for softmax), the loss, G, then from the top layer down ∂L/∂Wₗ, ∂L/∂bₗ and the δ of the
layer below, and one gradient step. The formulas beside the numbers are the derivation's own
(read off its definition, rule and result steps). Matrices show at most :data:`ROWS` rows and
:data:`COLS` columns (the first ones, then the last column), so that a 16-unit layer fits a
printed line.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from gradproof._typing import Array
from gradproof.i18n import N_
from gradproof.symbolic import display as D
from gradproof.symbolic.atoms import hyperparameter
from gradproof.symbolic.example import NetworkExample
from gradproof.symbolic.render.example import fmt, number_lit
from gradproof.symbolic.render.model_example import _eq, _g_matrix, _loss
from gradproof.symbolic.sentences import sentence
from gradproof.symbolic.steps import DerivationStep, Formula, Join, Rule

__all__ = ["network_example_steps", "ROWS", "COLS"]

ROWS = 4
"""The most rows of a matrix the example lists (then ⋮)."""
COLS = 4
"""The most columns of a matrix or entries of a vector it lists (the first COLS − 1, ⋯ and
the last)."""

NET_EXAMPLE_DATA = {
    False: N_(
        "the data, {n_eq} samples with {d_eq} features and {K_eq} outputs, and the point "
        "where the gradient is evaluated: every layer's weights and biases"
    ),
    True: N_(
        "the data, {n_eq} samples with {d_eq} features and {K_eq} outputs, and the point "
        "where the gradient is evaluated: every layer's weights and biases; {params}"
    ),
}
NET_EXAMPLE_FORWARD = N_(
    "the forward pass, layer by layer, one row per sample and one column per unit (a larger "
    "matrix shows its first {rows} rows, and its first {cols} columns and the last)"
)
NET_EXAMPLE_OUTPUT = N_("the loss's rule evaluated for each sample: {g}, one row per sample")
NET_EXAMPLE_LAYER = {
    # below the first layer: with the δ of the layer below
    False: N_("layer {layer}: the matrix-product rule and the bias sum rule evaluated"),
    True: N_(
        "layer {layer}: the matrix-product rule and the bias sum rule evaluated; then the δ "
        "of the layer below: the chain rule through the layer, times {prime} entry by entry"
    ),
}
NET_EXAMPLE_UPDATE = N_(
    "one gradient-descent step with learning rate {eta}, on every weight and bias"
)
NET_EXAMPLE_SENTENCES = (
    *NET_EXAMPLE_DATA.values(),
    NET_EXAMPLE_FORWARD,
    NET_EXAMPLE_OUTPUT,
    *NET_EXAMPLE_LAYER.values(),
    NET_EXAMPLE_UPDATE,
)

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_L = D.Sym("L")


def _letter(base: str, ly: int, bold: bool = False) -> D.Mat:
    """Layer ``ly``'s W, b, Z, A or δ, printed as the derivation prints it (W₁, W_{1})."""
    tex_base = {"δ": r"\delta"}.get(base, base)
    tex = rf"\mathbf{{{tex_base}}}_{{{ly}}}" if bold else f"{tex_base}_{{{ly}}}"
    return D.Mat(f"{base}{ly}", bold=bold, text=f"{base}{str(ly).translate(_SUB)}", tex=tex)


def _param(name: str) -> D.Mat:
    return _letter(name[0], int(name[1:]), bold=name[0] == "b")


def _cut(items: list[str], limit: int, gap: str) -> list[str]:
    """``items``, or the first ``limit − 1``, ``gap`` and the last."""
    return items if len(items) <= limit else [*items[: limit - 1], gap, items[-1]]


def _grid(M: Array, tiny: float = 0.0) -> D.Lit:
    """A matrix (or, 1-d, a row vector) of numbers, cut to ROWS × COLS; entries within
    ``tiny`` of 0 (rounding residue of an exact 0) print as 0. Only what is shown is
    formatted."""
    A = np.asarray(M, dtype=np.float64)
    vector = A.ndim == 1
    A = A.reshape(1, -1) if vector else A
    cols = list(range(A.shape[1]))
    cols = cols if len(cols) <= COLS else [*cols[: COLS - 1], -1, cols[-1]]
    rows = []
    for r in A[:ROWS]:
        rows.append(["⋯" if j < 0 else fmt(0.0 if abs(r[j]) <= tiny else r[j]) for j in cols])
    more = A.shape[0] > ROWS
    if vector:
        text = "[" + ", ".join(rows[0]) + "]"
    else:
        text = "[" + "; ".join(", ".join(r) for r in rows) + ("; ⋮" if more else "") + "]"
    tex_rows = [" & ".join(_tex_number(c) for c in r) for r in rows]
    if more:
        tex_rows.append(" & ".join(r"\vdots" for _ in cols))
    tex = r"\begin{bmatrix}" + r" \\ ".join(tex_rows) + r"\end{bmatrix}"
    return D.Lit(text.replace("-", "−"), tex)


def _tex_number(c: str) -> str:
    """An entry in LaTeX: ⋯ as \\cdots, 4.3e-06 as 4.3 \\times 10^{-6}."""
    if c == "⋯":
        return r"\cdots"
    if "e" in c:
        mantissa, exp = c.split("e")
        return rf"{mantissa} \times 10^{{{int(exp)}}}"
    return c


def _tiny(ex: NetworkExample) -> float:
    """1e−12 of the largest number the example adds up: what is left of an exact 0."""

    def top(a: Any) -> float:
        return float(np.max(np.abs(np.asarray(a, dtype=np.float64)), initial=0.0))

    sizes = [top(ex.scores), top(ex.X), *[top(v) for v in ex.point.values()]]
    sizes += [top(v) for v in ex.gradient.values()] + [top(v) for v in ex.deltas.values()]
    return 1e-12 * max(sizes) * max(ex.n, 1)


def _forms(d: Any, rule: Rule) -> dict[str, sp.Basic]:
    """The right-hand sides of ``rule``'s step(s) by the name of the letter they define."""
    out: dict[str, sp.Basic] = {}
    for step in d.steps:
        if step.rule != rule:
            continue
        for f in step.formulas:
            if len(f.chain) >= 2 and isinstance(f.chain[0], D.Mat):
                out.setdefault(f.chain[0].name, f.chain[-1])
    return out


def _data(d: Any, ex: NetworkExample) -> DerivationStep:
    assert ex.X is not None and ex.y is not None  # filled by the numeric layer
    y = D.Lit("Y", "Y") if ex.y.ndim == 2 else D.Lit("y", r"\mathbf{y}")
    lines = [Formula((D.Lit("X", "X"), _grid(ex.X))), Formula((y, _grid(ex.y)))]
    lines += [Formula((_param(k), _grid(v))) for k, v in ex.point.items()]
    params = Join(tuple(Formula((hyperparameter(k), number_lit(v))) for k, v in d.params.items()))
    said = sentence(
        NET_EXAMPLE_DATA[bool(d.params)],
        n_eq=_eq("n", ex.n),
        d_eq=_eq("d", ex.d),
        K_eq=_eq("K", ex.K),
        params=params,
    )
    return DerivationStep(Rule.EXAMPLE_DATA, tuple(lines), said)


def _forward(d: Any, ex: NetworkExample) -> DerivationStep:
    forms = _forms(d, Rule.DEFINITION)
    lines = []
    for ly, (Z, A) in enumerate(ex.hidden, start=1):
        z, a = _letter("Z", ly), _letter("A", ly)
        lines.append(Formula((z, forms[z.name], _grid(Z)), "index"))
        lines.append(Formula((a, forms[a.name], _grid(A)), "index"))
    S = D.Mat("S")
    top = _letter("Z", d.depth)
    lines.append(Formula((S, top, forms["S"], _grid(ex.scores, _tiny(ex))), "index"))
    if ex.probabilities is not None:
        lines.append(Formula((D.Mat("P"), _grid(ex.probabilities))))
    said = sentence(NET_EXAMPLE_FORWARD, rows=ROWS, cols=COLS - 1)
    return DerivationStep(Rule.EXAMPLE_SCORES, tuple(lines), said)


def _output(d: Any, ex: NetworkExample) -> DerivationStep:
    assert ex.score_gradient is not None
    G = D.Mat("G")
    g = _g_matrix(d)
    chain = (G,) + ((g,) if g is not None else ()) + (_grid(ex.score_gradient, _tiny(ex)),)
    # with L = (1/n) Σᵢ ℓᵢ, G is the gradient of the sum (the 1/n comes in at the parameters)
    top = D.Lit("Σᵢ ℓᵢ", r"\sum_{i} \ell_{i}") if getattr(d.form, "mean", False) else _L
    said = sentence(NET_EXAMPLE_OUTPUT, g=Formula((G, D.Partial(top, D.Mat("S")))))
    return DerivationStep(Rule.EXAMPLE_GRADIENT, (Formula(chain, "index"),), said)


def _prime(d: Any, ly: int) -> Formula | None:
    """f′(Zₗ) = its formula, as the activation step of layer ``ly`` wrote it."""
    for step in d.steps:
        if step.rule != Rule.ACTIVATION:
            continue
        for f in step.formulas:
            head = f.chain[0] if f.chain else None
            if isinstance(head, D.Mat) and head.name.endswith(f"'{ly}") and len(f.chain) == 2:
                return Formula(f.chain)
    return None


def _layer(d: Any, ex: NetworkExample, ly: int) -> DerivationStep:
    tiny = _tiny(ex)
    lines = []
    for name in (f"W{ly}", f"b{ly}"):
        theta = _param(name)
        number = _grid(ex.gradient[name], tiny)
        lines.append(Formula((D.Partial(_L, theta), d.matrix_form[name], number), "index"))
    prime: Formula = Formula((D.Lit("", ""),))
    if ly > 1:
        below = _letter("δ", ly - 1)
        form = _forms(d, Rule.RESULT)[below.name]
        lines.append(Formula((below, form, _grid(ex.deltas[ly - 1], tiny)), "index"))
        prime = _prime(d, ly - 1) or prime
    said = sentence(NET_EXAMPLE_LAYER[ly > 1], layer=ly, prime=prime)
    return DerivationStep(Rule.EXAMPLE_GRADIENT, tuple(lines), said)


def _update(d: Any, ex: NetworkExample) -> DerivationStep:
    eta = fmt(ex.lr)
    tiny = _tiny(ex)
    lines = []
    for name, new in ex.update.items():
        theta = _param(name)
        t, x = theta._text, theta._tex
        rule = D.Lit(
            f"{t} ← {t} − η ∂L/∂{t}",
            rf"{x} \leftarrow {x} - \eta\,\frac{{\partial L}}{{\partial {x}}}",
        )
        now = _grid(new, tiny)
        # the new values only: the old point and the gradient are listed above, and three
        # matrices of a wide layer side by side would run past the line of a page
        lines.append(Formula((rule, now)))
    said = sentence(NET_EXAMPLE_UPDATE, eta=Formula((D.Lit(f"η = {eta}", rf"\eta = {eta}"),)))
    return DerivationStep(Rule.EXAMPLE_UPDATE, tuple(lines), said)


def network_example_steps(d: Any, ex: NetworkExample) -> list[DerivationStep]:
    """The worked example of the network derivation ``d`` as steps: data and point, the
    forward pass, the loss, G, each layer's gradients (top down) and the update."""
    steps = [_data(d, ex), _forward(d, ex), _loss(d, ex), _output(d, ex)]
    steps += [_layer(d, ex, ly) for ly in range(d.depth, 0, -1)]
    return [*steps, _update(d, ex)]
