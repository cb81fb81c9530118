"""The worked example of a network: its gradient at a point on data, and one step.

A network at zeros has zero gradients in every hidden layer (every hidden unit is the same
and none is active), so the default point is *not* zeros: it is the seeded random point of
``seed`` (0 when neither a point nor a seed is given): Wₗ with entries N(0, 1/hₗ₋₁) (LeCun
scaling) and bₗ with entries N(0, 0.1²), drawn by ``numpy.random.default_rng(seed)`` layer
by layer, weight before bias. Every number comes from the compiled functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradproof._typing import Array
from gradproof.errors import DataError, OptionError
from gradproof.i18n import _
from gradproof.numeric.model import load_generated
from gradproof.numeric.network import network_arrays, network_source
from gradproof.parameters import parse_parameters
from gradproof.symbolic.activations import get_activation
from gradproof.symbolic.example import NetworkExample

__all__ = ["random_point", "network_example", "network_trace", "sample_data", "forward"]


def random_point(d: Any, seed: int) -> dict[str, Array]:
    """The seeded random point of the network derivation ``d`` (see the module docstring)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise OptionError(_("the seed must be a whole number ≥ 0, got {seed!r}", seed=seed))
    rng = np.random.default_rng(int(seed))
    point: dict[str, Array] = {}
    for name, shape in d.layout().shapes.items():
        if name.startswith("W"):
            point[name] = rng.standard_normal(shape) / np.sqrt(shape[1])
        else:
            point[name] = 0.1 * rng.standard_normal(shape)
    return point


def sample_data(d: Any) -> tuple[Array, Array]:
    """Built-in data for a worked example: XOR's four corners for 2 inputs (labels 0 1 1 0,
    ±1 for logistic), else four rows of a fixed draw; targets for squared error."""
    d_in, K = d.widths[0], d.widths[-1]
    if d_in == 2:
        X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    else:
        X = np.round(np.random.default_rng(7).standard_normal((4, d_in)), 1)
    xor = np.array([0, 1, 1, 0])
    if d.spec.name == "logistic":
        return X, 2.0 * xor - 1
    if d.spec.name == "softmax":
        return X, xor if K == 2 else np.arange(4) % K
    return X, np.round(np.random.default_rng(8).standard_normal((4, K)), 1)


def forward(d: Any, X: Array, point: dict[str, Array]) -> Array:
    """The network's scores S (n×K) at ``point``: the forward pass in float64."""
    act = get_activation(d.activation)
    A = X
    for ly in range(1, d.depth + 1):
        Z = A @ point[f"W{ly}"].T + point[f"b{ly}"]
        A = Z if ly == d.depth else act.reference(Z)
    return A


def network_trace(d: Any, X: Any, y: Any, point: dict[str, Array]) -> dict[str, Array]:
    """Every stage of the compiled forward and backward pass at ``point``: ``Z1``, ``A1``, …,
    ``S``, ``P`` (softmax), ``G``, ``δ1``, … (see :func:`~gradproof.numeric.network.network_source`
    with ``trace``), the derivation's G and δ (not averaged)."""
    Xa, lab, T = network_arrays(d, X, y)
    fn = load_generated(network_source(d, trace=True), "network trace")
    full = d.layout().check(point, "the point", dtype=Xa.dtype)
    trace: dict[str, Array] = {}
    fn(Xa, lab, T, tuple(full[p] for p in d.parameters), True, trace)
    return trace


def network_example(
    d: Any, X: Any, y: Any, at: Any, seed: int | None = None, lr: float = 0.1
) -> NetworkExample:
    """Evaluate ``d``'s compiled gradient on (X, y) at ``at`` (JSON text, a mapping) or at
    the random point of ``seed``, and take one step of size ``lr``."""
    if not np.isfinite(lr) or lr <= 0:
        raise OptionError(_("the learning rate lr must be a positive number, got {lr}", lr=lr))
    if at is not None and seed is not None:
        raise OptionError(_("give either a point (--at) or a seed (--seed), not both"))
    if X is None:
        X, y = sample_data(d)
    Xa = network_arrays(d, X, y)[0]
    Xa = Xa.astype(np.float64)
    layout = d.layout()
    if at is None:
        point = random_point(d, 0 if seed is None else seed)
    else:
        point = parse_parameters(at, layout, "--at")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            loss, grad = d.numpy().loss_and_gradient(Xa, y, **point)
            trace = network_trace(d, Xa, y, point)
        except FloatingPointError as exc:
            raise DataError(
                _(
                    "the loss or its gradient is not finite in float64 at this point ({why}); "
                    "use smaller data values or another point",
                    why=str(exc),
                )
            ) from None
    update = {k: point[k] - lr * grad[k] for k in grad}
    n, K = Xa.shape[0], d.widths[-1]
    hidden = tuple((trace[f"Z{ly}"], trace[f"A{ly}"]) for ly in range(1, d.depth))
    return NetworkExample(
        n,
        Xa.shape[1],
        K,
        point,
        trace["S"],
        loss,
        grad,
        lr,
        update,
        X=Xa,
        y=np.asarray(y, dtype=np.float64),
        probabilities=trace.get("P"),
        score_gradient=trace["G"],
        hidden=hidden,
        deltas={ly: trace[f"δ{ly}"] for ly in range(1, d.depth)},
        mean=bool(d.form.mean),
    )
