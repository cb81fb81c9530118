"""``gradproof check`` under attack: the candidate cannot forge a verdict, bytecode caches do
not run, the check's own work is bounded, bad seeds are one line. Each test reproduces the
attack from issue 10 and asserts the clean outcome."""

from __future__ import annotations

import importlib.util
import json
import marshal
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gradproof.cli import cli
from gradproof.errors import LimitError
from gradproof.verify import budget, check_gradient
from gradproof.verify.check import _functions


def _run(*args):
    return CliRunner().invoke(cli, ["check", *args])


def _one_line_error(res):
    assert res.exit_code == 2, (res.exit_code, res.output)
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gradproof: error: "), res.stderr
    assert "Traceback" not in res.output
    return lines[0]


# -- the candidate cannot forge a verdict ---------------------------------------------------

EXITS = {
    "exit0": "import sys\n\ndef grad(X, y, w, b):\n    sys.exit(0)\n",
    "raise_systemexit": "def grad(X, y, w, b):\n    raise SystemExit\n",
    "interrupt": "def grad(X, y, w, b):\n    raise KeyboardInterrupt\n",
    "crash": "def grad(X, y, w, b):\n    return {}['boom']\n",
    "bad_return": "def grad(X, y, w, b):\n    return 'PASS'\n",
}


@pytest.mark.parametrize("body", list(EXITS.values()), ids=list(EXITS))
def test_an_exit_or_crash_inside_grad_is_a_fail_never_exit_0(tmp_path, body):
    path = tmp_path / "evil.py"
    path.write_text(body)
    res = _run("perceptron", "--grad", f"{path}:grad")
    assert res.exit_code == 1, res.output
    assert "FAIL" in res.output


def test_an_exit_while_the_module_loads_is_a_one_line_error(tmp_path):
    path = tmp_path / "evil_load.py"
    path.write_text("import sys\nsys.exit(0)\n\ndef grad(X, y, w, b):\n    return 0, 0\n")
    line = _one_line_error(_run("perceptron", "--grad", f"{path}:grad"))
    assert "SystemExit(0)" in line


HARD_EXITS = {
    "in_grad": "import os\n\ndef grad(X, y, w, b):\n    os._exit(0)\n",
    "in_grad_posix": "import posix\n\ndef grad(X, y, w, b):\n    posix._exit(0)\n",
    "at_import": "import os\nos._exit(0)\n\ndef grad(X, y, w, b):\n    return 0, 0\n",
}


@pytest.mark.parametrize("body", list(HARD_EXITS.values()), ids=list(HARD_EXITS))
def test_os_exit_in_the_candidate_cannot_end_the_check_with_status_0(tmp_path, body):
    # in a child process: if the guard failed, os._exit(0) would end pytest itself with 0
    path = tmp_path / "evil.py"
    path.write_text(body)
    proc = subprocess.run(
        [sys.executable, "-m", "gradproof", "check", "perceptron", "--grad", f"{path}:grad"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (1, 2), (proc.returncode, proc.stdout, proc.stderr)
    assert "os._exit(0)" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_exit_guard_puts_the_real_os_exit_back():
    import posix

    from gradproof.verify.loading import HardExit, no_hard_exit

    real = os._exit
    with pytest.raises(HardExit), no_hard_exit():
        assert os._exit is not real and posix._exit is not real
        os._exit(3)  # raises inside the guard (never reached with the real one)
    assert os._exit is real and posix._exit is real


def test_json_output_of_a_crashing_candidate_says_failed(tmp_path):
    path = tmp_path / "evil.py"
    path.write_text(EXITS["exit0"])
    res = _run("perceptron", "--grad", f"{path}:grad", "--json")
    assert res.exit_code == 1
    assert json.loads(res.output)["passed"] is False


def test_writing_into_the_callers_data_fails_and_leaves_it_intact():
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.25, 1.0]])
    y = np.array([1.0, -1.0, 1.0])
    X0 = X.copy()

    def grad(X, y, w, b):
        X *= y[:, None]  # "simplifies" the margins by changing the caller's data
        m = X @ w + b * y <= 0
        return -(m @ X), -(y * m).sum()

    report = check_gradient("perceptron", grad=grad, X=X, y=y)
    assert not report.passed
    assert any("writes into one of its arguments" in h for h in report.hints)
    np.testing.assert_array_equal(X, X0)


# -- source, not bytecode --------------------------------------------------------------------


def _forge_pyc(src: Path, evil_source: str) -> Path:
    """A __pycache__ entry for ``src`` whose header matches the reviewed file (mtime and
    size) but whose code is ``evil_source``."""
    cache = Path(importlib.util.cache_from_source(str(src)))
    cache.parent.mkdir(parents=True, exist_ok=True)
    st = src.stat()
    code = compile(evil_source, str(src), "exec")
    header = importlib.util.MAGIC_NUMBER + (0).to_bytes(4, "little")
    header += int(st.st_mtime).to_bytes(4, "little") + (st.st_size & 0xFFFFFFFF).to_bytes(
        4, "little"
    )
    cache.write_bytes(header + marshal.dumps(code))
    return cache


GOOD = (
    "def grad(X, y, w, b):\n    m = y * (X @ w + b) <= 0\n    return -(y * m) @ X, -(y * m).sum()\n"
)


def test_a_forged_bytecode_cache_next_to_the_file_does_not_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "reviewed.py"
    src.write_text(GOOD)
    sentinel = tmp_path / "PWNED"
    _forge_pyc(src, f"open({str(sentinel)!r}, 'w').write('x')\n" + GOOD.replace("-(y", "(y"))
    # the forgery works: Python's own import runs it instead of the reviewed source
    subprocess.run([sys.executable, "-c", "import reviewed"], cwd=tmp_path, check=True)
    assert sentinel.exists()
    sentinel.unlink()
    res = _run("perceptron", "--grad", f"{src}:grad")
    assert res.exit_code == 0, res.output
    assert not sentinel.exists()


def test_a_forged_cache_of_a_sibling_module_does_not_run_either(tmp_path):
    (tmp_path / "helpers.py").write_text("SIGN = -1\n")
    sentinel = tmp_path / "PWNED"
    _forge_pyc(tmp_path / "helpers.py", f"open({str(sentinel)!r}, 'w').write('x')\nSIGN = 1\n")
    src = tmp_path / "uses_helpers.py"
    src.write_text(
        "import helpers\n\n"
        "def grad(X, y, w, b):\n    m = y * (X @ w + b) <= 0\n"
        "    return helpers.SIGN * (y * m) @ X, helpers.SIGN * (y * m).sum()\n"
    )
    try:
        res = _run("perceptron", "--grad", f"{src}:grad")
    finally:
        sys.modules.pop("helpers", None)
    assert res.exit_code == 0, res.output
    assert not sentinel.exists()


def test_loading_writes_no_bytecode_cache(tmp_path):
    src = tmp_path / "fresh.py"
    src.write_text("import fresh_helper\n" + GOOD)
    (tmp_path / "fresh_helper.py").write_text("X = 1\n")
    try:
        res = _run("perceptron", "--grad", f"{src}:grad")
    finally:
        sys.modules.pop("fresh_helper", None)
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "__pycache__").exists()


# -- bounded work -----------------------------------------------------------------------------


def test_the_checks_symbolic_preparation_is_time_limited(monkeypatch):
    # the verify layer's own lambdify/diff of the form grows with the expression
    monkeypatch.setitem(budget.CHECK_LIMITS, "prepare_seconds", 0.05)
    _functions.cache_clear()
    expr = "*".join(f"(y+{k})" for k in range(1, 116))  # 115 factors
    start = time.perf_counter()
    line = _one_line_error(_run("--expr", expr, "--labels", "real"))
    assert time.perf_counter() - start < 10
    assert "preparing the check" in line


def test_the_checks_evaluation_is_time_limited(monkeypatch):
    monkeypatch.setitem(budget.CHECK_LIMITS, "check_seconds", 0.001)
    with pytest.raises(LimitError, match="checking took longer than"):
        check_gradient("logistic", points=3)


def _child(code: str, timeout: float = 120) -> dict:
    """Run ``code`` in a fresh interpreter; it prints JSON, to which its peak RSS is added
    (the high-water mark of its own memory)."""
    wrapper = textwrap.dedent(
        """
        import json, sys, time
        t0 = time.perf_counter()
        out = {}
        try:
        %s
        except Exception as exc:
            out["error"] = f"{type(exc).__name__}: {exc}"
        out["seconds"] = time.perf_counter() - t0
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so it would count the
        # pytest process this child was forked from
        with open("/proc/self/status") as fh:
            hwm = next(line for line in fh if line.startswith("VmHWM:"))
        out["peak_mb"] = int(hwm.split()[1]) / 1024
        print(json.dumps(out))
        """
    ) % textwrap.indent(textwrap.dedent(code), "    ")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, timeout=timeout, env=env
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_a_million_samples_are_refused_in_one_line_with_little_memory():
    out = _child(
        """
        import numpy as np
        from gradproof.verify import check_gradient
        rng = np.random.default_rng(0)
        X = rng.standard_normal((1_000_000, 2))
        y = np.where(rng.standard_normal(1_000_000) > 0, 1.0, -1.0)
        t = time.perf_counter()
        check_gradient("logistic", X=X, y=y)
        """
    )
    assert out["error"].startswith("DataError: check works on at most 200,000 samples")
    assert out["seconds"] < 20
    assert out["peak_mb"] < 600  # the interpreter, SymPy and the 16 MB of data: no more


def test_the_sample_bound_holds_on_the_command_line(tmp_path):
    path = tmp_path / "big.npz"
    rng = np.random.default_rng(0)
    np.savez(path, X=rng.standard_normal((200_001, 1)), y=np.ones(200_001))
    line = _one_line_error(_run("logistic", "--data", str(path)))
    assert "at most 200,000 samples" in line


@pytest.mark.parametrize(
    "args",
    [["--fast", "--seed", "-1"], ["--seed", "-1"], ["--seed", str(2**40)], ["--points", "0"]],
    ids=["fast-seed-minus-1", "seed-minus-1", "seed-too-big", "points-0"],
)
def test_bad_seeds_and_points_are_one_line(args):
    line = _one_line_error(_run("logistic", *args))
    assert "must be a whole number" in line


def test_the_issue_expression_is_refused_within_the_limits(monkeypatch):
    # the 1 041-character product of 115 factors: refused, in one line, in bounded time
    from gradproof import limits

    monkeypatch.setitem(limits.TIME_LIMITS, "derive_seconds", 2.0)
    monkeypatch.setitem(budget.CHECK_LIMITS, "prepare_seconds", 2.0)
    expr = "*".join(f"(b*y+{k})" for k in range(1, 116))
    assert len(expr) == 1041
    start = time.perf_counter()
    line = _one_line_error(_run("--expr", expr, "--labels", "real"))
    assert time.perf_counter() - start < 15
    assert "took longer than" in line


# -- the user's loss value and data at the edge of float64 ------------------------------------


@pytest.mark.parametrize("value", ["float('inf')", "float('nan')"])
def test_a_loss_function_returning_inf_or_nan_fails_in_one_report(tmp_path, value):
    path = tmp_path / "mine.py"
    path.write_text(
        "import numpy as np\n\n"
        "def grad(X, y, w, b):\n"
        "    c = -y / (1 + np.exp(y * (X @ w + b)))\n"
        "    return c @ X, c.sum()\n\n"
        f"def loss(X, y, w, b):\n    return {value}\n"
    )
    res = _run("logistic", "--grad", f"{path}:grad", "--loss-fn", f"{path}:loss")
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    assert "your loss function returned" in res.output and "a loss value must be finite" in (
        res.output
    )


def test_huge_data_is_checked_where_the_gradient_is_finite():
    # |x| = 1e200: at unit weights the gradient (s − y)·x overflows; the random points must
    # sit where it does not, so the self-test passes instead of blaming the derived gradient
    res = _run("squared_error", "--X", "[[1e200, 1e200]]", "--y", "[1]")
    assert res.exit_code == 0, res.output
    assert "is -inf" not in res.output
