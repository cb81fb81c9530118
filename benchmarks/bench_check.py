"""Benchmark of fast-mode gradient checks: d = 10 000 features, N = 10 000 samples.

Run: ``python benchmarks/bench_check.py``. Prints the time of a passing fast check (the
user's gradient and the derived one), of a failing check that localises one wrong entry by
bisection, and, for scale, of the bare passes over X (``X @ w`` and ``c @ X``).
"""

from __future__ import annotations

import time

import numpy as np

from gradproof.verify import check_gradient

N, D = 10_000, 10_000


def logistic_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float):
    """A user's logistic-loss gradient (labels ±1)."""
    s = X @ w + b
    c = -y / (1.0 + np.exp(y * s))
    return c @ X, c.sum()


def broken_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float):
    """The same with one wrong entry."""
    gw, gb = logistic_grad(X, y, w, b)
    gw = gw.copy()
    gw[4321] *= 1.5
    return gw, gb


def timed(label: str, fn, repeat: int = 3):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<46} {best * 1e3:8.1f} ms")
    return out


def main() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D)) / np.sqrt(D)
    y = np.where(rng.standard_normal(N) > 0, 1.0, -1.0)
    w = rng.standard_normal(D)
    b = 0.1
    print(f"N = {N}, d = {D}, X float64 ({X.nbytes / 1e6:.0f} MB)")
    timed("bare passes: X @ w and c @ X", lambda: (X @ w) @ X)
    timed("user's gradient alone", lambda: logistic_grad(X, y, w, b))
    rep = timed(
        "fast check, user's gradient (4 directions)",
        lambda: check_gradient(
            "logistic", grad=logistic_grad, X=X, y=y, w=w, b=b, mode="fast", seed=1
        ),
    )
    print(
        f"  passed = {rep.passed}, {rep.digits:.1f} digits vs reference, "
        f"{rep.fd_digits:.1f} vs finite differences"
    )
    rep = timed(
        "fast check, derived gradient",
        lambda: check_gradient("logistic", X=X, y=y, w=w, b=b, mode="fast", seed=1),
    )
    print(f"  passed = {rep.passed}")
    rep = timed(
        "fast check + bisection, one wrong entry",
        lambda: check_gradient(
            "logistic", grad=broken_grad, X=X, y=y, w=w, b=b, mode="fast", seed=1
        ),
        repeat=1,
    )
    print(f"  passed = {rep.passed}, culprits = {rep.culprits}")
    print(f"  {rep.notes[-1]}")


if __name__ == "__main__":
    main()
