"""The notes document: Markdown post and LaTeX document with figures."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import numpy as np
import pytest

import gradproof
from gradproof.errors import OptionError
from gradproof.notes import compare, write_notes
from gradproof.symbolic.losses import LOSSES

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
    assert "\n$$\n" in text and "```math" not in text and "```python" in text
    assert "X.T @ c" in text and "_grad_block" not in text  # the reader's code, not the kernel
    # The worked example: by hand, M = {1, 2} at w = 0, ∂L/∂w = −(1·[2,3] + (−1)·[1,−1]).
    assert (
        r"-\left(1 \cdot \begin{bmatrix}2 & 3\end{bmatrix} + (-1) \cdot "
        r"\begin{bmatrix}1 & -1\end{bmatrix}\right) = \begin{bmatrix}-1 & -4\end{bmatrix}"
    ) in text
    assert r"y_{1} s_{1} &= 0 \leq 0 \;\Rightarrow\; 1 \in M" in text  # why sample 1 is in M
    # Every image is referenced relative to the document and exists.
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images == ["figures/perceptron-landscape.png", "figures/perceptron-loss.png"]
    assert all((tmp_path / p).is_file() for p in images)
    # The table: ‖g‖ at the start is √17; math in the header, a real minus sign in cells.
    rows = [ln for ln in text.splitlines() if ln.startswith("| ")]
    assert rows[0] == r"| epoch | $L$ | $\lVert g\rVert$ | $\mathbf{w}$ | $b$ | $\lvert M\rvert$ |"
    assert rows[1] == f"| 0 | 0 | {np.sqrt(17):.6g} | \\(0, 0\\) | 0 | 2/2 |"
    assert rows[2] == r"| 1 | 0 | 0 | \(0.1, 0.4\) | 0 | 0/2 |"
    assert "converged after 1 epoch" in text
    # The loss is shown once: as the derivation's first step, not in a header or a section.
    assert text.count(r"\max\left(0, - y_{i} s_{i}\right)") == 2  # step 1 and the example's L
    assert "max(0, −y(w·x + b))" not in text


def test_the_descent_table_keeps_every_epoch_up_to_25_rows(tmp_path):
    d = gradproof.derive("hinge", X=TOY_X, y=TOY_Y, example=True)
    for epochs, expected in ((24, list(range(25))), (40, None)):
        res = write_notes(d, tmp_path / str(epochs), epochs=epochs, figures=False)
        rows = [ln for ln in res.document.read_text().splitlines() if ln.startswith("| ")]
        epochs_listed = [int(r.split("|")[1]) for r in rows[1:]]
        if expected is not None:
            assert epochs_listed == expected
        else:
            assert len(epochs_listed) == 25 and epochs_listed[:2] == [0, 2]
            assert epochs_listed[-1] == 40


def test_front_matter_and_jekyll_file_name(tmp_path):
    res = write_notes(
        _toy(),
        tmp_path / "posts",
        front_matter=True,
        date="2026-03-04",
        title='Perceptron: "by hand"',
        tags=["ml", "gradients"],
        figures=False,
    )
    assert res.document.name == "2026-03-04-perceptron.md"
    lines = res.document.read_text().splitlines()
    assert lines[:5] == [
        "---",
        'title: "Perceptron: \\"by hand\\""',
        "date: 2026-03-04",
        'tags: ["ml", "gradients"]',
        "---",
    ]
    assert not any(ln.startswith("# Perceptron") for ln in lines)  # the title is in the front
    assert "## Figures" not in "\n".join(lines) and res.figures == []


def test_jekyll_site_layout(tmp_path):
    res = write_notes(_toy(), tmp_path, site="jekyll", date="2026-03-04")
    assert res.document == tmp_path / "_posts" / "2026-03-04-perceptron.md"
    text = res.document.read_text()
    head = text.split("---")[1]
    for key in ('layout: "post"', "math: true", "mathjax: true", "render_with_liquid: false"):
        assert key in head
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images == [
        "/assets/gradproof/perceptron/perceptron-landscape.png",
        "/assets/gradproof/perceptron/perceptron-loss.png",
    ]
    assert all((tmp_path / p.lstrip("/")).is_file() for p in images)
    assert "$$\\lVert g\\rVert$$" in text  # kramdown's inline math


def test_assets_url_replaces_the_link_prefix(tmp_path):
    res = write_notes(_toy(), tmp_path, site="jekyll", date="2026-03-04", assets_url="/blog/img/")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", res.document.read_text())
    assert images == ["/blog/img/perceptron-landscape.png", "/blog/img/perceptron-loss.png"]


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
        pytest.param({"date": "2026-02-30"}, "calendar", id="date-not-in-calendar"),
        pytest.param({"site": "wordpress"}, "unknown site", id="site"),
        pytest.param({"site": "jekyll", "format": "latex"}, "--site", id="site-with-latex"),
        pytest.param({"title": "two\nlines"}, "line break", id="title-newline"),
        pytest.param({"title": "   "}, "blank", id="title-blank"),
        pytest.param({"tags": ["ok", "bad\ttag"]}, "--tags", id="tag"),
    ],
)
def test_invalid_options(tmp_path, kwargs, words):
    with pytest.raises(OptionError, match=words):
        write_notes(_toy(), tmp_path / "x", **kwargs)
    assert not (tmp_path / "x").exists()


def test_needs_a_worked_example(tmp_path):
    with pytest.raises(OptionError, match="worked example"):
        write_notes(gradproof.derive("perceptron"), tmp_path)


def test_latex_document_is_complete(tmp_path):
    res = write_notes(_toy(), tmp_path, format="latex", date="2026-01-02")
    tex = res.document.read_text()
    assert tex.startswith(r"\documentclass")
    assert r"\usepackage{graphicx}" in tex and tex.rstrip().endswith(r"\end{document}")
    assert r"\includegraphics[width=0.8\linewidth]{figures/perceptron-landscape.png}" in tex
    assert r"$(w_{1}, w_{2})$" in tex  # the coordinates of the landscape caption
    assert r"\textbf{11. Worked example: data.}" in tex  # numbered as in Markdown
    assert all(ord(ch) < 128 for ch in tex)  # pdflatex-safe


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_no_character_is_lost_on_the_way_to_latex(tmp_path, loss, lang):
    # a character the LaTeX writer cannot spell becomes "?" (ℓ in a code comment and C¹ in
    # prose did); the Markdown post holds no "?", so the LaTeX one must not either
    d = gradproof.derive(loss, example=True)
    md = write_notes(d, tmp_path / "md", figures=False, lang=lang).document.read_text()
    tex = write_notes(d, tmp_path / "tex", format="latex", figures=False, lang=lang)
    assert md.count("?") == 0
    assert tex.document.read_text().count("?") == 0


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_no_display_runs_into_the_margin(tmp_path):
    # Huber's worked-example gradient was 180 pt wider than the line (clipped on the page);
    # a display wider than the line is now scaled to fit it
    res = write_notes(gradproof.derive("huber", example=True), tmp_path, format="latex",
                      figures=False)  # fmt: skip
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", res.document.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    log = (tmp_path / "huber.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in "\n".join(
        ln
        for ln in log.splitlines()
        if "detected at line" in ln  # displays, not verbatim
    )


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


def test_latex_zh_uses_ctex_with_xelatex(tmp_path):
    res = write_notes(_toy(), tmp_path, format="latex", lang="zh", figures=False)
    tex = res.document.read_text()
    assert tex.startswith("% !TEX program = xelatex\n")
    assert r"\usepackage[UTF8,fontset=fandol]{ctex}" in tex
    assert "CJK" not in tex and "inputenc" not in tex and "fontenc" not in tex  # pdflatex-only
    assert r"\section*{推导}" in tex


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_latex_zh_compiles_with_xelatex(tmp_path, loss):
    """Every Chinese note, figures included, compiles; ctex numbers the captions 图 1, 图 2.
    Skipped without xelatex, except in CI, which installs it (.ci/run)."""
    d = gradproof.derive(loss, example=True)
    res = write_notes(d, tmp_path, format="latex", lang="zh", epochs=5)
    _xelatex(tmp_path, res.document.name)
    pdf = tmp_path / f"{loss}.pdf"
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        # (pdftotext keeps or drops the thin space ctex puts between 图 and its number)
        assert re.search(r"图\s?1", text) and re.search(r"图\s?2", text)
        assert "Figure" not in text
        assert "梯度" in text


def _xelatex(folder, name):
    if shutil.which("xelatex") is None and not os.environ.get("CI"):
        pytest.skip("xelatex is missing (Debian: texlive-xetex texlive-lang-chinese)")
    proc = subprocess.run(
        ["xelatex", "-interaction=nonstopmode", "-halt-on-error", name],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "Missing character" not in proc.stdout


def test_other_zh_latex_documents_compile_with_xelatex(tmp_path):
    """derive --standalone and compare --format latex in Chinese: XeLaTeX documents too."""
    derived = gradproof.derive("huber", example=True).render("latex", standalone=True, lang="zh")
    (tmp_path / "derive.tex").write_text(derived, encoding="utf-8")
    compared = compare(["hinge", "logistic", "squared_error"], format="latex", lang="zh")
    (tmp_path / "compare.tex").write_text(compared, encoding="utf-8")
    for name in ("derive.tex", "compare.tex"):
        assert "ctex" in (tmp_path / name).read_text(encoding="utf-8")
        _xelatex(tmp_path, name)


def test_bad_epochs_write_nothing(tmp_path):
    with pytest.raises(OptionError, match="--epochs"):
        write_notes(_toy(), tmp_path / "x", epochs=0)
    assert not (tmp_path / "x").exists()
