"""The README runs as written: every ```python block in a fresh interpreter (from the repository
root, so ``examples/`` paths resolve), every ``gradproof ...`` command of its ```bash blocks
with the exit code it documents, and every ``examples/...`` path it names exists.

A ``print(...)  # → TEXT`` line promises TEXT in the block's output; a command's comment
``exit N`` promises exit code N (else 0). The two set-up commands are not run here (they make a
virtual environment and run this suite); their ``gradproof`` part is.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradproof.cli import cli

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def _blocks(*langs: str) -> list[str]:
    return [body for lang, body in FENCE.findall(README) if lang in langs]


def _commands() -> list[tuple[str, int]]:
    """Each ``gradproof`` command of the bash blocks, with the exit code its comment states."""
    out = []
    for block in _blocks("bash", "console"):
        for line in block.splitlines():
            line = line.removeprefix("$ ")
            # the set-up commands: only the gradproof part after the last &&
            line = line.split("&& ")[-1] if line.startswith("python3 -m venv") else line
            if not line.startswith("gradproof "):
                continue
            code, _, comment = line.partition(" # ")
            expected = re.search(r"\bexit (\d)", comment)
            out.append((code.strip(), int(expected.group(1)) if expected else 0))
    return out


PYTHON = _blocks("python")
COMMANDS = _commands()


def test_the_readme_shows_what_it_promises():
    # the parsing above finds the blocks: a README rewritten into another fence would otherwise
    # pass with nothing run
    assert len(PYTHON) >= 5 and len(COMMANDS) >= 25
    assert ("gradproof derive perceptron", 0) in COMMANDS  # the first set-up command
    assert sum(code == 1 for _, code in COMMANDS) >= 3  # a failing check, audit and lint
    for setup in (
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && gradproof derive "
        "perceptron",
        'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]" && pytest',
    ):
        assert f"```bash\n{setup}\n```" in README  # CI and people run these exactly


def test_every_example_file_the_readme_names_exists():
    named = set(re.findall(r"examples/[\w./-]*\w", README))
    assert {"examples/points.csv", "examples/mygrad.py"} <= named
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert missing == []


@pytest.mark.parametrize("source", PYTHON, ids=[f"python-{i + 1}" for i in range(len(PYTHON))])
def test_python_block_runs(source):
    env = {**os.environ, "GRADPROOF_LANG": "en", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [sys.executable, "-c", source],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    for promised in re.findall(r"^print\(.*\)  # → (.+)$", source, re.M):
        assert promised in done.stdout, (promised, done.stdout)


def test_commands_run_with_their_exit_codes(tmp_path, monkeypatch):
    # in order, in one folder holding a copy of examples/ (lint reads the post notes wrote)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRADPROOF_LANG", "en")
    failed = []
    for command, expected in COMMANDS:
        result = CliRunner().invoke(cli, shlex.split(command)[1:])
        if result.exit_code != expected:
            failed.append((command, expected, result.exit_code, result.output[-300:]))
    assert failed == []
