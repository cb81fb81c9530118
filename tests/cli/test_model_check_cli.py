"""``gradproof check`` for models with K scores per sample (issue 15): a candidate file's
gradient against the derived one, exit 0 when it agrees, 1 when not (naming the entries,
W[2,1] numbered from 1), 2 with one line for input that cannot be checked."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gradproof.cli import cli

CANDIDATES = """
import numpy as np

def _G(X, y, W, b):
    y = np.asarray(y).astype(int)
    S = X @ W.T + b
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    return P

def right(X, y, W, b):
    G = _G(X, y, W, b)
    return {"W": G.T @ X, "b": G.sum(axis=0)}

def right_l2(X, y, W, b):
    G = _G(X, y, W, b)
    return G.T @ X + 0.5 * W, G.sum(axis=0)

def entry_off(X, y, W, b):
    G = _G(X, y, W, b)
    gW = G.T @ X
    gW[1, 0] += 0.1
    return gW, G.sum(axis=0)

def transposed(X, y, W, b):
    G = _G(X, y, W, b)
    return X.T @ G, G.sum(axis=0)

def three(X, y, W):
    return W
"""


@pytest.fixture()
def grads(tmp_path):
    path = tmp_path / "cand.py"
    path.write_text(CANDIDATES)
    return str(path)


def run(*args):
    return CliRunner().invoke(cli, ["check", *args])


def one_line(res):
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1, res.output
    return lines[0]


def test_right_passes_exit_0_on_generated_data(grads):
    res = run("softmax", "--grad", f"{grads}:right")
    assert res.exit_code == 0, res.output
    assert "PASS" in res.output.splitlines()[0] and "generated data 2" in res.output


def test_regularised_with_data_and_fast(grads):
    args = ["softmax", "--reg", "l2", "--param", "lam=0.5", "--grad", f"{grads}:right_l2"]
    data = ["--X", "[[1,2],[3,4],[0,1],[2,-1]]", "--y", "[0,2,1,2]"]
    assert run(*args, *data).exit_code == 0
    res = run(*args, *data, "--fast")
    assert res.exit_code == 0 and "fast mode" in res.output
    bad = run("softmax", "--reg", "l2", "--param", "lam=0.5", "--grad", f"{grads}:right", *data)
    assert bad.exit_code == 1 and "FAIL" in bad.output


def test_a_wrong_entry_fails_exit_1_naming_it(grads):
    res = run("softmax", "--grad", f"{grads}:entry_off", "--json")
    assert res.exit_code == 1, res.output
    out = json.loads(res.output)
    assert out["passed"] is False and out["culprits"] == ["W[2,1]"]
    text = run("softmax", "--grad", f"{grads}:entry_off")
    assert text.exit_code == 1 and "W[2,1] is" in text.output


def test_transposed_says_so(grads):
    res = run("softmax", "--grad", f"{grads}:transposed")
    assert res.exit_code == 1 and "transpose of W" in res.output


def test_data_file_with_the_class_in_the_last_column(grads, tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("1,2,0\n3,4,2\n0,1,1\n2,-1,2\n")
    res = run("softmax", "--grad", f"{grads}:right", "--data", str(csv))
    assert res.exit_code == 0, res.output


def test_self_test_of_an_expression_without_a_candidate():
    res = run("--expr", "logsumexp(s) - s[y]")
    assert res.exit_code == 0 and "PASS" in res.output


BAD = [
    ("signature", ["--grad", "{g}:three"], "cannot be called as grad(X, y, W, b)"),
    ("no-function", ["--grad", "{g}:nope"], "no function 'nope'"),
    ("loss-fn", ["--grad", "{g}:right", "--loss-fn", "{g}:right"], "--loss-fn is not supported"),
    ("grad-and-claim", ["--grad", "{g}:right", "--claim", '{"W": [[0]]}'], "not both"),
    ("claim-shape", ["--claim", '{"W": [[0]], "b": [0]}'], "W has shape 1×1"),
    ("claim-text", ["--claim", '{"W": [["a"]], "b": [0]}'], "not a number"),
    ("wrt", ["--wrt", "W"], "whole gradient"),
    ("x-alone", ["--X", "[[1,2]]"], "go together"),
    ("labels", ["--X", "[[1,2],[3,4]]", "--y", "[0,0.5]"], "whole numbers"),
    ("at", ["--at", '{"W": [[1,0],[0,1],[1,1]], "b": [0,0]}'], "b needs shape 3"),
    ("l1-linear", ["--l1", "plus"], "--l1 applies"),
]


@pytest.mark.parametrize(("args", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_exit_2(grads, args, match):
    args = [a.replace("{g}", grads) for a in args]
    loss = "hinge" if match == "--l1 applies" else "softmax"
    res = run(loss, *args)
    assert res.exit_code == 2, res.output
    assert match in one_line(res)
