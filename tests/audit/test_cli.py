"""``gradproof audit``: exit codes, the JSON schema, GitHub annotations, --fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradproof.cli import cli

EXAMPLE = Path(__file__).parents[2] / "examples" / "posts" / "perceptron_wrong.md"
POSTS = Path(__file__).parent / "posts"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_report_like_a_linter():
    res = run("audit", EXAMPLE)
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert lines[0] == f"{EXAMPLE}:18: wrong: −[1,2] + [3,0] = [2, −2], not [2, 2]"
    assert lines[1] == (
        f"{EXAMPLE}:24: follows line 18: with ∂L/∂w = [2, −2] the update is [−0.2, 0.2], "
        "not [−0.2, −0.2]"
    )
    assert "loss: perceptron (recognised from the formula on line 6)" in res.output
    assert lines[-1].endswith("7 claims: 5 ok, 1 wrong, 1 follow a wrong value, 0 unchecked")


def test_verbose_lists_every_claim():
    res = run("audit", EXAMPLE, "-v")
    assert res.output.count(": ok: ") == 5


def test_clean_post_exits_0():
    res = run("audit", POSTS / "clean_en.md", "--run")
    assert res.exit_code == 0, res.output
    assert "0 wrong" in res.output


def test_json_schema():
    res = run("audit", EXAMPLE, "--json")
    assert res.exit_code == 1
    out = json.loads(res.output)
    assert set(out) == {"file", "loss", "claims", "summary"}
    assert out["loss"] == "perceptron" and out["file"] == str(EXAMPLE)
    keys = {"line", "kind", "text", "verdict", "expected", "follows", "message"}
    assert all(set(c) == keys for c in out["claims"])
    wrong = [c for c in out["claims"] if c["verdict"] != "ok"]
    assert wrong == [
        {
            "line": 18,
            "kind": "equation",
            "text": "∂L/∂w = −(1·[1,2] + (−1)·[3,0]) = −[1,2] + [3,0] = [2, 2]",
            "verdict": "wrong",
            "expected": "[2, −2]",
            "follows": None,
            "message": "−[1,2] + [3,0] = [2, −2], not [2, 2]",
        },
        {
            "line": 24,
            "kind": "update",
            "text": "w_new = [0,0] − 0.1·[2, 2] = [−0.2, −0.2]",
            "verdict": "follows-wrong",
            "expected": "[−0.2, 0.2]",
            "follows": 18,
            "message": "with ∂L/∂w = [2, −2] the update is [−0.2, 0.2], not [−0.2, −0.2]",
        },
    ]
    assert out["summary"] == {"claims": 7, "ok": 5, "wrong": 1, "follows-wrong": 1, "unchecked": 0}


def test_github_annotations():
    res = run("audit", EXAMPLE, "--format", "github")
    lines = res.output.splitlines()
    assert lines[0].startswith(f"::error file={EXAMPLE},line=18,title=gradproof audit::wrong")
    assert lines[1].startswith(f"::error file={EXAMPLE},line=24,")
    assert "follows line 18" in lines[1]
    assert lines[-1].startswith("::notice::7 claims")


def test_fix_prints_a_diff_and_writes_a_corrected_copy(tmp_path):
    res = run("audit", EXAMPLE, "--fix")
    assert res.exit_code == 1
    assert "-∂L/∂w = −(1·[1,2] + (−1)·[3,0]) = −[1,2] + [3,0] = [2, 2]" in res.output
    assert "+∂L/∂w = −(1·[1,2] + (−1)·[3,0]) = −[1,2] + [3,0] = [2, −2]" in res.output
    assert "+w_new = [0,0] − 0.1·[2, −2] = [−0.2, 0.2]" in res.output
    post = tmp_path / "post.md"
    shutil.copy(EXAMPLE, post)
    fixed = tmp_path / "fixed.md"
    res = run("audit", post, "--fix", "-o", fixed)
    assert post.read_text(encoding="utf-8") == EXAMPLE.read_text(encoding="utf-8")
    again = run("audit", fixed)
    assert again.exit_code == 0, again.output  # the corrected copy has nothing wrong


@pytest.mark.parametrize(
    "args, words",
    [
        (["audit", "missing.md"], "cannot read it"),
        (["audit", "post.rst"], "cannot tell the format"),
        (["audit", "bad.ipynb"], "not a valid notebook"),
        (["audit", "ok.md", "-o", "x.md"], "use it with --fix"),
        (["audit", "nb.ipynb", "--fix"], "not notebooks"),
        (["audit", "ok.md", "--loss", "max(0, __import__)"], "'__import__' is not allowed"),
        (["audit", "ok.md", "--input-format", "rst"], "invalid value for '--input-format'"),
    ],
    ids=[
        "missing",
        "suffix",
        "bad-notebook",
        "output-without-fix",
        "fix-notebook",
        "hostile-loss",
        "format",
    ],
)
def test_input_errors_exit_2(tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    Path("post.rst").write_text("x")
    Path("bad.ipynb").write_text("{")
    Path("ok.md").write_text("1 + 1 = 2\n")
    Path("nb.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4}')
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2, res.output
    assert words in res.output
    assert "Traceback" not in res.output
    assert sum("rror" in line for line in res.output.splitlines()) == 1  # one line says it


def test_help_says_run_runs_the_code():
    res = run("audit", "--help")
    assert "RUN THE POST'S PYTHON CODE" in res.output
    assert "without --run no code of the post is executed" in " ".join(res.output.split())


def test_loss_option_when_the_post_does_not_say():
    text = "x₁ = [1, 2], x₂ = [3, 0], y = [1, −1], w = 0, b = 0.\n\n∂L/∂w = [2, 2].\n"
    res = CliRunner().invoke(cli, ["audit", "-", "--loss", "perceptron"], input=text)
    # '-' is not a path gradproof reads: a clear error, not a crash
    assert res.exit_code == 2


def test_the_python_report_prints_what_the_command_prints():
    import gradproof

    report = gradproof.audit(EXAMPLE)
    assert str(report) == run("audit", EXAMPLE).output.rstrip("\n")
    assert repr(report) == (
        f"AuditReport({str(EXAMPLE)!r}, loss='perceptron', "
        "7 claims: 5 ok, 1 wrong, 1 follow a wrong value, 0 unchecked)"
    )
