"""The document model and its emitters: what each profile writes, the escapes, LaTeX."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gradproof.errors import OptionError
from gradproof.markup import blocks as B
from gradproof.markup.escape import escape_punctuation, markdown_text, rewrite_tex
from gradproof.markup.latex import latex_escape, to_latex
from gradproof.markup.markdown import to_markdown
from gradproof.markup.platforms import PROFILES, get_profile

DOC = B.Document(
    (
        B.Heading(1, (B.Text("A *title* {{ x }}"),)),
        B.Paragraph((B.Strong((B.Text("1. Rule."),)), B.Text(" see "), B.Math(r"\{x\} |y|"))),
        B.DisplayMath(("a &= b", "c &= d")),
        B.Table(((B.Text("k"),),), (((B.Math(r"\|w\| + |u|"),),),), ("l",)),
        B.Figure("f.png", "alt", (B.Text("cap "), B.Math("x_1"))),
        B.CodeBlock("python", "print('```')"),
    ),
    B.FrontMatter("A *title*", "2026-01-02", ("t",)),
)


def test_default_profile_is_the_portable_form():
    md = to_markdown(DOC)
    assert md.startswith("# A \\*title\\* \\{\\{ x \\}\\}\n")
    # $$ on its own lines, a blank line before and after, none inside, aligned for two lines
    assert "\n\n$$\n\\begin{aligned}\na &= b \\\\\nc &= d\n\\end{aligned}\n$$\n\n" in md
    assert "**1. Rule.** see $\\{x\\} |y|$" in md  # a paragraph may start with a number
    assert "| $\\Vert w\\Vert + \\vert u\\vert$ |" in md  # no bare | in a table cell
    assert "![alt](figures/f.png)" in md and "*cap $x_1$*" in md
    assert "````python\nprint('```')\n````" in md  # the fence is longer than any run inside


@pytest.mark.parametrize(
    ("site", "inline", "display"),
    [
        ("github", "$\\lbrace x\\rbrace |y|$", "```math\n"),
        ("jekyll", "$$\\{x\\} \\vert y\\vert$$", "\n$$\n"),
        ("zhihu", "$$\\{x\\} |y|$$", "\n$$\n"),
        ("hugo", "\\\\(\\\\\\{x\\\\\\} \\|y\\|\\\\)", "\n\\\\[\n"),
        ("pandoc", "$\\{x\\} |y|$", "\n$$\n"),
    ],
)
def test_each_profile_writes_its_delimiters_and_escapes(site, inline, display):
    md = to_markdown(DOC, site)
    assert inline in md and display in md
    aligned = "\\\\begin\\{aligned\\}" if site == "hugo" else "\\begin{aligned}"
    assert aligned in md and "{align}" not in md


def test_front_matter_turns_math_on_and_replaces_the_title():
    md = to_markdown(DOC, "jekyll", slug="p")
    head = md.split("---\n")[1]
    assert head.splitlines() == [
        'title: "A *title*"',
        "date: 2026-01-02",
        'tags: ["t"]',
        'layout: "post"',
        "math: true",
        "mathjax: true",
        "render_with_liquid: false",
    ]
    assert "# A" not in md and "![alt](/assets/gradproof/p/f.png)" in md


@pytest.mark.parametrize(
    ("name", "words"),
    [("wordpress", "unknown site"), ("", "unknown site")],
    ids=["unknown", "empty"],
)
def test_unknown_sites_are_refused(name, words):
    with pytest.raises(OptionError, match=words):
        get_profile(name)


def test_quarto_is_pandoc():
    assert get_profile("Quarto") is PROFILES["pandoc"]


def test_rewrites_are_whole_tokens():
    table = (("\\{", "\\lbrace"), ("|", "\\vert"))
    assert rewrite_tex(r"\\{a} \{b\} |c|", table) == r"\\{a} \lbrace b\} \vert c\vert"
    assert rewrite_tex(r"\{x", table) == r"\lbrace x"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_document_compiles(tmp_path):
    (tmp_path / "figures").mkdir()
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    Figure().savefig(tmp_path / "figures" / "f.png")
    tex = to_latex(DOC, standalone=True)
    assert r"\begin{aligned}" in tex and r"\title{A *title*}" in tex
    (tmp_path / "d.tex").write_text(tex)
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "d.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_latex_escape_keeps_accents_and_chinese_only_where_asked():
    assert latex_escape("café − 梯度") == "café $-$ ??"
    assert latex_escape("café − 梯度", cjk=True) == "café $-$ 梯度"


def test_fill_keeps_pieces_and_joins_text():
    got = B.fill("a {x} b {n} c", x=B.Math("x"), n=2)
    assert got == (B.Text("a "), B.Math("x"), B.Text(" b 2 c"))


def test_math_fragments_finds_every_piece():
    found = [(f.tex, f.display) for f in B.math_fragments(DOC)]
    assert found == [
        (r"\{x\} |y|", False),
        ("\\begin{aligned}\na &= b \\\\\nc &= d\n\\end{aligned}", True),
        (r"\|w\| + |u|", False),
        ("x_1", False),
    ]


def test_markdown_text_escapes_list_markers_only_at_a_line_start():
    assert markdown_text("1. a", line_start=True) == "1\\. a"
    assert markdown_text("- a", line_start=True) == "\\- a"
    assert markdown_text("4.5 - a") == "4.5 - a"


TEX = st.text(alphabet="ab_^{}\\|&$*`[]()<>'\"-~!#= 0123", max_size=40)


@given(TEX)
@example(r"\(a_{1}\) \\ b")
@example("a'b -- c...")
def test_escaped_math_reads_back_exactly_through_commonmark(tex):
    # What the hugo profile relies on: CommonMark gives back every escaped character as it was.
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").renderInline(escape_punctuation(tex))
    import html as h

    if tex == tex.strip() and "\n" not in tex:  # CommonMark trims a paragraph's ends
        assert h.unescape(html) == tex
