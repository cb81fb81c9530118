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
    # One document model: each step's display is the same LaTeX in both formats.
    d = gradproof.derive(name, example=True)
    latex = d.render("latex")
    md = d.render("markdown")
    in_latex = re.findall(r"^\\\[\n(.*?)\n\\\]$", latex, re.S | re.M)
    in_md = re.findall(r"^\$\$\n(.*?)\n\$\$$", md, re.S | re.M)
    shown = [s for s in d.steps if s.detail == "summary"]
    assert len(in_latex) == len(shown) and in_latex == in_md
    assert "```math" not in md and "gather" not in latex and "align}" not in latex


def test_steps_are_numbered_once_in_every_format():
    # issue 12: the worked example's steps were 11–16 in Markdown and 1–6 in LaTeX
    d = gradproof.derive("perceptron", example=True)
    n = len([s for s in d.steps if s.detail == "summary"])
    for fmt, pattern in (
        ("text", r"^ ?(\d+)\. "),
        ("markdown", r"^\*\*(\d+)\. "),
        ("latex", r"^\\textbf\{(\d+)\. "),
    ):
        numbers = [int(k) for k in re.findall(pattern, d.render(fmt), re.M)]
        assert numbers == list(range(1, n + 1)), fmt


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
    md = d._repr_markdown_()  # Jupyter renders $$ blocks, not GitHub's ```math fences
    assert "$$\n" in md and "```math" not in md and r"\sum_{i \in M}" in md


def test_full_detail_adds_steps():
    d = gradproof.derive("logistic")
    assert len(d.render(detail="full")) > len(d.render(detail="summary"))


_NEED_TEX = bool(os.environ.get("CI"))


@pytest.mark.skipif(
    shutil.which("pdflatex") is None and not _NEED_TEX,
    reason="pdflatex not installed (CI installs it)",
)
@pytest.mark.parametrize("name", list(LOSSES))
def test_standalone_latex_compiles(name, tmp_path):
    tex = gradproof.derive(name, example=True).render("latex", standalone=True, detail="full")
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


def test_active_set_losses_sum_over_their_set():
    # Squared hinge: on V the loss is (1 − y s)², whose s-derivative is −2y(1 − y s); off V
    # every term is 0 — so the textbook form sums over V without a max(0, ·).
    d = gradproof.derive("squared_hinge")
    assert d.render_formula("w") == "λw − Σ_{i∈V} 2yᵢ (1 − yᵢ (w·xᵢ + b)) xᵢ"
    assert d.render_formula("b") == "−Σ_{i∈V} 2yᵢ (1 − yᵢ (w·xᵢ + b))"


def test_ramp_powers_fold_their_indicator():
    d = gradproof.derive(expr="max(0, 1 - y*dot(w, x))^3 + max(0, b)")
    assert d.render_formula("w") == "−Σᵢ 3yᵢ max(0, 1 − yᵢ w·xᵢ)² xᵢ"


# Hand derivations: with r = w·x + b − y, ∂/∂w √(1 + r²)/2 = r x / (2√(1 + r²));
# ∂‖w‖³/∂w = 3‖w‖ w; Σᵢ λ xᵢ = λXᵀ𝟏; Σᵢ b yᵢ xᵢ = b Xᵀy.
GOLDEN = [
    (
        {"expr": "sqrt(1 + (w·x+b-y)^2)/2"},
        "w",
        "index",
        "Σᵢ ((w·xᵢ + b − yᵢ) xᵢ)/(2·√((w·xᵢ + b − yᵢ)² + 1))",
    ),
    (
        {"expr": "5*sqrt(1 + (w·x+b-y)^2)/2"},
        "w",
        "index",
        "Σᵢ (5·(w·xᵢ + b − yᵢ) xᵢ)/(2·√((w·xᵢ + b − yᵢ)² + 1))",
    ),
    ({"expr": "y", "reg": "norm(w)^3"}, "w", "index", "3·‖w‖ w"),
    ({"expr": "y", "reg": "lam*norm(w)", "params": {"lam": 1}}, "w", "index", "(λw)/‖w‖"),
    ({"expr": "lam*dot(w,x)", "params": {"lam": 1}}, "w", "matrix", "λ Xᵀ𝟏"),
    ({"expr": "y*dot(w,x)*b"}, "w", "matrix", "b Xᵀy"),
    ({"expr": "dot(w,x) + b"}, "b", "matrix", "n"),
]


@pytest.mark.parametrize("kwargs, p, form, expected", GOLDEN, ids=[g[3] for g in GOLDEN])
def test_printed_formulas_match_hand_derivations(kwargs, p, form, expected):
    from gradproof.symbolic.render.printers import to_text

    d = gradproof.derive(**kwargs)
    expr = d.gradient[p] if form == "index" else d.matrix_form[p]
    assert to_text(expr, expand_score=True, sets=dict(d.set_names)) == expected


@pytest.mark.skipif(
    shutil.which("pdflatex") is None and not _NEED_TEX,
    reason="pdflatex not installed (CI installs it)",
)
@pytest.mark.parametrize(
    "expr, reg",
    [
        ("max(0, −y*(w⋅x+b))", None),
        ("dot(x,x)^2*dot(w,x) + 5*sqrt(1+(w·x+b-y)^2)/2", "norm(w)^3"),
        ("min(1, max(0, -y*(dot(w,x)+b))) + abs(b)", "lam*norm(w)"),
    ],
)
def test_user_expression_latex_compiles(expr, reg, tmp_path):
    params = {"lam": 0.5} if reg and "lam" in reg else {}
    d = gradproof.derive(
        expr=expr, reg=reg, params=params, example=True, at={"w": [0.5, -0.25], "b": 0.1}
    )
    (tmp_path / "doc.tex").write_text(d.render("latex", standalone=True, detail="full"))
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("c*d*y*dot(w,x)", "L = Σᵢ c d yᵢ w·xᵢ"),  # no "dyᵢ" or "cw·xᵢ"
        ("2*dot(w,x)^2", "L = Σᵢ 2·(w·xᵢ)²"),  # the square is of the whole dot product
    ],
)
def test_products_of_names_stay_readable(expr, expected):
    text = gradproof.derive(expr=expr, params={"c": 1, "d": 2}).render()
    assert expected in text
