"""``gradproof check`` of a model with --claim (a claimed gradient value at its point, each
number held to its written digits) and --precision (the candidate's arithmetic)."""

from __future__ import annotations

import json
import re

import numpy as np
from click.testing import CliRunner

from gradproof.cli import cli


def hand(X, y, W, b):
    S = X @ W.T + b
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    return {"W": P.T @ X, "b": P.sum(axis=0)}


def _point_and_gradient(seed):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 4, 40)
    W, b = rng.normal(size=(4, 3)), rng.normal(size=4)
    return X, y, {"W": W.tolist(), "b": b.tolist()}, hand(X, y, W, b)


def _unquoted(claim):
    """The claim as JSON with its numbers written as numbers (not strings)."""
    return re.sub(r'"(-?[0-9.]+)"', r"\1", json.dumps(claim))


def test_cli_claim_and_precision(tmp_path):
    X, y, at, g = _point_and_gradient(seed=3)
    args = ["check", "softmax", "--X", json.dumps(X.tolist()), "--y", json.dumps(y.tolist())]
    args += ["--at", json.dumps(at)]
    claim = {"W": [[f"{v:.5f}" for v in r] for r in g["W"]], "b": [f"{v:.5f}" for v in g["b"]]}
    # numbers written in JSON as they are (not quoted): each held to its written digits
    text = _unquoted(claim)
    res = CliRunner().invoke(cli, [*args, "--claim", text])
    assert res.exit_code == 0, res.output
    claim["b"][3] = f"{g['b'][3] + 0.002:.5f}"
    text = _unquoted(claim)
    res = CliRunner().invoke(cli, [*args, "--claim", text])
    assert res.exit_code == 1 and "b[4]" in res.output
    path = tmp_path / "cand.py"
    path.write_text(
        "import numpy as np\n"
        "def g32(X, y, W, b):\n"
        "    X, W, b = (np.asarray(a, dtype=np.float32) for a in (X, W, b))\n"
        "    S = X @ W.T + b\n"
        "    P = np.exp(S - S.max(axis=1, keepdims=True))\n"
        "    P /= P.sum(axis=1, keepdims=True)\n"
        "    P[np.arange(len(y)), np.asarray(y).astype(int)] -= 1\n"
        "    return (P.T @ X).astype(float), P.sum(axis=0).astype(float)\n"
    )
    cmd = ["check", "softmax", "--X", json.dumps(X.tolist()), "--y", json.dumps(y.tolist())]
    res = CliRunner().invoke(cli, [*cmd, "--grad", f"{path}:g32", "--precision", "float32"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(cli, [*cmd, "--grad", f"{path}:g32"])
    assert res.exit_code == 1, res.output
