"""Training a network through the trainer's Objective seam: the loss falls, one step is
θ − η·(an independent backprop), the start is a seeded random point, and XOR is learned by a
hidden layer (100 % of the training samples) but not by softmax regression."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from click.testing import CliRunner
from latex_helper import compile_latex, needs_pdflatex
from network_oracle import ACTS, backprop

import gradproof
from gradproof.cli import cli
from gradproof.datasets import Dataset, sample_xor_dataset
from gradproof.errors import GradproofError
from gradproof.notes.model_train import train_model


@functools.cache
def net(layers="2-8-2", act="tanh", loss="softmax"):
    return gradproof.derive("mlp", layers=layers, activation=act, loss=loss, example=False)


def _xor():
    """XOR written out here: 8 points near each corner, class 1 where exactly one is 1."""
    data = sample_xor_dataset()
    corner = np.round(data.X)
    assert np.all(np.abs(data.X - corner) <= 0.2)  # every point near its corner
    np.testing.assert_array_equal(data.y, np.logical_xor(corner[:, 0], corner[:, 1]))
    assert np.bincount(data.y.astype(int)).tolist() == [16, 16]
    return data


def _scores(act, X, p):
    """The network's scores, forward pass written here."""
    f = ACTS[act][0]
    depth = len(p) // 2
    A = X
    for ly in range(1, depth + 1):
        Z = A @ p[f"W{ly}"].T + p[f"b{ly}"]
        A = Z if ly == depth else f(Z)
    return A


@pytest.mark.parametrize("act", ["tanh", "relu", "sigmoid"])
def test_gradient_descent_with_a_small_step_lowers_the_loss_every_epoch(act):
    r = train_model(net(act=act), lr=0.01, epochs=60)
    assert np.all(np.diff(r.losses) < 0), r.losses
    assert r.losses[-1] < r.losses[0]


@pytest.mark.parametrize(
    "opts", [{"batch_size": 8, "seed": 3, "lr": 0.05}, {"momentum": 0.9, "lr": 0.05}],
    ids=["sgd", "momentum"],
)  # fmt: skip
@pytest.mark.parametrize("act", ["tanh", "relu", "sigmoid"])
def test_sgd_and_momentum_lower_the_loss(act, opts):
    r = train_model(net(act=act), epochs=60, **opts)
    assert r.losses[-1] < r.losses[0], (r.losses[0], r.losses[-1])
    assert np.all(np.isfinite(r.grad_norms))


@pytest.mark.parametrize("act", ["tanh", "relu", "sigmoid"])
def test_one_gd_step_is_theta_minus_eta_times_backprop(act):
    data = _xor()
    rng = np.random.default_rng(5)
    p0 = {
        "W1": rng.standard_normal((8, 2)),
        "b1": 0.3 * rng.standard_normal(8),
        "W2": rng.standard_normal((2, 8)) / np.sqrt(8),
        "b2": 0.3 * rng.standard_normal(2),
    }
    lr = 0.05
    y = data.y.astype(int)
    r = train_model(net(act=act), data, lr=lr, epochs=1, at=p0)
    g0 = backprop("2-8-2", act, "softmax", data.X, y, p0)
    for k in p0:
        np.testing.assert_allclose(r.point[k], p0[k] - lr * g0[k], rtol=1e-12, atol=1e-14)
    # two momentum steps: v₁ = g₀, θ₁ = θ₀ − ηv₁; v₂ = βv₁ + g₁, θ₂ = θ₁ − ηv₂
    beta = 0.5
    r2 = train_model(net(act=act), data, lr=lr, epochs=2, at=p0, momentum=beta)
    p1 = {k: p0[k] - lr * g0[k] for k in p0}
    g1 = backprop("2-8-2", act, "softmax", data.X, y, p1)
    for k in p0:
        want = p1[k] - lr * (beta * g0[k] + g1[k])
        np.testing.assert_allclose(r2.point[k], want, rtol=1e-12, atol=1e-14)


def test_the_start_is_a_seeded_random_point_not_zeros():
    a = train_model(net(), epochs=1, seed=4)
    b = train_model(net(), epochs=1, seed=4)
    c = train_model(net(), epochs=1, seed=5)
    for k in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(a.start[k], b.start[k])
        assert np.any(a.start[k] != 0) and np.any(a.start[k] != c.start[k])
    # N(0, 1/fan-in) weights: W1's fan-in is 2, W2's 8 (loose bounds, 16 and 16 draws)
    assert 0.1 < np.std(a.start["W1"]) < 1.5 and 0.05 < np.std(a.start["W2"]) < 0.8


def test_xor_is_learned_by_a_hidden_layer_and_not_by_softmax_regression():
    data = _xor()
    y = data.y.astype(int)
    r = train_model(net(), data, lr=0.1, epochs=100, seed=0)
    S = _scores("tanh", data.X, r.point)  # the accuracy computed here, not the trainer's
    assert np.all(np.argmax(S, axis=1) == y)
    assert r.correct[-1] == 32 and r.correct[0] < 32
    lin = train_model(gradproof.derive("softmax", example=False), data, lr=0.1, epochs=300)
    assert max(c for c in lin.correct if c is not None) < 32  # at no epoch
    W, b = lin.point["W"], lin.point["b"]
    assert np.sum(np.argmax(data.X @ W.T + b, axis=1) == y) <= 24


def test_a_2_2_2_network_learns_xor_too():
    r = train_model(net(layers="2-2-2"), _xor(), lr=0.1, epochs=200, seed=0)
    assert r.correct[-1] == 32


def test_logistic_network_trains_on_xor_with_labels_pm1():
    r = train_model(net(layers="2-4-1", loss="logistic"), lr=0.1, epochs=200, seed=0)
    assert r.source == sample_xor_dataset().source and r.correct[-1] is None
    assert r.losses[-1] < 0.2 * r.losses[0]


def test_data_not_fitting_the_widths_is_one_error():
    with pytest.raises(GradproofError, match="3 features"):
        train_model(net(), Dataset(np.ones((4, 3)), np.array([0.0, 1, 0, 1]), "x"), epochs=1)


# -- the command line -------------------------------------------------------------------------
TRAIN = ["train", "mlp", "--layers", "2-8-2", "--activation", "tanh", "--loss", "softmax"]


@pytest.mark.parametrize(
    "extra", [[], ["--momentum", "0.9"], ["--batch-size", "8", "--lr", "0.05"]],
    ids=["gd", "momentum", "sgd"],
)  # fmt: skip
def test_cli_train_mlp(extra):
    res = CliRunner().invoke(cli, [*TRAIN, "--seed", "0", *extra])
    assert res.exit_code == 0, res.output
    assert "built-in XOR data" in res.output and "W2 = [[" in res.output
    if not extra:
        assert "32/32" in res.output.splitlines()[-6 - 10]  # the last table row (epoch 100)


BAD = [
    pytest.param(["train", "softmax", "--layers", "2-8-2"], "belong to a network", id="layers"),
    pytest.param([*TRAIN, "--expr", "s[y]"], "not --expr or --wrt", id="expr"),
    pytest.param([*TRAIN, "--X", "[[1,2,3]]", "--y", "[0]"], "3 features", id="widths"),
    pytest.param(["train", "mlp", "--layers", "2-x-2"], "layers", id="bad-layers"),
]


@pytest.mark.parametrize(("args", "words"), BAD)
def test_cli_train_bad_input_is_one_line(args, words):
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and words in lines[0], res.output


# -- compare mlp softmax on XOR ---------------------------------------------------------------
def test_compare_a_network_with_softmax_regression_on_xor(tmp_path):
    from matplotlib.image import imread

    from gradproof.notes.model_plots import REGION_COLOURS

    png = tmp_path / "cmp.png"
    args = ["compare", "mlp", "softmax", "--layers", "2-8-2", "--activation", "tanh"]
    res = CliRunner().invoke(cli, [*args, "--epochs", "100", "--figure", str(png)])
    assert res.exit_code == 0, res.output
    text = res.output
    assert "built-in XOR data (32 samples, 2 classes)" in text
    assert "the networks from their seeded random point" in text
    correct = text.split("\ncorrect\n")[1].splitlines()[:2]
    assert correct[0].split() == ["mlp", "32/32"]
    assert correct[1].split()[0] == "softmax" and int(correct[1].split()[1].split("/")[0]) < 32
    image = np.round(imread(str(png))[:, :, :3] * 255).reshape(-1, 3)
    for c in REGION_COLOURS[:2]:  # both classes' regions are drawn (the network's panel)
        rgb = np.array([int(c[i : i + 2], 16) for i in (1, 3, 5)])
        assert np.sum(np.all(np.abs(image - rgb) <= 1, axis=1)) > 1000


def test_compare_names_a_network_by_its_derivation():
    with pytest.raises(GradproofError, match="a network has no default widths"):
        gradproof.compare(["mlp", "softmax"], epochs=2)
    text = gradproof.compare([net(), "softmax"], epochs=2)
    assert "mlp" in text and "softmax" in text


@needs_pdflatex
def test_compare_latex_with_a_network_compiles(tmp_path):
    compile_latex(gradproof.compare([net(), "softmax"], "latex", epochs=5), tmp_path)
