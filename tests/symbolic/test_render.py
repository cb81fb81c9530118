"""Renderers: golden text for the perceptron, the same formulas in LaTeX and Markdown, and
standalone LaTeX that compiles with pdflatex for every built-in loss."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

import gradproof
from gradproof.symbolic.losses import LOSSES

PERCEPTRON_RESULT = """\
 8. collect terms
      ∂L/∂w = −Σ_{i∈M} yᵢ xᵢ
      ∂L/∂b = −Σ_{i∈M} yᵢ
      M = {i : yᵢ (w·xᵢ + b) ≤ 0}
      — put the pieces together; the sum runs over M only
"""


def test_perceptron_text_golden():
    text = gradproof.derive("perceptron").render("text")
    assert PERCEPTRON_RESULT in text
    assert "θ(" not in text and "Heaviside" not in text and "KroneckerDelta" not in text


@pytest.mark.parametrize("name", list(LOSSES))
def test_markdown_has_the_latex_formulas(name):
    d = gradproof.derive(name, example=True)
    latex = d.render("latex")
    md = d.render("markdown")
    formulas = re.findall(r"\\begin\{gather\*\}\n(.*?)\n\s*\\end\{gather\*\}", latex, re.S)
    shown = [s for s in d.steps if s.detail == "summary"]
    assert len(formulas) == len(shown)
    for block in formulas:
        for line in block.split(r" \\"):
            assert line.strip() in md
    assert md.count("```math") == len(shown)


@pytest.mark.parametrize("name", list(LOSSES))
def test_no_raw_sympy_names_leak(name):
    for fmt in ("text", "latex", "markdown"):
        out = gradproof.derive(name, example=True).render(fmt, detail="full")
        leaks = ["Ramp", "Step(", "Heaviside", "Sigmoid(", "Softplus(", "DiracDelta"]
        for leak in leaks + (["**"] if fmt != "markdown" else []):
            assert leak not in out, (fmt, leak)


def test_jupyter_reprs():
    d = gradproof.derive("perceptron")
    assert d._repr_latex_().startswith("$$") and r"\sum_{i \in M}" in d._repr_latex_()
    assert "```math" in d._repr_markdown_()


def test_full_detail_adds_steps():
    d = gradproof.derive("logistic")
    assert len(d.render(detail="full")) > len(d.render(detail="summary"))


_NEED_TEX = bool(os.environ.get("CI"))


@pytest.mark.skipif(shutil.which("pdflatex") is None and not _NEED_TEX,
                    reason="pdflatex not installed (CI installs it)")
@pytest.mark.parametrize("name", list(LOSSES))
def test_standalone_latex_compiles(name, tmp_path):
    tex = gradproof.derive(name, example=True).render("latex", standalone=True, detail="full")
    (tmp_path / "doc.tex").write_text(tex)
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


def test_active_set_losses_sum_over_their_set():
    # Squared hinge: on V the loss is (1 − y s)², whose s-derivative is −2y(1 − y s); off V
    # every term is 0 — so the textbook form sums over V without a max(0, ·).
    d = gradproof.derive("squared_hinge")
    assert d.render_formula("w") == "λw − Σ_{i∈V} 2yᵢ (1 − yᵢ (w·xᵢ + b)) xᵢ"
    assert d.render_formula("b") == "−Σ_{i∈V} 2yᵢ (1 − yᵢ (w·xᵢ + b))"


def test_ramp_powers_fold_their_indicator():
    d = gradproof.derive(expr="max(0, 1 - y*dot(w, x))^3 + max(0, b)")
    assert d.render_formula("w") == "−Σᵢ 3yᵢ max(0, 1 − yᵢ w·xᵢ)² xᵢ"
