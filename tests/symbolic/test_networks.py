"""Network derivations: the staged steps, their shapes, the cross-check, the renderings."""

from __future__ import annotations

import functools
import re
from dataclasses import replace

import pytest
from latex_helper import compile_latex, needs_pdflatex

import gradproof
from gradproof.symbolic import display as D
from gradproof.symbolic.activations import get_activation
from gradproof.symbolic.conventions import get_convention
from gradproof.symbolic.crosscheck import DerivationCheckError
from gradproof.symbolic.derive import derive_symbolic
from gradproof.symbolic.model_context import build_model_context
from gradproof.symbolic.network import (
    G_MAT,
    ONES_N,
    build_network_context,
    get_output_loss,
    mat,
    network_model,
    prime_mat,
)
from gradproof.symbolic.network_check import cross_check_network
from gradproof.symbolic.network_derivation import _output_model
from gradproof.symbolic.steps import Rule
from gradproof.symbolic.tensor import DimensionError, check_shape


@functools.cache
def derived(layers="2-16-3", act="relu", loss="softmax", reg=None, kink=None):
    return derive_symbolic(loss, model="mlp", layers=layers, activation=act, reg=reg, kink=kink)


def test_parameters_and_shapes_follow_the_widths():
    d = derived("2-16-3")
    assert d.parameters == ("W1", "b1", "W2", "b2")
    assert d.layout().shapes == {"W1": (16, 2), "b1": (16,), "W2": (3, 16), "b2": (3,)}
    assert d.shapes["W1"] == ("h1", "d") and d.shapes["Z1"] == ("n", "h1")
    d3 = derived("4-8-5-2", "tanh", "squared_error")
    assert d3.layout().shapes["W2"] == (5, 8) and d3.layout().shapes["W3"] == (2, 5)


def test_staged_steps_name_their_rules_in_order():
    rules = [s.rule for s in derived("2-16-3").steps]
    assert rules == [
        Rule.DEFINITION,
        Rule.SOFTMAX_CE,
        Rule.SUM_RULE,
        Rule.MATRIX_PRODUCT,
        Rule.BIAS_SUM,
        Rule.LAYER_CHAIN,
        Rule.ACTIVATION,
        Rule.MATRIX_PRODUCT,
        Rule.BIAS_SUM,
        Rule.DELTA_RECURSION,
        Rule.RESULT,
    ]
    deeper = [s.rule for s in derived("2-3-3-2", "sigmoid").steps]
    assert deeper.count(Rule.ACTIVATION) == 2 and deeper.count(Rule.MATRIX_PRODUCT) == 3


def test_text_shows_forward_pass_delta_recursion_and_shapes():
    text = derived("2-16-3").render("text", detail="full")
    for piece in (
        "Z₁ = XW₁ᵀ + 𝟏b₁ᵀ",
        "A₁ = relu(Z₁)",
        "S = Z₂ = A₁W₂ᵀ + 𝟏b₂ᵀ",
        "G = P − Y",
        "∂L/∂W₂ = GᵀA₁",
        "∂L/∂b₂ = Gᵀ𝟏",
        "∂L/∂A₁ = GW₂",
        "δ₁ = (GW₂) ⊙ relu′(Z₁)",
        "relu′(Z₁) = 𝟙[Z₁ > 0]",
        "∂L/∂W₁ = δ₁ᵀX",
        "∂L/∂(W₁)ₖⱼ = Σᵢ δ⁽¹⁾ᵢₖ xᵢⱼ",
        "[h1×n][n×d] = [h1×d]",
        "relu′(0) = 0",
        "δₗ = (δₗ₊₁Wₗ₊₁) ⊙ relu′(Zₗ)",
        "d = 2, h1 = 16, K = 3",
    ):
        assert piece in text, piece
    # every step but the sum rule and the recursion ends with a line of shapes
    blocks = re.split(r"\n\s*\d+\. ", text)[1:]
    with_shapes = [b for b in blocks if "∈ ℝ" in b]
    assert len(with_shapes) == len(blocks) - 2


@pytest.mark.parametrize(
    "kink,text",
    [
        ("exclude", "relu′(Z₁) = 𝟙[Z₁ > 0]"),
        ("include", "relu′(Z₁) = 𝟙[Z₁ ≥ 0]"),
        ("average", "relu′(Z₁) = 𝟙[Z₁ > 0] + (1/2) 𝟙[Z₁ = 0]"),
    ],
)
def test_relu_convention_is_declared(kink, text):
    out = derived("2-3-2", kink=kink).render("text")
    assert text in out and f"kink convention '{kink}'" in out


def test_regulariser_acts_on_every_weight():
    d = derived("2-3-2", "tanh", "softmax", "elastic_net")
    assert d.render_formula("W1") == "δ₁ᵀX + λ₁ sgn(W₁) + λ₂W₁"
    assert d.render_formula("b1") == "δ₁ᵀ𝟏"
    text = d.render("text")
    assert "∂L/∂(W₁)ₖⱼ = Σᵢ δ⁽¹⁾ᵢₖ xᵢⱼ + λ₂ (W₁)ₖⱼ + λ₁ sgn((W₁)ₖⱼ)" in text
    assert "‖W₁‖₁" in text and "W1" not in text
    assert sum(s.rule == Rule.REGULARISER for s in d.steps) == 2


def test_logistic_is_one_unit_with_pm1_labels():
    d = derived("2-3-1", "sigmoid", "logistic")
    text = d.render("text")
    assert "labels y = ±1" in text and "σ(Z₁) ⊙ (1 − σ(Z₁))" in text


def _pieces(layers="2-3-2", act="relu", loss="softmax"):
    model = network_model(layers, act)
    spec = get_output_loss(loss)
    conv = get_convention("exclude")
    out = build_model_context(
        _output_model(model), spec, (), conv, mean=False, wrt=model.parameter_names[-2:]
    )
    return model, out, build_network_context(model, get_activation(act), {}, mean=False)


def test_cross_check_fails_without_the_activation_factor():
    _, out, ctx = _pieces("2-3-2", "sigmoid")
    wrong = replace(ctx, delta={**ctx.delta, 1: ctx.upstream[1]})  # σ′ left out
    with pytest.raises(DerivationCheckError, match="∂L/∂W1"):
        cross_check_network(wrong, out, {}, 0.0)
    cross_check_network(ctx, out, {}, 0.0)  # and passes as derived


def test_cross_check_fails_on_a_wrong_index_form():
    _, out, ctx = _pieces("2-3-2", "sigmoid")
    wrong = replace(ctx, index={**ctx.index, "δ1": ctx.index["A1"]})  # σ′ left out, by entry
    with pytest.raises(DerivationCheckError, match="index form of ∂L/∂W1"):
        cross_check_network(wrong, out, {}, 0.0)


def test_cross_check_fails_with_the_wrong_weight_rule():
    _, out, ctx = _pieces("2-3-3", "tanh")
    # δ₁ᵀ(A₀ = X) written with A₁ instead would not even be shaped right; use X for W2
    wrong = replace(ctx, weight={**ctx.weight, 2: D.Tr(G_MAT) * mat("A", 1) * 2})
    with pytest.raises(DerivationCheckError, match="∂L/∂W2"):
        cross_check_network(wrong, out, {}, 0.0)


@pytest.mark.parametrize(
    "expr,shape,what",
    [
        (G_MAT * D.Tr(mat("W", 2)), ("n", "h1"), "transposed W"),
        (D.Tr(ONES_N) * G_MAT, ("K",), "bias summed over the wrong axis"),
        (
            D.Hadamard(G_MAT * mat("W", 2), prime_mat(get_activation("relu"), 2)),
            ("n", "h1"),
            "f′ of the wrong layer",
        ),
    ],
    ids=["transposed-W", "bias-axis", "wrong-layer-prime"],
)
def test_shape_check_catches_wrong_stages(expr, shape, what):
    _, _, ctx = _pieces("2-3-4")
    with pytest.raises(DimensionError):
        check_shape(expr, shape, ctx.shapes, what)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"layers": "2-0-3"}, "at least 1"),
        ({"layers": "abc"}, "dashes"),
        ({"layers": "2"}, "dashes"),
        ({"layers": "2-16-x"}, "dashes"),
        ({"layers": "2-1000000-3"}, "at most"),
        ({"layers": "2-4-3", "activation": "softplus"}, "unknown activation"),
        ({"layers": "2-4-3", "loss": "hinge"}, "unknown loss"),
        ({"layers": "2-4-3", "loss": "logistic"}, "one output unit"),
        ({"layers": "2-4-1", "loss": "softmax"}, "at least 2"),
        ({"layers": "2-4-3", "reg": "lam*norm(w)"}, "regulariser"),
        ({"layers": "2-4-3", "params": {"gamma": 1.0}}, "no hyperparameter"),
        ({"layers": "2-4-3", "kink": "sideways"}, "kink convention"),
        ({}, "layer widths"),
    ],
    ids=[
        "zero-width",
        "letters",
        "one-width",
        "bad-width",
        "too-wide",
        "activation",
        "loss",
        "logistic-K",
        "softmax-K1",
        "reg-expression",
        "hyperparameter",
        "kink",
        "no-layers",
    ],
)
def test_bad_requests_are_one_error(kwargs, match):
    with pytest.raises(gradproof.GradproofError, match=match):
        gradproof.derive("mlp", **kwargs)


def test_layers_without_a_network_is_an_error():
    with pytest.raises(gradproof.GradproofError, match="model='mlp'"):
        gradproof.derive("softmax", layers="2-3-3")
    with pytest.raises(gradproof.GradproofError, match="loss once"):
        gradproof.derive("hinge", loss="hinge")


def test_markdown_has_the_latex_formulas():
    d = derived("2-16-3")
    latex, md = d.render("latex"), d.render("markdown")
    in_latex = re.findall(r"^\\\[\n(.*?)\n\\\]$", latex, re.S | re.M)
    in_md = re.findall(r"^\$\$\n(.*?)\n\$\$$", md, re.S | re.M)
    assert in_latex and in_latex == in_md
    flat = latex.replace("&=", "=")
    assert r"\delta_{1} = \left(G W_{2}\right) \odot \operatorname{relu}'(Z_{1})" in flat
    assert r"W_{1} \in \mathbb{R}^{h_{1} \times d}" in latex


@needs_pdflatex
def test_network_latex_compiles(tmp_path):
    docs = [
        derived(*args).render("latex", detail="full")
        for args in (
            ("2-3-3-2", "sigmoid", "squared_error", "elastic_net"),
            ("2-3-1", "tanh", "logistic", None, "average"),
        )
    ]
    tex = derived("2-16-3").render("latex", standalone=True, detail="full")
    tex = tex.replace(r"\end{document}", "\n\n".join(docs) + "\n\\end{document}")
    assert "′" not in tex and "⊙" not in tex  # unicode outside math: pdflatex drops it
    assert "?" not in re.sub(r"\$[^$]*\$|\\\[.*?\\\]", "", tex, flags=re.S)  # nor a '?' for it
    log = compile_latex(tex, tmp_path)
    assert "Missing character" not in log
