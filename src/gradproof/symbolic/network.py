"""Feed-forward networks: the model, its output losses, and the staged backprop forms.

``network_model("2-16-3", "relu")`` is a :class:`~gradproof.symbolic.models.ModelSpec` of
dense layers W1, b1, W2, b2, … (Wₗ: hₗ × hₗ₋₁, with h₀ = d and the last width K) and the
activation after every dense layer but the last. :func:`build_network_context` walks the
layer table (``DESIGN.md``) from the loss down and writes every stage as a matrix form,
shape-checked as it is built (:func:`~gradproof.symbolic.tensor.check_shape`)::

    forward   Z₁ = XW₁ᵀ + 𝟏b₁ᵀ,  A₁ = f(Z₁),  …,  S = Z_L = A_{L−1}W_Lᵀ + 𝟏b_Lᵀ
    backward  δ_L = G = ∂L/∂S,   δₗ = (δₗ₊₁Wₗ₊₁) ⊙ f′(Zₗ)
              ∂L/∂Wₗ = δₗᵀAₗ₋₁ (+ λWₗ),   ∂L/∂bₗ = δₗᵀ𝟏

The output losses (:data:`OUTPUT_LOSSES`) are the score losses of the multi-class linear
model: ``softmax`` (cross-entropy, labels 0…K−1), ``squared_error`` (½‖s − y‖², K real
targets per sample) and ``logistic``: one output unit, labels ±1 as for the linear logistic
loss, ℓ = log(1 + exp(−y s)).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import sympy as sp

from gradproof.errors import OptionError
from gradproof.i18n import N_, _
from gradproof.symbolic import display as D
from gradproof.symbolic.activations import ActivationSpec, get_activation
from gradproof.symbolic.atoms import SK, YK, N
from gradproof.symbolic.functions import ClassSum
from gradproof.symbolic.models import Activation, Dense, ModelSpec
from gradproof.symbolic.regularisers import RegTerm
from gradproof.symbolic.score_losses import SCORE_LOSSES, ScoreLossSpec
from gradproof.symbolic.steps import Rule
from gradproof.symbolic.tensor import Shape, check_shape

__all__ = [
    "parse_layers",
    "network_model",
    "OUTPUT_LOSSES",
    "get_output_loss",
    "NetworkContext",
    "build_network_context",
    "MAX_WIDTH",
    "MAX_DEPTH",
]

MAX_WIDTH = 100_000
"""The widest layer a network may have."""
MAX_DEPTH = 32
"""The most dense layers a network may have."""

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

LOGISTIC_OUTPUT = ScoreLossSpec(
    name="logistic",
    title=N_("Logistic loss"),
    per_sample=ClassSum(sp.log(1 + sp.exp(-YK * SK)), 0),
    labels="pm1",  # type: ignore[arg-type]  # one column of ±1 labels, read as targets
    rule=Rule.CHAIN_RULE,
    model="mlp",
    formula=N_("log(1 + exp(−y s)), one output unit s, labels y = ±1"),
    description=N_("binary classification with one output unit and labels ±1"),
)

OUTPUT_LOSSES: dict[str, ScoreLossSpec] = {
    "softmax": replace(
        SCORE_LOSSES["softmax"],
        model="mlp",
        formula=N_("log Σₗ exp(sₗ) − s_y, with s the network's outputs"),
    ),
    "squared_error": replace(
        SCORE_LOSSES["multi_squared_error"],
        model="mlp",
        formula=N_("½ Σₗ (sₗ − yₗ)², with s the network's outputs"),
    ),
    "logistic": LOGISTIC_OUTPUT,
}
"""A network's losses on its output scores S (n×K): the score losses of the multi-class
linear model, and ``logistic`` (K = 1, labels ±1)."""


def get_output_loss(name: str | None) -> ScoreLossSpec:
    """The output loss called ``name`` (default ``softmax``)."""
    key = "softmax" if name is None else str(name).strip().lower().replace("-", "_")
    key = {"multi_squared_error": "squared_error", "cross_entropy": "softmax"}.get(key, key)
    if key not in OUTPUT_LOSSES:
        raise OptionError(
            _(
                "unknown loss {name!r} for a network; use one of {names}",
                name=name,
                names=", ".join(OUTPUT_LOSSES),
            )
        )
    return OUTPUT_LOSSES[key]


def parse_layers(layers: str | tuple[int, ...] | list[int]) -> tuple[int, ...]:
    """The layer widths of ``"2-16-3"`` (input d, hidden widths, output K), checked."""
    if isinstance(layers, str):
        text = layers.strip()
        if not re.fullmatch(r"\d+(\s*-\s*\d+)+", text):
            raise OptionError(
                _(
                    "layers {layers!r}: write the widths joined by dashes, input first and "
                    "output last, e.g. 2-16-3",
                    layers=layers,
                )
            )
        widths = tuple(int(w) for w in text.split("-"))
    else:
        try:
            widths = tuple(int(w) for w in layers)
        except (TypeError, ValueError):
            raise OptionError(
                _("layers {layers!r}: give widths such as '2-16-3'", layers=layers)
            ) from None
        if len(widths) < 2 or any(int(w) != w for w in layers):
            raise OptionError(
                _("layers {layers!r}: give at least two whole widths, e.g. 2-16-3", layers=layers)
            )
    if any(w < 1 for w in widths):
        raise OptionError(_("layers {layers!r}: every width must be at least 1", layers=layers))
    if max(widths) > MAX_WIDTH or len(widths) - 1 > MAX_DEPTH:
        raise OptionError(
            _(
                "layers {layers!r}: at most {depth} dense layers of width {width}",
                layers=layers,
                depth=MAX_DEPTH,
                width=MAX_WIDTH,
            )
        )
    return widths


def size_names(depth: int) -> list[str]:
    """The size names of a network's widths: d, h1, …, h_{L−1}, K."""
    return ["d", *[f"h{ly}" for ly in range(1, depth)], "K"]


def network_model(layers: str | tuple[int, ...], activation: str) -> ModelSpec:
    """The feed-forward network of widths ``layers`` with ``activation`` after every dense
    layer but the last."""
    widths = parse_layers(layers)
    act = get_activation(activation)
    names = size_names(len(widths) - 1)
    parts: list[Dense | Activation] = []
    for ly in range(1, len(widths)):
        parts.append(Dense(f"W{ly}", f"b{ly}", names[ly - 1], names[ly], layer=ly))
        if ly < len(widths) - 1:
            parts.append(Activation(act.name, layer=ly))
    return ModelSpec(
        name="mlp",
        title=N_("feed-forward network"),
        layers=tuple(parts),
        scores="vector",
        description="-".join(map(str, widths)) + f" ({act.name})",
        sizes=dict(zip(names, widths, strict=True)),
    )


# -- the letters of the staged forms ------------------------------------------------------
def mat(base: str, ly: int, bold: bool = False) -> D.Mat:
    """Layer ``l``'s matrix ``base`` (W, Z, A, δ) or vector (b), printed W₁ / W_{1}."""
    tex_base = {"δ": r"\delta"}.get(base, base)
    tex = rf"\mathbf{{{tex_base}}}_{{{ly}}}" if bold else f"{tex_base}_{{{ly}}}"
    return D.Mat(f"{base}{ly}", bold=bold, text=f"{base}{str(ly).translate(_SUB)}", tex=tex)


def prime_mat(act: ActivationSpec, ly: int) -> D.Mat:
    """f′(Zₗ), the entrywise derivative of the activation at layer ``l``'s pre-activations."""
    sub = str(ly).translate(_SUB)
    # named by the activation: SymPy caches symbols by name, and relu′(Z₁) must not print as
    # σ′(Z₁) once a sigmoid network has been derived
    return D.Mat(f"{act.name}'{ly}", text=f"{act.text}′(Z{sub})", tex=rf"{act.tex}'(Z_{{{ly}}})")


_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUBI = str.maketrans("0123456789ijk", "₀₁₂₃₄₅₆₇₈₉ᵢⱼₖ")


def entry(base: str, ly: int, index: str, paren: bool = False) -> D.LayerEntry:
    """An entry of layer ``ly``'s matrix: δ⁽²⁾ᵢₖ (read from the array ``δ2``), (W₂)ₖⱼ."""
    tex_base = {"δ": r"\delta", "b": r"\mathbf{b}"}.get(base, base)
    idx = index.translate(_SUBI)
    if paren:
        text = f"({base}{str(ly).translate(_SUB)}){idx}"
        tex = rf"({tex_base}_{{{ly}}})_{{{index}}}"
    else:
        text = f"{base}⁽{str(ly).translate(_SUP)}⁾{idx}"
        tex = rf"{tex_base}^{{({ly})}}_{{{index}}}"
    return D.LayerEntry(f"{base}{ly}", index, text, tex)


def delta_entry(depth: int, ly: int, index: str) -> sp.Basic:
    """δ⁽ˡ⁾ᵢₖ, or gᵢₖ for the last layer (δ_L = G)."""
    return D.Entry("g", index) if ly == depth else entry("δ", ly, index)


def input_entry(ly: int) -> sp.Basic:
    """The entry of what layer ``ly`` reads: xᵢⱼ, or a⁽ˡ⁻¹⁾ᵢⱼ."""
    return D.Entry("x", "ij") if ly == 1 else entry("a", ly - 1, "ij")


X_MAT = D.Mat("X")
S_MAT = D.Mat("S")
G_MAT = D.Mat("G")
ONES_N = D.Mat("1_n", text="𝟏", tex=r"\mathbf{1}")


@dataclass(frozen=True)
class NetworkContext:
    """The staged forms of a network's gradient, every one shape-checked.

    ``forward[l]`` is Zₗ's matrix form (l = 1 … L); ``delta[l]`` δₗ's (δ_L is G);
    ``upstream[l]`` δₗ₊₁Wₗ₊₁ (= ∂L/∂Aₗ, l < L); ``weight[l]``, ``bias[l]`` the gradients
    of Wₗ and bₗ (regulariser included); ``shapes`` every letter's shape.
    """

    depth: int
    widths: tuple[int, ...]
    activation: ActivationSpec
    shapes: Mapping[str, Shape]
    forward: Mapping[int, sp.Expr]
    upstream: Mapping[int, sp.Expr]
    delta: Mapping[int, sp.Expr]
    weight: Mapping[int, sp.Expr]
    bias: Mapping[int, sp.Expr]
    scale: sp.Expr
    index: Mapping[str, sp.Expr]
    """The same stages entry by entry: ``W2`` → ∂L/∂(W₂)ₖⱼ, ``b2``, ``A1`` → ∂L/∂a⁽¹⁾ᵢⱼ,
    ``δ1`` → δ⁽¹⁾ᵢⱼ."""

    def inputs(self, ly: int) -> D.Mat:
        """Aₗ₋₁, what dense layer ``l`` reads (X for the first)."""
        return X_MAT if ly == 1 else mat("A", ly - 1)


def _reg_index(regs: tuple[RegTerm, ...], ly: int) -> sp.Expr:
    """∂R/∂(Wₗ)ₖⱼ: λ(Wₗ)ₖⱼ + μ sgn((Wₗ)ₖⱼ)."""
    e = entry("W", ly, "kj", paren=True)
    terms = [t.r2 * e + t.r1 * D.Sgn(e, sp.Integer(t.sign_at_zero)) for t in regs]
    return sp.Add(*[t for t, r in zip(terms, regs, strict=True) if r.weight == f"W{ly}"])


def _index_forms(ctx: NetworkContext, regs: tuple[RegTerm, ...]) -> dict[str, sp.Expr]:
    """Every stage entry by entry, from the top layer down."""
    out: dict[str, sp.Expr] = {}
    for ly in range(ctx.depth, 0, -1):
        total = D.SampleSum(delta_entry(ctx.depth, ly, "ik") * input_entry(ly), D.ALL)
        bias = D.SampleSum(delta_entry(ctx.depth, ly, "ik"), D.ALL)
        out[f"W{ly}"] = ctx.scale * total + _reg_index(regs, ly)
        out[f"b{ly}"] = ctx.scale * bias
        if ly > 1:
            body = delta_entry(ctx.depth, ly, "ik") * entry("W", ly, "kj", paren=True)
            out[f"A{ly - 1}"] = D.IndexSum(body, sp.Symbol("k"), D.ALL)
            # with L = (1/n) Σᵢ ℓᵢ the δs are those of Σᵢ ℓᵢ (the 1/n comes in at each
            # parameter's gradient), so the upstream gradient is named for the sum
            head, head_tex = (
                ("(Σᵢ ℓᵢ)", r"\left(\sum_{i} \ell_{i}\right)") if ctx.scale != 1 else ("L", "L")
            )
            up = D.LayerEntry(
                f"dA{ly - 1}",
                "ij",
                f"∂{head}/∂a⁽{str(ly - 1).translate(_SUP)}⁾ᵢⱼ",
                rf"\frac{{\partial {head_tex}}}{{\partial a^{{({ly - 1})}}_{{ij}}}}",
            )
            act = ctx.activation
            fz = D.LayerEntry(
                f"{act.name}'{ly - 1}",
                "ij",
                f"{act.text}′(z⁽{str(ly - 1).translate(_SUP)}⁾ᵢⱼ)",
                rf"{act.tex}'(z^{{({ly - 1})}}_{{ij}})",
            )
            out[f"δ{ly - 1}"] = up * fz
    return out


def build_network_context(
    model: ModelSpec,
    act: ActivationSpec,
    reg_matrix: Mapping[str, sp.Expr],
    *,
    mean: bool,
    regs: tuple[RegTerm, ...] = (),
) -> NetworkContext:
    """Every stage of backprop through ``model`` as a shape-checked matrix form and entry by
    entry; ``reg_matrix`` gives ∂R/∂Wₗ by weight name, ``regs`` the regularisers."""
    widths = tuple(model.sizes.values())
    depth = len(widths) - 1
    names = size_names(depth)
    shapes: dict[str, Shape] = {"X": ("n", "d"), "S": ("n", "K"), "G": ("n", "K"), "1_n": ("n",)}
    for ly in range(1, depth + 1):
        shapes[f"W{ly}"] = (names[ly], names[ly - 1])
        shapes[f"b{ly}"] = (names[ly],)
        for base in ("Z", "A", "δ", f"{act.name}'"):
            shapes[f"{base}{ly}"] = ("n", names[ly])
    shapes["δ" + str(depth)] = ("n", "K")
    scale = 1 / N if mean else sp.Integer(1)
    forward: dict[int, sp.Expr] = {}
    upstream: dict[int, sp.Expr] = {}
    delta: dict[int, sp.Expr] = {depth: G_MAT}
    weight: dict[int, sp.Expr] = {}
    bias: dict[int, sp.Expr] = {}
    index: dict[str, sp.Expr] = {}
    ctx = NetworkContext(
        depth, widths, act, shapes, forward, upstream, delta, weight, bias, scale, index
    )
    for ly in range(1, depth + 1):
        added = ONES_N * D.Tr(mat("b", ly, bold=True))
        forward[ly] = ctx.inputs(ly) * D.Tr(mat("W", ly)) + added
        check_shape(forward[ly], shapes[f"Z{ly}"], shapes, f"Z{ly}")
    for ly in range(depth, 0, -1):
        d_l = mat("δ", ly) if ly < depth else G_MAT
        reg = reg_matrix.get(f"W{ly}", sp.Integer(0))
        weight[ly] = scale * D.Tr(d_l) * ctx.inputs(ly) + reg
        bias[ly] = scale * D.Tr(d_l) * ONES_N
        check_shape(weight[ly], shapes[f"W{ly}"], shapes, f"∂L/∂W{ly}")
        check_shape(bias[ly], shapes[f"b{ly}"], shapes, f"∂L/∂b{ly}")
        if ly > 1:
            upstream[ly - 1] = d_l * mat("W", ly)
            delta[ly - 1] = D.Hadamard(upstream[ly - 1], prime_mat(act, ly - 1))
            check_shape(upstream[ly - 1], shapes[f"A{ly - 1}"], shapes, f"∂L/∂A{ly - 1}")
            check_shape(delta[ly - 1], shapes[f"Z{ly - 1}"], shapes, f"δ{ly - 1}")
    index.update(_index_forms(ctx, regs))
    return ctx
