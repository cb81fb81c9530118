"""Low precision judged fairly both ways: the float32/float16 bound follows the arithmetic
actually done, so real bugs fail and correct low-precision arithmetic passes.

The candidates below are right or wrong by construction (hand algebra); the expected
verdict never comes from gradproof.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradproof.verify import check_gradient


def _sig(u):
    e = np.exp(-np.abs(u))
    return np.where(u >= 0, 1.0, e) / (1.0 + e)


def logistic(X, y, w, b):
    """The logistic gradient in the data's own dtype (float32 data: float32 arithmetic)."""
    c = (-y * _sig(-y * (X @ w + b))).astype(X.dtype)
    return c @ X, c.sum()


def logistic_loop(X, y, w, b):
    """The same, summed sample by sample in the data's dtype: the worst common order."""
    c = (-y * _sig(-y * (X @ w + b))).astype(X.dtype)
    gw, gb = np.zeros(X.shape[1], X.dtype), X.dtype.type(0)
    for i in range(len(y)):
        gw += c[i] * X[i]
        gb += c[i]
    return gw, gb


def _data(n, d, dtype, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X[:, 0] = 1.0  # an intercept column: its partial sums grow linearly
    y = np.where(rng.standard_normal(n) > 0, 1.0, -1.0)
    return X.astype(dtype), y.astype(dtype)


@pytest.fixture(scope="module")
def big32():
    return _data(100_000, 4, np.float32)


@pytest.mark.parametrize("grad", [logistic, logistic_loop], ids=["blas", "loop"])
def test_correct_float32_passes_at_n_1e5(big32, grad):
    X, y = big32
    report = check_gradient("logistic", grad=grad, X=X, y=y, points=2)
    assert report.passed, str(report)
    assert report.precision == "float32"
    # and the bound is not loose by orders of magnitude: the actual error is a visible part
    ratio = max(e.abs_error / e.bound for p in report.points for e in p.entries)
    assert ratio > 0.01


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, y, w, b: tuple(v * X.dtype.type(1 + 1e-4) for v in logistic(X, y, w, b)),
        # one sample's coefficient off, so that each entry is off by 10⁻⁴ of itself
        "one-sample",
    ],
    ids=["scaled-by-1e-4", "one-sample-1e-4"],
)
def test_an_error_of_1e4_relative_fails_at_n_1e5(big32, wrong):
    X, y = big32
    if wrong == "one-sample":

        def wrong(X, y, w, b):
            gw, gb = logistic(X, y, w, b)
            # sample 1 is x = (1, …): shift its coefficient by 10⁻⁴·∂L/∂b, which moves ∂L/∂b
            # (and the intercept's weight) by 10⁻⁴ of themselves
            return gw + X.dtype.type(1e-4) * gb * X[0], gb * X.dtype.type(1 + 1e-4)

    report = check_gradient("logistic", grad=wrong, X=X, y=y, points=2)
    assert not report.passed, str(report)


def test_float32_arithmetic_returned_as_float64_passes():
    X, y = _data(5_000, 5, np.float64)

    def grad(X, y, w, b):
        gw, gb = logistic(
            X.astype(np.float32), y.astype(np.float32), w.astype(np.float32), np.float32(b)
        )
        return gw.astype(np.float64), float(gb)

    report = check_gradient("logistic", grad=grad, X=X, y=y, points=3)
    assert report.passed, str(report)
    assert any("judged as float32" in n for p in report.points for n in p.notes)


def test_float32_result_of_a_wrong_gradient_still_fails():
    X, y = _data(5_000, 5, np.float64)

    def grad(X, y, w, b):
        gw, gb = logistic(
            X[1:].astype(np.float32), y[1:].astype(np.float32), w.astype(np.float32), np.float32(b)
        )  # drops sample 1
        return gw.astype(np.float64), float(gb)

    assert not check_gradient("logistic", grad=grad, X=X, y=y, points=3).passed


@pytest.mark.parametrize("seed", range(4))
def test_float16_sign_flip_of_b_fails_and_the_right_one_passes(seed):
    X, y = _data(1_000, 5, np.float16, seed)

    def flipped(X, y, w, b):
        gw, gb = logistic(X, y, w, b)
        return gw, -gb

    assert check_gradient("logistic", grad=logistic, X=X, y=y, points=2).passed
    assert not check_gradient("logistic", grad=flipped, X=X, y=y, points=2).passed


@pytest.mark.parametrize("seed", range(3))
def test_float32_hinge_without_its_regulariser_fails(seed):
    X, y = _data(1_000, 5, np.float32, seed)

    def without(X, y, w, b):
        v = (y * (X @ w + b) < 1).astype(X.dtype)
        return -(y * v) @ X, -(y * v).sum()

    def right(X, y, w, b):
        gw, gb = without(X, y, w, b)
        return gw + X.dtype.type(0.01) * w, gb

    assert check_gradient("hinge", grad=right, X=X, y=y, points=2).passed
    assert not check_gradient("hinge", grad=without, X=X, y=y, points=2).passed


def test_float32_logistic_dropping_one_sample_fails_at_n_5000():
    X, y = _data(5_000, 5, np.float32)

    def drop(X, y, w, b):
        return logistic(X[1:], y[1:], w, b)

    assert not check_gradient("logistic", grad=drop, X=X, y=y, points=3).passed


def test_precision_option_names_the_arithmetic():
    X, y = _data(500, 3, np.float64)

    def grad(X, y, w, b):  # float32 inside, float64 out, with a float64 term added at the end
        gw, gb = logistic(
            X.astype(np.float32), y.astype(np.float32), w.astype(np.float32), np.float32(b)
        )
        return gw.astype(np.float64) + 0.0 * w, float(gb)

    assert check_gradient("logistic", grad=grad, X=X, y=y, precision="float32").passed
