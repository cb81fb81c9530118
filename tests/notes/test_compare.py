"""Derivations side by side (gradproof.notes.compare)."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess

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
    ]
    assert blocks["∂L/∂w"] == ["  perceptron  −Σ_{i∈M} yᵢ xᵢ", "  hinge       λw − Σ_{i∈V} yᵢ xᵢ"]
    assert blocks["∂L/∂b"] == ["  perceptron  −Σ_{i∈M} yᵢ", "  hinge       −Σ_{i∈V} yᵢ"]
    assert blocks["active set"] == [
        "  perceptron  M = {i : yᵢ (w·xᵢ + b) ≤ 0}",
        "  hinge       V = {i : yᵢ (w·xᵢ + b) < 1}",
    ]
    assert blocks["convention"][0].startswith("  perceptron  include")
    assert blocks["convention"][1].startswith("  hinge       exclude")


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
