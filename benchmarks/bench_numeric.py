"""Benchmark the compiled gradients against the memory-bandwidth bound of a linear model.

Run with ``python benchmarks/bench_numeric.py`` (one process; ``--n``/``--d``/``--repeat`` to
change the defaults N = 400000, d = 100, float64). Prints the median time of

* the two-pass bound: ``X @ w`` then ``v @ X``, the two matrix passes any gradient needs;
* a hand-fused numpy perceptron gradient;
* the derived gradient (``derive(loss).numpy().grad``) of each built-in loss;
* the copy-the-misclassified-rows style (``X[m]``);

each with its ratio to the bound, then the time to derive + compile each built-in loss with
the compile cache cleared, in a warm process. The candidates are timed in interleaved
rounds, so a burst of load on the machine touches all of them alike.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from gradproof import derive, list_losses
from gradproof.numeric.compile import clear_cache

TARGET = 1.15
"""The derived gradients of these losses should cost at most TARGET × the bound."""
TARGET_LOSSES = ("perceptron", "hinge", "logistic", "squared_error")


def make_data(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Gaussian X (n, d), labels ±1 from a noisy linear rule, and an early-training point w, b
    unrelated to the rule (about half of the samples misclassified)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    y = np.where(X @ w_true + 0.5 * rng.standard_normal(n) >= 0, 1.0, -1.0)
    w = 0.1 * rng.standard_normal(d)
    return X, y, w, 0.1


def candidates(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float
) -> dict[str, Callable[[], object]]:
    """Name → zero-argument function computing a gradient (or the bound's two passes)."""
    v = np.ones(X.shape[0])

    def bound() -> object:
        s = X @ w
        return s, v @ X

    def hand_perceptron() -> object:
        s = X @ w + b
        c = -y * (y * s <= 0)
        return c @ X, c.sum()

    def rows_perceptron() -> object:
        m = y * (X @ w + b) <= 0
        return -(y[m] @ X[m]), -y[m].sum()

    out: dict[str, Callable[[], object]] = {
        "two-pass bound": bound,
        "hand-fused perceptron": hand_perceptron,
    }
    for spec in list_losses():
        f = derive(spec.name).numpy()
        out[f"derived {spec.name}"] = lambda f=f: f.grad(X, y, w, b)
    out["X[m] perceptron"] = rows_perceptron
    return out


def time_interleaved(funcs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds per call of each function, timed in `repeat` interleaved rounds."""
    times: dict[str, list[float]] = {k: [] for k in funcs}
    for f in funcs.values():  # warm up: page in X, build BLAS buffers
        f()
    for _ in range(repeat):
        for k, f in funcs.items():
            t0 = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def compile_times() -> dict[str, float]:
    """Seconds to derive + compile each built-in loss, cache cleared, warm process."""
    derive("perceptron").numpy()  # warm: imports, SymPy caches
    out = {}
    for spec in list_losses():
        clear_cache()
        t0 = time.perf_counter()
        derive(spec.name).numpy()
        out[spec.name] = time.perf_counter() - t0
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; exit code 1 when a target is missed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=400_000)
    ap.add_argument("--d", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=41)
    args = ap.parse_args(argv)
    X, y, w, b = make_data(args.n, args.d)
    wrong = float(np.mean(y * (X @ w + b) <= 0))
    print(
        f"N = {args.n}, d = {args.d}, float64, X = {X.nbytes / 1e6:.0f} MB, "
        f"{wrong:.0%} misclassified, {args.repeat} interleaved rounds, median"
    )
    med = time_interleaved(candidates(X, y, w, b), args.repeat)
    base = med["two-pass bound"]
    print(f"{'':<26}{'median ms':>10}{'ratio':>8}")
    missed = []
    for k, t in med.items():
        r = t / base
        flag = ""
        if k.removeprefix("derived ") in TARGET_LOSSES:
            flag = "  ok" if r <= TARGET else f"  > {TARGET}"
            if r > TARGET:
                missed.append(k)
        print(f"{k:<26}{t * 1e3:>10.1f}{r:>8.2f}{flag}")
    print("\nderive + compile, cache cleared, warm process")
    for k, t in compile_times().items():
        flag = "ok" if t < 0.5 else "> 0.5 s"
        print(f"{k:<26}{t * 1e3:>10.1f} ms  {flag}")
        if t >= 0.5:
            missed.append(f"compile {k}")
    if missed:
        print("\nmissed:", ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
