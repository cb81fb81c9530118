"""Exported standalone modules: they import with numpy alone and agree with the oracles."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gradproof import derive
from gradproof.cli import cli
from gradproof.numeric import export_module, write_module
from gradproof.symbolic.losses import LOSSES


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


oracles = _load(Path(__file__).with_name("oracles_numpy.py"), "oracles_numpy")


def _imports(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


@pytest.mark.parametrize("name", list(LOSSES))
def test_exported_module_imports_and_agrees(tmp_path, name):
    path = write_module(derive(name), tmp_path / f"{name}_grad.py")
    imports = _imports(path.read_text(encoding="utf-8"))
    assert "numpy" in imports and imports - {"numpy"} <= set(sys.stdlib_module_names)
    mod = _load(path, f"exported_{name}")
    X, y, w, b = oracles.make_data(9_000, 4, LOSSES[name].labels, seed=11)
    L, gw, gb = oracles.oracle(name)(X, y, w, b)
    scale = max(1.0, np.max(np.abs(gw)))
    np.testing.assert_allclose(mod.loss(X, y, w, b), L, rtol=1e-12)
    got_w, got_b = mod.grad(X, y, w, b)
    np.testing.assert_allclose(got_w, gw, rtol=1e-12, atol=1e-12 * scale)
    np.testing.assert_allclose(got_b, gb, rtol=1e-12, atol=1e-12 * scale)
    both = mod.loss_and_grad(X, y, w, b)
    np.testing.assert_allclose(both[1], gw, rtol=1e-12, atol=1e-12 * scale)
    with pytest.raises(ValueError, match="y must have shape"):
        mod.grad(X, y[:-1], w, b)


def test_docstring_holds_the_formula(tmp_path):
    d = derive("hinge", params={"lam": 0.25})
    text = export_module(d)
    mod = _load(write_module(d, tmp_path / "h.py"), "exported_hinge_doc")
    assert mod.__doc__.startswith("Hinge loss")
    # the formulas as a textbook writes them (not taken from gradproof's own renderer)
    assert "∂L/∂w = λw − Σ_{i∈V} yᵢ xᵢ" in mod.__doc__
    assert "∂L/∂b = −Σ_{i∈V} yᵢ" in mod.__doc__
    assert "lam = 0.25" in mod.__doc__ and "V = {i : yᵢ (w·xᵢ + b) < 1}" in mod.__doc__
    assert "p_lam = 0.25" in text


def test_exported_user_expression(tmp_path):
    d = derive(expr="log(1 + exp(-y*(w·x + b)))", reg="lam/2*dot(w, w)", params={"lam": 0.5})
    mod = _load(write_module(d, tmp_path / "u.py"), "exported_user")
    X, y, w, b = oracles.make_data(50, 3, "pm1", seed=12)
    L, gw, gb = oracles.logistic(X, y, w, b)
    np.testing.assert_allclose(mod.loss(X, y, w, b), L + 0.25 * w @ w, rtol=1e-12)
    np.testing.assert_allclose(mod.grad(X, y, w, b)[0], gw + 0.5 * w, rtol=1e-12)


def test_cli_codegen_writes_a_module(tmp_path):
    out = tmp_path / "perc.py"
    res = CliRunner().invoke(cli, ["codegen", "perceptron", "-o", str(out)])
    assert res.exit_code == 0, res.output
    mod = _load(out, "exported_cli")
    X, y, w, b = oracles.integer_data(60, 3)
    want = oracles.perceptron(X, y, w, b)
    np.testing.assert_allclose(mod.grad(X, y, w, b)[0], want[1], rtol=1e-12)


def test_cli_codegen_expression_to_stdout():
    res = CliRunner().invoke(
        cli,
        [
            "codegen",
            "--expr",
            "max(0, 1 - y*(w·x + b))^2",
            "--reg",
            "lam*dot(w, w)",
            "--param",
            "lam=0.5",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "def loss_and_grad(X, y, w, b):" in res.output and "p_lam = 0.5" in res.output
    compile(res.output, "<stdout>", "exec")


@pytest.mark.parametrize(
    "args, words",
    [
        (["codegen"], "name a loss"),
        (["codegen", "nosuchloss"], "unknown loss"),
        (["codegen", "hinge", "--param", "delta=1"], "no hyperparameter 'delta'"),
    ],
    ids=["nothing", "unknown-loss", "wrong-param"],
)
def test_cli_codegen_errors(args, words):
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2 and words in res.output
