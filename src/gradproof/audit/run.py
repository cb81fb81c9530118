"""``--run``: execute a post's Python code blocks, in order, in one fresh, limited subprocess.

Only called when the user asks for it (``gradproof audit --run``, ``audit(..., run=True)``).
The blocks run in one ``python -I`` process (isolated mode: no user site, no PYTHON*
variables), in a temporary working directory that is deleted afterwards, with a CPU-time,
memory and file-size limit (``resource.setrlimit`` before the interpreter starts), a wall-clock
timeout that kills the whole process group, a minimal environment and
``MPLBACKEND=Agg``. They share one namespace, as a notebook's cells do; an exception ends its
block and the next block runs. Every write to stdout is attributed to the line of its block
that was running at top level, so each claimed output can be compared with what the lines
before it printed. A notebook cell's last expression is displayed as Jupyter would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gradproof.i18n import _

__all__ = ["BlockResult", "run_blocks", "RUN_LIMITS"]

RUN_LIMITS = {
    "cpu_seconds": 60,
    "wall_seconds": 120,
    "memory_bytes": 4 * 2**30,
    "file_bytes": 64 * 2**20,
    "output_chars": 1_000_000,
}
"""Limits of the subprocess (tests monkeypatch this dict)."""

_RUNNER = r"""
import ast, io, json, sys, traceback
blocks = json.load(open(sys.argv[1], encoding="utf-8"))
ns = {"__name__": "__main__", "__builtins__": __builtins__}
results = []
LIMIT = int(sys.argv[3])

class Capture(io.TextIOBase):
    def __init__(self, name):
        self.name, self.parts, self.size = name, [], 0
    def writable(self):
        return True
    def write(self, s):
        s = str(s)
        f, line = sys._getframe(1), 0
        while f is not None:  # the outermost frame of this block: its top-level line
            if f.f_code.co_filename == self.name:
                line = f.f_lineno
            f = f.f_back
        if self.size < LIMIT:
            self.parts.append([line, s[: LIMIT - self.size]])
            self.size += len(s)
        return len(s)

for k, block in enumerate(blocks):
    name = "<block %d>" % k
    cap = Capture(name)
    error = None
    sys.stdout = cap
    try:
        tree = ast.parse(block["code"], name)
        last = None
        if block["display"] and tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, name, "exec"), ns)
        if last is not None:
            value = eval(compile(last, name, "eval"), ns)
            if value is not None:
                cap.parts.append([last.body.lineno, repr(value) + "\n"])
    except BaseException as exc:
        line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
        for frame, lineno in traceback.walk_tb(exc.__traceback__):
            if frame.f_code.co_filename == name:
                line = lineno
                break
        error = {"line": line, "type": type(exc).__name__, "message": str(exc)[:500]}
    finally:
        sys.stdout = sys.__stdout__
    results.append({"output": cap.parts, "error": error})
    with open(sys.argv[2], "w", encoding="utf-8") as fh:
        json.dump(results, fh)
"""


@dataclass(frozen=True)
class BlockResult:
    """What one block printed, by 1-based line of the block, and the exception it raised."""

    output: tuple[tuple[int, str], ...]
    error: dict[str, Any] | None

    def printed(self, after: int, upto: int) -> str:
        """The text printed by lines ``after < line ≤ upto``."""
        return "".join(text for line, text in self.output if after < line <= upto)


def _limits() -> None:  # runs in the child between fork and exec
    import resource

    cpu = int(RUN_LIMITS["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (RUN_LIMITS["memory_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (RUN_LIMITS["file_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_blocks(blocks: Sequence[str], display: Sequence[bool]) -> tuple[list[BlockResult], str]:
    """Run ``blocks`` in order in one subprocess; returns a result per block that ran, and a
    note (empty, or why the run stopped early: a timeout, a crash)."""
    with tempfile.TemporaryDirectory(prefix="gradproof-run-") as tmp:
        src, out = Path(tmp) / ".blocks.json", Path(tmp) / ".results.json"
        src.write_text(
            json.dumps([{"code": b, "display": d} for b, d in zip(blocks, display, strict=True)]),
            encoding="utf-8",
        )
        env = {
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": tmp,
            "TMPDIR": tmp,
            "MPLBACKEND": "Agg",
            "LC_ALL": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        cmd = [
            sys.executable,
            "-I",
            "-c",
            _RUNNER,
            str(src),
            str(out),
            str(RUN_LIMITS["output_chars"]),
        ]
        note = ""
        proc = subprocess.Popen(  # noqa: S603 - the user asked to run the post's code
            cmd,
            cwd=tmp,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_limits if os.name == "posix" else None,  # noqa: PLW1509
            start_new_session=True,
        )
        try:
            _stdout, err = proc.communicate(timeout=RUN_LIMITS["wall_seconds"])
            if proc.returncode != 0:
                tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                note = _(
                    "the code's process ended with status {status} {why}",
                    status=proc.returncode,
                    why=tail[0],
                ).strip()
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            note = _(
                "the code ran longer than {seconds} s and was stopped",
                seconds=RUN_LIMITS["wall_seconds"],
            )
        if proc.returncode is not None and proc.returncode < 0 and not note:
            note = _("the code's process was killed (signal {signal})", signal=-proc.returncode)
        try:
            raw = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = []
    results = [
        BlockResult(tuple((int(a), str(b)) for a, b in r["output"]), r["error"]) for r in raw
    ]
    return results, note
