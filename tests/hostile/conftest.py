"""Fixtures of the hostile-input tests: run the CLI and check its one-line error contract."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gradproof.cli import cli


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _one_line_error(*args: str) -> str:
    """Run ``gradproof ARGS``; assert exit code 2, exactly one line on stderr starting
    ``gradproof: error:`` and no traceback; return that line."""
    res = _run(*args)
    assert res.exit_code == 2, (res.exit_code, res.output, res.stderr, res.exception)
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("gradproof: error: "), res.stderr
    assert "Traceback" not in res.output + res.stderr
    return lines[0]


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    """``run_cli("derive", "--expr", "y")`` → click's Result (stdout and stderr apart)."""
    return _run


@pytest.fixture
def cli_error() -> Callable[..., str]:
    """``cli_error(*args)`` → the single stderr line of a failing command (exit code 2)."""
    return _one_line_error


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder (the cwd): a payload that ran would leave SENTINEL here."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
