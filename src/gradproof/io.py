"""Writing output files atomically: a temporary file in the same folder, then a rename.

An error half-way never leaves a half-written file and never clobbers an existing one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gradproof.errors import DataError

__all__ = ["write_atomic"]


def write_atomic(path: str | Path, content: str | bytes) -> Path:
    """Write ``content`` to ``path`` atomically; returns the path written."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise DataError(f"{p}: the folder {folder} does not exist; create it first")
    if p.is_dir():
        raise DataError(f"{p}: is a folder; give a file name")
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return p
