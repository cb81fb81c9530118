"""The language choice: explicit, enclosing block, GRADPROOF_LANG, locale, English."""

import pytest

from gradproof.errors import OptionError
from gradproof.i18n import _, current_language, language, ngettext, resolve_language


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var in ("GRADPROOF_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    from gradproof import i18n

    token = i18n._current.set(None)  # no block of an earlier test in force
    yield
    i18n._current.reset(token)


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "zh_TW", "LANG": "en_US"}, "zh"),
        ({"GRADPROOF_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"GRADPROOF_LANG": "zh-CN"}, "zh"),
    ],
    ids=["default", "locale-zh", "locale-unknown", "lc-all-first", "env-over-locale", "env-region"],
)
def test_resolution_order(monkeypatch, env, expected):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert resolve_language(None) == expected


def test_explicit_and_block_win(monkeypatch):
    monkeypatch.setenv("GRADPROOF_LANG", "zh")
    assert resolve_language("en") == "en"
    with language("en"):
        assert current_language() == "en"
        with language("zh"):
            assert current_language() == "zh"
        assert current_language() == "en"
    assert current_language() == "zh"


@pytest.mark.parametrize("value", ["fr", "klingon", "zz_ZZ"])
def test_unknown_language_is_one_line_error(value):
    with pytest.raises(OptionError, match="unknown language") as info:
        resolve_language(value)
    assert "\n" not in str(info.value)


def test_english_fields_and_plurals():
    with language("en"):
        assert _("{n} samples", n=3) == "3 samples"
        assert ngettext("{n} sample", "{n} samples", 1) == "1 sample"
        assert ngettext("{n} sample", "{n} samples", 2) == "2 samples"


@pytest.mark.parametrize(
    "args",
    [
        ["--help", "--lang", "zh"],
        ["derive", "--help", "--lang", "zh"],
        ["derive", "--bogus", "--lang", "zh"],
    ],
    ids=["group-help", "command-help", "usage-error"],
)
def test_a_command_that_ends_while_parsing_leaves_no_language_behind(args):
    # click never closes the context when parsing ends early (help, usage error): the
    # language --lang set must not outlive the command in this process
    from click.testing import CliRunner

    from gradproof.cli import cli

    CliRunner().invoke(cli, args)
    assert current_language() == "en"
