"""Every platform profile, rendered by the engine that platform uses (issue 12).

For each profile the perceptron, hinge and logistic posts are written with ``write_notes``
(figures included) into one site per profile, built once per engine, and each page is read
back: every math fragment of the post must reach the page as math, with the same LaTeX (the
profile's rewrites aside), no raw TeX may be left in the text outside math and code, and every
image link must resolve to a file of the built site. KaTeX then parses every fragment of every
page in strict mode, all in one node process. What each stand-in engine proves and does not
prove is written in :mod:`engines`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import gradproof
from gradproof.markup.blocks import math_fragments
from gradproof.markup.escape import rewrite_tex
from gradproof.markup.platforms import PROFILES, TABLE_TEX
from gradproof.notes import write_notes

from .engines import (
    ENGINES,
    MATHJAX_TEXT,
    NEED,
    SITE_BUILDS,
    broken_images,
    katex_errors,
    katex_missing,
    missing,
    raw_tex,
    read,
)

pytest.importorskip("matplotlib")

LOSSES = ("perceptron", "hinge", "logistic")
DATE = "2026-01-02"
CASES = [(p.name, engine) for p in PROFILES.values() for engine in p.engines]


def _normal(tex: str, profile: str) -> str:
    """A fragment as the engines should hand it on: the profile's rewrites (and those of a
    table cell, which every profile makes) applied, whitespace collapsed."""
    return " ".join(rewrite_tex(tex, TABLE_TEX + PROFILES[profile].tex).split())


@pytest.fixture(scope="module")
def derivations():
    return {name: gradproof.derive(name, example=True) for name in LOSSES}


@pytest.fixture(scope="module")
def sites(tmp_path_factory, derivations):
    """profile → (site folder, {loss: post path}, {loss: its document model}), written once."""
    made: dict[str, tuple[Path, dict[str, Path], dict[str, object]]] = {}

    def get(profile: str):
        if profile not in made:
            site = tmp_path_factory.mktemp(f"site-{profile}")
            posts, models = {}, {}
            for name, d in derivations.items():
                res = write_notes(d, site, site=profile, date=DATE, epochs=12)
                posts[name], models[name] = res.document, res.model
            made[profile] = (site, posts, models)
        return made[profile]

    return get


@pytest.fixture(scope="module")
def built(sites):
    """(profile, engine) → its pages, each engine run once per profile."""
    pages: dict[tuple[str, str], list] = {}

    def get(profile: str, engine: str):
        why = missing(engine)
        if why is not None:
            if NEED:
                pytest.fail(f"{engine} is needed in CI: {why}")
            pytest.skip(why)
        if (profile, engine) not in pages:
            site, posts, _ = sites(profile)
            built_pages = ENGINES[engine](site, posts)
            if engine not in SITE_BUILDS:  # a parser alone: absolute links from what is served
                for page in built_pages:
                    page.root = site / PROFILES[profile].served
            pages[profile, engine] = built_pages
        return pages[profile, engine]

    return get


@pytest.mark.parametrize(("profile", "engine"), CASES, ids=[f"{p}-{e}" for p, e in CASES])
def test_every_formula_becomes_math_and_every_image_resolves(built, sites, profile, engine):
    _, _, models = sites(profile)
    for page in built(profile, engine):
        loss = page.name.split()[0]
        reading = read(page.html, engine in MATHJAX_TEXT)
        expected = sorted(
            (_normal(f.tex, profile), f.display) for f in math_fragments(models[loss])
        )
        found = sorted((_normal(t, profile), d) for t, d in reading.math)
        assert len(expected) > 40, page.name  # a real post: steps, example, captions, table
        missing_math = [e for e in expected if e not in found]
        assert not missing_math, (page.name, missing_math[:3])
        assert found == expected, page.name
        assert raw_tex(reading.text) == [], (page.name, raw_tex(reading.text)[:5])
        assert len(reading.images) == 2, page.name
        assert broken_images(page, reading.images) == [], page.name
        if engine == "markdown-it-gfm":  # GitHub unescapes \{ in inline math before MathJax
            assert not [t for t, d in reading.math if not d and "\\{" in t], page.name


def test_katex_parses_every_fragment_of_every_page(built):
    why = katex_missing()
    if why is not None:
        if NEED:
            pytest.fail(f"KaTeX is needed in CI: {why}")
        pytest.skip(why)
    fragments = []
    for profile, engine in CASES:
        if missing(engine) is None:
            for page in built(profile, engine):
                fragments += read(page.html, engine in MATHJAX_TEXT).math
    assert len(fragments) > 500
    errors = katex_errors(sorted(set(fragments)))
    assert errors == [], errors[:5]


def test_every_profile_is_tested_with_a_real_engine():
    # One registry: adding a profile is one entry, and it must name engines that exist here.
    for profile in PROFILES.values():
        assert profile.engines, profile.name
        assert all(engine in ENGINES for engine in profile.engines), profile.name
