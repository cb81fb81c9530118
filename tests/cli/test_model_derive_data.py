"""``gradproof derive softmax --data FILE`` (issue 15): a model's data from a file, the class
label in the last column of a CSV (or X and y in a .npz); the worked example's gradient
equals a numpy formula written here; bad files are one line, exit 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from gradproof.cli import cli

X = np.array([[1.0, 2.0], [0.0, 1.0], [2.0, 0.0], [-1.0, 0.5]])
Y = np.array([0, 2, 1, 2])


def softmax_grad(X, y, W, b):
    S = X @ W.T + b
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    return P.T @ X, P.sum(axis=0)


def run(*args):
    return CliRunner().invoke(cli, ["derive", *args])


@pytest.mark.parametrize("kind", ["csv", "npz"])
def test_data_file_gives_the_worked_example(kind, tmp_path):
    path = tmp_path / f"d.{kind}"
    if kind == "csv":
        path.write_text("\n".join(f"{a},{b},{c}" for (a, b), c in zip(X, Y, strict=True)) + "\n")
    else:
        np.savez(path, X=X, y=Y)
    at = {"W": [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.25]], "b": [0.1, -0.3, 0.2]}
    res = run("softmax", "--data", str(path), "--at", json.dumps(at), "--json")
    assert res.exit_code == 0, res.output
    g = json.loads(res.output)["example"]["gradient"]
    hW, hb = softmax_grad(X, Y, np.array(at["W"]), np.array(at["b"]))
    assert np.max(np.abs(np.array(g["W"]) - hW)) <= 1e-12
    assert np.max(np.abs(np.array(g["b"]) - hb)) <= 1e-12
    text = run("softmax", "--data", str(path))
    assert text.exit_code == 0 and "n = 4 samples" in text.output


BAD = [
    ("both", ["softmax", "--X", "[[1,2]]", "--y", "[0]"], "1,2,0\n", "not both"),
    ("fraction", ["softmax"], "1,2,0\n0,1,0.5\n", "whole numbers"),
    ("targets", ["multi_squared_error"], "1,2,0\n0,1,1\n", "targets"),
]


@pytest.mark.parametrize(
    ("args", "content", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_data_file_is_one_line_exit_2(args, content, match, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(content)
    res = run(*args, "--data", str(path))
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and match in lines[0], res.output
