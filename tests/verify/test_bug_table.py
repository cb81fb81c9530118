"""The bug table: ≥ 40 wrong gradient functions and ≥ 20 right ones (tests/verify/bug_table.py),
each checked the way a user would — the default command with no data, with --X/--y, with a
data file, in fast mode, and at d = 5 000 — with zero false passes, zero false failures and
the named hint where the table names one.

The CLI variants run in-process through click's CliRunner. Whether a function is right is
known from its source (hand algebra), not from gradproof.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gradproof.cli import cli
from gradproof.verify import check_gradient
from gradproof.verify.budget import derive

TABLE = str(Path(__file__).with_name("bug_table.py"))
_spec = importlib.util.spec_from_file_location("bug_table", TABLE)
bug_table = importlib.util.module_from_spec(_spec)
sys.modules["bug_table"] = bug_table  # dataclasses look the module up by name
_spec.loader.exec_module(bug_table)
CASES, U1_LAM = bug_table.CASES, bug_table.U1_LAM

USER = {
    "u1_l1": dict(
        expr="abs(dot(w,x) + b - y)", reg="lam/2*norm(w)^2", params={"lam": U1_LAM}, labels="real"
    ),
    "u2_exp": dict(expr="exp(-y*(dot(w,x) + b))", labels="pm1"),
}


def _labels(loss):
    if loss in USER:
        return USER[loss]["labels"]
    return "real" if loss in ("squared_error", "huber") else "pm1"


def _loss_args(loss):
    if loss not in USER:
        return [loss]
    u = USER[loss]
    args = ["--expr", u["expr"], "--labels", u["labels"]]
    if "reg" in u:
        args += ["--reg", u["reg"]]
    for k, v in u.get("params", {}).items():
        args += ["--param", f"{k}={v}"]
    return args


def _derivation(loss, kink=None):
    if loss in USER:
        u = USER[loss]
        return derive(
            expr=u["expr"], reg=u.get("reg"), params=u.get("params"), labels=u["labels"], kink=kink
        )
    return derive(loss, kink=kink)


def _data(loss, n, d, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = (
        2 * rng.standard_normal(n)
        if _labels(loss) == "real"
        else np.where(rng.permutation(n) % 2 == 0, 1.0, -1.0)
    )
    return X, y


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bug_table")
    out = {}
    for labels in ("pm1", "real"):
        X, y = _data("hinge" if labels == "pm1" else "huber", 12, 4, 3)
        path = folder / f"{labels}.csv"
        rows = [",".join(f"x{j + 1}" for j in range(4)) + ",y"]
        rows += [",".join(repr(float(v)) for v in [*x, t]) for x, t in zip(X, y, strict=True)]
        path.write_text("\n".join(rows) + "\n")
        out[labels] = str(path)
    return out


def _cli(args):
    return CliRunner().invoke(cli, ["check", *args])


def _expect(c, exit_code, output, variant):
    want = 0 if c.correct else 1
    assert exit_code == want, (
        f"{c.name} ({variant}): {'false failure' if c.correct else 'false pass'}\n{output}"
    )
    if not c.correct and c.hint:
        assert c.hint in output, f"{c.name} ({variant}): hint {c.hint!r} missing\n{output}"


IDS = [c.name for c in CASES]


def test_the_table_is_big_enough():
    wrong = [c for c in CASES if not c.correct]
    right = [c for c in CASES if c.correct]
    assert len(wrong) >= 40 and len(right) >= 20
    losses = {c.loss for c in CASES}
    assert {"perceptron", "hinge", "squared_hinge", "logistic", "squared_error", "huber"} <= losses
    assert {"u1_l1", "u2_exp"} <= losses


def _strict(c):
    return ["--kink", c.kink] if c.kink else []


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_default_command_no_data(c):
    res = _cli([*_loss_args(c.loss), "--grad", f"{TABLE}:{c.name}", *_strict(c)])
    _expect(c, res.exit_code, res.output, "no data")


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_with_X_and_y(c):
    X, y = _data(c.loss, 7, 3, 11)
    res = _cli(
        [
            *_loss_args(c.loss),
            "--grad",
            f"{TABLE}:{c.name}",
            *_strict(c),
            "--X",
            json.dumps(X.tolist()),
            "--y",
            json.dumps(y.tolist()),
        ]
    )
    _expect(c, res.exit_code, res.output, "--X/--y")


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_with_a_data_file(c, files):
    res = _cli(
        [
            *_loss_args(c.loss),
            "--grad",
            f"{TABLE}:{c.name}",
            *_strict(c),
            "--data",
            files[_labels(c.loss)],
        ]
    )
    _expect(c, res.exit_code, res.output, "file")


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_fast_mode(c, files):
    res = _cli(
        [
            *_loss_args(c.loss),
            "--grad",
            f"{TABLE}:{c.name}",
            *_strict(c),
            "--data",
            files[_labels(c.loss)],
            "--fast",
        ]
    )
    _expect(c, res.exit_code, res.output, "fast")


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_d_5000(c):
    X, y = _data(c.loss, 8, 5000, 5)
    X = X / np.sqrt(50.0)  # scores of order 1 at unit weights
    rep = check_gradient(
        _derivation(c.loss, c.kink), grad=getattr(bug_table, c.name), X=X, y=y, kink=c.kink
    )
    _expect(c, 0 if rep.passed else 1, str(rep), "d = 5000")
    assert rep.mode == "fast"


# -- the points, not luck, catch the bugs that live in one band -------------------------------
# A wrong gradient that differs only just beside a kink (a threshold of 1.1), only past a
# margin (a tail cut at 10), or at one sample (the last one skipped) must fail at every seed
# and on any data: the medium-margin point puts its largest margin at 20, and the two points
# beside the kink put every sample of the kink's label on each side once.
BAND_BUGS = ["h_threshold", "l_tail_cut", "l_tail_cut_10", "p_drop_last"]


@pytest.mark.parametrize("name", BAND_BUGS)
@pytest.mark.parametrize("seed", range(6))
def test_band_bugs_fail_at_every_seed(name, seed):
    c = next(c for c in CASES if c.name == name)
    X, y = _data(c.loss, 5 + seed, 3, 100 + seed)
    rep = check_gradient(_derivation(c.loss), grad=getattr(bug_table, name), X=X, y=y, seed=seed)
    assert not rep.passed, str(rep)
