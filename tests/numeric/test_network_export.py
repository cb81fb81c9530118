"""``gradproof codegen mlp --layers …``: a standalone numpy module (loss, grad → {W1, b1, …},
loss_and_grad), run in a fresh interpreter that never imports gradproof, agrees with an
independent backprop (tests/network_oracle.py); float32 stays float32; bad shapes are a
ValueError; the module's grad passes ``gradproof check mlp --grad``."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner
from network_oracle import backprop, draw_labels, draw_point, total_loss

import gradproof
from gradproof.cli import cli
from gradproof.numeric.export import export_module

CASES = [
    # (layers, activation, loss, mean, reg)
    ("2-16-3", "relu", "softmax", False, None),
    ("3-5-4-2", "tanh", "squared_error", True, None),
    ("4-6-1", "sigmoid", "logistic", False, "l2"),
    ("2-3-3", "identity", "softmax", True, "l1"),
]
RUNNER = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    import net
    data = np.load(sys.argv[2])
    names = [k for k in data.files if k[0] in "Wb"]
    point = [data[k] for k in sorted(names, key=lambda k: (int(k[1:]), k[0] != "W"))]
    L, g = net.loss_and_grad(data["X"], data["y"], *point)
    assert L == net.loss(data["X"], data["y"], *point)
    g2 = net.grad(data["X"], data["y"], *point)
    assert all(np.array_equal(g[k], g2[k]) for k in g)
    out = {"loss": L, "grad": {k: v.tolist() for k, v in g.items()},
           "dtypes": sorted({str(v.dtype) for v in g.values()}),
           "gradproof_imported": any(m.startswith("gradproof") for m in sys.modules)}
    print(json.dumps(out))
    """
)


def fresh_run(tmp_path, source, X, y, point):
    (tmp_path / "net.py").write_text(source)
    np.savez(tmp_path / "data.npz", X=X, y=y, **point)
    (tmp_path / "run.py").write_text(RUNNER)
    proc = subprocess.run(
        [sys.executable, "-I", str(tmp_path / "run.py"), str(tmp_path), str(tmp_path / "data.npz")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def derived(layers, act, loss, mean, reg):
    params = {"lam": 0.01} if reg else None
    return gradproof.derive(
        "mlp", layers=layers, activation=act, loss=loss, mean=mean, reg=reg, params=params
    )


@pytest.mark.parametrize("case", CASES, ids=["-".join(map(str, c[:3])) for c in CASES])
def test_the_module_run_alone_agrees_with_an_independent_backprop(tmp_path, case):
    layers, act, loss, mean, reg = case
    rng = np.random.default_rng(11)
    widths = [int(w) for w in layers.split("-")]
    X = rng.standard_normal((9, widths[0]))
    y = draw_labels(loss, 9, widths[-1], rng)
    point = draw_point(layers, rng)
    if reg == "l1":
        point["W1"][0, 0] = 0.0  # sgn(0) = 0, the default L1 convention
    out = fresh_run(tmp_path, export_module(derived(*case)), X, y, point)
    assert not out["gradproof_imported"] and out["dtypes"] == ["float64"]
    want = backprop(layers, act, loss, X, y, point, mean=mean, reg=reg)
    for k, v in want.items():
        np.testing.assert_allclose(out["grad"][k], v, rtol=1e-10, atol=1e-13)
    L = total_loss(layers, act, loss, X, y, point, mean=mean, reg=reg)
    assert abs(out["loss"] - L) <= 1e-12 * max(1.0, abs(L))


def test_float32_stays_float32_and_bad_shapes_are_value_errors(tmp_path):
    d = derived("2-4-3", "relu", "softmax", False, None)
    ns: dict = {}
    exec(compile(export_module(d), "<net>", "exec"), ns)  # gradproof's own generated code
    rng = np.random.default_rng(3)
    point = draw_point("2-4-3", rng)
    X, y = rng.standard_normal((5, 2)).astype(np.float32), np.array([0, 1, 2, 0, 1])
    g = ns["grad"](X, y, *(point[k].astype(np.float32) for k in ("W1", "b1", "W2", "b2")))
    assert {v.dtype for v in g.values()} == {np.dtype(np.float32)}
    want = backprop("2-4-3", "relu", "softmax", X.astype(float), y, point)
    for k in want:
        np.testing.assert_allclose(g[k], want[k], rtol=2e-4, atol=1e-5)
    onehot = np.eye(3)[y]
    g1 = ns["grad"](X.astype(float), onehot, *point.values())
    g2 = ns["grad"](X.astype(float), y, *point.values())
    assert all(np.array_equal(g1[k], g2[k]) for k in g1)
    bad = [
        ((X[:, :1], y, *point.values()), "X must be"),
        ((X, y, point["W1"].T, *list(point.values())[1:]), "W1 must have shape"),
        ((X, y[:3], *point.values()), "class label"),
        ((X, y + 5, *point.values()), "class label"),
    ]
    for args, says in bad:
        with pytest.raises(ValueError, match=says):
            ns["loss_and_grad"](*args)


def test_cli_codegen_writes_it_and_check_passes_its_grad(tmp_path):
    path = tmp_path / "mod.py"
    res = CliRunner().invoke(
        cli, ["codegen", "mlp", "--layers", "2-5-3", "--activation", "tanh", "-o", str(path)]
    )
    assert res.exit_code == 0, res.output
    text = path.read_text()
    assert text == export_module(derived("2-5-3", "tanh", "softmax", False, None))
    assert "def grad(X, y, W1, b1, W2, b2):" in text and "∂L/∂W1 = δ₁ᵀX" in text
    res = CliRunner().invoke(
        cli, ["check", "mlp", "--layers", "2-5-3", "--activation", "tanh", "--grad", f"{path}:grad"]
    )
    assert res.exit_code == 0 and "PASS" in res.output, res.output


@pytest.mark.parametrize(
    "args,says",
    [
        (["codegen", "mlp"], "--layers"),
        (["codegen", "softmax", "--layers", "2-4-3"], "gradproof codegen mlp"),
        (["codegen", "mlp", "--layers", "2-4-3", "--wrt", "W1"], "--wrt"),
        (["codegen", "mlp", "--layers", "2-4-3", "--activation", "gelu"], "gelu"),
    ],
    ids=["no-layers", "layers-without-mlp", "wrt", "unknown-activation"],
)
def test_codegen_bad_input_is_one_line(args, says):
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2 and says in res.output, res.output
    assert len(res.output.strip().splitlines()) == 1
