"""Property tests: every built-in loss's derived gradient agrees with the exact reference and
with finite differences, at smooth points and with samples exactly on kinks; hand-written
subgradients under every convention pass at kinks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from verify_oracles import KINKED, LOSSES

import gradproof
from gradproof.verify import check_gradient
from gradproof.verify.strategies import datasets, kink_problems, problems

DERIVED = {name: gradproof.derive(name) for name in LOSSES}


GENERIC = st.sampled_from(LOSSES).flatmap(
    lambda name: st.tuples(st.just(name), problems(name, dyadic=False))
)


@given(GENERIC)
@example(("perceptron", (np.array([[0.0, 1e-300]]), np.array([-1.0]), np.zeros(2), 1.0)))
def test_derived_gradient_agrees_at_generic_points(case):
    name, (X, y, w, b) = case
    report = check_gradient(DERIVED[name], X=X, y=y, w=w, b=b, points=2)
    assert report.passed, str(report)


@pytest.mark.parametrize("name", LOSSES)
@given(data=st.data())
def test_derived_gradient_agrees_with_samples_on_kinks(name, data):
    X, y, w, b = data.draw(kink_problems(name))
    report = check_gradient(DERIVED[name], X=X, y=y, w=w, b=b, points=1)
    assert report.passed, str(report)


@pytest.mark.parametrize("name", KINKED)
@given(data=st.data(), h=st.sampled_from([0.0, 0.5, 1.0]))
def test_any_convention_passes_on_kinks(name, data, h, hand):
    X, y, w, b = data.draw(kink_problems(name))
    s = X @ w + b
    u = -y * s if name == "perceptron" else 1 - y * s
    assert u[0] == 0.0  # the strategy put sample 0 exactly on the kink
    report = check_gradient(name, grad=hand(name, at_kink=h), X=X, y=y, w=w, b=b, points=1)
    assert report.passed, str(report)
    assert 1 in [k.sample for k in report.kinks]  # sample 1 = Python's row 0


@given(datasets("pm1", n=(2, 6), d=(1, 3)))
def test_wrong_filter_never_passes_when_it_matters(ds):
    X, y = ds
    w = np.ones(X.shape[1])
    b = 0.25

    def no_filter(X, y, w, b):
        c = -y
        return c @ X, c.sum()

    s = X @ w + b
    inactive = -y * s < 0
    report = check_gradient("perceptron", grad=no_filter, X=X, y=y, w=w, b=b, points=1)
    # at this one point the filter matters when the inactive samples' contribution is not 0
    contribution = np.append(-(y * inactive) @ X, -(y * inactive).sum())
    assert report.passed == (not np.any(contribution != 0))


@pytest.mark.parametrize("name", KINKED)
@given(data=st.data(), h=st.sampled_from([0.0, 0.5, 1.0]), delta=st.sampled_from([-0.25, 0.5]))
def test_no_false_pass_at_kinks(name, data, h, delta, hand):
    # with one sample on the kink the valid subgradients are base + t·J, t ∈ [0, 1], and
    # J = −y₀(x₀, 1) has a nonzero b part: moving one w entry alone leaves the set
    X, y, w, b = data.draw(kink_problems(name))
    s = X @ w + b
    u = -y * s if name == "perceptron" else 1 - y * s
    assume(int(np.sum(u == 0)) == 1)
    j = data.draw(st.integers(0, X.shape[1] - 1))

    def wrong(X, y, w, b):
        gw, gb = hand(name, at_kink=h)(X, y, w, b)
        gw = gw.copy()
        gw[j] += delta
        return gw, gb

    report = check_gradient(name, grad=wrong, X=X, y=y, w=w, b=b, points=1)
    assert not report.passed
    k = int(np.flatnonzero(u == 0)[0])
    if X[k, j] == 0:
        assert report.culprits == [f"w[{j + 1}]"]
    else:
        # Then a different t explains w[j] and leaves b off instead: the data cannot tell
        # which entry is wrong, and any of them is a truthful culprit.
        assert report.culprits and set(report.culprits) <= {f"w[{j + 1}]", "b"}
