"""The ``gradproof derive`` and ``gradproof losses`` commands."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from gradproof.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_derive_default_prints_steps_and_worked_example():
    res = run("derive", "perceptron")
    assert res.exit_code == 0, res.output
    assert "subgradient of max(0, ·)" in res.output
    assert "∂L/∂w = −Σ_{i∈M} yᵢ xᵢ" in res.output
    assert "Worked example" in res.output and "update step" in res.output
    assert "n = 4 samples" in res.output  # the built-in sample data


def test_derive_json_gradient_from_formula():
    res = run("derive", "perceptron", "--X", "[[2,3],[1,-1]]", "--y", "[1,-1]", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["loss"] == "perceptron"
    ex = out["example"]
    # By hand: both samples have margin 0 at w = 0, so M = {1, 2};
    # ∂L/∂w = −(1·[2,3] − 1·[1,−1]) = [−1, −4], ∂L/∂b = −(1 − 1) = 0, loss 0.
    assert ex["loss"] == 0
    assert ex["gradient"] == {"w": [-1.0, -4.0], "b": 0.0}
    assert ex["active"] == [1, 2]  # numbered from 1
    assert ex["update"] == {"lr": 0.1, "w": [0.1, 0.4], "b": 0.0}


def test_derive_at_point_and_lr():
    res = run(
        "derive",
        "hinge",
        "--X",
        "[[1,0],[0,1]]",
        "--y",
        "[1,-1]",
        "--at",
        '{"w":[2,0],"b":0}',
        "--lr",
        "0.5",
        "--json",
    )
    out = json.loads(res.output)["example"]
    # margins: 1·2 = 2 (no violation), −1·0 = 0 < 1 (violation) → V = {2}
    # ∂L/∂w = −(−1)·[0,1] + 0.01·[2,0] = [0.02, 1], ∂L/∂b = 1
    assert out["active"] == [2]  # the second sample
    np.testing.assert_allclose(out["gradient"]["w"], [0.02, 1.0])
    assert out["gradient"]["b"] == pytest.approx(1.0)
    np.testing.assert_allclose(out["update"]["w"], [2 - 0.5 * 0.02, -0.5])


@pytest.mark.parametrize("suffix", ["csv", "npz", "json"])
def test_data_files(tmp_path, suffix):
    X = np.array([[2.0, 3.0], [1.0, -1.0]])
    y = np.array([1.0, -1.0])
    path = tmp_path / f"d.{suffix}"
    if suffix == "csv":
        path.write_text("a,b,label\n2,3,1\n1,-1,-1\n")
    elif suffix == "npz":
        np.savez(path, X=X, y=y)
    else:
        path.write_text(json.dumps({"X": X.tolist(), "y": y.tolist()}))
    res = run("derive", "perceptron", "--data", str(path), "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["example"]["gradient"]["w"] == [-1.0, -4.0]


@pytest.mark.parametrize(
    "fmt, marker", [("text", "∂L/∂w"), ("latex", r"\begin{aligned}"), ("markdown", "$$\n")]
)
def test_formats_and_output_file(tmp_path, fmt, marker):
    out = tmp_path / f"out.{fmt}"
    res = run("derive", "logistic", "--format", fmt, "-o", str(out))
    assert res.exit_code == 0, res.output
    assert marker in out.read_text()


def test_standalone_latex_is_a_document():
    res = run("derive", "hinge", "--format", "latex", "--standalone")
    assert res.output.startswith(r"\documentclass") and r"\end{document}" in res.output


def test_user_expression_with_regulariser_and_param():
    res = run(
        "derive",
        "--expr",
        "max(0, 1 - y*dot(w, x))",
        "--reg",
        "lam/2*norm(w)^2",
        "--param",
        "lam=0.1",
        "--labels",
        "pm1",
        "--no-example",
    )
    assert res.exit_code == 0, res.output
    assert "∂L/∂w = λw − Σ_{i∈A} yᵢ xᵢ" in res.output


def test_losses_lists_every_builtin():
    res = run("losses")
    for name in ("perceptron", "hinge", "squared_hinge", "logistic", "squared_error", "huber"):
        assert name in res.output


BAD = [
    ("vector-as-scalar", ["--expr", "w*x"], "vector 'w' used as a scalar"),
    ("unknown-name", ["--expr", "foo + y"], "unknown name 'foo'"),
    ("unknown-function", ["--expr", "sin(y)"], "unknown function 'sin'"),
    ("syntax", ["--expr", "1 +* y"], "unexpected '*'"),
    ("unclosed", ["--expr", "max(0, y"], "expected ')'"),
    ("empty", ["--expr", ""], "empty"),
    ("attribute", ["--expr", "y.real"], "unexpected character '.'"),
    ("dunder", ["--expr", "__import__"], "not allowed"),
    ("huge-exponent", ["--expr", "y^9^9^9"], "exponent"),
    ("wrong-arity", ["--expr", "dot(w)"], "dot() takes 2 arguments"),
    ("norm-of-scalar", ["--expr", "norm(y)"], "norm() takes a vector"),
    ("reg-uses-data", ["--expr", "y", "--reg", "norm(x)"], "regulariser cannot use the data x"),
    ("string", ["--expr", "'a'"], "strings are not part"),
    ("unknown-loss", ["nope"], "unknown loss 'nope'"),
    ("bad-param", ["hinge", "--param", "lam=abc"], "not a number"),
    ("labels-01", ["perceptron", "--X", "[[1],[2]]", "--y", "[0,1]"], "y = 2*y - 1"),
    ("shape", ["perceptron", "--X", "[[1,2],[3,4]]", "--y", "[1]"], "2 rows but y has 1"),
    ("nan", ["perceptron", "--X", "[[1,NaN]]", "--y", "[1]"], "non-finite"),
    ("ragged", ["perceptron", "--X", "[[1,2],[3]]", "--y", "[1,1]"], "ragged"),
    ("bad-at", ["perceptron", "--at", '{"w":[1,2,3]}'], "w has 3 entries"),
    ("overflow", ["--expr", "(1e300*y+1)^100"], "not finite in float64"),
    ("log-of-zero", ["--expr", "log(dot(w,x)^2)"], "not finite in float64"),
    ("undefined-constant", ["--expr", "y + log(0)"], "'log(0)' is undefined"),
    ("negative-param", ["--expr", "c*y", "--param", "c=-1"], "c = -1 is negative"),
]


@pytest.mark.parametrize("args, message", [(a, m) for _, a, m in BAD], ids=[i for i, _, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(args, message):
    res = CliRunner().invoke(cli, ["derive", *args])
    assert res.exit_code == 2, res.output
    err = res.stderr if hasattr(res, "stderr") else res.output
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert message in lines[0]
    assert "Traceback" not in res.output


def test_norm_regulariser_at_zero_takes_the_subgradient_zero():
    """At w = 0 the compiled gradient of λ‖w‖ is its subgradient 0 (never NaN)."""
    res = CliRunner().invoke(
        cli, ["derive", "--expr", "y", "--reg", "lam*norm(w)", "--param", "lam=1"]
    )
    assert res.exit_code == 0, res.output
    assert "∂L/∂w = (λw)/‖w‖ = [0, 0]" in res.output and "nan" not in res.output.lower()


@pytest.mark.parametrize(
    ("site", "inline"),
    [("jekyll", "$$s_{i} = "), ("hugo", "\\\\(s\\_\\{i\\} \\= "), ("github", "$s_{i} = ")],
)
def test_site_profiles_for_derive(site, inline):
    res = CliRunner().invoke(cli, ["derive", "perceptron", "--format", "markdown", "--site", site])
    assert res.exit_code == 0, res.output
    assert inline in res.output


def test_site_needs_markdown():
    res = CliRunner().invoke(cli, ["derive", "perceptron", "--site", "jekyll"])
    assert res.exit_code == 2 and "--site applies to --format markdown" in res.output
