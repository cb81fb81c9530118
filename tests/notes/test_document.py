"""The notes document: Markdown post and LaTeX document with figures."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

import gradproof
from gradproof.errors import OptionError
from gradproof.notes import write_notes
from gradproof.notes.document import code_excerpt

TOY_X, TOY_Y = [[2, 3], [1, -1]], [1, -1]


def _toy():
    return gradproof.derive("perceptron", X=TOY_X, y=TOY_Y, example=True)


def test_markdown_post(tmp_path):
    res = write_notes(_toy(), tmp_path, date="2026-01-02")
    assert res.document == tmp_path / "perceptron.md"
    text = res.document.read_text()
    assert text.startswith("# The gradient of the perceptron loss, step by step\n")
    for heading in (
        "## The loss",
        "## Derivation",
        "### Worked example",
        "## The code",
        "## Figures",
        "## Gradient descent",
    ):
        assert f"\n{heading}\n" in text
    assert "```math" in text and "```python" in text and "@ X" in text
    # The worked example: by hand, M = {1, 2} at w = 0, ∂L/∂w = −(1·[2,3] − 1·[1,−1]).
    assert r"\begin{bmatrix}-1 & -4\end{bmatrix}" in text
    # Every image is referenced relative to the document and exists.
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images == ["figures/perceptron-landscape.png", "figures/perceptron-loss.png"]
    assert all((tmp_path / p).is_file() for p in images)
    # The table: a pipe inside a cell is escaped, ‖g‖ at the start is √17.
    rows = [ln for ln in text.splitlines() if ln.startswith("| ")]
    assert rows[0] == r"| epoch | loss | ‖g‖ | w | b | \|M\| |"
    assert rows[2] == f"| 0 | 0 | {np.sqrt(17):.6g} | (0, 0) | 0 | 2/2 |"
    assert rows[3] == "| 1 | 0 | 0 | (0.1, 0.4) | 0 | 0/2 |"
    assert "converged after 1 epoch" in text


def test_front_matter_and_jekyll_file_name(tmp_path):
    res = write_notes(
        _toy(),
        tmp_path / "posts",
        front_matter=True,
        date="2026-03-04",
        title='Perceptron: "by hand"',
        figures=False,
    )
    assert res.document.name == "2026-03-04-perceptron.md"
    lines = res.document.read_text().splitlines()
    assert lines[:5] == [
        "---",
        "layout: post",
        'title: "Perceptron: \\"by hand\\""',
        "date: 2026-03-04",
        "---",
    ]
    assert not any(ln.startswith("# ") for ln in lines)
    assert "## Figures" not in "\n".join(lines) and res.figures == []


def test_zh_text_without_figures(tmp_path):
    res = write_notes(_toy(), tmp_path, lang="zh", figures=False)
    text = res.document.read_text()
    assert text.startswith("# 感知机损失的梯度：逐步推导")
    assert "## 推导" in text and "## 梯度下降" in text


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        pytest.param({"format": "html"}, "markdown or latex", id="format"),
        pytest.param({"lang": "fr"}, "language", id="lang"),
        pytest.param({"date": "02/01/2026"}, "YYYY-MM-DD", id="date"),
    ],
)
def test_invalid_options(tmp_path, kwargs, words):
    with pytest.raises(OptionError, match=words):
        write_notes(_toy(), tmp_path / "x", **kwargs)
    assert not (tmp_path / "x").exists()


def test_needs_a_worked_example(tmp_path):
    with pytest.raises(OptionError, match="worked example"):
        write_notes(gradproof.derive("perceptron"), tmp_path)


def test_code_excerpt_shows_the_gradient_function():
    src = gradproof.derive("hinge").numpy().source
    ex = code_excerpt(src)
    assert ex.startswith("p_lam = 0.01\n\n")
    assert "@ X" in ex  # the gradient's pass over X is shown
    assert "def prepare_arrays" not in ex


def test_code_excerpt_of_a_fixed_source():
    src = (
        "import numpy as np\np_lam = 0.5\n\n\ndef prepare_arrays(X):\n    return X\n\n"
        "def _block(X):\n    return X\n\n"
        "def _grad(X, y, w, b):\n    return _block(prepare_arrays(X))\n\n"
        "def grad(X, y, w, b):\n    return _grad(X, y, w, b)\n\n"
        "def loss(X, y, w, b):\n    return 0\n"
    )
    assert code_excerpt(src) == (
        "p_lam = 0.5\n\ndef _block(X):\n    return X\n\n"
        "def _grad(X, y, w, b):\n    return _block(prepare_arrays(X))\n"
    )
    assert code_excerpt(src, "loss") == "p_lam = 0.5\n\ndef loss(X, y, w, b):\n    return 0\n"


def test_latex_document_is_complete(tmp_path):
    res = write_notes(_toy(), tmp_path, format="latex", date="2026-01-02")
    tex = res.document.read_text()
    assert tex.startswith(r"\documentclass")
    assert r"\usepackage{graphicx}" in tex and tex.rstrip().endswith(r"\end{document}")
    assert r"\includegraphics[width=0.7\linewidth]{figures/perceptron-landscape.png}" in tex
    assert r"($w_{1}$, $w_{2}$)" in tex  # the coordinates of the landscape caption
    assert all(ord(ch) < 128 for ch in tex)  # pdflatex-safe


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("loss", ["perceptron", "hinge"])
def test_latex_compiles(tmp_path, loss):
    d = gradproof.derive(loss, X=[[2, 3], [1, -1], [-1, 2]], y=[1, -1, 1], example=True)
    res = write_notes(d, tmp_path, format="latex", epochs=8)
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", res.document.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / f"{loss}.pdf").stat().st_size > 10_000


def _has_cjkutf8() -> bool:
    if shutil.which("kpsewhich") is None:
        return False
    proc = subprocess.run(["kpsewhich", "CJKutf8.sty"], capture_output=True, text=True)
    return bool(proc.stdout.strip())


def test_latex_zh_uses_the_cjk_package(tmp_path):
    res = write_notes(_toy(), tmp_path, format="latex", lang="zh", figures=False)
    tex = res.document.read_text()
    assert r"\usepackage{CJKutf8}" in tex and r"\begin{CJK}{UTF8}{gbsn}" in tex
    assert r"\section*{推导}" in tex


@pytest.mark.skipif(
    shutil.which("pdflatex") is None or not _has_cjkutf8(),
    reason="pdflatex with the CJK package (texlive-lang-chinese) is missing",
)
def test_latex_zh_compiles(tmp_path):
    res = write_notes(_toy(), tmp_path, format="latex", lang="zh", figures=False)
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", res.document.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_bad_epochs_write_nothing(tmp_path):
    with pytest.raises(OptionError, match="--epochs"):
        write_notes(_toy(), tmp_path / "x", epochs=0)
    assert not (tmp_path / "x").exists()
