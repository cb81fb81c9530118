"""A model derivation speaks the language it is rendered in, not the one it was built in
(issue 15): its steps and header facts keep sentences as data, worded when rendered, as the
linear derivation's do."""

from __future__ import annotations

import pytest
from zh_text import cjk_share, english_words

from gradproof import derive
from gradproof.i18n import language

CASES = {
    "softmax-l2": dict(loss="softmax", reg="l2", params={"lam": 0.1}),
    "weston-watkins-elastic": dict(
        loss="multiclass_hinge", reg="elastic_net", params={"lam1": 0.1, "lam2": 0.2}
    ),
    "crammer-singer-l1": dict(loss="crammer_singer", reg="l1", params={"lam": 0.1}),
    "multi-squared-mean": dict(loss="multi_squared_error", mean=True),
    "expression": dict(expr="logsumexp(s) - s[y]", labels="classes"),
}
# names that stay Latin in Chinese: the loss's own function names and the user's expression
NAMES = {"Softmax", "softmax", "log-sum-exp", "logsumexp", "max_rivals", "Weston", "Watkins"}
NAMES |= {"Crammer", "Singer", "zero", "L1"}


def _built(lang: str, case: dict):
    with language(lang):
        return derive(**case)


def _justifications(d) -> list[str]:
    """The text rendering's header facts and step justifications (the prose, no formulas)."""
    lines = d.render("text").splitlines()
    facts = [ln for ln in lines[1:] if ln.startswith("  ") and not ln.startswith("   ")]
    return facts + [ln.split("— ", 1)[1] for ln in lines if ln.strip().startswith("— ")]


def _step_words(text: str) -> list[str]:
    # LaTeX writes the en dash of Weston–Watkins as --
    return [w for w in english_words(text) if not set(w.split("--")) <= NAMES]


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_built_in_english_rendered_in_chinese(case):
    d = _built("en", case)
    with language("zh"):
        prose = _justifications(d)
        markdown = d.render("markdown")
        latex = d.render("latex")
    # the text rendering's formulas are not delimited: each sentence must be Chinese; the
    # Markdown and LaTeX set formulas as math, so no English word may be left in their prose
    assert len(prose) >= 8 and all(cjk_share(p)[0] > 0 for p in prose), prose
    for text in [markdown, latex]:
        assert _step_words(text) == [], _step_words(text)[:10]
    with language("en"):  # the same object still reads English
        assert "the derivative of a sum over the samples" in d.render("text")


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_built_in_chinese_rendered_in_english(case):
    d = _built("zh", case)
    with language("en"):
        for text in [d.render("text"), d.render("markdown"), d.render("latex")]:
            assert cjk_share(text)[0] == 0, [ln for ln in text.splitlines() if cjk_share(ln)[0]]
        assert "layout convention: a gradient has the shape of its parameter" in d.render("text")
