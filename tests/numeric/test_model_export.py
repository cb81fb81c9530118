"""``gradproof codegen`` for models with K scores per sample (issue 15): the standalone module
runs in a fresh interpreter without gradproof, and its loss and gradient equal independent
numpy formulas written here (float64 and float32); bad labels and shapes raise ValueError."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import gradproof
from gradproof.cli import cli
from gradproof.numeric.export import export_module

X = [[1.0, 2.0], [0.0, 1.0], [2.0, 0.0], [-1.0, 0.5], [0.3, -0.7]]
LABELS = [0, 2, 1, 2, 0]
TARGETS = [[1.0, 0.0, -1.0], [0.5, 2.0, 0.0], [0.0, 1.0, 1.5], [0.2, -0.3, 0.4], [1, 1, 1]]
W = [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.25]]
B = [0.1, -0.3, 0.2]

RUN = """
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import generated
args = json.loads(sys.stdin.read())
dt = np.float32 if args["float32"] else np.float64
Xa = np.asarray(args["X"], dtype=dt)
L, g = generated.loss_and_grad(Xa, args["y"], args["W"], args["b"])
assert abs(generated.loss(Xa, args["y"], args["W"], args["b"]) - L) <= 1e-6 * (1 + abs(L))
assert np.array_equal(generated.grad(Xa, args["y"], args["W"], args["b"])["W"], g["W"])
print(json.dumps({"loss": L, "W": g["W"].tolist(), "b": g["b"].tolist(),
                  "dtype": str(g["W"].dtype), "gradproof": "gradproof" in sys.modules}))
"""


def run_module(source, tmp_path, y, float32=False):
    (tmp_path / "generated.py").write_text(source)
    args = {"X": X, "y": y, "W": W, "b": B, "float32": float32}
    proc = subprocess.run(
        [sys.executable, "-I", "-c", RUN, str(tmp_path)],
        input=json.dumps(args),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def oracle(loss, reg, params, mean, y):
    """Loss and gradient written out in numpy."""
    Xa, Wa, ba = np.array(X), np.array(W), np.array(B)
    S = Xa @ Wa.T + ba
    n, K = S.shape
    rows = np.arange(n)
    if loss == "multi_squared_error":
        Y = np.array(y)
        G, ell = S - Y, 0.5 * np.sum((S - Y) ** 2)
    else:
        y = np.array(y)
        if loss == "softmax":
            m = S.max(axis=1, keepdims=True)
            P = np.exp(S - m) / np.exp(S - m).sum(axis=1, keepdims=True)
            ell = np.sum(np.log(np.exp(S - m).sum(axis=1)) + m[:, 0] - S[rows, y])
            G = P.copy()
            G[rows, y] -= 1
        else:  # Weston–Watkins
            M = S - S[rows, y][:, None] + 1.0
            M[rows, y] = 0.0
            ell = np.sum(np.maximum(M, 0.0))
            G = (M > 0).astype(float)
            G[rows, y] = -G.sum(axis=1)
    scale = 1 / n if mean else 1.0
    lam1 = params.get("lam1", params.get("lam", 0.0) if reg == "l1" else 0.0)
    lam2 = params.get("lam2", params.get("lam", 0.0) if reg == "l2" else 0.0)
    value = scale * ell + lam1 * np.abs(Wa).sum() + lam2 / 2 * np.sum(Wa**2)
    gW = scale * G.T @ Xa + lam1 * np.sign(Wa) + lam2 * Wa
    return value, gW, scale * G.sum(axis=0)


CASES = [
    ("softmax", None, {}, False),
    ("softmax", "elastic_net", {"lam1": 0.1, "lam2": 0.3}, True),
    ("multiclass_hinge", "l1", {"lam": 0.2}, False),
    ("multi_squared_error", "l2", {"lam": 0.5}, True),
]


@pytest.mark.parametrize(("loss", "reg", "params", "mean"), CASES, ids=[c[0] for c in CASES])
def test_module_in_a_fresh_interpreter_equals_numpy(loss, reg, params, mean, tmp_path):
    y = TARGETS if loss == "multi_squared_error" else LABELS
    source = export_module(gradproof.derive(loss, reg=reg, params=params, mean=mean))
    assert "import gradproof" not in source and "from gradproof" not in source
    out = run_module(source, tmp_path, y)
    assert out["gradproof"] is False and out["dtype"] == "float64"
    value, gW, gb = oracle(loss, reg, params, mean, y)
    assert abs(out["loss"] - value) <= 1e-12 * (1 + abs(value))
    assert np.max(np.abs(np.array(out["W"]) - gW)) <= 1e-12
    assert np.max(np.abs(np.array(out["b"]) - gb)) <= 1e-12
    f32 = run_module(source, tmp_path, y, float32=True)
    assert f32["dtype"] == "float32"
    assert np.max(np.abs(np.array(f32["W"]) - gW)) <= 1e-5 * (1 + np.max(np.abs(gW)))


def test_cli_codegen_writes_the_module_and_its_doc(tmp_path):
    out = tmp_path / "generated.py"
    res = CliRunner().invoke(
        cli,
        [
            "codegen",
            "crammer_singer",
            "--reg",
            "l1",
            "--param",
            "lam=0.1",
            "--l1",
            "plus",
            "-o",
            str(out),
        ],  # fmt: skip
    )
    assert res.exit_code == 0, res.output
    text = out.read_text()
    assert "sgn(0) = 1" in text and "∂L/∂W = " in text and "def grad(X, y, W, b):" in text
    compile(text, "generated.py", "exec")


@pytest.mark.parametrize(
    ("y", "Wm", "match"),
    [
        ([0, 3, 1, 2, 0], W, "class label 0…2"),
        ([0, 1.5, 1, 2, 0], W, "class label"),
        (LABELS, [[1.0, 2.0, 3.0]] * 3, "expected X"),
    ],
    ids=["label-too-big", "label-fraction", "W-shape"],
)
def test_module_rejects_bad_input_with_value_error(y, Wm, match, tmp_path):
    (tmp_path / "generated.py").write_text(export_module(gradproof.derive("softmax")))
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import generated\n"
        f"try:\n    generated.grad({X!r}, {y!r}, {Wm!r}, {B!r})\n"
        f"except ValueError as e:\n    print('ValueError:', e)\n"
    )
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and "ValueError:" in proc.stdout and match in proc.stdout


def test_wrt_subset_is_refused_in_one_line():
    res = CliRunner().invoke(cli, ["codegen", "softmax", "--wrt", "W"])
    assert res.exit_code == 2 and "whole gradient" in res.output
