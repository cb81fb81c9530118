"""The network check inside the model check's modes: generated data of the network's widths,
the self-test (grad=None), --json's culprits, the culprit-layer line in Chinese, fast mode."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from network_oracle import backprop

import gradproof
from gradproof import check_gradient
from gradproof.errors import GradproofError
from gradproof.i18n import language


@functools.cache
def net(layers="3-4-2", act="tanh", loss="softmax"):
    return gradproof.derive("mlp", layers=layers, activation=act, loss=loss)


def _oracle(layers, act, loss, scale_w1=1.0):
    def grad(X, y, W1, b1, W2, b2):
        yy = np.asarray(y).astype(int) if loss == "softmax" else np.asarray(y, float)
        if loss == "squared_error":
            yy = yy.reshape(len(X), -1)
        g = backprop(layers, act, loss, X, yy, {"W1": W1, "b1": b1, "W2": W2, "b2": b2})
        g["W1"] = scale_w1 * g["W1"]
        return g

    return grad


@pytest.mark.parametrize(
    ("layers", "loss"), [("3-4-2", "softmax"), ("3-4-1", "logistic"), ("3-4-2", "squared_error")]
)
def test_generated_data_has_the_networks_widths_and_an_oracle_passes(layers, loss):
    report = check_gradient(net(layers, loss=loss), grad=_oracle(layers, "tanh", loss))
    assert report.passed, str(report)
    K = layers.split("-")[-1]
    assert f"generated data 1 (n = 6, d = 3, K = {K})" in str(report)
    assert report.points[0].label.startswith("the random point of seed 0")


def test_the_self_test_passes():
    assert check_gradient(net()).passed


def test_a_wrong_first_layer_fails_with_its_layer_in_every_language_and_in_json():
    report = check_gradient(net(), grad=_oracle("3-4-2", "tanh", "softmax", scale_w1=2.0))
    assert not report.passed
    assert report.culprits and all(c.startswith("W1[") for c in report.culprits)
    assert "the wrong entries are in layer 1" in str(report)
    assert all(
        e["entry"].startswith("W1[") for p in report.to_dict()["points"] for e in p["entries"]
    )
    with language("zh"):
        assert "出错的元素在第 1 层" in str(report)


def test_fast_mode_finds_the_same_culprits():
    report = check_gradient(
        net(), grad=_oracle("3-4-2", "tanh", "softmax", scale_w1=2.0), mode="fast"
    )
    assert not report.passed and report.mode == "fast"
    assert all(c.startswith("W1[") for c in report.culprits)


def test_a_gradient_function_of_the_wrong_arity_is_one_error():
    with pytest.raises(GradproofError, match=r"cannot be called as grad\(X, y, W1, b1, W2, b2\)"):
        check_gradient(net(), grad=lambda X, y, W, b: None)
