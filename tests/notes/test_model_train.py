"""Training a model with K scores per sample: the trainer against a numpy gradient written
here, on separable 3-class data, reproducibly, and every bad input as one line."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

import gradproof
from gradproof.cli import cli
from gradproof.datasets import Dataset
from gradproof.errors import GradproofError
from gradproof.notes.model_train import ModelTrainResult, train_model


# -- independent gradients (numpy, written from the textbook formulas) ---------------------------
def softmax_grad(X, y, W, b, lam=0.0):
    S = X @ W.T + b
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    G = P.copy()
    G[np.arange(len(y)), y] -= 1
    return G.T @ X + lam * W, G.sum(axis=0)


def softmax_loss(X, y, W, b):
    S = X @ W.T + b
    m = S.max(axis=1)
    lse = m + np.log(np.exp(S - m[:, None]).sum(axis=1))
    return float(np.sum(lse - S[np.arange(len(y)), y]))


def ww_hinge_grad(X, y, W, b):
    """Weston–Watkins: Σ_{k≠y} max(0, 1 + s_k − s_y), a class on the margin counts 0."""
    S = X @ W.T + b
    n = len(y)
    V = (1 + S - S[np.arange(n), y][:, None] > 0).astype(float)
    V[np.arange(n), y] = 0
    G = V.copy()
    G[np.arange(n), y] = -V.sum(axis=1)
    return G.T @ X, G.sum(axis=0)


def lsq_grad(X, Y, W, b):
    G = X @ W.T + b - Y
    return G.T @ X, G.sum(axis=0)


def three_classes(seed=0, n=12):
    rng = np.random.default_rng(seed)
    centres = np.array([[2.0, 2.0], [-2.0, 1.0], [0.0, -2.0]])
    y = np.arange(n) % 3
    return centres[y] + 0.4 * rng.standard_normal((n, 2)), y


# -- the run ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", ["softmax", "multiclass_hinge", "crammer_singer"])
def test_the_loss_decreases_on_separable_3_class_data(loss):
    X, y = three_classes()
    r = gradproof.train(gradproof.derive(loss), X=X, y=y, lr=0.01, epochs=60)
    assert isinstance(r, ModelTrainResult)
    assert r.losses[-1] < 0.2 * r.losses[0]
    assert np.all(np.diff(r.losses) <= 1e-12)  # gradient descent with a small step
    assert r.correct[-1] == len(y)  # separable: every sample ends in its own region
    S = X @ r.point["W"].T + r.point["b"]  # the accuracy column, recomputed here
    assert r.correct[-1] == int(np.sum(S.argmax(axis=1) == y))


def test_one_gd_step_is_theta_minus_eta_times_the_numpy_gradient():
    X, y = three_classes(1)
    rng = np.random.default_rng(5)
    W0, b0 = rng.standard_normal((3, 2)), rng.standard_normal(3)
    at = {"W": W0.tolist(), "b": b0.tolist()}
    lam, eta = 0.3, 0.05
    d = gradproof.derive("softmax", reg="l2", params={"lam": lam})
    r = gradproof.train(d, X=X, y=y, lr=eta, epochs=1, at=at)
    gW, gb = softmax_grad(X, y, W0, b0, lam)
    np.testing.assert_allclose(r.point["W"], W0 - eta * gW, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(r.point["b"], b0 - eta * gb, rtol=1e-12, atol=1e-14)
    assert r.losses[0] == pytest.approx(softmax_loss(X, y, W0, b0) + lam / 2 * np.sum(W0**2))
    assert r.grad_norms[0] == pytest.approx(np.sqrt(np.sum(gW**2) + np.sum(gb**2)))


@pytest.mark.parametrize(
    ("loss", "grad"), [("multiclass_hinge", ww_hinge_grad), ("multi_squared_error", lsq_grad)]
)
def test_one_step_of_the_other_losses(loss, grad):
    X, y = three_classes(2)
    Y = np.eye(3)[y] if loss == "multi_squared_error" else y
    rng = np.random.default_rng(9)
    W0, b0 = rng.standard_normal((3, 2)), rng.standard_normal(3)
    r = gradproof.train(gradproof.derive(loss), X=X, y=Y, lr=0.02, epochs=1,
                        at={"W": W0, "b": b0})  # fmt: skip
    gW, gb = grad(X, Y, W0, b0)
    np.testing.assert_allclose(r.point["W"], W0 - 0.02 * gW, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(r.point["b"], b0 - 0.02 * gb, rtol=1e-12, atol=1e-14)


def test_momentum_two_steps():
    X, y = three_classes(3)
    eta, beta = 0.02, 0.7
    r = gradproof.train(gradproof.derive("softmax"), X=X, y=y, lr=eta, epochs=2, momentum=beta)
    W, b = np.zeros((3, 2)), np.zeros(3)
    vW, vb = np.zeros_like(W), np.zeros_like(b)
    for _ in range(2):
        gW, gb = softmax_grad(X, y, W, b)
        vW, vb = beta * vW + gW, beta * vb + gb
        W, b = W - eta * vW, b - eta * vb
    np.testing.assert_allclose(r.point["W"], W, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(r.point["b"], b, rtol=1e-12, atol=1e-14)


def test_sgd_batches_follow_the_seeded_order():
    X, y = three_classes(4, n=9)
    eta = 0.05
    r = gradproof.train(gradproof.derive("softmax"), X=X, y=y, lr=eta, epochs=1, batch_size=4,
                        seed=11)  # fmt: skip
    order = np.random.default_rng(11).permutation(9)  # the documented order of an epoch
    W, b = np.zeros((3, 2)), np.zeros(3)
    for lo in range(0, 9, 4):
        idx = order[lo : lo + 4]
        gW, gb = softmax_grad(X[idx], y[idx], W, b)
        W, b = W - eta * gW, b - eta * gb
    np.testing.assert_allclose(r.point["W"], W, rtol=1e-12, atol=1e-14)


def test_the_same_seed_gives_the_same_run():
    d = gradproof.derive("softmax")
    runs = [gradproof.train(d, lr=0.05, epochs=15, batch_size=4, seed=s) for s in (7, 7, 8)]
    assert runs[0].losses == runs[1].losses
    assert all(np.array_equal(a, b) for a, b in zip(runs[0].thetas, runs[1].thetas, strict=True))
    assert runs[0].losses != runs[2].losses


def test_the_built_in_data_and_a_zero_gradient_stop():
    r = gradproof.train(gradproof.derive("multiclass_hinge"), lr=0.1, epochs=50)
    assert r.source == "built-in 3-class data" and r.n == 9 and r.K == 3
    assert r.converged and r.grad_norms[-1] == 0 and r.losses[-1] == 0  # margins all met
    assert r.epochs_run < 50


def test_multi_output_targets_train_without_accuracy():
    r = gradproof.train(gradproof.derive("multi_squared_error"), lr=0.01, epochs=40)
    assert r.correct == [None] * len(r.losses)
    assert r.losses[-1] < 0.05 * r.losses[0]
    assert "—" in str(r)


def test_a_dataset_is_accepted():
    X, y = three_classes(6)
    r = train_model(gradproof.derive("softmax"), Dataset(X, y.astype(float), "mine"), epochs=3)
    assert r.source == "mine" and len(r.losses) == 4


# -- bad input: one line, exit 2 ---------------------------------------------------------------
BAD = [
    pytest.param({"lr": 0.0}, "--lr must be a positive number", id="lr-zero"),
    pytest.param({"epochs": 0}, "--epochs must be at least 1", id="epochs-zero"),
    pytest.param({"momentum": 1.0}, "--momentum must be in [0, 1)", id="momentum-one"),
    pytest.param({"batch_size": 0}, "--batch-size must be between 1", id="batch-zero"),
    pytest.param({"y": [0, 1.5, 2]}, "class labels 0, 1, …, K − 1", id="label-not-whole"),
    pytest.param({"y": [0, -1, 2]}, "class labels 0, 1, …, K − 1", id="label-negative"),
    pytest.param({"X": [[0, 1], [1, float("nan")], [2, 2]]}, "not finite", id="X-nan"),
    pytest.param({"at": '{"W": [[0, 0]]}'}, "but W has K = 1 rows", id="at-K-mismatch"),
    pytest.param({"at": '{"V": 1}'}, "unknown parameter(s) V", id="at-unknown"),
    pytest.param({"at": "{"}, "not valid JSON", id="at-json"),
]


@pytest.mark.parametrize(("kwargs", "words"), BAD)
def test_bad_input_is_one_line(kwargs, words):
    args = {"X": [[0, 1], [1, 0], [2, 2]], "y": [0, 1, 2], "epochs": 3, **kwargs}
    with pytest.raises(GradproofError) as info:
        gradproof.train(gradproof.derive("softmax"), **args)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_diverging_run_is_one_line():
    with pytest.raises(GradproofError) as info:
        gradproof.train(gradproof.derive("multi_squared_error"), lr=1e3, epochs=200)
    assert "the run diverged at epoch" in str(info.value) and "\n" not in str(info.value)


def test_training_needs_every_parameter():
    with pytest.raises(GradproofError, match="every parameter"):
        gradproof.train(gradproof.derive("softmax", wrt=["W"]))


CLI_BAD = [
    pytest.param(["--lr", "0"], "--lr must be a positive number", id="lr"),
    pytest.param(["--epochs", "0"], "--epochs must be at least 1", id="epochs"),
    pytest.param(["--X", "[[0,1],[1,0]]", "--y", "[0,0.5]"], "class labels", id="labels"),
    pytest.param(["--X", "[[0,1],[1,0]]", "--y", "[0]"], "one label per sample", id="length"),
    pytest.param(["--X", "[[0,1]]"], "--X and --y go together", id="X-alone"),
    pytest.param(["--X", "[[1,2]]", "--y", "[[1,2"], "--y: not valid JSON", id="y-json"),
    pytest.param(["--at", '{"W": [[1],[1],[1]]}'], "W needs shape 3×2", id="at-shape"),
    pytest.param(["--rows", "1"], "--rows must be at least 2", id="rows"),
]


@pytest.mark.parametrize(("args", "words"), CLI_BAD)
def test_cli_bad_input_exits_2_with_one_line(args, words):
    res = CliRunner().invoke(cli, ["train", "softmax", *args])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and words in lines[0], res.output


def test_cli_train_softmax():
    res = CliRunner().invoke(cli, ["train", "softmax", "--epochs", "30", "--lr", "0.05"])
    assert res.exit_code == 0, res.output
    assert "built-in 3-class data" in res.output and "n = 9" in res.output
    assert "correct" in res.output and "9/9" in res.output
    assert "W = [[" in res.output and "b = [" in res.output


def test_cli_train_targets_as_json_rows():
    res = CliRunner().invoke(
        cli,
        ["train", "multi_squared_error", "--X", "[[1,0],[0,1],[1,1]]", "--y",
         "[[1,0],[0,1],[1,1]]", "--epochs", "5", "--lr", "0.1"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "b = [" in res.output
