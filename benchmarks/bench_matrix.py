"""Softmax regression's gradient: gradproof's compiled model against hand-written numpy.

Run: ``python benchmarks/bench_matrix.py [N D K ...]`` (triples; default a few shapes up to
n = 10⁶, d = 10³, K = 100 that fit in a few GB). For each shape it times, best of five,
in float64:

* ``floor`` — the two bare matrix products X Wᵀ and Gᵀ X, nothing else;
* ``hand`` — the CS231n-style numpy gradient (scores, stable softmax, P − Y, Pᵀ X);
* ``gradproof`` — ``derive("softmax").numpy().loss_and_gradient`` (loss and gradient);
* ``jax`` — ``jax.jit(jax.value_and_grad(loss, (0, 1)))`` with x64, when jax is installed
  (``pip install 'gradproof[jax]'``; compile time excluded, the arrays already on device);

and prints each as a ratio to ``hand``. Target: gradproof ≤ 1.10× hand, ahead of jax. On a
shared machine, threaded BLAS makes every ratio swing by 10×; for numbers that repeat, run
single-threaded: ``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 XLA_FLAGS=
"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" python …``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from gradproof import derive

SHAPES = [(100_000, 100, 10), (20_000, 1000, 100), (1_000_000, 20, 10), (200_000, 300, 30)]


def hand(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray):
    """Loss and gradient of softmax cross-entropy, as CS231n writes it."""
    n = X.shape[0]
    S = X @ W.T + b
    S -= S.max(axis=1, keepdims=True)
    P = np.exp(S)
    P /= P.sum(axis=1, keepdims=True)
    loss = -np.log(P[np.arange(n), y]).sum()
    P[np.arange(n), y] -= 1
    return loss, P.T @ X, P.sum(axis=0)


def floor(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray):
    """Only the two matrix products every method needs."""
    S = X @ W.T
    return S.T @ X


def best_of(fn: Callable[..., Any], *args: Any, repeat: int = 5) -> float:
    fn(*args)  # warm up (caches, jit)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t)
    return best


def jax_fn() -> Callable[..., Any] | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)

    def loss(W: Any, b: Any, X: Any, y: Any) -> Any:
        S = X @ W.T + b
        return jnp.sum(jax.nn.logsumexp(S, axis=1) - jnp.take_along_axis(S, y[:, None], 1)[:, 0])

    step = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))

    def run(X: Any, y: Any, W: Any, b: Any) -> Any:
        out = step(W, b, X, y)
        jax.block_until_ready(out)
        return out

    return run


def main() -> None:
    args = [int(a) for a in sys.argv[1:]]
    shapes = [tuple(args[i : i + 3]) for i in range(0, len(args), 3)] if args else SHAPES
    f = derive("softmax").numpy()
    jx = jax_fn()
    print(f"{'n':>9} {'d':>5} {'K':>4} {'hand s':>8} {'floor':>6} {'gradproof':>9} {'jax':>6}")
    for n, d, K in shapes:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((n, d)) / np.sqrt(d)
        y = rng.integers(0, K, n)
        W = rng.standard_normal((K, d))
        b = rng.standard_normal(K)
        got = f.loss_and_gradient(X, y, W, b)
        want = hand(X, y, W, b)
        assert abs(got[0] - want[0]) <= 1e-8 * abs(want[0])
        assert np.allclose(got[1]["W"], want[1], rtol=1e-9, atol=1e-9 * n)
        t_hand = best_of(hand, X, y, W, b)
        t_floor = best_of(floor, X, y, W, b)
        t_gp = best_of(f.loss_and_gradient, X, y, W, b)
        jax_ratio = "–"
        if jx is not None:
            import jax.numpy as jnp

            Xj, yj, Wj, bj = jnp.asarray(X), jnp.asarray(y), jnp.asarray(W), jnp.asarray(b)
            jax_ratio = f"{best_of(jx, Xj, yj, Wj, bj) / t_hand:.2f}"
        print(
            f"{n:>9} {d:>5} {K:>4} {t_hand:>8.4f} {t_floor / t_hand:>6.2f} "
            f"{t_gp / t_hand:>9.2f} {jax_ratio:>6}"
        )


if __name__ == "__main__":
    main()
