"""Fast mode: random-direction checks and bisection to the wrong entries."""

from __future__ import annotations

import numpy as np
import pytest

from gradproof.verify import check_gradient


def _logistic_problem(n=300, d=3000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    y = np.where(rng.standard_normal(n) > 0, 1.0, -1.0)
    w = rng.standard_normal(d)
    return X, y, w, 0.1


def _logistic_grad(X, y, w, b):
    s = X @ w + b
    c = -y / (1.0 + np.exp(y * s))
    return c @ X, c.sum()


def test_fast_mode_passes_a_correct_gradient_and_prints_the_seed():
    X, y, w, b = _logistic_problem()
    report = check_gradient(
        "logistic", grad=_logistic_grad, X=X, y=y, w=w, b=b, mode="fast", seed=123
    )
    assert report.passed, str(report)
    assert report.seed == 123 and "seed 123" in str(report)
    assert len(report.directions) == 4
    assert all(len(p.directions) == 4 for p in report.points)
    assert report.digits >= max(report.noise_floor_digits, 8)


@pytest.mark.parametrize("j", [0, 1234, 3000])  # 3000 is b
def test_fast_mode_localises_a_single_wrong_entry(j):
    X, y, w, b = _logistic_problem()

    def broken(X, y, w, b):
        gw, gb = _logistic_grad(X, y, w, b)
        g = np.append(gw, gb)
        g[j] += 0.5 * max(abs(g[j]), 1e-3)
        return g[:-1], g[-1]

    report = check_gradient(
        "logistic", grad=broken, X=X, y=y, w=w, b=b, mode="fast", seed=7, points=1
    )
    assert not report.passed
    name = "b" if j == X.shape[1] else f"w[{j + 1}]"  # numbered from 1
    assert report.culprits == [name]
    (entry,) = [e for e in report.entries if not e.ok]
    s = X @ w + b
    c = -y / (1.0 + np.exp(y * s))
    expected = c.sum() if j == X.shape[1] else c @ X[:, j]
    assert entry.reference == pytest.approx(expected, rel=1e-10)


def test_fast_mode_float32():
    X, y, w, b = _logistic_problem(n=400, d=500, seed=3)
    X32, y32, w32 = X.astype(np.float32), y.astype(np.float32), w.astype(np.float32)
    report = check_gradient(
        "logistic", grad=_logistic_grad, X=X32, y=y32, w=w32, b=np.float32(b), mode="fast", seed=1
    )
    assert report.passed, str(report)
    assert report.precision == "float32"


def test_fast_mode_at_kinks_accepts_any_convention():
    rng = np.random.default_rng(5)
    X = rng.integers(-3, 4, size=(40, 30)).astype(np.float64)
    y = np.where(rng.standard_normal(40) > 0, 1.0, -1.0)
    w = rng.integers(-2, 3, size=30).astype(np.float64)
    b = float(-(X[0] @ w))  # sample 0 exactly on the perceptron's kink
    for h in (0.0, 0.5, 1.0):

        def grad(X, y, w, b, h=h):
            s = X @ w + b
            u = -y * s
            c = -y * np.where(u > 0, 1.0, np.where(u < 0, 0.0, h))
            return c @ X, c.sum()

        assert check_gradient(
            "perceptron", grad=grad, X=X, y=y, w=w, b=b, mode="fast", seed=2
        ).passed
