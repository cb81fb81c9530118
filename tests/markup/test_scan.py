"""gradproof.markup.scan: where the math, code and prose are, with the right lines."""

from __future__ import annotations

import json

import pytest

from gradproof.errors import DataError, LimitError, OptionError
from gradproof.markup import scan as S
from gradproof.markup.scan import format_for, read_document, scan


def kinds(text, fmt="markdown"):
    return [(s.kind, s.text, s.line) for s in scan(text, fmt) if s.kind != "prose"]


def math(text, fmt="markdown"):
    return [s.text for s in scan(text, fmt) if s.kind == "math"]


# -- Markdown: the delimiter rules of the usual renderers -------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("costs $5 and $6 today", []),
        ("a $x$ b", ["x"]),
        ("a $ x$ b", []),  # an opener before a space is a dollar sign
        ("a $x $ b", []),  # a closer after a space is not a closer
        ("$x$5", []),  # a closer before a digit is not a closer
        (r"price \$5 and $y$", ["y"]),
        ("`$x$` and $y$", ["y"]),  # nothing in a code span
        ("``a ` $x$`` and $z$", ["z"]),
        ("<!-- $x$ --> $y$", ["y"]),
        ("$a\n\nb$", []),  # an inline $ never crosses a blank line
        ("$$a\n\nb$$", ["a\n\nb"]),
        (r"\(a\) and \[b\]", ["a", "b"]),
        (r"\\(a\\) and \\[b\\]", ["a", "b"]),
        ("$5 and $6 then $x = 1$", ["x = 1"]),
    ],
    ids=lambda v: repr(v)[:30],
)
def test_markdown_inline_rules(text, expected):
    assert math(text) == expected


def test_markdown_blocks_lines_and_slices():
    text = (
        "---\ntitle: t\n---\n"  # 1-3
        "# Head $a$\n"  # 4
        "\n"  # 5
        "```python\nx = '$b$'\n```\n"  # 6-8
        "~~~math\nc = 1\nd = 2\n~~~\n"  # 9-12
        "$$\ne = 3\n$$\n"  # 13-15
    )
    spans = scan(text)
    got = [(s.kind, s.text, s.lines, s.display, s.delimiter, s.language) for s in spans]
    assert got == [
        ("front-matter", "title: t\n", (2, 3), False, "---", None),
        ("prose", "# Head", (4,), False, "", None),
        ("math", "a", (4,), False, "$", None),
        ("code", "x = '$b$'", (7,), False, "```", "python"),
        ("math", "c = 1\nd = 2", (10, 11), True, "```math", None),
        ("math", "\ne = 3\n", (13, 14, 15), True, "$$", None),
    ]
    for s in spans:  # every span is the exact slice of the file it names
        assert text[s.start : s.start + len(s.text)] == s.text
        assert text.count("\n", 0, s.start) + 1 == s.line


def test_markdown_fence_info_strings():
    spans = scan("```{python} echo=TRUE\nx\n```\n````\n```\ny\n````\n")
    assert [(s.language, s.text) for s in spans] == [("python", "x"), (None, "```\ny")]


def test_unclosed_fence_runs_to_the_end():
    assert [(s.kind, s.text) for s in scan("```\n$a$\n")] == [("code", "$a$")]


def test_inline_code_is_a_code_span_marked_inline():
    (code,) = [s for s in scan("see `np.dot` here") if s.kind == "code"]
    assert code.inline and code.text == "np.dot"


def test_prose_is_one_span_per_paragraph():
    prose = [s for s in scan("a\nb\n\nc\n") if s.kind == "prose"]
    assert [(s.text, s.lines) for s in prose] == [("a\nb", (1, 2)), ("c", (4,))]


# -- LaTeX ----------------------------------------------------------------------------------------
def test_latex_environments_and_inline_math():
    text = (
        "\\documentclass{article}\n"  # 1 (preamble: not scanned)
        "$p$\n"  # 2
        "\\begin{document}\n"  # 3
        "Costs \\$5, $x = 1$ % $c$ comment\n"  # 4
        "\\begin{align*}\na &= 1 \\\\\n  &= 1\n\\end{align*}\n"  # 5-8
        "\\begin{alignat}{2} b \\end{alignat}\n"  # 9
        "\\begin{gather}g\\end{gather} \\begin{multline*}m\\end{multline*}\n"  # 10
        "\\[ d \\] \\( e \\) $$f$$\n"  # 11
        "\\begin{lstlisting}[language=Python]\nprint('$z$')\n\\end{lstlisting}\n"  # 12-14
        "\\begin{minted}{python}\ny = 1\n\\end{minted}\n"  # 15-17
        "\\verb|$v$|\n"  # 18
        "\\end{document}\n$after$\n"
    )
    got = [(s.kind, s.text.strip(), s.line, s.delimiter, s.language) for s in scan(text, "latex")]
    assert [g for g in got if g[0] != "prose"] == [
        ("math", "x = 1", 4, "$", None),
        ("comment", "$c$ comment", 4, "%", None),
        ("math", "a &= 1 \\\\\n  &= 1", 5, "align*", None),
        ("math", "b", 9, "alignat", None),
        ("math", "g", 10, "gather", None),
        ("math", "m", 10, "multline*", None),
        ("math", "d", 11, "\\[", None),
        ("math", "e", 11, "\\(", None),
        ("math", "f", 11, "$$", None),
        ("code", "print('$z$')", 13, "lstlisting", "python"),
        ("code", "y = 1", 16, "minted", "python"),
        ("code", "$v$", 18, "\\verb", None),
    ]
    for s in scan(text, "latex"):
        assert text[s.start : s.start + len(s.text)] == s.text


# -- notebooks ------------------------------------------------------------------------------------
def _notebook(cells):
    return json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1
    )


def test_notebook_lines_are_lines_of_the_json_file():
    text = _notebook(
        [
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": ["# T\n", "Let $x = 1$\n", "$$y$$"],
            },
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 1,
                "source": ["a = 1\n", "a"],
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {"text/plain": ["1"]},
                    },
                    {"output_type": "stream", "name": "stdout", "text": ["p\n", "q\n"]},
                ],
            },
            {"cell_type": "markdown", "metadata": {}, "source": "one\nstring $z$"},
        ]
    )
    file_lines = text.split("\n")
    spans = scan(text, "notebook")
    for s in spans:
        for k, piece in enumerate(s.text.split("\n")):
            if piece:  # the JSON line holding that source line contains it
                assert json.dumps(piece)[1:-1] in file_lines[s.lines[k] - 1], (s, k)
    got = [(s.kind, s.text, s.cell, s.delimiter) for s in spans if s.kind != "prose"]
    assert got == [
        ("math", "x = 1", 0, "$"),
        ("math", "y", 0, "$$"),
        ("code", "a = 1\na", 1, "cell"),
        ("output", "1", 1, "execute_result"),
        ("output", "p\nq\n", 1, "stream:stdout"),
        ("math", "z", 2, "$"),
    ]
    assert all(s.start is None for s in spans)


@pytest.mark.parametrize(
    "text, fmt, error, words",
    [
        ("{", "notebook", DataError, "JSON error at line 1"),
        ('{"cells": 3}', "notebook", DataError, "nbformat-4"),
        ('{"worksheets": []}', "notebook", DataError, "nbformat-4"),
        ("[" * 100 + "]" * 100, "notebook", LimitError, "nested deeper"),
        ('{"cells": []} x', "notebook", DataError, "extra text"),
        ("x", "rst", OptionError, "unknown document format"),
    ],
    ids=["truncated", "cells-not-list", "nbformat-3", "deep", "trailing", "format"],
)
def test_invalid_documents(text, fmt, error, words):
    with pytest.raises(error, match=words):
        scan(text, fmt)


def test_size_limit(monkeypatch, tmp_path):
    monkeypatch.setitem(S.LIMITS, "max_bytes", 10)
    with pytest.raises(LimitError, match="limit"):
        scan("x" * 11)
    p = tmp_path / "big.md"
    p.write_text("x" * 11)
    with pytest.raises(LimitError, match="split the document"):
        read_document(p)


def test_read_document_errors(tmp_path):
    with pytest.raises(DataError, match="cannot read it"):
        read_document(tmp_path / "missing.md")
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\xff\xfe$x$")
    with pytest.raises(DataError, match="not UTF-8"):
        read_document(bad)
    with pytest.raises(OptionError, match="suffix"):
        format_for("post.rst")
    ok = tmp_path / "ok.tex"
    ok.write_text("$a$", encoding="utf-8")
    doc = read_document(ok)
    assert doc.format == "latex" and [s.text for s in doc.spans if s.kind == "math"] == ["a"]


def test_scan_is_linear_on_many_unclosed_dollars():
    # Each '$' has no closer: the scan must not search the rest of the paragraph each time.
    spans = scan("$a " * 50_000)
    assert all(s.kind == "prose" for s in spans)
