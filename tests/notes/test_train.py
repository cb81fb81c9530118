"""Gradient descent, SGD and momentum driven by the derived gradient (gradproof.notes.train)."""

from __future__ import annotations

import numpy as np
import pytest

import gradproof
from gradproof.datasets import Point, as_dataset
from gradproof.errors import DataError, OptionError
from gradproof.notes import train
from gradproof.notes.train import TRAIN_LIMITS, _history_rows, format_table, sparkline, summary

from .conftest import SAMPLE_X, SAMPLE_Y, hinge_grad, hinge_loss, perceptron_grad


def test_perceptron_converges_on_separable_data(sample):
    r = train(gradproof.derive("perceptron"), sample, lr=0.1, epochs=50)
    assert r.converged
    assert r.grad_norms[-1] == 0
    # Independent check: every sample is strictly on its side of the final hyperplane.
    assert np.all(SAMPLE_Y * (SAMPLE_X @ r.w + r.b) > 0)
    assert r.active[0] == 4 and r.active[-1] == 0
    assert "converged after 1 epoch" in summary(r)


def test_perceptron_from_a_bad_start_takes_several_epochs(sample):
    start = Point(np.array([-1.0, -1.0]), 0.5)
    r = train(gradproof.derive("perceptron"), sample, lr=0.05, epochs=100, at=start)
    w, b = start.w.copy(), start.b
    expected = [(w.copy(), b)]
    for _ in range(100):  # the same run, with the hand-written gradient
        gw, gb = perceptron_grad(SAMPLE_X, SAMPLE_Y, w, b)
        if not np.any(gw) and gb == 0:
            break
        w, b = w - 0.05 * gw, b - 0.05 * gb
        expected.append((w.copy(), b))
    assert r.converged and r.epochs_run == len(expected) - 1 > 1
    for (ew, eb), rw, rb in zip(expected, r.ws, r.bs, strict=True):
        np.testing.assert_allclose(rw, ew, rtol=1e-12, atol=1e-12)
        assert rb == pytest.approx(eb, abs=1e-12)
    # active counts: misclassified (margin ≤ 0) samples at each recorded point
    for rw, rb, act in zip(r.ws, r.bs, r.active, strict=True):
        assert act == int(np.sum(SAMPLE_Y * (SAMPLE_X @ rw + rb) <= 0))


def test_hinge_momentum_matches_heavy_ball_by_hand(sample):
    lam, lr, beta = 0.01, 0.05, 0.8
    r = train(gradproof.derive("hinge"), sample, lr=lr, epochs=15, momentum=beta)
    w, b, vw, vb = np.zeros(2), 0.0, np.zeros(2), 0.0
    for k in range(1, 16):
        gw, gb = hinge_grad(SAMPLE_X, SAMPLE_Y, w, b, lam)
        vw, vb = beta * vw + gw, beta * vb + gb
        w, b = w - lr * vw, b - lr * vb
        np.testing.assert_allclose(r.ws[k], w, rtol=1e-12, atol=1e-12)
        assert r.losses[k] == pytest.approx(hinge_loss(SAMPLE_X, SAMPLE_Y, w, b, lam))
        gw, gb = hinge_grad(SAMPLE_X, SAMPLE_Y, w, b, lam)
        assert r.grad_norms[k] == pytest.approx(np.sqrt(gw @ gw + gb**2))
    assert not r.converged and r.epochs_run == 15


def test_sgd_is_reproducible_with_a_seed_and_follows_the_documented_order(sample):
    d = gradproof.derive("hinge")
    kw = dict(lr=0.1, epochs=6, momentum=0.5, batch_size=3, seed=7)
    r1, r2 = train(d, sample, **kw), train(d, sample, **kw)
    assert all(np.array_equal(a, c) for a, c in zip(r1.ws, r2.ws, strict=True))
    assert r1.bs == r2.bs and r1.losses == r2.losses
    # By hand: a fresh permutation each epoch from default_rng(seed), batches of 3.
    rng = np.random.default_rng(7)
    w, b, vw, vb = np.zeros(2), 0.0, np.zeros(2), 0.0
    for _ in range(6):
        order = rng.permutation(4)
        for idx in (order[:3], order[3:]):
            gw, gb = hinge_grad(SAMPLE_X[idx], SAMPLE_Y[idx], w, b, 0.01)
            vw, vb = 0.5 * vw + gw, 0.5 * vb + gb
            w, b = w - 0.1 * vw, b - 0.1 * vb
    np.testing.assert_allclose(r1.w, w, rtol=1e-12)
    assert r1.b == pytest.approx(b)
    r3 = train(d, sample, **{**kw, "seed": 8})
    assert not all(np.array_equal(a, c) for a, c in zip(r1.ws, r3.ws, strict=True))


def test_logistic_has_no_active_set(sample):
    r = train(gradproof.derive("logistic"), sample, lr=0.1, epochs=3)
    assert r.active == [None] * 4 and r.set_name is None
    assert "all" in format_table(r)
    assert r.losses[0] == pytest.approx(4 * np.log(2))


def test_table_lists_an_even_spread_with_both_ends(sample):
    r = train(gradproof.derive("hinge"), sample, lr=0.01, epochs=100)
    lines = format_table(r, limit=10).splitlines()
    assert len(lines) == 2 + 10
    assert lines[2].split()[0] == "0" and lines[-1].split()[0] == "100"
    assert "|V|" in lines[0]


def test_sparkline():
    assert sparkline([1, 1, 1]) == "▁▁▁"
    assert sparkline([0, 7]) == "▁█"
    assert len(sparkline(list(range(500)), width=40)) == 40
    assert sparkline([]) == ""


def test_sparkline_of_non_finite_and_extreme_values():
    nan, inf = float("nan"), float("inf")
    assert sparkline([nan, nan]) == "  "  # found by the CLI fuzz: IndexError
    assert sparkline([3, 2, nan, 1, 0, inf, -inf]) == "█▆ ▃▁█▁"
    assert sparkline([-1e308, 1e308, 0]) == "▁█▄"  # the range overflows: drawn by rank
    assert sparkline([1e-308, 1e308]) == "▁█"


@pytest.mark.parametrize(
    "expr, y, words",
    [
        ("min(log(y), 3)", [-1.0, 2.0], "the loss at the starting point is nan"),
        ("sqrt(b^2)*0 + sqrt(b)", [1.0, 2.0], "the gradient at the starting point is not finite"),
    ],
    ids=["loss-nan", "gradient-inf"],
)
def test_non_finite_start_is_refused(expr, y, words):
    d = gradproof.derive(expr=expr)
    with pytest.raises(DataError, match=words):
        train(d, as_dataset([[1.0], [2.0]], y), epochs=3)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        pytest.param({"lr": 0}, OptionError, "--lr", id="lr-zero"),
        pytest.param({"lr": float("nan")}, OptionError, "--lr", id="lr-nan"),
        pytest.param({"epochs": 0}, OptionError, "--epochs", id="epochs-zero"),
        pytest.param({"momentum": 1.0}, OptionError, "--momentum", id="momentum-one"),
        pytest.param({"momentum": -0.1}, OptionError, "--momentum", id="momentum-negative"),
        pytest.param({"batch_size": 0}, OptionError, "--batch-size", id="batch-zero"),
        pytest.param({"batch_size": 5}, OptionError, "--batch-size", id="batch-too-big"),
        pytest.param({"at": '{"w": [0]}'}, DataError, "features", id="point-shape"),
        pytest.param({"lr": 1e200, "epochs": 5}, OptionError, "diverged", id="diverges"),
        pytest.param({"epochs": 100_001}, OptionError, "at most 100000", id="epochs-over"),
        pytest.param({"seed": -1, "batch_size": 2}, OptionError, "--seed", id="seed-negative"),
        pytest.param({"seed": 1.5}, OptionError, "--seed", id="seed-float"),
        pytest.param({"seed": True}, OptionError, "--seed", id="seed-bool"),
    ],
)
def test_invalid_options(sample, kwargs, error, words):
    d = gradproof.derive("squared_error" if "diverged" == words else "hinge")
    data = sample if words != "diverged" else as_dataset(SAMPLE_X * 1e100, SAMPLE_Y)
    with pytest.raises(error, match=words) as exc:
        train(d, data, **kwargs)
    assert "\n" not in str(exc.value)


def test_labels_checked():
    data = as_dataset(SAMPLE_X, (SAMPLE_Y + 1) / 2)
    with pytest.raises(DataError, match="0/1"):
        train(gradproof.derive("perceptron"), data)


# -- bounded history -------------------------------------------------------------------------


def test_long_run_keeps_a_bounded_evenly_spread_history(sample, monkeypatch):
    d = gradproof.derive("logistic")
    full = train(d, sample, lr=0.1, epochs=1000, history=1001)  # every epoch: the oracle
    assert full.epochs == list(range(1001))
    monkeypatch.setitem(TRAIN_LIMITS, "history_rows", 100)
    r = train(d, sample, lr=0.1, epochs=1000)
    assert len(r.losses) <= 101 and r.epochs[0] == 0 and r.epochs[-1] == r.epochs_run == 1000
    assert r.epochs == sorted(set(r.epochs))
    gaps = np.diff(r.epochs)
    assert gaps.max() <= 20  # evenly spread: the stride is 20 once 1000 epochs are squeezed
    for k, e in enumerate(r.epochs):  # each kept row is that epoch of the full run
        assert r.losses[k] == full.losses[e] and r.bs[k] == full.bs[e]
        np.testing.assert_array_equal(r.ws[k], full.ws[e])
    # The table shows round epochs, near the even spread of the full run's table.
    shown = [int(line.split()[0]) for line in format_table(r, 5).splitlines()[2:]]
    assert shown == [0, 240, 500, 740, 1000]
    assert summary(r) == summary(full)


def test_history_size_shrinks_for_wide_data():
    assert _history_rows(2) == 2048
    assert _history_rows(100_000) == 167  # 2^24 stored numbers
    assert _history_rows(10**7) == 100  # never fewer than 100 rows


def test_runs_within_the_history_print_the_same_table(sample):
    d = gradproof.derive("hinge")
    r = train(d, sample, lr=0.01, epochs=300)
    assert r.epochs == list(range(301))
    lines = format_table(r, limit=7).splitlines()
    assert [ln.split()[0] for ln in lines[2:]] == ["0", "50", "100", "150", "200", "250", "300"]
