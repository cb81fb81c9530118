"""Derivations side by side (gradproof.notes.compare)."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess

import numpy as np
import pytest

from gradproof.errors import OptionError, UnknownLossError
from gradproof.notes import compare
from gradproof.symbolic.losses import LOSSES


def test_text_perceptron_vs_hinge():
    out = compare(["perceptron", "hinge"])
    blocks = {b.splitlines()[0]: b.splitlines()[1:] for b in out.strip().split("\n\n")[1:]}
    assert list(blocks) == [
        "loss",
        "active set",
        "∂L/∂w",
        "∂L/∂b",
        "∂L/∂w (matrix)",
        "∂L/∂b (matrix)",
        "convention",
        "Differences",
    ]
    assert blocks["∂L/∂w"] == ["  perceptron  −Σ_{i∈M} yᵢ xᵢ", "  hinge       λw − Σ_{i∈V} yᵢ xᵢ"]
    assert blocks["∂L/∂b"] == ["  perceptron  −Σ_{i∈M} yᵢ", "  hinge       −Σ_{i∈V} yᵢ"]
    assert blocks["active set"] == [
        "  perceptron  M = {i : yᵢ (w·xᵢ + b) ≤ 0}",
        "  hinge       V = {i : yᵢ (w·xᵢ + b) < 1}",
    ]
    assert blocks["convention"][0].startswith("  perceptron  include")
    assert blocks["convention"][1].startswith("  hinge       exclude")


def test_a_sentence_per_difference():
    out = compare(["perceptron", "hinge"])
    diffs = _blocks(out)["Differences"]
    assert len(diffs) == 3
    # margin 0 vs 1, the regulariser, the convention at the kink
    assert "yᵢ sᵢ ≤ 0" in diffs[0] and "yᵢ sᵢ < 1" in diffs[0] and "0 < yᵢ sᵢ < 1" in diffs[0]
    assert "(λ/2)‖w‖²" in diffs[1] and "λw" in diffs[1]
    assert "include" in diffs[2] and "exclude" in diffs[2]


TOY = ([[2.0, 3.0], [1.0, -1.0], [0.2, 0.1]], [1.0, -1.0, 1.0])


def test_with_data_the_numbers_of_each_loss_on_the_same_point():
    from gradproof.datasets import as_dataset

    from .conftest import hinge_grad, hinge_loss, perceptron_grad, perceptron_loss

    X, y = (np.array(a) for a in TOY)
    w, b = np.array([0.5, 0.5]), 0.0
    out = compare(["perceptron", "hinge"], data=as_dataset(X, y), at={"w": [0.5, 0.5], "b": 0})
    blocks = _blocks(out)
    pw, pb = perceptron_grad(X, y, w, b)
    hw, hb = hinge_grad(X, y, w, b, 0.01)
    fmt = lambda v: f"{v:.6g}".replace("-", "−")  # noqa: E731
    assert blocks["loss L"] == [
        f"  perceptron  {fmt(perceptron_loss(X, y, w, b))}",
        f"  hinge       {fmt(hinge_loss(X, y, w, b, 0.01))}",
    ]
    assert blocks["∂L/∂w"][-2:] == [
        f"  perceptron  [{fmt(pw[0])}, {fmt(pw[1])}]",
        f"  hinge       [{fmt(hw[0])}, {fmt(hw[1])}]",
    ]
    assert blocks["active set"][-2:] == ["  perceptron  M = {2}", "  hinge       V = {2, 3}"]
    assert blocks["w after one step"] == [
        f"  perceptron  [{fmt(w[0] - 0.1 * pw[0])}, {fmt(w[1] - 0.1 * pw[1])}]",
        f"  hinge       [{fmt(w[0] - 0.1 * hw[0])}, {fmt(w[1] - 0.1 * hw[1])}]",
    ]
    assert blocks["b after one step"] == [f"  perceptron  {fmt(b - 0.1 * pb)}", "  hinge       0"]
    diffs = " ".join(blocks["Differences"])
    # sample 3 has margin 0.15: in V (margin < 1), not in M; sample 2 has margin 0: on M's kink
    assert "sample 3 is in V but not in M" in diffs
    assert "sample 2 lies exactly on the kink of the perceptron loss" in diffs


def test_markdown_for_a_site_and_the_margin_figure(tmp_path):
    from gradproof.datasets import as_dataset

    pytest.importorskip("matplotlib")
    fig = tmp_path / "margin.png"
    out = compare(
        ["perceptron", "hinge"],
        "markdown",
        data=as_dataset(*TOY),
        at={"w": [0.5, 0.5], "b": 0},
        site="jekyll",
        figure=fig,
    )
    assert fig.is_file() and fig.with_suffix(".svg").is_file()
    assert "![Per-sample loss against the margin](margin.png)" in out
    math = re.findall(r"\$\$(.*?)\$\$", out)  # kramdown's delimiters, inline too
    assert r"M = \{2\}" in math and not [m for m in math if "|" in m]


def test_markdown_table_has_one_cell_per_loss():
    out = compare(["perceptron", "hinge", "huber"], "markdown")
    rows = [ln for ln in out.splitlines() if ln.startswith("|")]
    assert len(rows) == 2 + 7
    for row in rows:  # unescaped pipes delimit exactly 1 + 3 cells
        assert len(re.findall(r"(?<!\\)\|", row)) == 5, row
    assert r"$- \sum_{i \in M} y_{i} \mathbf{x}_{i}$" in out


def _blocks(out: str) -> dict[str, list[str]]:
    return {b.splitlines()[0]: b.splitlines()[1:] for b in out.strip().split("\n\n")[1:]}


# By hand: hinge ℓ = max(0, 1 − y s) + (λ/2)‖w‖², so ∂ℓ/∂s = −y on V = {y s < 1} (the default
# convention 'exclude' leaves y s = 1 out) and ∂R/∂w = λw. Huber with r = s − y: ∂ℓ/∂s = r where
# |r| ≤ δ and δ·sgn(r) beyond; no max(0, ·), so every sample counts.
HINGE_VS_HUBER = {
    "loss": [
        "  hinge  L = Σᵢ max(0, 1 − yᵢ sᵢ) + (λ/2)‖w‖²",
        "  huber  L = Σᵢ {½(sᵢ − yᵢ)² if |sᵢ − yᵢ| ≤ δ; δ (|sᵢ − yᵢ| − δ/2) otherwise}",
    ],
    "active set": ["  hinge  V = {i : yᵢ (w·xᵢ + b) < 1}", "  huber  all samples (no max(0, ·))"],
    "∂L/∂w": [
        "  hinge  λw − Σ_{i∈V} yᵢ xᵢ",
        "  huber  Σᵢ {w·xᵢ + b − yᵢ if |w·xᵢ + b − yᵢ| ≤ δ; δ sgn(w·xᵢ + b − yᵢ) otherwise} xᵢ",
    ],
    "∂L/∂b": [
        "  hinge  −Σ_{i∈V} yᵢ",
        "  huber  Σᵢ {w·xᵢ + b − yᵢ if |w·xᵢ + b − yᵢ| ≤ δ; δ sgn(w·xᵢ + b − yᵢ) otherwise}",
    ],
    "∂L/∂w (matrix)": [
        "  hinge  λw − Xᵀ(y ⊙ 𝟙_V)",
        "  huber  Xᵀ({Xw + b𝟏 − y if |Xw + b𝟏 − y| ≤ δ; δ sgn(Xw + b𝟏 − y) otherwise})",
    ],
    "∂L/∂b (matrix)": [
        "  hinge  −𝟏ᵀ(y ⊙ 𝟙_V)",
        "  huber  𝟏ᵀ({Xw + b𝟏 − y if |Xw + b𝟏 − y| ≤ δ; δ sgn(Xw + b𝟏 − y) otherwise})",
    ],
    "convention": [
        "  hinge  exclude: a sample on the kink is left out (𝟙 = 0 at 0)",
        "  huber  piecewise, differentiable at the boundaries",
    ],
    "Differences": [
        "  - active set: the hinge loss (soft-margin SVM) sums over V only (yᵢ sᵢ < 1); the "
        "huber loss has no max(0, ·), so every sample contributes",
        "  - regulariser: the hinge loss (soft-margin SVM) adds (λ/2)‖w‖², which adds λw to its "
        "gradient in w; the huber loss has none",
        "  - smoothness: the huber loss is differentiable everywhere and needs no convention; the "
        "hinge loss (soft-margin SVM) has a kink at u = 0",
    ],
}


def test_params_go_to_the_losses_that_have_them(monkeypatch):
    module = importlib.import_module("gradproof.notes.compare")  # the function shadows it
    seen = {}
    real = module.derive_symbolic

    def spy(name, **kwargs):
        seen[name] = kwargs["params"]
        return real(name, **kwargs)

    monkeypatch.setattr(module, "derive_symbolic", spy)
    out = compare(["hinge", "huber"], params={"lam": 0.5, "delta": 2.0})
    assert seen == {"hinge": {"lam": 0.5}, "huber": {"delta": 2.0}}
    # the formulas keep the symbols λ and δ, whatever their values
    assert _blocks(out) == HINGE_VS_HUBER
    with pytest.raises(OptionError, match="'gamma'"):
        compare(["hinge", "huber"], params={"gamma": 1.0})
    with pytest.raises(OptionError, match="lam = -1 is negative"):
        compare(["hinge", "huber"], params={"lam": -1.0})


@pytest.mark.parametrize(
    ("losses", "fmt", "error"),
    [
        pytest.param(["perceptron"], "text", OptionError, id="one-loss"),
        pytest.param(["perceptron", "hinge"], "html", OptionError, id="format"),
        pytest.param(["perceptron", "nope"], "text", UnknownLossError, id="unknown-loss"),
    ],
)
def test_invalid(losses, fmt, error):
    with pytest.raises(error):
        compare(losses, fmt)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_compiles_standalone(tmp_path):
    tex = compare(list(LOSSES), "latex")
    (tmp_path / "c.tex").write_text(tex)
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "c.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
