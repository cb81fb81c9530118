"""Compiling LaTeX in tests: one pdflatex run in a temporary folder (skipped without TeX,
except in CI, where TeX is required)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

needs_pdflatex = pytest.mark.skipif(
    shutil.which("pdflatex") is None and not os.environ.get("CI"),
    reason="pdflatex not installed",
)


def compile_latex(tex: str, folder: Path, name: str = "doc") -> str:
    """Compile ``tex`` with pdflatex in ``folder``; assert it succeeds and return the log."""
    (folder / f"{name}.tex").write_text(tex)
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (folder / f"{name}.pdf").stat().st_size > 1000
    return (folder / f"{name}.log").read_text(errors="replace")
