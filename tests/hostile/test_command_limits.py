"""Every command's whole run is under a wall-clock limit and a memory budget
(gradproof.limits.run_command), refused with one line and exit code 2; stage limits nest inside.

Time is measured here (and in test_limits.py) because the bound is the behaviour under test.
Peak memory is measured in a child process with ``os.wait4`` (its own ``ru_maxrss``).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import gradproof.limits
import gradproof.symbolic.derive
from gradproof.errors import LimitError, OptionError
from gradproof.limits import (
    COMMAND_LIMITS,
    TIME_LIMITS,
    command_limits,
    memory_budget,
    run_with_limit,
    time_limit_available,
)
from gradproof.symbolic.derivation import Derivation

pytestmark = [
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.skipif(not time_limit_available(), reason="no SIGALRM timer here"),
]
SLACK = 1.0  # seconds beyond a limit within which the refusal must arrive


def _busy(seconds: float) -> str:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
    return "done"


def _timed(call):
    t0 = time.perf_counter()
    try:
        return call(), time.perf_counter() - t0
    except LimitError as exc:
        return exc, time.perf_counter() - t0


# -- nesting: the inner limit works inside an outer one, and the outer still holds ------------


def test_inner_limit_fires_inside_a_longer_outer_one() -> None:
    inner = lambda: run_with_limit(lambda: _busy(5), 0.2, what="inner")  # noqa: E731
    err, elapsed = _timed(lambda: run_with_limit(inner, 10.0, what="outer"))
    assert isinstance(err, LimitError) and str(err).startswith("inner took longer than 0.2 s")
    assert elapsed < 0.2 + SLACK
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_outer_limit_still_holds_after_an_inner_one_finished() -> None:
    def work() -> str:
        assert run_with_limit(lambda: 6 * 7, 5.0, what="inner") == 42
        return _busy(5)  # the inner timer is gone; the outer one must be back

    err, elapsed = _timed(lambda: run_with_limit(work, 0.3, what="outer"))
    assert isinstance(err, LimitError) and str(err).startswith("outer took longer than 0.3 s")
    assert elapsed < 0.3 + SLACK


def test_outer_limit_holds_after_an_inner_limit_fired_and_was_handled() -> None:
    def work() -> str:
        with pytest.raises(LimitError, match="inner"):
            run_with_limit(lambda: _busy(5), 0.05, what="inner")
        return _busy(5)

    err, elapsed = _timed(lambda: run_with_limit(work, 0.4, what="outer"))
    assert isinstance(err, LimitError) and str(err).startswith("outer took longer")
    assert elapsed < 0.4 + SLACK


def test_outer_deadline_wins_over_a_longer_inner_one() -> None:
    inner = lambda: run_with_limit(lambda: _busy(5), 30.0, what="inner")  # noqa: E731
    err, elapsed = _timed(lambda: run_with_limit(inner, 0.2, what="outer"))
    assert isinstance(err, LimitError) and str(err).startswith("outer took longer")
    assert elapsed < 0.2 + SLACK


def test_a_timer_gradproof_did_not_set_is_left_alone() -> None:
    fired: list[int] = []
    old = signal.signal(signal.SIGALRM, lambda s, f: fired.append(s))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        # The caller's timer is the authority: no limit of ours, theirs untouched.
        assert run_with_limit(lambda: _busy(0.1), 0.01) == "done"
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 0.3
        assert signal.getsignal(signal.SIGALRM) is not signal.SIG_DFL
        time.sleep(0.4)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_huge_limits_do_not_overflow_the_timer() -> None:
    assert run_with_limit(lambda: 1, 1e300) == 1


# -- the whole command ---------------------------------------------------------------------------


@pytest.fixture
def slow_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering (outside every stage limit) takes 30 s, as the nested-tanh printer did."""
    monkeypatch.setattr(Derivation, "render", lambda self, *a, **k: _busy(30))


def test_slow_rendering_is_stopped_by_the_command_limit(
    slow_render, monkeypatch: pytest.MonkeyPatch, cli_error
) -> None:
    monkeypatch.setitem(COMMAND_LIMITS, "seconds", 0.5)
    t0 = time.perf_counter()
    line = cli_error("derive", "perceptron", "--no-example")
    assert time.perf_counter() - t0 < 0.5 + SLACK
    assert line == (
        "gradproof: error: gradproof derive took longer than 0.5 s; use smaller inputs, or "
        "raise the limit with GRADPROOF_TIME_LIMIT=SECONDS (0 for none)"
    )
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.parametrize(
    "command",
    [
        ["derive", "perceptron"],
        ["notes", "perceptron", "--no-figures", "-o", "out"],
        ["train", "perceptron"],
        ["compare", "perceptron", "hinge"],
        ["check", "perceptron"],
    ],
    ids=lambda c: c[0],
)
def test_every_command_is_under_the_limit(
    command: list[str], monkeypatch: pytest.MonkeyPatch, workdir: Path, cli_error
) -> None:
    # Differentiating takes 30 s; the command limit (1 s) is shorter than the stage's (20 s).
    monkeypatch.setitem(COMMAND_LIMITS, "seconds", 1.0)
    real = gradproof.symbolic.derive.build_derivation
    monkeypatch.setattr(
        gradproof.symbolic.derive, "build_derivation", lambda *a, **k: (_busy(30), real(*a, **k))[1]
    )
    t0 = time.perf_counter()
    line = cli_error(*command)
    assert time.perf_counter() - t0 < 1.0 + SLACK
    assert line.startswith(f"gradproof: error: gradproof {command[0]} took longer than 1 s")
    assert os.listdir(workdir) == []


def test_a_stage_limit_inside_the_command_limit_names_the_stage(
    monkeypatch: pytest.MonkeyPatch, cli_error
) -> None:
    monkeypatch.setitem(COMMAND_LIMITS, "seconds", 30.0)
    monkeypatch.setitem(TIME_LIMITS, "derive_seconds", 0.3)
    monkeypatch.setattr(gradproof.symbolic.derive, "build_derivation", lambda *a, **k: _busy(30))
    t0 = time.perf_counter()
    line = cli_error("derive", "--expr", "y*b")
    assert time.perf_counter() - t0 < 0.3 + SLACK
    assert line == "gradproof: error: deriving took longer than 0.3 s; simplify the expression"


def test_nested_tanh_is_answered_within_the_limit(monkeypatch: pytest.MonkeyPatch, run_cli) -> None:
    # The attack: 14 s to render on main. Whatever the printer costs, the command
    # answers within its limit: the derivation (exit 0) or the one-line refusal (exit 2).
    monkeypatch.setitem(COMMAND_LIMITS, "seconds", 2.0)
    expr = "tanh(" * 10 + "w·x+b" + ")" * 10
    t0 = time.perf_counter()
    res = run_cli("derive", "--no-example", "--expr", expr)
    assert time.perf_counter() - t0 < 2.0 + SLACK
    assert res.exit_code in (0, 2), res.output
    if res.exit_code == 2:
        assert res.stderr.startswith("gradproof: error: gradproof derive took longer than 2 s")
        assert len(res.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "env, words",
    [
        ({"GRADPROOF_TIME_LIMIT": "soon"}, "GRADPROOF_TIME_LIMIT must be a number of seconds"),
        ({"GRADPROOF_TIME_LIMIT": "-1"}, "GRADPROOF_TIME_LIMIT must be a number of seconds"),
        ({"GRADPROOF_TIME_LIMIT": "nan"}, "GRADPROOF_TIME_LIMIT must be a number of seconds"),
        ({"GRADPROOF_MEMORY_LIMIT": "lots"}, "GRADPROOF_MEMORY_LIMIT must be a size"),
        ({"GRADPROOF_MEMORY_LIMIT": "-5G"}, "GRADPROOF_MEMORY_LIMIT must be a size"),
    ],
    ids=["time-word", "time-negative", "time-nan", "memory-word", "memory-negative"],
)
def test_bad_limit_variables_are_one_line(
    env: dict[str, str], words: str, monkeypatch: pytest.MonkeyPatch, cli_error
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert words in cli_error("losses")
    with pytest.raises(OptionError):
        command_limits()


def test_limit_variables_override_the_defaults() -> None:
    assert command_limits({}) == (COMMAND_LIMITS["seconds"], COMMAND_LIMITS["memory_bytes"])
    assert command_limits({"GRADPROOF_TIME_LIMIT": "0", "GRADPROOF_MEMORY_LIMIT": "0"}) == (0, 0)
    assert command_limits({"GRADPROOF_MEMORY_LIMIT": "1.5G"})[1] == 3 * 2**29
    assert command_limits({"GRADPROOF_MEMORY_LIMIT": "640 KiB"})[1] == 640 * 1024


def test_documented_defaults() -> None:
    assert COMMAND_LIMITS == {"seconds": 120.0, "memory_bytes": 4 * 2**30}
    assert "120 s" in gradproof.limits.__doc__ and "4 GiB" in gradproof.limits.__doc__


# -- the memory budget ---------------------------------------------------------------------------

linux_only = pytest.mark.skipif(
    not os.path.exists("/proc/self/statm"), reason="the budget uses RLIMIT_AS and /proc (Linux)"
)
GIB = 2**30


@linux_only
def test_budget_refuses_an_allocation_that_fits_without_it() -> None:
    before = resource.getrlimit(resource.RLIMIT_AS)
    assert np.empty(2 * GIB, dtype=np.uint8).nbytes == 2 * GIB  # address space only
    with memory_budget(256 * 2**20), pytest.raises(MemoryError):
        np.empty(2 * GIB, dtype=np.uint8)
    assert resource.getrlimit(resource.RLIMIT_AS) == before


@linux_only
def test_a_tighter_outer_limit_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    mapped = gradproof.limits._mapped_bytes()
    assert mapped is not None
    tight = mapped + 512 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (tight, hard))
    try:
        with memory_budget(8 * GIB):
            assert resource.getrlimit(resource.RLIMIT_AS)[0] == tight
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@linux_only
def test_command_over_its_budget_is_one_line(monkeypatch: pytest.MonkeyPatch, cli_error) -> None:
    monkeypatch.setitem(COMMAND_LIMITS, "memory_bytes", 256 * 2**20)
    monkeypatch.setattr(Derivation, "render", lambda self, *a, **k: np.ones(2 * GIB, np.uint8))
    before = resource.getrlimit(resource.RLIMIT_AS)
    line = cli_error("derive", "perceptron", "--no-example")
    assert line == (
        "gradproof: error: gradproof derive needed more memory than its budget of 256 MiB; use "
        "smaller inputs, or raise the budget with GRADPROOF_MEMORY_LIMIT=SIZE (e.g. 8G; 0 for "
        "none)"
    )
    assert resource.getrlimit(resource.RLIMIT_AS) == before


_HUNGRY = textwrap.dedent(
    """
    import sys
    import numpy as np
    from gradproof.cli import main
    from gradproof.symbolic.derivation import Derivation
    # 3 GiB of numpy in 128 MiB steps, every page touched, in a command's rendering step
    Derivation.render = lambda self, *a, **k: [np.ones(2**24) for _ in range(24)]
    sys.argv = ["gradproof", "derive", "perceptron", "--no-example"]
    main()
    """
)


@linux_only
def test_peak_memory_of_a_refused_command_stays_within_the_budget(tmp_path: Path) -> None:
    env = {**os.environ, "GRADPROOF_MEMORY_LIMIT": "512M"}
    proc = subprocess.Popen(
        [sys.executable, "-c", _HUNGRY], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert os.waitstatus_to_exitcode(status) == 2, stderr
    assert stderr.startswith("gradproof: error: gradproof derive needed more memory")
    assert len(stderr.splitlines()) == 1
    peak = usage.ru_maxrss * 1024  # KiB on Linux
    assert peak < 512 * 2**20 + 400 * 2**20, f"peak RSS {peak / 2**20:.0f} MiB"
