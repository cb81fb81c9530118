"""The linter against the real engines: what it calls clean renders as math, what it flags
breaks.

Fragments are every pair of a set of TeX pieces (sub- and superscripts, bars and norms,
braces, line breaks, the environments and commands KaTeX lacks), written by hand with a
profile's own delimiters, inline, as a display and in a table cell, all in one post per
profile between marker paragraphs. The post is built once by the engine the profile is tested
with (:mod:`engines`). For each fragment the linter calls clean, its chunk of the page must
hold exactly that math (same TeX, whitespace aside) and no raw TeX, and KaTeX must parse it
where the profile renders with KaTeX. For each fragment flagged by a rule an engine can
confirm, the engine (or KaTeX) must indeed break it: the linter's verdicts can fail both ways.
"""

from __future__ import annotations

import itertools
import re

import pytest

from gradproof.markup.escape import escape_punctuation
from gradproof.markup.lint import lint
from gradproof.markup.platforms import KATEX, PROFILES

from .engines import (
    ENGINES,
    MATHJAX_TEXT,
    NEED,
    katex_errors,
    katex_missing,
    missing,
    raw_tex,
    read,
)

PIECES = [
    r"x_{i}",
    r"\mathbf{x}_{i}",
    r"\|w\|",
    r"|u|",
    r"\{a\}",
    r"a \\ b",
    r"\frac{1}{2}",
    r"y^{2}",
    r"\mathbb{1}",
    r"\label{e}",
    r"\begin{aligned} a &= b \end{aligned}",
    r"\begin{align} a &= b \end{align}",
    r"\begin{eqnarray} a &=& b \end{eqnarray}",
    r"\left( s \right)",
    r"\frac{a}{b",
    r"\sum_{i \in M} y_{i}",
]
FRAGMENTS = [" + ".join(pair) for pair in itertools.combinations(PIECES, 2)]
SAMPLE = {
    "default": ("markdown-it", "pandoc"),
    "jekyll": ("jekyll",),
    "hugo": ("hugo",),
    "zhihu": ("markdown-it-double",),
    "github": ("markdown-it-gfm",),
}
ENGINE_RULES = {"not-math", "table-pipe", "kramdown-pipe", "display-blank-line"}
ENGINE_RULES |= {"goldmark-markdown"}
KATEX_RULES = {"katex-display-only", "katex-unknown-environment", "katex-label", "unbalanced"}
KATEX_RULES |= {"katex-unknown-command"}
MARK = re.compile(r"Fragment (\d+) starts here\.")


def _cases(site: str) -> list[tuple[str, str, bool, str]]:
    """(source of the fragment in the post, its TeX, display, context) for one profile."""
    p = PROFILES[site]
    out = []
    blank = [t.replace(" + ", "\n\n") for t in FRAGMENTS[:6]]  # a blank line in a display
    variants = [(t, t) for t in FRAGMENTS + blank]
    if p.escape_math:  # a Hugo author may write the escaped form gradproof writes
        variants += [(t, escape_punctuation(t)) for t in FRAGMENTS]
    for tex, written in variants:
        if "\n" not in written:
            out.append((f"Here {p.inline[0]}{written}{p.inline[1]} ends.", tex, False, "inline"))
            out.append(
                (f"| a |\n|---|\n| {p.inline[0]}{written}{p.inline[1]} |", tex, False, "table")
            )
        out.append((f"{p.display[0]}\n{written}\n{p.display[1]}", tex, True, "display"))
    return out


def _post(cases: list[tuple[str, str, bool, str]]) -> str:
    return "".join(f"Fragment {k} starts here.\n\n{src}\n\n" for k, (src, *_) in enumerate(cases))


def _chunks(html: str) -> dict[int, str]:
    parts = MARK.split(html)
    return {int(parts[k]): parts[k + 1] for k in range(1, len(parts) - 1, 2)}


_BLOCK = re.compile(r"</?(?:p|div|td|th|tr|li|table|pre)\b[^>]*>")


def _reading(chunk: str, engine: str) -> tuple[list[str], list[str]]:
    """The math and the raw TeX left of one chunk. MathJax finds ``\\(…\\)`` within one
    element's text, so where the engine leaves the delimiters for MathJax each block element
    is read on its own."""
    pieces = _BLOCK.split(chunk) if engine in MATHJAX_TEXT else [chunk]
    math: list[str] = []
    raw: list[str] = []
    for piece in pieces:
        r = read(piece, engine in MATHJAX_TEXT)
        math += [_normal(t) for t, _ in r.math]
        raw += raw_tex(r.text)
    return math, raw


def _normal(tex: str) -> str:
    return " ".join(tex.split())


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """(profile, engine) → (cases, {fragment number: its chunk of the built page})."""
    done = {}

    def get(site: str, engine: str):
        why = missing(engine)
        if why is not None:
            if NEED:
                pytest.fail(f"{engine} is needed in CI: {why}")
            pytest.skip(why)
        if (site, engine) not in done:
            cases = _cases(site)
            root = tmp_path_factory.mktemp(f"lint-{site}-{engine}")
            rel = PROFILES[site].post_path("fragments", "2026-01-02", site in ("jekyll", "hugo"))
            post = root / rel
            post.parent.mkdir(parents=True, exist_ok=True)
            head = "---\ntitle: fragments\ndate: 2026-01-02\nlayout: post\n"
            head += "render_with_liquid: false\n---\n\n"
            post.write_text(head + _post(cases))
            built = ENGINES[engine](root, {"fragments": post})
            html = built[0].html  # pandoc: the MathJax page
            done[site, engine] = (cases, _chunks(html))
        return done[site, engine]

    return get


@pytest.mark.parametrize("site", sorted(SAMPLE))
def test_clean_fragments_render_as_math_and_flagged_ones_break(pages, site):
    """Clean: intact in every engine the profile is tested with. Flagged by a rule an engine
    can show: broken in at least one of them (the default profile must survive both)."""
    engines = SAMPLE[site]
    built = [pages(site, engine) for engine in engines]
    cases = built[0][0]
    clean = broken = 0
    for k, ((src, tex, _, context), found) in enumerate(
        zip(cases, [lint(c[0], site) for c in cases], strict=True)
    ):
        intact = []
        for engine, (_, chunks) in zip(engines, built, strict=True):
            got, raw = _reading(chunks[k], engine)
            intact.append(got == [_normal(tex)] and not raw)
        rules = {f.rule for f in found}
        if not rules:
            clean += 1
            assert all(intact), (k, context, src, dict(zip(engines, intact, strict=True)))
        elif rules & ENGINE_RULES and not rules & KATEX_RULES:
            broken += 1
            assert not all(intact), (k, context, src, sorted(rules))
    assert clean > 100 and broken > 10, (clean, broken)


def test_katex_parses_what_is_clean_and_refuses_what_is_flagged():
    why = katex_missing()
    if why is not None:
        if NEED:
            pytest.fail(f"KaTeX is needed in CI: {why}")
        pytest.skip(why)
    katex_sites = [s for s, p in PROFILES.items() if set(KATEX) <= set(p.hazards)]
    assert {"default", "csdn", "hugo", "pandoc", "hexo"} <= set(katex_sites)
    items = []  # (tex, display, expect an error)
    for site in ("default", "csdn"):
        for src, tex, display, _ in _cases(site):
            rules = {f.rule for f in lint(src, site)}
            if not rules:
                items.append((tex, display, False))
            elif rules & KATEX_RULES:
                items.append((tex, display, True))
    items = sorted(set(items))
    errors = {i["index"] for i in katex_errors([(t, d) for t, d, _ in items])}
    wrong = [(t, d) for i, (t, d, bad) in enumerate(items) if (i in errors) != bad]
    assert wrong == [], wrong[:5]
    assert sum(bad for *_, bad in items) > 50 and sum(not bad for *_, bad in items) > 50
