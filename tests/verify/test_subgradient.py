"""The subdifferential of the sum: any per-sample choice t ∈ [0, 1]ᴷ at the kink samples is a
valid subgradient, and nothing outside is — decided exactly, in full and in fast mode.

The oracle is linear algebra, not gradproof: with K ≤ d + 1 kink samples in general position
the jumps Jₚ = −yₚ(xₚ, 1) are linearly independent, so a candidate base + Σ tₚJₚ has exactly
one t, and it is valid iff that t lies in [0, 1]ᴷ.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradproof.verify import check_gradient
from gradproof.verify.subgradient import decide

MODES = ["full", "fast"]


def _kink_problem(seed, n, d):
    """Dyadic data, w = 0, b = 0: every perceptron sample is exactly on its kink."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-8, 9, size=(n, d)) / 4.0
    y = np.where(rng.permutation(n) % 2 == 0, 1.0, -1.0)
    return X, y, np.zeros(d), 0.0


def _with_weights(t):
    """The perceptron gradient with weight tᵢ on kink sample i (u = 0), natural elsewhere."""

    def grad(X, y, w, b):
        u = -y * (X @ w + b)
        ti = np.where(u > 0, 1.0, np.where(u < 0, 0.0, t[: len(y)]))
        return -(y * ti) @ X, -(y * ti).sum()

    return grad


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 12), d=st.integers(1, 4), data=st.data())
def test_any_per_sample_choice_in_the_box_passes(mode, seed, n, d, data):
    X, y, w, b = _kink_problem(seed, n, d)
    t = np.array(data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    report = check_gradient(
        "perceptron", grad=_with_weights(t), X=X, y=y, w=w, b=b, mode=mode, points=1
    )
    assert report.passed, str(report)


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    d=st.integers(2, 5),
    data=st.data(),
    out=st.sampled_from([1.5, -0.5, 1.25, 2.0, -1.0]),
)
def test_a_choice_outside_the_box_fails(mode, seed, d, data, out):
    n = data.draw(st.integers(1, d + 1))  # K ≤ d + 1: the weights are unique
    X, y, w, b = _kink_problem(seed, n, d)
    A = np.hstack([X, np.ones((n, 1))])
    if np.linalg.matrix_rank(A) < n:
        return  # dependent jumps: t is not unique, so "outside" says nothing
    t = np.array(data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    t[data.draw(st.integers(0, n - 1))] = out
    report = check_gradient(
        "perceptron", grad=_with_weights(t), X=X, y=y, w=w, b=b, mode=mode, points=1
    )
    assert not report.passed, str(report)


def test_fast_mode_is_not_fooled_by_projections():
    # five kink samples in five unknowns, t = 1.5 on one: the candidate is not valid, yet a
    # random direction's projection of the valid set is a wide interval that often holds it
    fooled = 0
    for seed in range(12):
        X, y, w, b = _kink_problem(seed, 5, 4)
        if np.linalg.matrix_rank(np.hstack([X, np.ones((5, 1))])) < 5:
            continue
        t = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
        ok = check_gradient(
            "perceptron", grad=_with_weights(t), X=X, y=y, w=w, b=b, mode="fast", points=1
        )
        assert ok.passed
        t[2] = 1.5
        report = check_gradient(
            "perceptron", grad=_with_weights(t), X=X, y=y, w=w, b=b, mode="fast", points=1
        )
        assert not report.passed
        fooled += all(c.ok for c in report.directions)
    assert fooled >= 1  # projections alone would have passed at least one of them


def test_mixed_choices_are_reported_as_weights():
    X, y, w, b = _kink_problem(1, 4, 3)
    t = np.array([0.0, 1.0, 0.25, 1.0])
    report = check_gradient("perceptron", grad=_with_weights(t), X=X, y=y, w=w, b=b, points=1)
    assert report.passed
    assert report.kink_convention_matched == ()
    assert [k.t for k in report.kinks] == pytest.approx(list(t), abs=1e-9)
    assert "matches no named convention" in str(report)


# -- the decision procedure on its own, with its certificates checked independently --------


def _dual_holds(e, J, tol, lam):
    return lam @ e > np.maximum(J @ lam, 0).sum() + np.abs(lam) @ tol


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), K=st.integers(1, 30), m=st.integers(1, 8))
def test_decide_returns_a_checkable_answer(seed, K, m):
    rng = np.random.default_rng(seed)
    J = rng.standard_normal((K, m)) * rng.choice([1e-3, 1.0, 1e3])
    tol = 1e-12 * (1 + np.abs(J).sum(axis=0))
    t_true = rng.uniform(-0.5, 1.5, K)
    e = t_true @ J
    res = decide(e, J, tol, [np.full(K, 0.5)])
    if res.member:
        assert np.all(np.abs(e - res.t @ J) <= tol * (1 + 1e-2))
        assert np.all((res.t >= 0) & (res.t <= 1))
    else:
        assert res.how == "dual certificate"
        assert _dual_holds(e, J, tol, res.certificate)  # separates e from the widened set
    if K <= m and np.linalg.matrix_rank(J) == K:
        assert res.member == bool(np.all((t_true >= 0) & (t_true <= 1)))
