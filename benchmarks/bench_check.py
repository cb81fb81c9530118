"""Cost of the default multi-point check, as a ratio to one gradient evaluation.

Run: ``python benchmarks/bench_check.py [N D]`` (default N = D = 10 000, X of 800 MB). For a
user's logistic gradient it times one evaluation of that gradient (the unit), then the
default check — the given point and the random ones, each with the candidate's own
evaluation, the reference and the finite differences — in fast and in full mode, and prints
each as a number of gradient evaluations. Target: at most 30 in fast mode. Also timed: a
failing check (one wrong entry) and, for scale, the bare passes over X.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from gradproof.verify import budget, check_gradient


def logistic_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float):
    """A user's logistic-loss gradient (labels ±1), written stably."""
    s = X @ w + b
    e = np.exp(-np.abs(y * s))
    c = -y * np.where(y * s > 0, e / (1 + e), 1 / (1 + e))
    return c @ X, c.sum()


def broken_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float):
    """The same with one wrong entry."""
    gw, gb = logistic_grad(X, y, w, b)
    gw = gw.copy()
    gw[4321 % X.shape[1]] *= 1.5
    return gw, gb


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    n, d = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) == 3 else (10_000, 10_000)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    y = np.where(rng.standard_normal(n) > 0, 1.0, -1.0)
    w = rng.standard_normal(d)
    b = 0.1
    print(f"N = {n}, d = {d}, X float64 ({X.nbytes / 1e6:.0f} MB)")
    t_pass, _ = best_of(lambda: X @ w)
    t_grad, _ = best_of(lambda: logistic_grad(X, y, w, b), 5)
    print(f"one pass over X (X @ w):           {t_pass * 1e3:9.1f} ms")
    print(f"one gradient evaluation (unit):    {t_grad * 1e3:9.1f} ms")
    calls = [0]

    def counted(*a):
        calls[0] += 1
        return logistic_grad(*a)

    # full mode differentiates along all d + 1 entries: minutes at this size, past the
    # default time limit of a check (auto mode picks fast mode above 2 000 features)
    budget.CHECK_LIMITS["check_seconds"] = 3600.0
    for mode, repeat in (("fast", 3), ("full", 1)):
        calls[0] = 0
        t, rep = best_of(
            lambda mode=mode: check_gradient(
                "logistic", grad=counted, X=X, y=y, w=w, b=b, mode=mode
            ),
            repeat,
        )
        print(
            f"default check, {mode} mode:          {t * 1e3:9.1f} ms = "
            f"{t / t_grad:5.1f} gradient evaluations ({len(rep.points)} points, "
            f"passed = {rep.passed}, {calls[0] // repeat} calls of the candidate)"
        )
    t, rep = best_of(
        lambda: check_gradient("logistic", grad=broken_grad, X=X, y=y, w=w, b=b, mode="fast"), 1
    )
    print(
        f"failing check, fast mode:          {t * 1e3:9.1f} ms = {t / t_grad:5.1f} evaluations "
        f"(culprits {rep.culprits})"
    )


if __name__ == "__main__":
    main()
