"""``-o`` output is written atomically: an error never leaves a half-written file, never
clobbers an existing one, and never leaves a temporary file behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import gradproof.io
from gradproof.errors import DataError
from gradproof.io import write_atomic

OLD = "the previous, complete output\n"


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    p = tmp_path / "out.txt"
    p.write_text(OLD, encoding="utf-8")
    p.chmod(0o640)
    return p


def _only(folder: Path, *names: str) -> None:
    """The folder holds exactly these files: no temporary leftovers."""
    assert sorted(q.name for q in folder.iterdir()) == sorted(names)


def test_writes_text_and_bytes(tmp_path: Path) -> None:
    assert write_atomic(tmp_path / "a.txt", "héllo").read_text(encoding="utf-8") == "héllo"
    assert write_atomic(tmp_path / "b.bin", b"\x00\xff").read_bytes() == b"\x00\xff"
    _only(tmp_path, "a.txt", "b.bin")


def test_replaces_and_keeps_the_mode(existing: Path) -> None:
    write_atomic(existing, "new\n")
    assert existing.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    _only(existing.parent, "out.txt")


def test_new_file_respects_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        p = write_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(p.stat().st_mode) == 0o640  # 0o666 & ~0o027


@pytest.mark.parametrize("step", ["write", "fsync", "chmod", "replace"])
def test_failure_midway_leaves_the_old_file_and_no_temp(
    step: str, existing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if step == "write":
        real_fdopen = os.fdopen

        class HalfWriter:
            """Writes half the bytes, then fails, like a full disk."""

            def __init__(self, fd: int, mode: str) -> None:
                self.fh = real_fdopen(fd, mode)

            def __enter__(self) -> HalfWriter:
                return self

            def __exit__(self, *exc: object) -> None:
                self.fh.close()

            def write(self, data: bytes) -> None:
                self.fh.write(data[: len(data) // 2])
                self.fh.flush()
                disk_full()

        monkeypatch.setattr(gradproof.io.os, "fdopen", HalfWriter)
    else:
        monkeypatch.setattr(gradproof.io.os, step, disk_full)
    with pytest.raises(DataError) as info:
        write_atomic(existing, "NEW CONTENT " * 1000)
    assert type(info.value) is DataError
    assert str(info.value) == (
        f"{existing}: writing failed (No space left on device); the "
        f"existing file, if any, is unchanged"
    )
    assert existing.read_text(encoding="utf-8") == OLD
    _only(existing.parent, "out.txt")


def test_interrupt_midway_is_reraised_and_cleaned_up(
    existing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(gradproof.io.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(existing, "NEW")
    assert existing.read_text(encoding="utf-8") == OLD
    _only(existing.parent, "out.txt")


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist; create it first"):
        write_atomic(tmp_path / "no" / "out.txt", "x")
    _only(tmp_path)


def test_target_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(DataError, match="is a folder"):
        write_atomic(tmp_path / "d", "x")
    _only(tmp_path, "d")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_folder(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(DataError, match="cannot write here"):
            write_atomic(ro / "out.txt", "x")
    finally:
        ro.chmod(0o700)


def test_symlink_replaces_the_target_not_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text(OLD, encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new"
    _only(tmp_path, "real.txt", "link.txt")


# -- through the CLI --------------------------------------------------------------------------


def test_cli_error_never_touches_the_output(existing: Path, cli_error) -> None:
    cli_error("derive", "--expr", "__import__('os')", "-o", str(existing))
    cli_error("derive", "perceptron", "--X", "[[1]]", "--y", "[0.5]", "-o", str(existing))
    assert existing.read_text(encoding="utf-8") == OLD
    _only(existing.parent, "out.txt")


def test_cli_write_failure_is_exit_2_and_keeps_the_old_file(
    existing: Path, monkeypatch: pytest.MonkeyPatch, cli_error
) -> None:
    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gradproof.io.os, "replace", disk_full)
    line = cli_error("derive", "perceptron", "--no-example", "-o", str(existing))
    assert line == (
        f"gradproof: error: {existing}: writing failed (No space left on device); "
        f"the existing file, if any, is unchanged"
    )
    assert existing.read_text(encoding="utf-8") == OLD
    _only(existing.parent, "out.txt")


def test_cli_success_writes_the_whole_output(existing: Path, run_cli) -> None:
    printed = run_cli("derive", "perceptron", "--no-example")
    written = run_cli("derive", "perceptron", "--no-example", "-o", str(existing))
    assert written.exit_code == 0, written.output
    assert existing.read_text(encoding="utf-8").rstrip("\n") == printed.stdout.rstrip("\n")
    _only(existing.parent, "out.txt")
