"""``gradproof derive`` for models with K scores per sample (issue 15), and the commands that
do not support them yet refusing them in one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from gradproof.cli import cli

X = "[[1,2],[3,4],[0,1]]"
Y = "[0,2,1]"
AT = '{"W": [[1,0],[0,1],[1,1]], "b": [0,0,1]}'


def run(*args):
    return CliRunner().invoke(cli, list(args))


def softmax_gradient(X, y, W, b):
    """The softmax cross-entropy gradient, written out (CS231n)."""
    S = X @ W.T + b
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    return P.T @ X, P.sum(axis=0)


def test_json_example_gradient_is_nested_lists_of_the_parameter_shapes():
    res = run("derive", "softmax", "--X", X, "--y", Y, "--at", AT, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    g = out["example"]["gradient"]
    assert set(g) == {"W", "b"} and len(g["W"]) == 3 and all(len(r) == 2 for r in g["W"])
    assert len(g["b"]) == 3
    at = json.loads(AT)
    hW, hb = softmax_gradient(
        np.array(json.loads(X), float),
        np.array(json.loads(Y)),
        np.array(at["W"], float),
        np.array(at["b"], float),
    )
    assert np.max(np.abs(np.array(g["W"]) - hW)) <= 1e-12
    assert np.max(np.abs(np.array(g["b"]) - hb)) <= 1e-12
    assert out["gradient"]["W"]["text"] == "(P − Y)ᵀX"
    assert out["shapes"]["W"] == ["K", "d"]
    rules = [s["rule"] for s in out["steps"]]
    assert "softmax–cross-entropy rule" in rules and "matrix-product rule" in rules


def test_point_defaults_to_zeros_with_k_from_the_labels():
    out = json.loads(run("derive", "softmax", "--X", X, "--y", Y, "--json").output)
    assert out["example"]["point"] == {"W": [[0.0, 0.0]] * 3, "b": [0.0] * 3}
    hW, hb = softmax_gradient(
        np.array(json.loads(X), float), np.array(json.loads(Y)), np.zeros((3, 2)), np.zeros(3)
    )
    assert np.max(np.abs(np.array(out["example"]["gradient"]["W"]) - hW)) <= 1e-12


def test_multi_output_targets_and_a_regulariser():
    res = run(
        "derive",
        "multi_squared_error",
        "--X",
        "[[1,2],[3,4]]",
        "--y",
        "[[1,0,2],[0,1,1]]",
        "--reg",
        "l2",
        "--param",
        "lam=0.5",
        "--json",
    )
    assert res.exit_code == 0, res.output
    g = json.loads(res.output)["example"]["gradient"]
    Xa, T = np.array([[1.0, 2], [3, 4]]), np.array([[1.0, 0, 2], [0, 1, 1]])
    assert np.allclose(g["W"], (-T).T @ Xa, rtol=0, atol=1e-12)  # at W = 0, λW = 0
    assert np.allclose(g["b"], (-T).sum(axis=0), rtol=0, atol=1e-12)


def test_text_derivation_shows_shapes():
    res = run("derive", "crammer_singer", "--reg", "elastic_net", "--l1", "plus")
    assert res.exit_code == 0, res.output
    assert "Crammer–Singer" in res.output and "sgn(0) = 1" in res.output
    assert "∂L/∂W ∈ ℝᴷˣᵈ" in res.output


BAD = [
    ("W-rows", ["--at", '{"W": [[1,0],[0,1]], "b": [0,0]}'], "K = 2"),
    ("X-rows", ["--X", "[[1,2],[3,4]]"], "one label per sample"),
    ("b-length", ["--at", '{"W": [[1,0],[0,1],[1,1]], "b": [0,0]}'], "b needs shape 3"),
    ("unknown", ["--at", '{"w": [1, 2]}'], "this model has W, b"),
    ("json", ["--at", '{"W": '], "not valid JSON"),
    ("y-json", ["--y", "[0, 2"], "--y: not valid JSON"),
    ("y-ragged", ["--y", "[[1],[1,2],[0]]"], "equal-length rows"),
    ("labels", ["--y", "[0, 1.5, 1]"], "whole numbers"),
    ("reg", ["--reg", "l3"], "regulariser"),
    ("param", ["--param", "lamx=1"], "no hyperparameter"),
]


@pytest.mark.parametrize(("extra", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_exit_2(extra, match):
    args = {"--X": X, "--y": Y}
    rest = []
    it = iter(extra)
    for k in it:
        v = next(it)
        if k in args:
            args[k] = v
        else:
            rest += [k, v]
    res = run("derive", "softmax", "--X", args["--X"], "--y", args["--y"], *rest, "--json")
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and match in lines[0], res.output


def test_losses_lists_the_model_losses():
    res = run("losses")
    assert res.exit_code == 0
    for name in ("softmax", "multiclass_hinge", "crammer_singer", "multi_squared_error"):
        assert name in res.output


def test_scalar_losses_are_unchanged():
    res = run("derive", "perceptron", "--X", "[[2,3],[1,-1]]", "--y", "[1,-1]", "--json")
    assert res.exit_code == 0 and "w" in json.loads(res.output)["example"]["gradient"]
