"""click's own usage errors are one line too: ``gradproof: error: ...`` with where to find help,
exit code 2 (click prints three: "Usage: ...", "Try ...", "Error: ..."). ``--help`` still
works everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gradproof.cli import cli

COMMANDS = ["derive", "codegen", "notes", "train", "compare", "check", "losses"]

# (id, arguments, words in the line)
USAGE_ERRORS = [
    # unknown options
    *[(f"{c}-unknown-option", [c, "--bogus"], "no such option '--bogus'") for c in COMMANDS],
    (
        "top-unknown-option",
        ["--bogus"],
        "no such option '--bogus' (see 'cli --help')",
    ),  # CliRunner's name
    ("unknown-command", ["nope"], "no such command 'nope'"),
    ("near-miss-command", ["deriv"], "Did you mean 'derive'?"),
    # missing values
    (
        "derive-missing-value",
        ["derive", "perceptron", "--lr"],
        "option '--lr' requires an argument",
    ),
    ("codegen-missing-value", ["codegen", "--param"], "option '--param' requires an argument"),
    ("notes-missing-value", ["notes", "--epochs"], "option '--epochs' requires an argument"),
    ("train-missing-value", ["train", "--seed"], "option '--seed' requires an argument"),
    ("compare-missing-value", ["compare", "--format"], "option '--format' requires an argument"),
    ("check-missing-value", ["check", "--claim"], "option '--claim' requires an argument"),
    # bad choices
    ("derive-bad-choice", ["derive", "--format", "pdf"], "'pdf' is not one of 'text', 'latex'"),
    ("codegen-bad-choice", ["codegen", "--kink", "middle"], "'middle' is not one of 'include'"),
    ("notes-bad-choice", ["notes", "--lang", "fr"], "'fr' is not one of 'en', 'zh'"),
    ("train-bad-choice", ["train", "--labels", "x"], "no such option '--labels'"),
    ("compare-bad-choice", ["compare", "--format", "html"], "'html' is not one of 'text'"),
    ("check-bad-choice", ["check", "--precision", "float16"], "'float16' is not one of"),
    # bad numbers
    ("derive-bad-float", ["derive", "--lr", "fast"], "'fast' is not a valid float"),
    ("notes-bad-int", ["notes", "--epochs", "ten"], "'ten' is not a valid integer"),
    ("train-bad-int", ["train", "--batch-size", "2.5"], "'2.5' is not a valid integer"),
    ("train-bad-float", ["train", "--momentum", "lots"], "'lots' is not a valid float"),
    ("check-bad-int", ["check", "--seed", "0x10"], "'0x10' is not a valid integer"),
    # arguments
    ("compare-missing-argument", ["compare"], "missing argument 'LOSSES...'"),
    ("losses-extra-argument", ["losses", "extra"], "got unexpected extra argument (extra)"),
    ("derive-extra-argument", ["derive", "perceptron", "hinge"], "unexpected extra argument"),
    # a control character in what the user typed stays on the line
    ("newline-in-option", ["derive", "--fo\no"], r"no such option '--fo\no'"),
]


@pytest.mark.parametrize(
    "args, words", [c[1:] for c in USAGE_ERRORS], ids=[c[0] for c in USAGE_ERRORS]
)
def test_usage_error_is_one_line(args: list[str], words: str, cli_error) -> None:
    line = cli_error(*args)
    assert words in line
    assert "--help')" in line  # says where to look
    assert "Usage:" not in line and "Try '" not in line


def test_output_folder_as_a_file_option_is_one_line(tmp_path: Path, cli_error) -> None:
    line = cli_error("derive", "perceptron", "-o", str(tmp_path))
    assert "is a directory" in line


def test_usage_errors_print_nothing_on_stdout() -> None:
    res = CliRunner().invoke(cli, ["train", "--epochs", "x"])
    assert res.exit_code == 2 and res.stdout == ""


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_still_works(command: str, flag: str) -> None:
    res = CliRunner().invoke(cli, [command, flag])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith(f"Usage: cli {command} [OPTIONS]")
    assert "Show this message and exit." in res.stdout


def test_top_level_help_and_version() -> None:
    res = CliRunner().invoke(cli, ["--help"])
    assert res.exit_code == 0 and "GRADPROOF_TIME_LIMIT" in res.stdout
    assert all(c in res.stdout for c in COMMANDS)
    res = CliRunner().invoke(cli, ["--version"])
    assert res.exit_code == 0 and "version" in res.stdout
    res = CliRunner().invoke(cli, [])  # no command: the help text is the answer
    assert "Usage:" in res.output and "Commands:" in res.output
