"""The steps of a network's derivation: the forward pass, then backprop stage by stage.

Each dense layer l (from the last down) gives a weight step (matrix-product rule,
∂L/∂Wₗ = δₗᵀAₗ₋₁), a bias step (bias sum rule, ∂L/∂bₗ = δₗᵀ𝟏) and, below the first layer,
the chain rule through the layer (∂L/∂Aₗ₋₁ = δₗWₗ) and the elementwise activation rule
(δₗ₋₁ = (δₗWₗ) ⊙ f′(Zₗ₋₁)); each in index form and in matrix form, with its shapes. The
gradient of the loss with respect to the scores, G = δ_L, is the output loss's own rule,
written by :func:`~gradproof.symbolic.model_builders.score_rule` as for softmax regression.
Every matrix form here was shape-checked when the
:class:`~gradproof.symbolic.network.NetworkContext` was built.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from gradproof.i18n import N_, _
from gradproof.symbolic import display as D
from gradproof.symbolic.activations import ActivationSpec
from gradproof.symbolic.atoms import N
from gradproof.symbolic.model_builders import L_SYM, regulariser, score_rule
from gradproof.symbolic.model_context import ModelContext
from gradproof.symbolic.network import (
    G_MAT,
    ONES_N,
    S_MAT,
    X_MAT,
    NetworkContext,
    delta_entry,
    entry,
    input_entry,
    mat,
    prime_mat,
)
from gradproof.symbolic.notation import INDICATOR
from gradproof.symbolic.sentences import say_inline
from gradproof.symbolic.steps import DerivationStep, Formula, Rule

__all__ = ["build_network_steps", "NET_SENTENCES"]

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUB = str.maketrans("0123456789ijk", "₀₁₂₃₄₅₆₇₈₉ᵢⱼₖ")
ELL_I = D.Entry("ℓ", "i")

NET_DEFINITION = {
    False: N_(
        "{title} of a {widths} {model} with {activation} hidden units, summed over the "
        "samples; the forward pass computes each layer from the one below it"
    ),
    True: N_(
        "{title} of a {widths} {model} with {activation} hidden units, averaged over the "
        "samples; the forward pass computes each layer from the one below it"
    ),
}
NET_WEIGHT = N_(
    "{z} depends on {w} only through {z_entry}, so {dz}; summed over the samples this is "
    "the matrix product {form}, whose shapes multiply as {product}, the shape of {w}"
)
NET_BIAS = N_(
    "{b} is added to every row of {z} ({dz}), so its gradient sums {delta} over the samples "
    "(the rows, axis 0): {form}, one entry per unit"
)
NET_LAYER_CHAIN = N_(
    "{a} reaches the loss only through {z}; by the chain rule through the layer, {form}, "
    "with shapes {product}"
)
NET_ACTIVATION = N_(
    "{a} applies {f} entry by entry, so each entry of the upstream gradient is multiplied "
    "by the derivative at its own pre-activation: {rule}"
)
NET_RELU = N_(
    "{a} applies relu entry by entry, so each entry of the upstream gradient is multiplied "
    "by {relu_prime} at its own pre-activation; at a kink {z0} the subgradient {h0} is used (kink "
    "convention '{name}'; any value in [0, 1] is valid)"
)
NET_DELTA = N_(
    "the δ recursion of backpropagation (Nielsen; CS231n), with samples as rows: start from "
    "{top}, go down one layer at a time with {step}, and read each layer's gradients off "
    "{grads}"
)
NET_RESULT = N_("the gradient with respect to every weight and bias, each of its parameter's shape")
NET_SENTENCES = (NET_WEIGHT, NET_BIAS, NET_LAYER_CHAIN, NET_ACTIVATION, NET_RELU, NET_DELTA)


def _shapes(ctx: NetworkContext, *items: tuple[sp.Basic, str]) -> Formula:
    """A line of shapes; an item whose expression is a transpose gets the reversed shape."""
    spaces = []
    for e, key in items:
        shape = ctx.shapes[key][::-1] if isinstance(e, D.Tr) else ctx.shapes[key]
        spaces.append(D.InSpace(e, sp.Tuple(*[sp.Symbol(s) for s in shape])))
    return Formula((D.Shapes(*spaces),), "index")


def _delta_entry(ctx: NetworkContext, ly: int, index: str) -> sp.Basic:
    return delta_entry(ctx.depth, ly, index)


def _delta(ctx: NetworkContext, ly: int) -> D.Mat:
    return G_MAT if ly == ctx.depth else mat("δ", ly)


def _key(ctx: NetworkContext, ly: int, base: str) -> str:
    return (
        "G"
        if base == "δ" and ly == ctx.depth
        else ("X" if base == "A" and ly == 0 else f"{base}{ly}")
    )


def _product(ctx: NetworkContext, left: str, right: str, out: str, tl: bool = False) -> D.Lit:
    """[h×n][n×d] = [h×d]: the shapes of a product and of its result."""
    a, b, c = ctx.shapes[left], ctx.shapes[right], ctx.shapes[out]
    a = a[::-1] if tl else a
    times = r" \times "
    text = "".join("[" + "×".join(x) + "]" for x in (a, b)) + " = [" + "×".join(c) + "]"
    tex = "".join("[" + times.join(sp.latex(sp.Symbol(s)) for s in x) + "]" for x in (a, b))
    return D.Lit(text, tex + " = [" + times.join(sp.latex(sp.Symbol(s)) for s in c) + "]")


def _scale(ctx: NetworkContext, body: sp.Expr) -> sp.Expr:
    total = D.SampleSum(body, D.ALL)
    return total / N if ctx.scale != 1 else total


def definition(ctx: NetworkContext, out: ModelContext, title: str) -> list[DerivationStep]:
    """L, ℓᵢ, the forward pass Z₁ = XW₁ᵀ + 𝟏b₁ᵀ, A₁ = f(Z₁), …, S = Z_L, and the shapes."""
    act = ctx.activation
    reg = sp.Add(*[t.expr for t in out.regs])
    lines = [
        Formula((L_SYM, _scale(ctx, ELL_I) + reg), "index"),
        Formula((ELL_I, out.form.loss), "index"),
    ]
    items: list[tuple[sp.Basic, str]] = [(X_MAT, "X")]
    for ly in range(1, ctx.depth + 1):
        z = mat("Z", ly) if ly < ctx.depth else S_MAT
        chain = (z, ctx.forward[ly]) if ly < ctx.depth else (S_MAT, mat("Z", ly), ctx.forward[ly])
        lines.append(Formula(chain, "index"))
        items += [(mat("W", ly), f"W{ly}"), (mat("b", ly, bold=True), f"b{ly}")]
        if ly < ctx.depth:
            sub = str(ly).translate(_SUB)
            applied = D.Lit(f"{act.text}(Z{sub})", rf"{act.tex}(Z_{{{ly}}})")
            lines.append(Formula((mat("A", ly), applied), "index"))
            items += [(mat("Z", ly), f"Z{ly}"), (mat("A", ly), f"A{ly}")]
    items.append((S_MAT, "S"))
    lines.append(_shapes(ctx, *items))
    sentence = say_inline(
        NET_DEFINITION[ctx.scale != 1],
        title=_(title),
        widths="-".join(map(str, ctx.widths)),
        model=_(N_("feed-forward network")),
        activation=_(act.title),
    )
    return [DerivationStep(Rule.DEFINITION, tuple(lines), sentence)]


def weight_step(ctx: NetworkContext, ly: int) -> DerivationStep:
    """∂L/∂(Wₗ)ₖⱼ = Σᵢ δᵢₖ aᵢⱼ, ∂L/∂Wₗ = δₗᵀAₗ₋₁ (+ ∂R/∂Wₗ)."""
    w, d = mat("W", ly), _delta(ctx, ly)
    e = entry("W", ly, "kj", paren=True)
    lines = (
        Formula((D.Partial(L_SYM, e), ctx.index[f"W{ly}"]), "index"),
        Formula((D.Partial(L_SYM, w), ctx.weight[ly]), "index"),
        _shapes(
            ctx,
            (D.Tr(d), _key(ctx, ly, "δ")),
            (ctx.inputs(ly), _key(ctx, ly - 1, "A")),
            (D.Partial(L_SYM, w), f"W{ly}"),
        ),
    )
    z = S_MAT if ly == ctx.depth else mat("Z", ly)
    z_entry = entry("z", ly, "ik")
    sentence = say_inline(
        NET_WEIGHT,
        z=z,
        w=w,
        z_entry=Formula((z_entry, D.IndexSum(e * input_entry(ly), sp.Symbol("j"), D.ALL))),
        dz=Formula((D.Partial(z_entry, e), input_entry(ly))),
        form=Formula((D.Tr(d) * ctx.inputs(ly),)),
        product=_product(ctx, _key(ctx, ly, "δ"), _key(ctx, ly - 1, "A"), f"W{ly}", tl=True),
    )
    return DerivationStep(Rule.MATRIX_PRODUCT, lines, sentence)


def bias_step(ctx: NetworkContext, ly: int) -> DerivationStep:
    """∂L/∂(bₗ)ₖ = Σᵢ δᵢₖ, ∂L/∂bₗ = δₗᵀ𝟏."""
    b, d = mat("b", ly, bold=True), _delta(ctx, ly)
    e = entry("b", ly, "k", paren=True)
    lines = (
        Formula((D.Partial(L_SYM, e), ctx.index[f"b{ly}"]), "index"),
        Formula((D.Partial(L_SYM, b), ctx.bias[ly]), "index"),
        _shapes(ctx, (D.Partial(L_SYM, b), f"b{ly}")),
    )
    z = S_MAT if ly == ctx.depth else mat("Z", ly)
    sentence = say_inline(
        NET_BIAS,
        b=b,
        z=z,
        dz=Formula((D.Partial(entry("z", ly, "ik"), e), sp.Integer(1))),
        delta=d,
        form=Formula((D.Tr(d) * ONES_N,)),
    )
    return DerivationStep(Rule.BIAS_SUM, lines, sentence)


def _upstream_head(ctx: NetworkContext) -> sp.Basic:
    """What the upstream gradients are of: L, or Σᵢ ℓᵢ when L = (1/n) Σᵢ ℓᵢ (the 1/n comes in
    at each parameter's gradient, so G, GWₗ and the δs are those of the sum)."""
    if ctx.scale == 1:
        return L_SYM
    return D.Lit("Σᵢ ℓᵢ", r"\sum_{i} \ell_{i}")  # the printers add the parentheses


def layer_chain_step(ctx: NetworkContext, ly: int) -> DerivationStep:
    """∂L/∂a⁽ˡ⁻¹⁾ᵢⱼ = Σₖ δᵢₖ (Wₗ)ₖⱼ, ∂L/∂Aₗ₋₁ = δₗWₗ."""
    a = mat("A", ly - 1)
    top = _upstream_head(ctx)
    lines = (
        Formula((D.Partial(top, entry("a", ly - 1, "ij")), ctx.index[f"A{ly - 1}"]), "index"),
        Formula((D.Partial(top, a), ctx.upstream[ly - 1]), "index"),
        _shapes(
            ctx, (_delta(ctx, ly), _key(ctx, ly, "δ")), (mat("W", ly), f"W{ly}"), (a, f"A{ly - 1}")
        ),
    )
    sentence = say_inline(
        NET_LAYER_CHAIN,
        a=a,
        z=S_MAT if ly == ctx.depth else mat("Z", ly),
        form=Formula((D.Partial(top, a), ctx.upstream[ly - 1])),
        product=_product(ctx, _key(ctx, ly, "δ"), f"W{ly}", f"A{ly - 1}"),
    )
    return DerivationStep(Rule.LAYER_CHAIN, lines, sentence)


def _prime_formula(act: ActivationSpec, ly: int, h0: sp.Rational) -> D.Lit:
    """f′(Zₗ) written out; for relu with the value at 0 the convention gives."""
    z_text, z_tex = f"Z{str(ly).translate(_SUB)}", f"Z_{{{ly}}}"
    if act.kinked and h0 == 1:
        return D.Lit(f"𝟙[{z_text} ≥ 0]", rf"{INDICATOR}[{z_tex} \geq 0]")
    if act.kinked and h0 != 0:
        return D.Lit(
            f"𝟙[{z_text} > 0] + ({h0}) 𝟙[{z_text} = 0]",
            rf"{INDICATOR}[{z_tex} > 0] + {sp.latex(h0)}\,{INDICATOR}[{z_tex} = 0]",
        )
    return D.Lit(act.prime_text.replace("Z", z_text), act.prime_tex.replace("Z", z_tex))


def activation_step(ctx: NetworkContext, ly: int, h0: sp.Rational, kink: str) -> DerivationStep:
    """δₗ = (δₗ₊₁Wₗ₊₁) ⊙ f′(Zₗ), entry by entry, with relu′(0) declared."""
    act: ActivationSpec = ctx.activation
    prime = _prime_formula(act, ly, h0)
    lines = (
        Formula((entry("δ", ly, "ij"), ctx.index[f"δ{ly}"]), "index"),
        Formula((mat("δ", ly), ctx.delta[ly]), "index"),
        Formula((prime_mat(act, ly), prime), "index"),
        _shapes(ctx, (mat("δ", ly), f"δ{ly}"), (prime_mat(act, ly), f"{act.name}'{ly}")),
    )
    if act.kinked:
        h = str(h0) if h0.q == 1 else f"{h0.p}/{h0.q}"
        sentence = say_inline(
            NET_RELU,
            a=mat("A", ly),
            z0=Formula((sp.Eq(sp.Symbol("z"), 0, evaluate=False),), "scalar"),
            h0=D.Lit(f"relu′(0) = {h}", rf"\operatorname{{relu}}'(0) = {sp.latex(h0)}"),
            name=kink,
            relu_prime=D.Lit("relu′", r"\operatorname{relu}'"),
        )
    else:
        rule = D.Lit(f"{act.text}′(Z) = {act.prime_text}", rf"{act.tex}'(Z) = {act.prime_tex}")
        sentence = say_inline(NET_ACTIVATION, a=mat("A", ly), f=_(act.title), rule=rule)
    return DerivationStep(Rule.ACTIVATION, lines, sentence)


def delta_recursion(ctx: NetworkContext) -> DerivationStep:
    """δ_L = G, δₗ = (δₗ₊₁Wₗ₊₁) ⊙ f′(Zₗ), ∂L/∂Wₗ = δₗᵀAₗ₋₁, ∂L/∂bₗ = δₗᵀ𝟏."""
    f = ctx.activation
    top = D.Lit("δ_L = G = ∂L/∂S", r"\delta_{L} = G = \frac{\partial L}{\partial S}")
    step = D.Lit(
        f"δₗ = (δₗ₊₁Wₗ₊₁) ⊙ {f.text}′(Zₗ)",
        rf"\delta_{{l}} = (\delta_{{l+1}} W_{{l+1}}) \odot {f.tex}'(Z_{{l}})",
    )
    grads = D.Lit(
        "∂L/∂Wₗ = δₗᵀAₗ₋₁, ∂L/∂bₗ = δₗᵀ𝟏 (A₀ = X)",
        r"\frac{\partial L}{\partial W_{l}} = \delta_{l}^{\top} A_{l-1},\ "
        r"\frac{\partial L}{\partial \mathbf{b}_{l}} = \delta_{l}^{\top} \mathbf{1}\ (A_{0} = X)",
    )
    lines = tuple(Formula((x,), "index") for x in (top, step, grads))
    sentence = say_inline(NET_DELTA, top=top, step=step, grads=grads)
    return DerivationStep(Rule.DELTA_RECURSION, lines, sentence, detail="full")


def result(ctx: NetworkContext) -> DerivationStep:
    lines = []
    items: list[tuple[sp.Basic, str]] = []
    for ly in range(1, ctx.depth + 1):
        w, b = mat("W", ly), mat("b", ly, bold=True)
        lines += [Formula((D.Partial(L_SYM, w), ctx.weight[ly]), "index")]
        lines += [Formula((D.Partial(L_SYM, b), ctx.bias[ly]), "index")]
        items += [(D.Partial(L_SYM, w), f"W{ly}"), (D.Partial(L_SYM, b), f"b{ly}")]
    for ly in range(ctx.depth - 1, 0, -1):
        lines.append(Formula((mat("δ", ly), ctx.delta[ly]), "index"))
    return DerivationStep(Rule.RESULT, (*lines, _shapes(ctx, *items)), say_inline(NET_RESULT))


def build_network_steps(
    ctx: NetworkContext, out: ModelContext, title: str, h0: sp.Rational, kink: str
) -> tuple[DerivationStep, ...]:
    """Every step, in the order shown: definition, G, then layer by layer from the top,
    the regulariser, the δ recursion and the result."""
    steps = definition(ctx, out, title)
    steps += score_rule(out)
    for ly in range(ctx.depth, 0, -1):
        steps += [weight_step(ctx, ly), bias_step(ctx, ly)]
        if ly > 1:
            steps += [layer_chain_step(ctx, ly), activation_step(ctx, ly - 1, h0, kink)]
    if out.regs:
        names = tuple(t.weight for t in out.regs)
        steps += regulariser(replace(out, wrt=names, shapes={**out.shapes, **ctx.shapes}))
    steps += [delta_recursion(ctx), result(ctx)]
    return tuple(steps)
