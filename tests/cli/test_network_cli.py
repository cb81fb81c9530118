"""``gradproof derive mlp``: the staged derivation, its worked example and its errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from network_oracle import backprop

from gradproof.cli import cli

X = "[[1,2],[3,-4],[0,1],[-1,0.5]]"
Y = "[0,2,1,2]"


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_json_example_gradient_by_name_matches_backprop():
    res = run(
        "derive",
        "mlp",
        "--layers",
        "2-16-3",
        "--activation",
        "relu",
        "--loss",
        "softmax",
        "--X",
        X,
        "--y",
        Y,
        "--seed",
        "3",
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["layers"] == [2, 16, 3] and out["activation"] == "relu"
    assert out["relu_prime0"] == 0.0 and out["kink"] == "exclude"
    ex = out["example"]
    point = {k: np.array(v) for k, v in ex["point"].items()}
    g = ex["gradient"]
    assert set(g) == {"W1", "b1", "W2", "b2"}
    assert np.shape(g["W1"]) == (16, 2) and np.shape(g["b2"]) == (3,)
    want = backprop(
        "2-16-3", "relu", "softmax", np.array(json.loads(X)), np.array(json.loads(Y)), point
    )
    for k in want:
        np.testing.assert_allclose(g[k], want[k], rtol=1e-12, atol=1e-14)
    assert out["gradient"]["W1"]["text"] == "δ₁ᵀX"


def test_seed_is_reproducible_and_at_is_used():
    args = ("derive", "mlp", "--layers", "2-3-2", "--X", X, "--y", "[0,1,1,0]", "--json")
    one = json.loads(run(*args, "--seed", "5").output)["example"]
    again = json.loads(run(*args, "--seed", "5").output)["example"]
    other = json.loads(run(*args, "--seed", "6").output)["example"]
    default = json.loads(run(*args).output)["example"]
    seed0 = json.loads(run(*args, "--seed", "0").output)["example"]
    assert one == again and one["point"] != other["point"] and default == seed0
    at = json.dumps(
        {
            "W1": [[1, 0], [0, 1], [1, 1]],
            "b1": [0.5, -0.5, 0.25],
            "W2": [[1, -1, 0], [0, 1, 1]],
            "b2": [0, 0],
        }
    )
    given = json.loads(run(*args, "--at", at).output)["example"]
    assert given["point"] == json.loads(at)


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_renders_in_every_format(fmt):
    res = run("derive", "mlp", "--layers", "2-16-3", "--format", fmt, "--no-example")
    assert res.exit_code == 0, res.output
    assert "⊙" in res.output or r"\odot" in res.output


@pytest.mark.parametrize(
    "args,match",
    [
        (["--layers", "2-0-3"], "at least 1"),
        (["--layers", "abc"], "dashes"),
        (["--layers", "2-4-3", "--activation", "swish"], "unknown activation"),
        (["--layers", "2-4-3", "--at", '{"W1": [[1]]}'], "W1"),
        (["--layers", "2-4-3", "--at", "{}", "--seed", "1"], "not both"),
        (["--layers", "2-4-3", "--X", "[[1,2,3]]", "--y", "[0]"], "features"),
        (["--layers", "2-4-3", "--loss", "logistic"], "one output unit"),
        (["--layers", "2-4-3", "--expr", "lse(s)"], "--expr"),
        (["--layers", "2-4-3", "--seed", "-1"], "-1"),
    ],
    ids=[
        "zero-width",
        "letters",
        "activation",
        "at-shape",
        "at-and-seed",
        "X-width",
        "logistic-K",
        "expr",
        "negative-seed",
    ],
)
def test_bad_input_is_one_line_exit_2(args, match):
    res = run("derive", "mlp", *args)
    assert res.exit_code == 2, res.output
    assert match in res.output and "Traceback" not in res.output
    assert len([ln for ln in res.output.splitlines() if ln.strip()]) <= 3


def test_network_options_need_a_network():
    res = run("derive", "softmax", "--layers", "2-3-3")
    assert res.exit_code == 2 and "gradproof derive mlp" in res.output
