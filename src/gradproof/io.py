"""Writing output files atomically: a temporary file in the same folder, then a rename.

An error half-way never leaves a half-written file, never clobbers an existing one and never
leaves the temporary file behind. The new file gets the mode of the file it replaces, or the
usual mode for a new file (``0o666`` less the umask), not ``mkstemp``'s private ``0o600``.
Writing through a symbolic link replaces the file it points to, not the link.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gradproof.errors import DataError

__all__ = ["write_atomic"]


def _name(p: Path) -> str:
    s = str(p)
    return s if s.isprintable() else repr(s)


def _new_file_mode() -> int:
    """0o666 less the process umask (read without changing it where /proc allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: str | Path, content: str | bytes) -> Path:
    """Write ``content`` to ``path`` atomically; returns the path written.

    Raises
    ------
    DataError
        If the folder does not exist, ``path`` is a folder, or the file cannot be written
        (permissions, disk full); the existing file, if any, is then left untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "out.txt", "hello").read_text()
    'hello'
    """
    p = Path(path)
    if p.is_symlink():
        p = Path(os.path.realpath(p))
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise DataError(f"{_name(p)}: the folder {_name(folder)} does not exist; create it first")
    if p.is_dir():
        raise DataError(f"{_name(p)}: is a folder; give a file name")
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    try:
        mode = p.stat().st_mode & 0o7777 if p.exists() else _new_file_mode()
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise DataError(f"{_name(p)}: cannot write here ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, p)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise DataError(
                f"{_name(p)}: writing failed ({exc.strerror or exc}); the "
                f"existing file, if any, is unchanged"
            ) from None
        raise
    _sync_folder(folder)
    return p


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); best effort elsewhere."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
