"""Hostile titles, dates and expressions in documents (notes, derive --format latex/markdown).

The issue: ``--title`` reached the Markdown post unescaped (``<script>`` landed on the page,
newlines injected blocks), control characters in ``--title`` or ``\\v`` and blank lines in
``--expr`` produced LaTeX that did not compile, and ``--date`` accepted 2025-02-30. Markdown
is checked by rendering it with the renderers sites use (pandoc's CommonMark/GFM, kramdown as
in Jekyll) where installed; LaTeX by compiling it with pdflatex.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import gradproof
from gradproof.errors import OptionError
from gradproof.notes import write_notes
from gradproof.text import TITLE_MAX, as_written, check_title, markdown_text

HOSTILE_TITLE = (
    r"<script>alert(1)</script> & {{ site.secret }} {% raw %} *bold* _it_ `code` [link](x) "
    r"![img](y) $x^2$ ~~gone~~ 100% #tag \input{/etc/passwd} | a \\ b #"
)


def _toy():
    return gradproof.derive("perceptron", X=[[2, 3], [1, -1]], y=[1, -1], example=True)


# -- titles and dates that are refused ----------------------------------------------------------

BAD_TITLES = [
    ("newline", "Title\n## Injected", "line break at position 6"),
    ("carriage-return", "a\rb", "line break at position 2"),
    ("line-separator", "a\u2028b", "line break at position 2"),
    ("nul", "a\x00b", r"control character \x00 (U+0000) at position 2"),
    ("escape", "a\x1b[31mred", r"control character \x1b (U+001B)"),
    ("tab", "a\tb", r"control character \t (U+0009)"),
    ("vertical-tab", "a\vb", r"control character \x0b (U+000B)"),
    ("bidi-override", "abc\u202edcb", "(U+202E) at position 4"),
    ("lone-surrogate", "a\udcff", "(U+DCFF) at position 2"),
    ("blank", "   ", "is blank"),
    ("too-long", "x" * (TITLE_MAX + 1), f"is {TITLE_MAX + 1} characters long; the limit is 200"),
]


@pytest.mark.parametrize(
    "title, words", [c[1:] for c in BAD_TITLES], ids=[c[0] for c in BAD_TITLES]
)
def test_bad_titles_are_refused(title: str, words: str, tmp_path: Path, cli_error) -> None:
    with pytest.raises(OptionError) as info:
        write_notes(_toy(), tmp_path / "x", title=title, figures=False)
    assert words in str(info.value) and str(info.value).startswith("--title ")
    assert "\n" not in str(info.value)
    assert not (tmp_path / "x").exists()
    line = cli_error(
        "notes", "perceptron", "--no-figures", "-o", str(tmp_path / "y"), "--title", title
    )
    assert words in line
    assert not (tmp_path / "y").exists()


BAD_DATES = [
    ("feb-30", "2025-02-30", "is not a calendar date (day is out of range for month)"),
    ("month-13", "2025-13-01", "is not a calendar date"),
    ("year-0", "0000-01-01", "is not a calendar date"),
    ("not-leap", "2025-02-29", "is not a calendar date"),
    ("arabic-digits", "٢٠٢٥-٠١-٠١", "expects YYYY-MM-DD"),
    ("short", "2025-1-1", "expects YYYY-MM-DD"),
    ("newline", "2025-01-01\n", "expects YYYY-MM-DD"),
]


@pytest.mark.parametrize("date, words", [c[1:] for c in BAD_DATES], ids=[c[0] for c in BAD_DATES])
def test_bad_dates_are_refused(date: str, words: str, tmp_path: Path, cli_error) -> None:
    with pytest.raises(OptionError, match=re.escape(words)):
        write_notes(_toy(), tmp_path / "x", date=date, figures=False)
    assert not (tmp_path / "x").exists()
    assert words in cli_error("notes", "perceptron", "-o", str(tmp_path / "y"), "--date", date)


def test_a_leap_day_is_a_date(tmp_path: Path) -> None:
    res = write_notes(_toy(), tmp_path, date="2024-02-29", front_matter=True, figures=False)
    assert res.document.name == "2024-02-29-perceptron.md"


def test_title_is_trimmed_and_unicode_is_kept() -> None:
    assert check_title("  Gradients — 梯度 ∂L/∂w  ") == "Gradients — 梯度 ∂L/∂w"


# -- Markdown: the title renders as exactly its text, in one heading --------------------------


def _renderers() -> list[tuple[str, list[str]]]:
    out = []
    if shutil.which("pandoc"):
        for fmt in ("gfm", "commonmark"):
            out.append((f"pandoc-{fmt}", ["pandoc", "-f", fmt, "-t", "html", "--wrap=none"]))
    if shutil.which("ruby"):
        probe = subprocess.run(["ruby", "-e", 'require "kramdown"'], capture_output=True)
        if probe.returncode == 0:
            script = 'require "kramdown"; print Kramdown::Document.new(STDIN.read).to_html'
            out.append(("kramdown", ["ruby", "-e", script]))
    return out


RENDERERS = _renderers()


@pytest.mark.skipif(not RENDERERS, reason="no Markdown renderer (pandoc, kramdown) installed")
@pytest.mark.parametrize("name, command", RENDERERS, ids=[r[0] for r in RENDERERS])
def test_markdown_title_renders_as_plain_text(
    name: str, command: list[str], tmp_path: Path
) -> None:
    res = write_notes(_toy(), tmp_path, title=HOSTILE_TITLE, figures=False)
    heading = res.document.read_text(encoding="utf-8").splitlines()[0]
    assert heading == f"# {markdown_text(HOSTILE_TITLE)}"
    page = subprocess.run(
        command, input=heading + "\n", capture_output=True, text=True, timeout=60, check=True
    ).stdout
    h1 = re.findall(r"<h1[^>]*>(.*?)</h1>", page, flags=re.S)
    assert len(h1) == 1 and page.count("<h1") == 1, page
    assert html.unescape(h1[0]) == HOSTILE_TITLE  # every character, as text
    assert "<script" not in page and "<a " not in page and "<img" not in page
    assert "<em>" not in page and "<strong>" not in page and "<code>" not in page


def test_front_matter_title_is_one_quoted_value(tmp_path: Path) -> None:
    res = write_notes(
        _toy(), tmp_path, title=HOSTILE_TITLE, front_matter=True, date="2026-01-02", figures=False
    )
    lines = res.document.read_text(encoding="utf-8").splitlines()
    end = lines.index("---", 1)
    keys = [ln.split(":", 1)[0] for ln in lines[1:end]]
    assert keys == ["title", "date"]  # "layout: post" is --site jekyll's front matter
    assert json.loads(lines[1].removeprefix("title: ")) == HOSTILE_TITLE


def test_markdown_text_escapes_exactly_the_specials() -> None:
    assert markdown_text("a-b.c+d!") == "a-b.c+d!"
    assert markdown_text("<&>~") == "&lt;&amp;&gt;&#126;"
    assert markdown_text("*_`[](){}#|$\\") == r"\*\_\`\[\]\(\)\{\}\#\|\$\\"


# -- LaTeX: documents with hostile titles and expressions compile --------------------------------

needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex")


def _pdflatex(folder: Path, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", name],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_pdflatex
def test_latex_with_a_hostile_title_compiles_and_reads_nothing(tmp_path: Path) -> None:
    res = write_notes(_toy(), tmp_path, format="latex", title=HOSTILE_TITLE, figures=False)
    proc = _pdflatex(tmp_path, res.document.name)
    assert proc.returncode == 0, proc.stdout[-2000:]
    log = (tmp_path / "perceptron.log").read_text(errors="replace")
    assert "(/etc/passwd" not in log  # TeX logs every file it opens as "(path"


HOSTILE_EXPR = "max(0,\v 1 - y*(w·x + b))\n\n +\f 0*b\r\n"


def test_as_written_is_one_safe_line() -> None:
    assert as_written(HOSTILE_EXPR) == "max(0, 1 - y*(w·x + b)) + 0*b"
    assert as_written("a  +  b") == "a  +  b"  # plain spaces are the user's own


@needs_pdflatex
def test_latex_with_vertical_tabs_and_blank_lines_in_the_expression_compiles(
    tmp_path: Path,
) -> None:
    d = gradproof.derive(expr=HOSTILE_EXPR, X=[[2, 3], [1, -1]], y=[1, -1], example=True)
    res = write_notes(d, tmp_path, format="latex", figures=False)
    proc = _pdflatex(tmp_path, res.document.name)
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_markdown_as_written_stays_one_line() -> None:
    d = gradproof.derive(expr=HOSTILE_EXPR)
    text = d.render("markdown")
    line = next(ln for ln in text.splitlines() if ln.startswith("As written:"))
    assert line == f"As written: `{as_written(HOSTILE_EXPR)}`"
