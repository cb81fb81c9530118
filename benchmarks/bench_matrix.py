"""Softmax regression's gradient: gradproof's compiled model against hand-written numpy and jax.

Run: ``python benchmarks/bench_matrix.py [--quick] [--rounds R] [--float32] [N D K ...]``
(triples; default a few shapes up to n = 10⁶, d = 10³, K = 100 that fit in a few GB;
``--quick``: two small shapes, 7 rounds, for a check in seconds). Everything runs in this one
process. For each shape the variants are timed in *interleaved rounds*: each round calls
every variant once, in an order rotated from round to round, so a burst of load from other
processes hits all of them alike instead of one variant's block of repeats. Each variant's
time is its median over the rounds, and each ratio is the median of the per-round ratios
(paired within a round). The variants:

* ``floor`` — the two bare matrix products X Wᵀ and Sᵀ X, nothing else;
* ``hand`` — the CS231n-style numpy loss and gradient (scores, stable softmax, P − Y, Pᵀ X);
* ``gradproof`` — ``derive("softmax").numpy().loss_and_gradient`` (loss and gradient);
* ``jax`` — ``jax.jit(jax.value_and_grad(loss, (0, 1)))`` when jax is installed
  (``pip install 'gradproof[jax]'``; x64 unless --float32; compile time excluded, the
  arrays already on the device);

and prints the ratios gradproof ÷ hand, floor ÷ hand, jax ÷ hand and gradproof ÷ jax.
Target: gradproof ≤ 1.10× hand, ahead of jax (gradproof ÷ jax < 1). On a shared machine
threaded BLAS makes the ratios swing; for numbers that repeat, run single-threaded:
``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 XLA_FLAGS="--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=1" python …``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from gradproof import derive

SHAPES = [(100_000, 100, 10), (20_000, 1000, 100), (1_000_000, 20, 10), (200_000, 300, 30)]
QUICK = [(20_000, 50, 10), (5_000, 300, 30)]


def hand(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray) -> Any:
    """Loss and gradient of softmax cross-entropy, as CS231n writes it."""
    n = X.shape[0]
    S = X @ W.T + b
    S -= S.max(axis=1, keepdims=True)
    P = np.exp(S)
    P /= P.sum(axis=1, keepdims=True)
    loss = -np.log(P[np.arange(n), y]).sum()
    P[np.arange(n), y] -= 1
    return loss, P.T @ X, P.sum(axis=0)


def floor(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray) -> Any:
    """Only the two matrix products every method needs."""
    S = X @ W.T
    return S.T @ X


def jax_fn(x64: bool) -> Callable[..., Any] | None:
    """jax.jit(value_and_grad) of the same loss, taking numpy-converted device arrays."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", x64)

    def loss(W: Any, b: Any, X: Any, y: Any) -> Any:
        S = X @ W.T + b
        return jnp.sum(jax.nn.logsumexp(S, axis=1) - jnp.take_along_axis(S, y[:, None], 1)[:, 0])

    step = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))

    def run(X: Any, y: Any, W: Any, b: Any) -> Any:
        out = step(W, b, X, y)
        jax.block_until_ready(out)
        return out

    return run


def interleaved(variants: dict[str, tuple[Callable[..., Any], tuple]], rounds: int) -> dict:
    """Per variant, its times over ``rounds`` rounds; each round calls every variant once, in
    an order rotated by one each round (after one warm-up call of each)."""
    names = list(variants)
    for fn, args in variants.values():
        fn(*args)  # warm up: caches, jit, the thread pool
    times: dict[str, list[float]] = {k: [] for k in names}
    for r in range(rounds):
        for k in names[r % len(names) :] + names[: r % len(names)]:
            fn, args = variants[k]
            t = time.perf_counter()
            fn(*args)
            times[k].append(time.perf_counter() - t)
    return times


def ratio(times: dict[str, list[float]], top: str, bottom: str) -> str:
    if top not in times or bottom not in times:
        return "–"
    pairs = zip(times[top], times[bottom], strict=True)
    return f"{statistics.median(a / b for a, b in pairs):.2f}"


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("shape", nargs="*", type=int, help="N D K triples")
    p.add_argument("--quick", action="store_true", help="two small shapes, 7 rounds")
    p.add_argument("--rounds", type=int, default=None, help="rounds per shape (default 15)")
    p.add_argument("--float32", action="store_true", help="all variants in float32")
    a = p.parse_args()
    if len(a.shape) % 3:
        p.error("shapes are N D K triples")
    return a


def main() -> None:
    a = parse()
    shapes = [tuple(a.shape[i : i + 3]) for i in range(0, len(a.shape), 3)]
    shapes = shapes or (QUICK if a.quick else SHAPES)
    rounds = a.rounds or (7 if a.quick else 15)
    dt = np.float32 if a.float32 else np.float64
    f = derive("softmax").numpy()
    jx = jax_fn(x64=not a.float32)
    print(f"softmax loss and gradient, {np.dtype(dt).name}, {rounds} interleaved rounds")
    print("jax: installed" if jx else "jax: not installed (pip install 'gradproof[jax]')")
    head = ("n", "d", "K", "hand ms", "gp ms", "gp/hand", "floor/hand", "jax/hand", "gp/jax")
    print("{:>9} {:>5} {:>4} {:>8} {:>8} {:>8} {:>10} {:>9} {:>7}".format(*head))
    for n, d, K in shapes:
        rng = np.random.default_rng(0)
        X = (rng.standard_normal((n, d)) / np.sqrt(d)).astype(dt)
        y = rng.integers(0, K, n)
        W = rng.standard_normal((K, d)).astype(dt)
        b = rng.standard_normal(K).astype(dt)
        got = f.loss_and_gradient(X, y, W, b)
        want = hand(X, y, W, b)
        tol = 1e-4 if a.float32 else 1e-8
        assert abs(got[0] - want[0]) <= tol * abs(want[0]), (got[0], want[0])
        assert np.allclose(got[1]["W"], want[1], rtol=tol * 10, atol=tol * 10 * n)
        args = (X, y, W, b)
        variants: dict[str, tuple[Callable[..., Any], tuple]] = {
            "hand": (hand, args),
            "floor": (floor, args),
            "gradproof": (f.loss_and_gradient, args),
        }
        if jx is not None:
            import jax.numpy as jnp

            variants["jax"] = (jx, tuple(jnp.asarray(v) for v in args))
        times = interleaved(variants, rounds)
        ms = {k: 1e3 * statistics.median(v) for k, v in times.items()}
        print(
            f"{n:>9} {d:>5} {K:>4} {ms['hand']:>8.2f} {ms['gradproof']:>8.2f} "
            f"{ratio(times, 'gradproof', 'hand'):>8} {ratio(times, 'floor', 'hand'):>10} "
            f"{ratio(times, 'jax', 'hand'):>9} {ratio(times, 'gradproof', 'jax'):>7}"
        )


if __name__ == "__main__":
    main()
