"""The post's code: never run without ``run=True``; with it, run in a separate, limited process."""

from __future__ import annotations

import os

import pytest

from gradproof.audit import audit
from gradproof.audit import run as R


def _post(path) -> str:
    return (
        "Some text.\n\n"
        "```python\n"
        "import pathlib, os\n"
        f"pathlib.Path({str(path)!r}).write_text('ran')\n"
        "pathlib.Path('relative.txt').write_text(os.getcwd())\n"
        "print(6 * 7)  # Output: 42\n"
        "```\n"
    )


def test_audit_never_runs_code_without_run(tmp_path):
    marker = tmp_path / "written-by-the-post.txt"
    r = audit(_post(marker))
    assert not marker.exists()
    (claim,) = [c for c in r.claims if c.kind == "output"]
    assert claim.verdict == "unchecked" and "--run" in claim.message
    assert any("not run" in n for n in r.notes)


def test_run_executes_in_a_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "written-by-the-post.txt"
    r = audit(_post(marker), run=True)
    assert marker.read_text() == "ran"  # the code did run: the test above could have failed
    assert not (tmp_path / "relative.txt").exists()  # ... but not in our working directory
    (claim,) = [c for c in r.claims if c.kind == "output"]
    assert claim.verdict == "ok"


def test_run_environment_is_isolated_and_headless(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/nonexistent-gradproof-test")
    monkeypatch.setenv("GRADPROOF_SECRET", "x")
    code = (
        "```python\nimport os, sys\n"
        "print(os.environ.get('MPLBACKEND'))  # Output: Agg\n"
        "print('GRADPROOF_SECRET' in os.environ)  # Output: False\n"
        "print(any('nonexistent-gradproof' in p for p in sys.path))  # Output: False\n"
        "print(sys.flags.isolated)  # Output: 1\n```\n"
    )
    r = audit(code, run=True)
    assert [c.verdict for c in r.claims] == ["ok"] * 4, r.lines(verbose=True)


def test_an_exception_is_a_finding_on_its_line_and_later_blocks_still_run():
    text = (
        "```python\n"  # 1
        "x = 1\n"  # 2
        "y = x / 0\n"  # 3
        "print(y)  # Output: 1\n"  # 4
        "```\n"  # 5
        "\n"
        "```python\n"  # 7
        "print(x + 1)  # Output: 2\n"  # 8
        "```\n"
    )
    r = audit(text, run=True)
    got = [(c.line, c.kind, c.verdict) for c in r.claims]
    assert got == [(3, "code-error", "wrong"), (4, "output", "unchecked"), (8, "output", "ok")]
    assert r.claims[0].message == "ZeroDivisionError: division by zero"


def test_time_limit_stops_the_code(monkeypatch):
    monkeypatch.setitem(R.RUN_LIMITS, "cpu_seconds", 1)
    monkeypatch.setitem(R.RUN_LIMITS, "wall_seconds", 5)
    r = audit("```python\nwhile True:\n    pass\nprint(1)  # Output: 1\n```\n", run=True)
    # the block did not finish: that is a finding on its first line (review A10), and the
    # output it would have printed is not checked
    assert [(c.line, c.kind, c.verdict) for c in r.claims] == [
        (2, "code-error", "wrong"),
        (4, "output", "unchecked"),
    ]
    assert r.exit_code == 1
    assert any("killed" in n or "stopped" in n or "status" in n for n in r.notes), r.notes


def test_memory_limit(monkeypatch):
    monkeypatch.setitem(R.RUN_LIMITS, "memory_bytes", 512 * 2**20)
    r = audit("```python\nx = bytearray(2 * 2**30)\n```\n", run=True)
    (c,) = r.claims
    assert (c.kind, c.line, c.message) == ("code-error", 2, "MemoryError")


@pytest.mark.skipif(os.name != "posix", reason="resource limits are POSIX")
def test_file_size_limit(monkeypatch, tmp_path):
    monkeypatch.setitem(R.RUN_LIMITS, "file_bytes", 1000)
    target = tmp_path / "big.bin"
    code = f"with open({str(target)!r}, 'wb') as fh:\n    fh.write(b'x' * 5000)\n"
    r = audit(f"```python\n{code}```\n", run=True)
    assert target.stat().st_size <= 1000
    (c,) = r.claims
    assert c.kind == "code-error" and "File too large" in c.message


def test_outputs_by_line_and_following_text_block():
    text = (
        "```python\n"  # 1
        "for k in range(3):\n"  # 2
        "    print(k / 4)\n"  # 3
        "# Output:\n"  # 4
        "# 0.0\n"  # 5
        "# 0.25\n"  # 6
        "# 0.55\n"  # 7  <- wrong: 0.5
        "print('done')\n"  # 8
        "```\n"  # 9
        "```text\n"  # 10
        "done\n"  # 11
        "```\n"
    )
    r = audit(text, run=True)
    got = [(c.line, c.verdict) for c in r.claims]
    assert got == [(7, "wrong"), (11, "ok")]
    assert r.claims[0].expected == "0.0\n0.25\n0.5"
