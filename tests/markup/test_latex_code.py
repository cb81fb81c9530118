"""Code blocks in standalone LaTeX notes stay inside the text block and copyable.

verbatim ran the long lines of the derived code up to 143 pt into the margin (Huber's
docstring, in English and in Chinese); the standalone document now sets code with listings,
which breaks a long line and marks the rest with ↪.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

import gradproof
from gradproof.markup.blocks import CodeBlock, Document
from gradproof.markup.latex import to_latex
from gradproof.notes.document import write_notes


@pytest.mark.parametrize(("lang", "tex"), [("en", "pdflatex"), ("zh", "xelatex")])
def test_long_code_lines_are_broken_not_overfull(tmp_path, lang, tex):
    if shutil.which(tex) is None or shutil.which("pdftotext") is None:
        pytest.skip(f"{tex} or pdftotext is not installed")
    d = gradproof.derive("huber", example=True)
    res = write_notes(d, tmp_path, format="latex", figures=False, lang=lang)
    source = res.document.read_text()
    assert r"\begin{lstlisting}" in source and r"\begin{verbatim}" not in source
    longest = max(len(line) for line in source.splitlines() if "np.where" in line)
    assert longest > 90  # the case that overflowed: more characters than the line holds
    proc = subprocess.run(
        [tex, "-interaction=nonstopmode", "-halt-on-error", res.document.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    log = res.document.with_suffix(".log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log
    text = subprocess.run(
        ["pdftotext", res.document.with_suffix(".pdf").name, "-"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # the code reads back from the PDF as written (no spaces between the letters)
    assert "return np.sum(np.where(delta >= np.abs(s - y), (0.5)*(s - y)**2," in text
    assert "c = np.clip(s - y, -delta, delta)" in text  # Huber's ψ, printed as a clip


def test_code_in_a_body_stays_verbatim():
    # a body goes into the user's own preamble, which need not load listings
    doc = Document((CodeBlock("python", "x = 1\n"),))
    body = to_latex(doc)
    assert body == "\\begin{verbatim}\nx = 1\n\\end{verbatim}\n"
    full = to_latex(doc, standalone=True)
    assert "\\usepackage{listings}" in full and "\\begin{lstlisting}\nx = 1\n" in full
