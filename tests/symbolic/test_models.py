"""Models with K scores per sample (issue 15), symbolic side: the derived matrix forms against
an oracle written here (a numpy loss differentiated by central differences), golden final
formulas, shapes on every step, the dimension check, and a cross-check that can fail."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
import sympy as sp

from gradproof.errors import GradproofError, OptionError
from gradproof.symbolic import display as D
from gradproof.symbolic.atoms import hyperparameter
from gradproof.symbolic.conventions import get_convention
from gradproof.symbolic.crosscheck import DerivationCheckError, cross_check
from gradproof.symbolic.derive import derive_symbolic
from gradproof.symbolic.model_context import build_model_context
from gradproof.symbolic.models import get_model
from gradproof.symbolic.regularisers import get_regulariser, reg_term
from gradproof.symbolic.score_losses import get_score_loss
from gradproof.symbolic.tensor import DimensionError, check_shape, evaluate_matrix

LOSSES = ["softmax", "multiclass_hinge", "crammer_singer", "multi_squared_error"]
REGS = [None, "l2", "l1", "elastic_net"]
PARAMS = {"l2": {"lam": 0.3}, "l1": {"lam": 0.2}, "elastic_net": {"lam1": 0.2, "lam2": 0.5}}


@functools.cache
def derived(loss: str, reg: str | None = None, mean: bool = False, l1: str | None = None):
    return derive_symbolic(loss, reg=reg, params=PARAMS.get(reg or "", {}), mean=mean, l1=l1)


# -- the oracle: losses written out in numpy, differentiated by central differences ----------
def scores(X, W, b):
    return X @ W.T + b


def loss_value(loss, X, y, W, b):
    S = scores(X, W, b)
    n = len(X)
    rows = np.arange(n)
    if loss == "multi_squared_error":
        return 0.5 * np.sum((S - y) ** 2)
    true = S[rows, y]
    if loss == "softmax":
        m = S.max(axis=1)
        return np.sum(m + np.log(np.exp(S - m[:, None]).sum(axis=1)) - true)
    margins = S - true[:, None] + 1.0
    margins[rows, y] = -np.inf
    if loss == "multiclass_hinge":
        return np.sum(np.maximum(0.0, margins))
    return np.sum(np.maximum(0.0, margins.max(axis=1)))  # Crammer–Singer


def reg_value(reg, W):
    p = PARAMS.get(reg or "", {})
    if reg == "l2":
        return p["lam"] / 2 * np.sum(W**2)
    if reg == "l1":
        return p["lam"] * np.sum(np.abs(W))
    if reg == "elastic_net":
        return p["lam1"] * np.sum(np.abs(W)) + p["lam2"] / 2 * np.sum(W**2)
    return 0.0


def total(loss, reg, X, y, W, b, name, theta):
    """L + R at (W, b) with the parameter ``name`` replaced by ``theta``."""
    W, b = (theta, b) if name == "W" else (W, theta)
    return loss_value(loss, X, y, W, b) + reg_value(reg, W)


def central(f, theta, h=1e-5):
    out = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        hi, lo = theta.copy(), theta.copy()
        hi[idx] += h
        lo[idx] -= h
        out[idx] = (f(hi) - f(lo)) / (2 * h)
    return out


def draw(loss, seed, n=7, d=3, K=4):
    """Data and a point away from every kink (margins, ties, W = 0) by ≥ 1e-2."""
    rng = np.random.default_rng(seed)
    while True:
        X = rng.normal(size=(n, d))
        W = rng.normal(size=(K, d))
        b = rng.normal(size=K)
        y = rng.normal(size=(n, K)) if loss == "multi_squared_error" else rng.integers(0, K, n)
        if loss == "multi_squared_error":
            return X, y, W, b
        S = scores(X, W, b)
        true = S[np.arange(n), y]
        m = S - true[:, None] + 1.0
        m[np.arange(n), y] = np.inf
        rivals = np.sort(np.where(np.isinf(m), -np.inf, S), axis=1)
        if (
            np.abs(m).min() > 1e-2
            and np.abs(W).min() > 1e-2
            and np.all(rivals[:, -2] - rivals[:, -3] > 1e-2)
        ):
            return X, y, W, b


def letters(X, y, W, b, K):
    """The letters the printed matrix forms use, each from its printed definition."""
    S = scores(X, W, b)
    n = len(X)
    rows = np.arange(n)
    env = {"X": X, "W": W, "b": b, "S": S, "1_n": np.ones(n), "1_K": np.ones(K)}
    if y.ndim == 2:
        env["Y"] = y
        return env
    Y = np.zeros((n, K))
    Y[rows, y] = 1.0
    E = np.exp(S - S.max(axis=1, keepdims=True))
    env.update(Y=Y, P=E / E.sum(axis=1, keepdims=True))
    margin = S - S[rows, y][:, None] + 1.0
    env["V"] = ((margin > 0) & (Y == 0)).astype(float)  # vᵢₖ = 𝟙[k ≠ yᵢ] 𝟙[margin > 0]
    rival = np.where(Y == 1, -np.inf, S)
    R = np.zeros((n, K))
    R[rows, rival.argmax(axis=1)] = 1.0  # the strongest rival class
    env["R"] = R
    env["v"] = (1.0 + rival.max(axis=1) - S[rows, y] > 0).astype(float)
    return env


@pytest.mark.parametrize("reg", REGS, ids=lambda r: r or "none")
@pytest.mark.parametrize("loss", LOSSES)
def test_matrix_form_matches_central_differences(loss, reg):
    d = derived(loss, reg)
    scalars = {hyperparameter(k): v for k, v in PARAMS.get(reg or "", {}).items()}
    for seed in range(3):
        X, y, W, b = draw(loss, seed)
        env = letters(X, y, W, b, K=W.shape[0])
        for name, theta in (("W", W), ("b", b)):
            got = evaluate_matrix(d.matrix_form[name], env, scalars).reshape(theta.shape)

            want = central(functools.partial(total, loss, reg, X, y, W, b, name), theta.copy())
            err = np.max(np.abs(got - want)) / max(1.0, np.max(np.abs(want)))
            assert err <= 1e-8, (loss, reg, name, seed, err)


GOLDEN = {
    ("softmax", None): ("(P − Y)ᵀX", "(P − Y)ᵀ𝟏"),
    ("softmax", "l2"): ("(P − Y)ᵀX + λW", "(P − Y)ᵀ𝟏"),
    ("softmax", "elastic_net"): ("(P − Y)ᵀX + λ₁ sgn(W) + λ₂W", "(P − Y)ᵀ𝟏"),
    ("multiclass_hinge", None): ("(V − diag(V𝟏)Y)ᵀX", "(V − diag(V𝟏)Y)ᵀ𝟏"),
    ("crammer_singer", "l1"): ("(diag(v)(R − Y))ᵀX + λ sgn(W)", "(diag(v)(R − Y))ᵀ𝟏"),
    ("multi_squared_error", None): ("(S − Y)ᵀX", "(S − Y)ᵀ𝟏"),
}


@pytest.mark.parametrize(("key", "want"), GOLDEN.items(), ids=lambda k: str(k))
def test_final_formulas_golden(key, want):
    d = derived(*key)
    assert (d.render_formula("W"), d.render_formula("b")) == want


def test_softmax_index_form_and_mean():
    d = derived("softmax", "l1", True)
    assert d.render_index("W") == "(1/n) Σᵢ (pᵢₖ − yᵢₖ) xᵢⱼ + λ sgn(Wₖⱼ)"
    assert d.render_formula("W") == "(1/n) (P − Y)ᵀX + λ sgn(W)"


SOFTMAX_RULE = """\
 4. softmax–cross-entropy rule
      gᵢₖ = ∂ℓᵢ/∂sᵢₖ = pᵢₖ − yᵢₖ
      pᵢₖ = exp(sᵢₖ) / Σₗ exp(sᵢₗ)
      yᵢₖ = 𝟙[k = yᵢ]
      G = P − Y
      Σₖ gᵢₖ = Σₖ (pᵢₖ − yᵢₖ) = 0
      G ∈ ℝⁿˣᴷ,  P ∈ ℝⁿˣᴷ,  Y ∈ ℝⁿˣᴷ
"""

MATRIX_RULE = """\
 6. matrix-product rule
      ∂L/∂W = GᵀX = (P − Y)ᵀX
      ∂L/∂b = Gᵀ𝟏 = (P − Y)ᵀ𝟏
      Gᵀ ∈ ℝᴷˣⁿ,  X ∈ ℝⁿˣᵈ,  GᵀX ∈ ℝᴷˣᵈ,  Gᵀ𝟏 ∈ ℝᴷ
"""


def test_softmax_text_golden():
    text = derived("softmax").render("text")
    assert SOFTMAX_RULE in text and MATRIX_RULE in text
    assert "layout convention: a gradient has the shape of its parameter" in text
    for rule in ("sum over samples", "chain rule through the scores", "collect terms"):
        assert rule in text


@pytest.mark.parametrize("reg", REGS, ids=lambda r: r or "none")
@pytest.mark.parametrize("loss", LOSSES)
def test_every_step_shows_shapes(loss, reg):
    d = derived(loss, reg)
    text = d.render("text")
    blocks = text.split("\n\n")[1:]  # the header, then one block per step
    assert blocks and all("∈ ℝ" in b for b in blocks), loss
    if reg:
        assert "regulariser rule" in text


def test_hinge_names_its_convention():
    ww = derived("multiclass_hinge").render("text")
    cs = derived("crammer_singer").render("text")
    assert "Weston–Watkins" in ww and "Crammer–Singer" in cs
    assert "subgradient convention 'exclude'" in ww
    assert "the first one (the lowest label) is taken" in cs


@pytest.mark.parametrize(("l1", "value"), [(None, "0"), ("plus", "1"), ("minus", "−1")])
def test_l1_convention_is_stated(l1, value):
    text = derived("softmax", "l1", False, l1).render("text")
    assert f"sgn(0) = {value}" in text


def _context(loss="softmax", reg=None):
    regs = ()
    if reg:
        regs = (reg_term(get_regulariser(reg), "W", 0),)
    return build_model_context(
        get_model("multiclass_linear"),
        get_score_loss(loss),
        regs,
        get_convention("exclude"),
        mean=False,
        wrt=("W", "b"),
    )


@pytest.mark.parametrize("route", ["matrix", "gradient"])
@pytest.mark.parametrize("loss", LOSSES)
def test_cross_check_rejects_a_wrong_gradient(loss, route):
    ctx = _context(loss, "l2")
    cross_check(ctx, {"lam": 0.3})  # the right one passes
    wrong = dict(getattr(ctx, route))
    wrong["W"] = 2 * wrong["W"]  # a factor 2 off
    with pytest.raises(DerivationCheckError):
        cross_check(dataclasses.replace(ctx, **{route: wrong}), {"lam": 0.3})
    wrong = dict(getattr(ctx, route))
    if route == "matrix":  # the regulariser with the wrong coefficient
        wrong["W"] = wrong["W"] + sp.Rational(1, 2) * D.Mat("W")
    else:
        wrong["b"] = wrong["b"] + sp.Integer(1)
    with pytest.raises(DerivationCheckError):
        cross_check(dataclasses.replace(ctx, **{route: wrong}), {"lam": 0.3})


def test_cross_check_rejects_a_wrong_row_sum():
    ctx = _context("softmax")
    bad = dataclasses.replace(ctx, g_index=ctx.g_index + sp.Rational(1, 3))
    with pytest.raises(DerivationCheckError, match="sum to 0"):
        cross_check(bad, {})


SHAPES = {"X": ("n", "d"), "W": ("K", "d"), "b": ("K",), "G": ("n", "K"), "1_n": ("n",)}


@pytest.mark.parametrize(
    "expr",
    [
        D.Mat("X") * D.Mat("W"),  # [n×d][K×d]
        D.Mat("G") * D.Mat("X"),  # Gᵀ forgotten
        D.Tr(D.Mat("G")) * D.Mat("X") + D.Mat("b"),  # K×d + K
    ],
    ids=["XW", "GX", "GtX+b"],
)
def test_dimension_check_raises(expr):
    with pytest.raises(DimensionError):
        check_shape(expr, ("K", "d"), SHAPES, "∂L/∂W")


def test_dimension_check_accepts_the_rule():
    check_shape(D.Tr(D.Mat("G")) * D.Mat("X"), ("K", "d"), SHAPES, "∂L/∂W")
    with pytest.raises(DimensionError, match="should have K×d"):
        check_shape(D.Tr(D.Mat("G")) * D.Mat("1_n"), ("K", "d"), SHAPES, "∂L/∂W")


BAD = [
    ("reg", {"loss": "softmax", "reg": "l3"}, "regulariser"),
    ("wrt", {"loss": "softmax", "wrt": ["w"]}, "W, b"),
    ("labels", {"loss": "softmax", "labels": "pm1"}, "labels"),
    ("param", {"loss": "softmax", "params": {"lam": 1}}, "no hyperparameter 'lam'"),
    ("negative", {"loss": "softmax", "reg": "l2", "params": {"lam": -1}}, "negative"),
    ("l1", {"loss": "softmax", "reg": "l1", "l1": "half"}, "L1 convention"),
    ("model", {"loss": "softmax", "model": "linear"}, "multiclass_linear"),
    ("l1-linear", {"loss": "hinge", "l1": "plus"}, "norm1"),
]


@pytest.mark.parametrize(("kwargs", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_requests_are_one_line_errors(kwargs, match):
    with pytest.raises(GradproofError, match=match) as info:
        derive_symbolic(**kwargs)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, OptionError)


_NEED_TEX = bool(os.environ.get("CI"))


@pytest.mark.skipif(
    shutil.which("pdflatex") is None and not _NEED_TEX, reason="pdflatex not installed"
)
def test_model_latex_compiles(tmp_path):
    # one document with every loss (and a regulariser): one pdflatex run
    docs = [derived(loss, "elastic_net").render("latex", detail="full") for loss in LOSSES]
    tex = derived("softmax", "l2").render("latex", standalone=True, detail="full")
    tex = tex.replace(r"\end{document}", "\n\n".join(docs) + "\n\\end{document}")
    (tmp_path / "doc.tex").write_text(tex)
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


@pytest.mark.parametrize("loss", LOSSES)
def test_markdown_has_the_latex_formulas(loss):
    d = derived(loss, "l2")
    latex, md = d.render("latex"), d.render("markdown")
    in_latex = re.findall(r"^\\\[\n(.*?)\n\\\]$", latex, re.S | re.M)
    in_md = re.findall(r"^\$\$\n(.*?)\n\$\$$", md, re.S | re.M)
    assert in_latex and in_latex == in_md
    assert all(r"\in \mathbb{R}" in block for block in in_md)
    if loss == "softmax":
        assert r"= \left(P - Y\right)^{\top} X" in latex
