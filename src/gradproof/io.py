"""Writing output files atomically and safely: a temporary file in the same folder, then a
rename.

The contract of :func:`write_atomic`:

- **Atomic.** An error half-way (disk full, a signal) never leaves a half-written file, never
  clobbers an existing one and never leaves the temporary file behind: SIGTERM, SIGINT and
  SIGHUP during the write remove the temporary file, then take their usual course (only
  SIGKILL or a power cut can leave a ``.NAME.*.tmp`` file).
- **Regular files only.** A device (``/dev/null``), FIFO, socket or folder is never replaced.
- **Symbolic links.** A link is followed only when it belongs to the user running gradproof
  (or to root): a link another user planted, e.g. in a shared world-writable folder such as
  /tmp, is refused, for every link on the way (folders included), since following it would
  write wherever that user chose. Following a link replaces the file it points to, not the
  link.
- **Permissions.** The new file gets the mode of the file it replaces (and, where allowed, its
  owner), or the usual mode for a new file (``0o666`` less the umask), not ``mkstemp``'s
  private ``0o600``. A file with the setuid or setgid bit is refused, and so is a read-only
  one: a file the user may not write by its mode bits, judged by the bits even as root
  (``chmod a-w`` protects a file from gradproof although root could write it).
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from gradproof.errors import DataError

__all__ = ["write_atomic"]

_MAX_LINKS = 40  # as the kernel's ELOOP limit
_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, n))


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


def _trusted(st: os.stat_result) -> bool:
    """A link gradproof may follow: the user's own, or root's."""
    return not hasattr(os, "geteuid") or st.st_uid in (os.geteuid(), 0)


def _resolve(path: Path) -> Path:
    """The absolute path ``path`` names, its symbolic links resolved one by one, each checked
    with :func:`_trusted` (unlike ``os.path.realpath``, which follows any link).

    A component that does not exist ends the walk; the rest is appended as written.
    """
    todo = list(reversed(Path(path).parts))
    done = Path.cwd() if not Path(path).is_absolute() else Path(todo.pop())
    links = 0
    while todo:
        part = todo.pop()
        if part in ("", "."):
            continue
        if part == "..":
            done = done.parent
            continue
        candidate = done / part
        try:
            st = os.lstat(candidate)
        except OSError:
            return Path(candidate, *reversed(todo))  # missing: the checks below name it
        if not stat.S_ISLNK(st.st_mode):
            done = candidate
            continue
        if not _trusted(st):
            raise DataError(
                f"{_name(path)}: {_name(candidate)} is a symbolic link owned by another user "
                f"(uid {st.st_uid}); gradproof follows only your own links; remove it or give "
                f"the real path"
            )
        links += 1
        if links > _MAX_LINKS:
            raise DataError(f"{_name(path)}: too many levels of symbolic links")
        target = Path(os.readlink(candidate))
        if target.is_absolute():
            done = Path(target.anchor)
            target = target.relative_to(target.anchor)
        todo.extend(reversed(target.parts))
    return done


def _kind(mode: int) -> str:
    for test, word in (
        (stat.S_ISDIR, "a folder; give a file name"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return word
    return "not a regular file"


def _writable(st: os.stat_result) -> bool:
    """May the user write this file, by its mode bits (root included: no write bit, no write)."""
    if not hasattr(os, "geteuid"):
        return bool(st.st_mode & stat.S_IWUSR)
    uid = os.geteuid()
    if uid == 0:
        return bool(st.st_mode & 0o222)
    if st.st_uid == uid:
        return bool(st.st_mode & stat.S_IWUSR)
    if st.st_gid in (os.getegid(), *os.getgroups()):
        return bool(st.st_mode & stat.S_IWGRP)
    return bool(st.st_mode & stat.S_IWOTH)


def _check_target(p: Path, shown: Path) -> os.stat_result | None:
    """The existing target's stat, after refusing what must not be replaced; None if new."""
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DataError(f"{_name(shown)}: cannot write here ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        kind = _kind(st.st_mode)
        if stat.S_ISDIR(st.st_mode):
            raise DataError(f"{_name(shown)}: is {kind}")
        raise DataError(
            f"{_name(shown)}: is {kind}, not a regular file; gradproof writes regular files "
            f"only (leave out -o to print)"
        )
    if st.st_mode & (stat.S_ISUID | stat.S_ISGID):
        raise DataError(
            f"{_name(shown)}: has the setuid or setgid bit; gradproof will not replace it"
        )
    if not _writable(st):
        raise DataError(
            f"{_name(shown)}: is read-only (mode {stat.S_IMODE(st.st_mode):o}); make it "
            f"writable or give another file name"
        )
    return st


class _Signalled(BaseException):
    """A terminating signal arrived during the write (re-delivered after the cleanup)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _signals_clean_up(shown: Path) -> Iterator[None]:
    """SIGTERM, SIGINT and SIGHUP raise :class:`_Signalled` inside the block, so the cleanup
    runs; afterwards the previous handlers are back and the signal is delivered again, to
    take its usual course (the default ends the process; Python's SIGINT handler raises
    KeyboardInterrupt). Signals the process ignores stay ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise _Signalled(signum)

    previous = {}
    try:
        for sig in _SIGNALS:
            old = signal.getsignal(sig)
            if old is not signal.SIG_IGN:
                previous[sig] = signal.signal(sig, on_signal)
        try:
            yield
        except _Signalled as exc:
            caught: int | None = exc.signum
        else:
            caught = None
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    if caught is not None:
        os.kill(os.getpid(), caught)  # the previous handler (or the default) now decides
        # A handler that returned: the write still did not happen.
        raise DataError(f"{_name(shown)}: writing was interrupted by {signal.Signals(caught).name}")


def write_atomic(path: str | Path, content: str | bytes) -> Path:
    """Write ``content`` to ``path`` atomically and safely (see the module); returns the path
    written (the target of a followed link).

    Raises
    ------
    DataError
        If the folder does not exist; ``path`` is a folder, device, FIFO or socket, a
        setuid/setgid or read-only file, or a symbolic link owned by another user; or the file
        cannot be written (permissions, disk full). The existing file, if any, is then left
        untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "out.txt", "hello").read_text()
    'hello'
    """
    shown = Path(path)
    try:
        p = _resolve(shown)
    except OSError as exc:  # the working folder is gone, a link cannot be read
        raise DataError(f"{_name(shown)}: cannot write here ({exc.strerror or exc})") from None
    folder = p.parent
    if not folder.is_dir():
        raise DataError(
            f"{_name(shown)}: the folder {_name(shown.parent)} does not exist; create it first"
        )
    old = _check_target(p, shown)
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    mode = stat.S_IMODE(old.st_mode) if old is not None else _new_file_mode()
    with _signals_clean_up(shown):
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
        except OSError as exc:
            raise DataError(f"{_name(shown)}: cannot write here ({exc.strerror or exc})") from None
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)
            if old is not None:
                _keep_owner(tmp, old)
            os.replace(tmp, p)
        except BaseException as exc:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            if isinstance(exc, OSError):
                raise DataError(
                    f"{_name(shown)}: writing failed ({exc.strerror or exc}); the "
                    f"existing file, if any, is unchanged"
                ) from None
            raise
    _sync_folder(folder)
    return p if shown.is_symlink() else shown


def _keep_owner(tmp: str, old: os.stat_result) -> None:
    """Give the new file the owner and group of the one it replaces, where allowed (root;
    or a group the user belongs to)."""
    if not hasattr(os, "chown"):
        return
    st = os.lstat(tmp)
    if (st.st_uid, st.st_gid) == (old.st_uid, old.st_gid):
        return
    try:
        os.chown(tmp, old.st_uid, old.st_gid)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EACCES):
            raise
        return
    os.chmod(tmp, stat.S_IMODE(old.st_mode))  # chown clears setuid bits; keep the mode


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
