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
