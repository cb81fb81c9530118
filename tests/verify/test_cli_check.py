"""``gradproof check``: exit codes, text and JSON output, user files, claims."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gradproof.cli import cli

KINK = ["--X", "[[1,2],[2,-1],[-1,1]]", "--y", "[1,-1,1]", "--at", '{"w":[1,1],"b":-3}']

USER_FILE = """
import numpy as np

def grad(X, y, w, b):
    s = X @ w + b
    c = -y * (y * s <= 0)
    return c @ X, c.sum()

def grad_exclude(X, y, w, b):
    s = X @ w + b
    c = -y * (y * s < 0)
    return c @ X, c.sum()

def no_filter(X, y, w, b):
    c = -y
    return c @ X, c.sum()

def loss(X, y, w, b):
    return float(np.maximum(0, -y * (X @ w + b)).sum())
"""


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "mygrad.py"
    path.write_text(USER_FILE)
    return str(path)


def run(*args):
    return CliRunner().invoke(cli, ["check", *args])


def test_derived_gradient_passes_exit_0():
    res = run("logistic")
    assert res.exit_code == 0, res.output
    assert "PASS" in res.output


@pytest.mark.parametrize("func,convention", [("grad", "include"), ("grad_exclude", "exclude")])
def test_user_gradient_at_a_kink(user_file, func, convention):
    res = run(
        "perceptron", *KINK, "--grad", f"{user_file}:{func}", "--loss-fn", f"{user_file}:loss"
    )
    assert res.exit_code == 0, res.output
    assert f"follows the {convention} convention" in res.output


def test_wrong_gradient_exit_1_names_samples(user_file):
    res = run("perceptron", *KINK, "--grad", f"{user_file}:no_filter", "--points", "1")
    assert res.exit_code == 1
    assert "FAIL" in res.output and "samples responsible: 2" in res.output


def test_claim_right_and_wrong():
    assert run("perceptron", *KINK, "--claim", '{"w":[0,-3],"b":-2}').exit_code == 0
    res = run("perceptron", *KINK, "--claim", '{"w":[0,-3.5],"b":-2}')
    assert res.exit_code == 1
    assert "correct gradient there: w = [0, -3], b = -2" in res.output
    assert "difference (candidate − correct): w = [0, -0.5], b = 0" in res.output


def test_json_output():
    res = run("perceptron", *KINK, "--claim", '{"w":[0,-3],"b":-2}', "--json")
    data = json.loads(res.output)
    assert data["passed"] is True
    assert data["kink_convention_matched"] == ["include"]


def test_fast_mode_prints_seed():
    res = run("logistic", "--fast", "--seed", "5")
    assert res.exit_code == 0
    assert "seed 5" in res.output


@pytest.mark.parametrize(
    "args",
    [
        ["perceptron", "--grad", "nope.py:f"],
        ["perceptron", "--grad", "not-a-ref"],
        ["perceptron", "--claim", "{bad json"],
        ["perceptron", "--claim", '{"w":[1,2,3]}'],
        ["perceptron", "--grad", "x.py:f", "--claim", "{}"],
        ["perceptron", "--wrt", "w"],
        [],
        ["nosuchloss"],
    ],
    ids=[
        "missing-file",
        "bad-ref",
        "bad-json",
        "claim-shape",
        "grad-and-claim",
        "wrt",
        "no-loss",
        "unknown-loss",
    ],
)
def test_usage_errors_exit_2(args):
    res = run(*args)
    assert res.exit_code == 2, res.output


def test_module_reference(user_file, monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(tmp_path))
    res = run("perceptron", *KINK, "--grad", "mygrad:grad")
    assert res.exit_code == 0, res.output


def test_points_option_and_the_listing(user_file):
    res = run("perceptron", "--grad", f"{user_file}:grad", "--points", "2")
    assert res.exit_code == 0, res.output
    assert "checked at 6 point(s), 2 on each of 3 datasets" in res.output
    assert "random point 1 (data scale)" in res.output
    assert "random point 2" not in res.output


def test_seed_moves_the_random_points(user_file):
    a = run("perceptron", "--grad", f"{user_file}:grad", "--seed", "1").output
    b = run("perceptron", "--grad", f"{user_file}:grad", "--seed", "2").output
    pick = [ln for ln in a.splitlines() if "random point 1" in ln][0]
    assert pick not in b
    assert a == run("perceptron", "--grad", f"{user_file}:grad", "--seed", "1").output


def test_kink_makes_the_convention_binding(user_file):
    loose = run("perceptron", "--grad", f"{user_file}:grad_exclude")
    assert loose.exit_code == 0, loose.output  # `<` is a valid subgradient
    strict = run("perceptron", "--grad", f"{user_file}:grad_exclude", "--kink", "include")
    assert strict.exit_code == 1, strict.output
    assert "kink=include is binding" in strict.output
    assert "follows exclude" in strict.output
    right = run("perceptron", "--grad", f"{user_file}:grad", "--kink", "include")
    assert right.exit_code == 0, right.output


def test_precision_float16_is_accepted(user_file):
    res = run("perceptron", "--grad", f"{user_file}:grad", "--precision", "float16")
    assert res.exit_code == 0, res.output
    assert "float16" in res.output


def test_no_data_says_which_data():
    res = run("squared_error")
    assert res.exit_code == 0
    assert "no data given: checked on generated data with n = 6, 10, 20 samples" in res.output
    assert "real targets" in res.output
