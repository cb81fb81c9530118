"""``-o`` writes only regular files, follows only the user's own symbolic links, respects
setuid/setgid and read-only targets, and cleans its temporary file on every signal.

Tests run as root here; each attack is reproduced on copies in a temporary folder (``mknod``
devices, FIFOs, sockets, links ``lchown``-ed to another uid). Where root is needed the test
says so, and a simulated variant (another effective uid) runs for everyone.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import gradproof.io
from gradproof.errors import DataError
from gradproof.io import write_atomic

OLD = "the previous, complete output\n"
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
OTHER_UID = 4242
needs_root = pytest.mark.skipif(not ROOT, reason="mknod/lchown to another uid need root")


def _listing(folder: Path) -> list[str]:
    return sorted(q.name for q in folder.iterdir())


def _fifo(p: Path) -> None:
    os.mkfifo(p)


def _socket(p: Path) -> None:
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(p))
    s.close()


def _device(p: Path) -> None:
    os.mknod(p, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a copy of /dev/null


SPECIAL = [
    pytest.param(_fifo, stat.S_ISFIFO, "a FIFO (named pipe)", id="fifo"),
    pytest.param(_socket, stat.S_ISSOCK, "a socket", id="socket"),
    pytest.param(_device, stat.S_ISCHR, "a character device", id="dev-null-copy", marks=needs_root),
]


@pytest.mark.parametrize("make, is_kind, words", SPECIAL)
def test_special_files_are_never_replaced(make, is_kind, words, tmp_path: Path, cli_error) -> None:
    target = tmp_path / "out"
    make(target)
    with pytest.raises(DataError) as info:
        write_atomic(target, "x")
    assert str(info.value) == (
        f"{target}: is {words}, not a regular file; gradproof writes regular files only "
        f"(leave out -o to print)"
    )
    line = cli_error("derive", "perceptron", "--no-example", "-o", str(target))
    assert words in line
    assert is_kind(os.lstat(target).st_mode)  # still the device/FIFO/socket it was
    assert _listing(tmp_path) == ["out"]


def test_real_dev_null_is_refused(cli_error) -> None:
    before = os.stat("/dev/null")
    assert "a character device" in cli_error("derive", "perceptron", "-o", "/dev/null")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


# -- symbolic links -----------------------------------------------------------------------------


@pytest.fixture
def foreign(monkeypatch: pytest.MonkeyPatch):
    """Make a path look owned by another user: ``lchown`` as root, otherwise pretend the
    effective uid is another one (so the file's real owner becomes 'another user')."""

    def make(p: Path) -> None:
        if ROOT:
            os.lchown(p, OTHER_UID, OTHER_UID)
        else:
            uid = os.geteuid()
            monkeypatch.setattr(gradproof.io.os, "geteuid", lambda: uid + 1)

    return make


def test_planted_link_in_a_shared_folder_is_refused(tmp_path: Path, foreign, cli_error) -> None:
    # /tmp-like: world-writable and sticky; the victim's file is elsewhere.
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    victim = tmp_path / "victim.txt"
    victim.write_text(OLD, encoding="utf-8")
    link = shared / "out.txt"
    link.symlink_to(victim)
    foreign(link)
    with pytest.raises(DataError) as info:
        write_atomic(link, "PWNED")
    assert f"{link} is a symbolic link owned by another user" in str(info.value)
    assert "follows only your own links" in str(info.value)
    assert cli_error("derive", "perceptron", "--no-example", "-o", str(link))
    assert victim.read_text(encoding="utf-8") == OLD and link.is_symlink()
    assert _listing(shared) == ["out.txt"]


def test_planted_link_to_a_folder_is_refused(tmp_path: Path, foreign) -> None:
    (tmp_path / "elsewhere").mkdir()
    link = tmp_path / "notes"
    link.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    foreign(link)
    with pytest.raises(DataError, match="owned by another user"):
        write_atomic(link / "post.md", "x")
    assert _listing(tmp_path / "elsewhere") == []


@needs_root
def test_a_chain_through_another_users_link_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text(OLD, encoding="utf-8")
    theirs = tmp_path / "theirs"
    theirs.symlink_to(victim)
    os.lchown(theirs, OTHER_UID, OTHER_UID)
    mine = tmp_path / "mine"
    mine.symlink_to(theirs)
    with pytest.raises(DataError, match=f"{theirs} is a symbolic link owned by another user"):
        write_atomic(mine, "x")
    assert victim.read_text(encoding="utf-8") == OLD


def test_own_link_chain_and_dotdot_are_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "out.txt"
    target.write_text(OLD, encoding="utf-8")
    (tmp_path / "dir").symlink_to("real", target_is_directory=True)
    (tmp_path / "a").symlink_to("dir/../real/out.txt")  # .. after a link: the link's target
    (tmp_path / "b").symlink_to(tmp_path / "a")
    assert write_atomic(tmp_path / "b", "new") == target
    assert target.read_text(encoding="utf-8") == "new"
    assert (tmp_path / "b").is_symlink() and (tmp_path / "a").is_symlink()
    assert _listing(tmp_path / "real") == ["out.txt"]


def test_link_loop_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(DataError, match="too many levels of symbolic links"):
        write_atomic(tmp_path / "a", "x")


def test_dangling_own_link_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to("new.txt")
    write_atomic(link, "fresh")
    assert (tmp_path / "new.txt").read_text(encoding="utf-8") == "fresh" and link.is_symlink()


# -- modes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode", [0o4755, 0o2755, 0o6755], ids=["setuid", "setgid", "setuid-setgid"]
)
def test_setuid_and_setgid_targets_are_refused(mode: int, tmp_path: Path, cli_error) -> None:
    target = tmp_path / "tool"
    target.write_text(OLD, encoding="utf-8")
    target.chmod(mode)
    with pytest.raises(DataError, match="has the setuid or setgid bit; gradproof will not"):
        write_atomic(target, "x")
    assert "setuid or setgid" in cli_error("derive", "perceptron", "-o", str(target))
    assert target.read_text(encoding="utf-8") == OLD
    assert stat.S_IMODE(target.stat().st_mode) == mode


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o000, 0o555], ids=["444", "400", "000", "555"])
def test_read_only_targets_are_refused_even_as_root(mode: int, tmp_path: Path, cli_error) -> None:
    target = tmp_path / "out.txt"
    target.write_text(OLD, encoding="utf-8")
    target.chmod(mode)
    with pytest.raises(DataError) as info:
        write_atomic(target, "x")
    assert str(info.value) == (
        f"{target}: is read-only (mode {mode:o}); make it writable or give another file name"
    )
    assert "read-only" in cli_error("derive", "perceptron", "-o", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == mode
    target.chmod(0o600)
    assert target.read_text(encoding="utf-8") == OLD


@needs_root
def test_root_keeps_the_owner_and_mode_of_the_replaced_file(tmp_path: Path) -> None:
    target = tmp_path / "theirs.txt"
    target.write_text(OLD, encoding="utf-8")
    os.chown(target, OTHER_UID, OTHER_UID)
    target.chmod(0o640)
    write_atomic(target, "new")
    st = target.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (OTHER_UID, OTHER_UID, 0o640)
    assert target.read_text(encoding="utf-8") == "new"


# -- signals during the write --------------------------------------------------------------------

_SLOW_WRITER = textwrap.dedent(
    """
    import os, sys, time
    import gradproof.io
    real_fsync = os.fsync

    def slow_fsync(fd):  # the write is half-way: the temporary file exists
        real_fsync(fd)
        print("writing", flush=True)
        time.sleep(30)

    gradproof.io.os.fsync = slow_fsync
    gradproof.io.write_atomic(sys.argv[1], "NEW CONTENT " * 10000)
    """
)


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT", "SIGHUP"])
def test_killed_mid_write_leaves_no_temp_file(sig: str, tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text(OLD, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a suite run under nohup passes on an ignored SIGHUP, which write_atomic respects
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL),
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
        assert any(n.endswith(".tmp") for n in _listing(tmp_path))  # mid-write, really
        proc.send_signal(getattr(signal, sig))
        proc.wait(timeout=20)
    finally:
        proc.kill()
    # The signal took its usual course: death by that signal (Python re-raises SIGINT too).
    assert proc.returncode == -getattr(signal, sig), proc.stderr.read() if proc.stderr else ""
    assert _listing(tmp_path) == ["out.txt"]
    assert target.read_text(encoding="utf-8") == OLD


def test_handlers_are_installed_only_around_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    seen: dict[str, object] = {}
    real_fsync = os.fsync
    old_hup = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # e.g. under nohup
    try:

        def spy(fd: int) -> None:
            seen.setdefault("term", signal.getsignal(signal.SIGTERM))  # the file, not the folder
            seen.setdefault("hup", signal.getsignal(signal.SIGHUP))
            real_fsync(fd)

        monkeypatch.setattr(gradproof.io.os, "fsync", spy)
        write_atomic(tmp_path / "out.txt", "x")
        assert seen["term"] is not before[signal.SIGTERM]  # ours, during the write
        assert seen["hup"] is signal.SIG_IGN  # an ignored signal stays ignored
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, old_hup)
    assert {s: signal.getsignal(s) for s in before} == before


def test_signal_whose_handler_returns_still_stops_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.txt"
    target.write_text(OLD, encoding="utf-8")
    calls: list[int] = []
    old = signal.signal(signal.SIGTERM, lambda s, f: calls.append(s))
    real_fsync = os.fsync
    try:

        def interrupted(fd: int) -> None:
            real_fsync(fd)
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.5)  # the handler runs here

        monkeypatch.setattr(gradproof.io.os, "fsync", interrupted)
        with pytest.raises(DataError, match="writing was interrupted by SIGTERM"):
            write_atomic(target, "NEW")
    finally:
        signal.signal(signal.SIGTERM, old)
    assert calls == [signal.SIGTERM]  # the user's handler ran once, after the cleanup
    assert _listing(tmp_path) == ["out.txt"] and target.read_text(encoding="utf-8") == OLD
