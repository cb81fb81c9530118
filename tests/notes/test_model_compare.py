"""compare for models with K scores per sample: the formulas side by side, each loss trained on
the same data (numbers checked against a numpy run written here), the figure, the formats, and
one line for a mix of a linear loss and a multi-class one."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner
from markup.engines import ENGINES, NEED, missing, raw_tex, read

from gradproof.cli import cli
from gradproof.datasets import as_dataset, sample_model_dataset
from gradproof.errors import GradproofError
from gradproof.notes import compare
from gradproof.symbolic.render.example import fmt

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _numpy_softmax_run(X, y, lr, epochs):
    """Gradient descent on Σ softmax cross-entropy from zeros, written here."""
    K = int(y.max()) + 1
    W, b = np.zeros((K, X.shape[1])), np.zeros(K)
    Y = np.eye(K)[y]
    for _ in range(epochs):
        S = X @ W.T + b
        P = np.exp(S - S.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        G = P - Y
        W, b = W - lr * G.T @ X, b - lr * G.sum(axis=0)
    S = X @ W.T + b
    m = S.max(axis=1)
    loss = np.sum(m + np.log(np.exp(S - m[:, None]).sum(axis=1)) - S[np.arange(len(y)), y])
    return loss, int(np.sum(S.argmax(axis=1) == y))


def _block(text: str, item: str) -> dict[str, str]:
    """The cells of one item of the text output: name → cell."""
    lines = text.split(f"\n{item}\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return {ln.split()[0]: ln.split(None, 1)[1].strip() for ln in lines}


def test_text_comparison_trains_each_loss_on_the_same_data():
    text = compare(["softmax", "multiclass_hinge", "crammer_singer"], lr=0.05, epochs=15)
    assert _block(text, "∂L/∂W") == {
        "softmax": "(P − Y)ᵀX",
        "multiclass_hinge": "(V − diag(V𝟏)Y)ᵀX",
        "crammer_singer": "(diag(v)(R − Y))ᵀX",
    }
    assert (
        "exclude: a sample on the kink is left out" in _block(text, "convention")["crammer_singer"]
    )
    data = sample_model_dataset()
    loss, right = _numpy_softmax_run(data.X, data.y.astype(int), 0.05, 15)
    assert _block(text, "final loss")["softmax"] == fmt(loss)
    assert _block(text, "correct")["softmax"] == f"{right}/9"
    assert "Trained on the built-in 3-class data (9 samples, 3 classes)" in text


def test_given_data_and_the_one_hot_targets_of_least_squares():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0], [2.0, 0.5]])
    y = np.array([0, 1, 2, 0])
    text = compare(["softmax", "multi_squared_error"], data=as_dataset(X, y), lr=0.05, epochs=4)
    assert "multi_squared_error trained on the one-hot rows of the labels" in text
    # least squares on one-hot targets, 4 steps of gradient descent, written here
    W, b, Y = np.zeros((3, 2)), np.zeros(3), np.eye(3)[y]
    for _ in range(4):
        G = X @ W.T + b - Y
        W, b = W - 0.05 * G.T @ X, b - 0.05 * G.sum(axis=0)
    final = 0.5 * np.sum((X @ W.T + b - Y) ** 2)
    assert _block(text, "final loss")["multi_squared_error"] == fmt(final)
    loss, _ = _numpy_softmax_run(X, y, 0.05, 4)
    assert _block(text, "final loss")["softmax"] == fmt(loss)


def test_the_figure(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "cmp.png"
    md = compare(["softmax", "multiclass_hinge"], "markdown", figure=png, epochs=5)
    assert png.read_bytes()[:8] == PNG_MAGIC and png.with_suffix(".svg").is_file()
    assert "](cmp.png)" in md


def test_markdown_renders_in_markdown_it_and_pandoc(tmp_path):
    post = tmp_path / "compare.md"
    post.write_text(compare(["softmax", "crammer_singer"], "markdown", epochs=5))
    for engine in ("markdown-it", "pandoc"):
        why = missing(engine)
        if why is not None:
            if NEED:
                pytest.fail(why)
            continue
        for page in ENGINES[engine](tmp_path, {"compare": post}):
            reading = read(page.html, False)
            assert len(reading.math) > 10
            assert raw_tex(reading.text) == [], raw_tex(reading.text)[:3]


def test_latex_compiles(tmp_path):
    tex = compare(["softmax", "multiclass_hinge", "multi_squared_error"], "latex", epochs=5,
                  lr=0.02)  # fmt: skip
    assert all(ord(ch) < 128 for ch in tex)
    (tmp_path / "cmp.tex").write_text(tex)
    if shutil.which("pdflatex") is None and not NEED:
        pytest.skip("pdflatex is not installed")
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "cmp.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]


MIXES = [
    pytest.param(["softmax", "hinge"], id="model-then-linear"),
    pytest.param(["perceptron", "multiclass_hinge", "crammer_singer"], id="linear-first"),
]


@pytest.mark.parametrize("losses", MIXES)
def test_a_mix_of_linear_and_multi_class_is_one_line(losses):
    with pytest.raises(GradproofError, match="cannot mix a loss over one score per sample"):
        compare(losses)
    res = CliRunner().invoke(cli, ["compare", *losses])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "compare each kind on its own" in lines[0]


def test_cli_compare_models(tmp_path):
    fig = tmp_path / "c.png"
    res = CliRunner().invoke(
        cli, ["compare", "softmax", "crammer_singer", "--epochs", "8", "--figure", str(fig)]
    )
    assert res.exit_code == 0, res.output
    assert re.search(r"epochs run\n  softmax\s+8\n", res.output)
    assert fig.is_file()


def test_an_unknown_hyperparameter_is_one_line():
    with pytest.raises(GradproofError, match="none of softmax, multiclass_hinge has"):
        compare(["softmax", "multiclass_hinge"], params={"lam": 0.1})
