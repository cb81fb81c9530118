"""The shipped catalogs: complete, up to date with the source, faithful to their placeholders,
to the terminology table and to Chinese typography."""

from __future__ import annotations

import fnmatch
import gettext
import re
import string

import pytest

babel = pytest.importorskip("babel", reason="the catalog tests read .po files with Babel")
from babel.messages.pofile import read_po  # noqa: E402

from gradproof import _catalogs  # noqa: E402
from gradproof.i18n import DOMAIN, LANGUAGES, LOCALE_DIR  # noqa: E402

SHIPPED = sorted(set(LANGUAGES) - {"en"})
CJK = r"[\u3400-\u4dbf\u4e00-\u9fff]"


def _po(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as fh:
        return read_po(fh)


def _pairs(lang: str):
    """(message id, translation) of every message; a plural's forms against its plural id."""
    for m in _po(lang):
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            for form in m.string:
                yield m.id[1], form
        else:
            yield m.id, m.string


def _fields(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def test_every_language_has_a_catalog():
    assert SHIPPED  # at least Chinese
    for lang in SHIPPED:
        assert (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_message_is_translated(lang):
    template = {m.id for m in _catalogs.template() if m.id}
    catalog = {m.id: m for m in _po(lang) if m.id}
    assert template == set(catalog)  # neither missing nor stale
    assert not [m.id for m in catalog.values() if m.fuzzy]
    missing = [msgid for msgid, text in _pairs(lang) if not text]
    assert not missing, missing[:5]


def test_template_is_up_to_date_with_the_source():
    """Re-extracting finds exactly the messages of the shipped template."""
    from babel.messages.pofile import read_po as read

    with _catalogs.POT.open("rb") as fh:
        shipped = {m.id for m in read(fh) if m.id}
    assert shipped == {m.id for m in _catalogs.template() if m.id}


@pytest.mark.parametrize("lang", SHIPPED)
def test_compiled_catalog_matches_the_po(lang):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    for m in _po(lang):
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            assert mo.ngettext(*m.id, 5) == m.string[-1]
        else:
            assert mo.gettext(m.id) == m.string, m.id


@pytest.mark.parametrize("lang", SHIPPED)
def test_placeholders_are_those_of_the_message(lang):
    """A message with fields (Babel flags it python-brace-format) keeps exactly its fields."""
    wrong = []
    for m in _po(lang):
        if m.id and "python-brace-format" in m.flags:
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            forms = m.string if isinstance(m.string, tuple) else (m.string,)
            wrong += [(ids[-1], s) for s in forms if _fields(ids[-1]) != _fields(s)]
    assert not wrong, wrong[:5]
    assert sum("python-brace-format" in m.flags for m in _po(lang)) > 100


# Text that is not prose: placeholders, code, math, quoted examples, options, index brackets.
_NOT_PROSE = [r"\{[^{}]*\}", r"`[^`]*`", r"\$[^$]*\$", r"'[^']*'", r'"[^"]*"', r"--[\w-]+"]
_NOT_PROSE += [r"\\[A-Za-z]+", r"\[[^\]]*\]", r"\b\w+=\S+", r"gradproof \w+( [a-z_]+)*"]


def _prose(text: str) -> str:
    for pattern in _NOT_PROSE:
        text = re.sub(pattern, " ", text)
    return text


TYPOGRAPHY = {
    "ASCII punctuation after Chinese (use ，；：！？（）)": CJK + r"[,;:!?()]",
    "ASCII punctuation before Chinese (use ，；：（）)": r"[(),;:]" + CJK,
    "an ASCII full stop after Chinese (use 。)": CJK + r"\.(\s|$)",
    "no space between Chinese and Latin or a number": CJK + r"[A-Za-z0-9]",
    "no space between Latin or a number and Chinese": r"[A-Za-z0-9]" + CJK,
}


@pytest.mark.parametrize(
    "bad",
    ["梯度,损失", "梯度(次梯度)", "已收敛.", "共4个样本", "第 1行", "用numpy"],
)
def test_typography_rules_catch_mistakes(bad):
    assert any(re.search(rule, _prose(bad)) for rule in TYPOGRAPHY.values())


def test_zh_typography():
    wrong = [
        (rule, s)
        for _i, s in _pairs("zh")
        for rule, pattern in TYPOGRAPHY.items()
        if re.search(pattern, _prose(s))
    ]
    assert not wrong, wrong[:5]


def _terms() -> list[tuple[str, str]]:
    lines = (LOCALE_DIR / "zh" / "terms.tsv").read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]


ISSUE_TERMS = (
    *"梯度 损失函数 偏导数 链式法则 次梯度 误分类样本集 学习率 权重 偏置 间隔".split(),
    *"合页损失 平方合页损失 逻辑回归 平方误差 正则化项 指示函数".split(),
    "Huber 损失",
)


def test_terms_table_has_the_issues_terms():
    table = {zh for _en, zh in _terms()}
    assert not [term for term in ISSUE_TERMS if term not in table]
    assert all(len(row) == 2 and all(row) for row in _terms())


def test_zh_uses_the_terms():
    """Wherever a message says an English term, its Chinese says the table's translation."""
    wrong = []
    for en, zh in _terms():
        words = r"[\s-]".join(re.escape(w) for w in en.split())
        pattern = re.compile(rf"\b{words}(s|es)?\b", re.IGNORECASE)
        wrong += [(en, zh, s) for i, s in _pairs("zh") if pattern.search(_prose(i)) and zh not in s]
    assert not wrong, wrong[:8]


def test_catalogs_are_package_data():
    """Every catalog file is matched by pyproject's package-data, so a wheel carries it."""
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in Python 3.11+")
    pyproject = LOCALE_DIR.parents[2] / "pyproject.toml"
    if not pyproject.is_file():
        pytest.skip("an installed gradproof, not the source tree")
    patterns = tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["package-data"]
    package = LOCALE_DIR.parent
    files = [p.relative_to(package).as_posix() for p in LOCALE_DIR.rglob("*") if p.is_file()]
    assert any(f.endswith(".mo") for f in files)
    unshipped = [f for f in files if not any(fnmatch.fnmatch(f, p) for p in patterns["gradproof"])]
    assert not unshipped
