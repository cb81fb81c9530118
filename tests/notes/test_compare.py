"""Derivations side by side (gradproof.notes.compare)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from gradproof.errors import OptionError, UnknownLossError
from gradproof.notes import compare


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


def test_params_go_to_the_losses_that_have_them():
    out = compare(["hinge", "huber"], params={"lam": 0.5, "delta": 2.0})
    assert "λw" in out  # the symbol stays; the values are checked to be accepted
    with pytest.raises(OptionError, match="'gamma'"):
        compare(["hinge", "huber"], params={"gamma": 1.0})


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
    tex = compare(
        ["perceptron", "hinge", "logistic", "squared_hinge", "squared_error", "huber"], "latex"
    )
    (tmp_path / "c.tex").write_text(tex)
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "c.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
