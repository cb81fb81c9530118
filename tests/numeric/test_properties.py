"""Property tests: on any small data set, the compiled functions agree with the numpy oracles."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradproof import derive
from gradproof.symbolic.losses import LOSSES

_spec = importlib.util.spec_from_file_location(
    "oracles_numpy", Path(__file__).with_name("oracles_numpy.py")
)
oracles = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(oracles)

COMPILED = {name: derive(name).numpy() for name in LOSSES}
VALUES = st.floats(-10, 10, allow_nan=False, allow_subnormal=False, width=64)


@st.composite
def problems(draw):
    n = draw(st.integers(1, 40))
    d = draw(st.integers(1, 5))
    X = draw(hnp.arrays(np.float64, (n, d), elements=VALUES))
    w = draw(hnp.arrays(np.float64, (d,), elements=VALUES))
    b = draw(VALUES)
    y = draw(hnp.arrays(np.float64, (n,), elements=st.sampled_from([-1.0, 1.0])))
    return X, y, w, b


@given(name=st.sampled_from(sorted(COMPILED)), problem=problems())
@example(name="perceptron", problem=(np.zeros((2, 2)), np.array([1.0, -1.0]), np.zeros(2), 0.0))
@example(name="hinge", problem=(np.ones((1, 1)), np.array([1.0]), np.ones(1), 0.0))
def test_compiled_agrees_with_oracle(name, problem):
    X, y, w, b = problem
    L, gw, gb = COMPILED[name].loss_and_grad(X, y, w, b)
    eL, egw, egb = oracles.oracle(name)(X, y, w, b)
    # Rounding of a sum of n terms is at most n·eps·Σ|terms|; every loss here has a
    # per-sample coefficient |c| ≤ 2 + 2|s| + |y|, so 1e-12 of this bound is strict.
    s = X @ w + b
    c_max = np.abs(2 + 2 * np.abs(s) + np.abs(y))
    scale_w = c_max @ np.abs(X) + 1.0
    scale_1 = float(np.sum(c_max * (1 + np.abs(s) + np.abs(y))) + 1.0)
    assert abs(L - eL) <= 1e-12 * (abs(eL) + scale_1)
    assert np.all(np.abs(gw - egw) <= 1e-12 * (np.abs(egw) + scale_w))
    assert abs(gb - egb) <= 1e-12 * (abs(egb) + scale_1)
