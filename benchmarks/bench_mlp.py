"""A one-hidden-layer ReLU network with softmax cross-entropy: gradproof's compiled backprop
against hand-written numpy backprop and ``jax.jit(jax.value_and_grad(...))``.

Run: ``python benchmarks/bench_mlp.py [N D H K ...]`` (quadruples; default four shapes with
n 10⁴–10⁵ and hidden widths 64–1024, about a minute). One process, float64; the methods
run in *interleaved rounds* (hand, gradproof, jax, hand, gradproof, jax, …) so that load from
other processes hits all of them alike, and each is the best of its rounds:

* ``hand`` — CS231n-style numpy: forward, stable softmax, P − Y, backward with a mask;
* ``gradproof`` — ``derive("mlp", layers=…).numpy().loss_and_gradient``;
* ``jax`` — ``jax.jit(jax.value_and_grad(loss, argnums=(0, 1, 2, 3)))`` with x64, when jax
  is installed (compile time excluded, arrays already on device).

Prints each as a ratio to ``hand``. Target: gradproof ≤ 1.05× hand, ahead of jax. Threaded
BLAS makes ratios swing on a shared machine; for steadier numbers pin the threads:
``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 XLA_FLAGS="--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=1" python benchmarks/bench_mlp.py``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from gradproof import derive

SHAPES = [
    (10_000, 64, 64, 10),
    (100_000, 64, 256, 10),
    (10_000, 128, 1024, 10),
    (50_000, 32, 512, 3),
]
ROUNDS = 5


def hand(X: np.ndarray, y: np.ndarray, W1: Any, b1: Any, W2: Any, b2: Any):
    """Loss and gradient of a ReLU network with softmax cross-entropy, CS231n style."""
    n = X.shape[0]
    Z = X @ W1.T + b1
    A = np.maximum(Z, 0)
    S = A @ W2.T + b2
    S -= S.max(axis=1, keepdims=True)
    P = np.exp(S)
    P /= P.sum(axis=1, keepdims=True)
    loss = -np.log(P[np.arange(n), y]).sum()
    P[np.arange(n), y] -= 1
    dW2, db2 = P.T @ A, P.sum(axis=0)
    dA = P @ W2
    dA[Z <= 0] = 0
    return loss, (dA.T @ X, dA.sum(axis=0), dW2, db2)


def jax_fn() -> Callable[..., Any] | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)

    def loss(W1: Any, b1: Any, W2: Any, b2: Any, X: Any, y: Any) -> Any:
        A = jax.nn.relu(X @ W1.T + b1)
        S = A @ W2.T + b2
        return jnp.sum(jax.nn.logsumexp(S, axis=1) - jnp.take_along_axis(S, y[:, None], 1)[:, 0])

    step = jax.jit(jax.value_and_grad(loss, argnums=(0, 1, 2, 3)))

    def run(X: Any, y: Any, W1: Any, b1: Any, W2: Any, b2: Any) -> Any:
        out = step(W1, b1, W2, b2, X, y)
        jax.block_until_ready(out)
        return out

    return run


def interleaved(methods: dict[str, Callable[[], Any]], rounds: int = ROUNDS) -> dict[str, float]:
    """The best time of each method over ``rounds`` rounds, the methods taking turns."""
    for fn in methods.values():
        fn()  # warm up (caches, jit)
    best = dict.fromkeys(methods, float("inf"))
    for _ in range(rounds):
        for name, fn in methods.items():
            t = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def one_shape(n: int, d: int, h: int, K: int, jx: Callable[..., Any] | None) -> str:
    """The row of ratios for one shape (the results checked against each other first)."""
    f = derive("mlp", layers=f"{d}-{h}-{K}", activation="relu", loss="softmax").numpy()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    y = rng.integers(0, K, n)
    p = {
        "W1": rng.standard_normal((h, d)) / np.sqrt(d),
        "b1": 0.1 * rng.standard_normal(h),
        "W2": rng.standard_normal((K, h)) / np.sqrt(h),
        "b2": np.zeros(K),
    }
    args4 = (p["W1"], p["b1"], p["W2"], p["b2"])
    got_loss, got = f.loss_and_gradient(X, y, **p)
    want_loss, want = hand(X, y, *args4)
    assert abs(got_loss - want_loss) <= 1e-9 * abs(want_loss)
    for name, w in zip(("W1", "b1", "W2", "b2"), want, strict=True):
        assert np.allclose(got[name], w, rtol=1e-8, atol=1e-9 * n), name
    methods: dict[str, Callable[[], Any]] = {
        "hand": lambda: hand(X, y, *args4),
        "gradproof": lambda: f.loss_and_gradient(X, y, **p),
    }
    if jx is not None:
        import jax.numpy as jnp

        jargs = [jnp.asarray(a) for a in (X, y, *args4)]
        methods["jax"] = lambda: jx(*jargs)
    t = interleaved(methods)
    jax_ratio = f"{t['jax'] / t['hand']:.2f}" if "jax" in t else "–"
    return (
        f"{n:>7} {d:>4} {h:>5} {K:>3} {t['hand']:>8.4f} {t['gradproof'] / t['hand']:>9.2f} "
        f"{jax_ratio:>6}"
    )


def main() -> None:
    args = [int(a) for a in sys.argv[1:]]
    shapes = [tuple(args[i : i + 4]) for i in range(0, len(args), 4)] if args else SHAPES
    jx = jax_fn()
    print(f"{'n':>7} {'d':>4} {'h':>5} {'K':>3} {'hand s':>8} {'gradproof':>9} {'jax':>6}")
    for n, d, h, K in shapes:
        print(one_shape(n, d, h, K, jx), flush=True)


if __name__ == "__main__":
    main()
