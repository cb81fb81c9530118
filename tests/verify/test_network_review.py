"""Network checks and data, from review: a check with every point on a ReLU kink says that
nothing was checked (it printed FAIL for gradproof's own gradient); a logistic network refuses
non-finite X; a one-output regression network takes one target per sample; the check's
random points are not the seed point again."""

from __future__ import annotations

import numpy as np
import pytest

import gradproof
from gradproof.errors import DataError, OptionError
from gradproof.numeric.network_example import random_point

KINKED = {
    "W1": [[1, -1], [1, 1], [-1, 2], [2, 1]],
    "b1": [0, 0, 0.5, -1],
    "W2": [[1, 0, 1, 1], [0, 1, -1, 1], [1, 1, 0, -1]],
    "b2": [0, 0, 0],
}
X4 = [[1, 0], [0, 1], [1, 1], [0, 0]]


def test_every_point_on_a_kink_is_nothing_checked_not_fail():
    d = gradproof.derive("mlp", layers="2-4-3", activation="relu", loss="softmax")
    # Z₁ = X W₁ᵀ + b₁ has exact zeros here (sample 1, unit 1: 1 − 1 + 0): a ReLU kink
    Z = np.asarray(X4, float) @ np.asarray(KINKED["W1"], float).T + KINKED["b1"]
    assert (Z == 0).any()
    with pytest.raises(OptionError, match="nothing could be checked") as info:
        gradproof.check_gradient(d, X=X4, y=[0, 1, 2, 0], at=KINKED, points=1)
    assert "\n" not in str(info.value)


def test_a_logistic_network_refuses_non_finite_x():
    d = gradproof.derive("mlp", layers="2-3-1", activation="tanh", loss="logistic")
    with pytest.raises(DataError, match="not finite"):
        d.numpy().gradient([[np.nan, 1.0], [1.0, 1.0]], [1, -1], **random_point(d, 0))


def test_one_output_regression_takes_one_target_per_sample():
    d = gradproof.derive("mlp", layers="2-3-1", activation="tanh", loss="squared_error")
    p = random_point(d, 0)
    X, t = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0, -1.0])
    g1 = d.numpy().gradient(X, t, **p)
    g2 = d.numpy().gradient(X, t.reshape(-1, 1), **p)
    for name in g1:
        np.testing.assert_array_equal(g1[name], g2[name])
    # against a backprop written here: ℓ = ½(s − t)², G = s − t
    Z1 = X @ p["W1"].T + p["b1"]
    A1 = np.tanh(Z1)
    G = (A1 @ p["W2"].T + p["b2"]) - t[:, None]
    delta = (G @ p["W2"]) * (1 - A1**2)
    np.testing.assert_allclose(g1["W2"], G.T @ A1, rtol=1e-12)
    np.testing.assert_allclose(g1["W1"], delta.T @ X, rtol=1e-12)


def test_the_checks_random_points_are_not_the_seed_point_again():
    d = gradproof.derive("mlp", layers="2-4-3", activation="tanh", loss="softmax")
    seen = []

    def grad(X, y, W1, b1, W2, b2):
        seen.append(np.array(W1))
        return d.numpy().gradient(X, y, W1=W1, b1=b1, W2=W2, b2=b2)

    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(8, 2)), np.arange(8) % 3
    assert gradproof.check_gradient(d, grad=grad, X=X, y=y, seed=0).passed
    firsts = [w for w in seen if w.shape == (4, 2)]
    assert len({w.tobytes() for w in firsts}) == len(firsts) >= 4  # four different points


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown"])
def test_the_logistic_networks_score_rule_is_worded(fmt):
    # the sentence of the score rule had empty slots ("ℓ reaches s through —") for the
    # logistic output unit
    d = gradproof.derive("mlp", layers="2-3-1", activation="tanh", loss="logistic", example=False)
    out = d.render(fmt)
    assert "reaches s through" not in out and "through —" not in out and "through -" not in out
    assert "sigmoid of minus the margin" in out


def test_with_mean_the_upstream_gradients_are_named_for_the_sum():
    # with L = (1/n) Σᵢ ℓᵢ the δs (and G, and G W₂) are those of Σᵢ ℓᵢ: "∂L/∂A₁ = GW₂" was
    # off by the factor n (review); the final gradients carry the 1/n
    X, y = [[1.0, 0.5], [0.0, 1.0]], [0, 2]
    d = gradproof.derive("mlp", layers="2-3-3", activation="tanh", loss="softmax", mean=True,
                         X=X, y=y)  # fmt: skip
    text = d.render("text")
    assert "∂L/∂A₁ = GW₂" not in text and "∂(Σᵢ ℓᵢ)/∂A₁ = GW₂" in text
    assert "∂L/∂W₁ = (1/n) δ₁ᵀX" in text
    assert "G = ∂L/∂S" not in text and "G = ∂(Σᵢ ℓᵢ)/∂S" in text
    # the numbers: ∂L/∂W₁ of the mean is that of the sum over n
    s = gradproof.derive("mlp", layers="2-3-3", activation="tanh", loss="softmax", X=X, y=y)
    np.testing.assert_allclose(
        d.example.gradient["W1"], np.asarray(s.example.gradient["W1"]) / 2, rtol=1e-12
    )
