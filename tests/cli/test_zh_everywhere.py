"""Issue 13: every command (derive, notes, audit of the note, check passing and failing, train,
compare, the help), in Chinese, for every built-in loss, leaves no English word in its prose
(outside math, code, file names and the names of :data:`zh_text.ALLOWED`)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from zh_text import cjk_share, english_words

from gradproof.cli import cli
from gradproof.symbolic.losses import LOSSES

X, Y = "[[2,3],[1,-1],[-1,2]]", "[1,-1,1]"
AT = '{"w":[0.5,-0.25],"b":0.1}'  # off every kink: margins 0.35, -0.85, -0.9
WRONG = '{"w":[10,-20],"b":5}'  # far from every built-in loss's gradient there


def _run(*args: str, code: int = 0) -> str:
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert res.exit_code == code, res.output
    return res.output


def outputs(loss: str, lang: str, tmp_path) -> dict[str, str]:
    """What a reader sees from each command on ``loss``, in ``lang``."""
    out = {}
    for fmt in ("text", "markdown", "latex"):
        out[f"derive --format {fmt}"] = _run(
            "derive", loss, "--lang", lang, "--format", fmt, "--detail", "full"
        )
    for fmt in ("markdown", "latex"):
        folder = tmp_path / fmt
        said = _run("notes", loss, "--lang", lang, "--format", fmt, "-o", str(folder))
        out[f"notes --format {fmt} (messages)"] = said
        for doc in folder.glob(f"{loss}.*"):
            out[f"notes --format {fmt}: {doc.name}"] = doc.read_text(encoding="utf-8")
    post = tmp_path / "markdown" / f"{loss}.md"
    out["audit --verbose (of the note)"] = _run("audit", str(post), "--lang", lang, "--verbose")
    out["check (passing)"] = _run("check", loss, "--lang", lang, "--points", "2")
    out["check (failing)"] = _run(
        "check", loss, "--lang", lang, "--X", X, "--y", Y, "--at", AT, "--claim", WRONG, code=1
    )
    out["train"] = _run("train", loss, "--lang", lang, "--epochs", "4")
    return out


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_command_speaks_chinese(loss, tmp_path):
    outs = outputs(loss, "zh", tmp_path)
    assert "](figures/" in outs[f"notes --format markdown: {loss}.md"]  # figures are scanned too
    left = {name: english_words(text) for name, text in outs.items()}
    assert not {k: v for k, v in left.items() if v}, left
    cjk, words = (sum(cjk_share(t)[i] for t in outs.values()) for i in (0, 1))
    print(f"\n{loss}: {cjk} CJK characters, {words} Latin words (allowed names)")
    assert cjk > 20 * words  # prose in Chinese, names and identifiers the exception


def test_compare_speaks_chinese():
    for fmt in ("text", "markdown", "latex"):
        text = _run("compare", *LOSSES, "--lang", "zh", "--format", fmt, "--X", X, "--y", Y)
        assert not english_words(text), (fmt, english_words(text))
        cjk, words = cjk_share(text)
        print(f"\ncompare --format {fmt}: {cjk} CJK characters, {words} Latin words")
        assert cjk > 5 * words


def test_the_scan_finds_english(tmp_path):
    """The same scan over the English output finds English everywhere: it can fail."""
    outs = outputs("hinge", "en", tmp_path)
    for name, text in outs.items():
        assert len(english_words(text)) >= 3, name
    compare = _run("compare", "hinge", "logistic", "--lang", "en", "--X", X, "--y", Y)
    assert len(english_words(compare)) >= 10


@pytest.mark.parametrize("order", ["lang-first", "help-first"])
@pytest.mark.parametrize("command", ["derive", "notes", "compare", "check", "train", "lint"])
def test_help_is_chinese_wherever_lang_stands(command, order):
    args = ["--lang", "zh", "--help"] if order == "lang-first" else ["--help", "--lang", "zh"]
    text = _run(command, *args)
    assert text.startswith("用法：") and "选项" in text
    cjk, words = cjk_share(text)
    assert cjk > words  # click's metavars (TEXT, FILE) and choices stay as typed
