"""An independent numpy backprop for feed-forward networks, written for the tests.

Nothing here comes from gradproof: the forward pass, the losses and their gradient with
respect to the scores, and the backward pass are written out from the textbook formulas,
with relu′(0) = ``h0`` given explicitly. Also a fourth-order central difference.
"""

from __future__ import annotations

import numpy as np

ACTS = {
    "relu": (
        lambda z: np.maximum(z, 0.0),
        lambda z, h0: np.where(z > 0, 1.0, np.where(z < 0, 0.0, h0)),
    ),
    "sigmoid": (
        lambda z: 1.0 / (1.0 + np.exp(-z)),
        lambda z, h0: np.exp(-z) / (1.0 + np.exp(-z)) ** 2,
    ),
    "tanh": (np.tanh, lambda z, h0: 1.0 / np.cosh(z) ** 2),
    "identity": (lambda z: z, lambda z, h0: np.ones_like(z)),
}


def widths_of(layers: str) -> list[int]:
    return [int(w) for w in layers.split("-")]


def draw_point(layers: str, rng: np.random.Generator) -> dict[str, np.ndarray]:
    w = widths_of(layers)
    p = {}
    for ly in range(1, len(w)):
        p[f"W{ly}"] = rng.standard_normal((w[ly], w[ly - 1])) / np.sqrt(w[ly - 1])
        p[f"b{ly}"] = 0.3 * rng.standard_normal(w[ly])
    return p


def draw_labels(loss: str, n: int, K: int, rng: np.random.Generator) -> np.ndarray:
    if loss == "softmax":
        return rng.integers(0, K, n)
    if loss == "logistic":
        return rng.choice([-1.0, 1.0], n)
    return rng.standard_normal((n, K))


def loss_value(loss: str, S: np.ndarray, y: np.ndarray) -> float:
    if loss == "softmax":
        m = S.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(S - m).sum(axis=1))
        return float(np.sum(lse - S[np.arange(len(y)), y]))
    if loss == "logistic":
        return float(np.sum(np.logaddexp(0.0, -y * S[:, 0])))
    return float(0.5 * np.sum((S - y) ** 2))


def score_gradient(loss: str, S: np.ndarray, y: np.ndarray) -> np.ndarray:
    if loss == "softmax":
        P = np.exp(S - S.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        P[np.arange(len(y)), y] -= 1.0
        return P
    if loss == "logistic":
        return (-y / (1.0 + np.exp(y * S[:, 0])))[:, None]
    return S - y


def reg_value(p: dict, reg: str | None, lam: float = 0.01, lam1: float = 0.01) -> float:
    ws = [v for k, v in p.items() if k.startswith("W")]
    if reg == "l2":
        return sum(lam / 2 * np.sum(w * w) for w in ws)
    if reg == "l1":
        return sum(lam * np.sum(np.abs(w)) for w in ws)
    if reg == "elastic_net":  # lam1 ‖W‖₁ + lam2/2 ‖W‖²
        return sum(lam1 * np.sum(np.abs(w)) + lam / 2 * np.sum(w * w) for w in ws)
    return 0.0


def total_loss(layers, act, loss, X, y, p, *, mean=False, reg=None) -> float:
    f = ACTS[act][0]
    depth = len(widths_of(layers)) - 1
    A = X
    for ly in range(1, depth + 1):
        Z = A @ p[f"W{ly}"].T + p[f"b{ly}"]
        A = Z if ly == depth else f(Z)
    value = loss_value(loss, A, y)
    return (value / len(X) if mean else value) + reg_value(p, reg)


def backprop(layers, act, loss, X, y, p, *, h0=0.0, mean=False, reg=None) -> dict:
    """The gradient of every Wₗ and bₗ by the chain rule, layer by layer."""
    f, fp = ACTS[act]
    depth = len(widths_of(layers)) - 1
    As, Zs = [X], []
    for ly in range(1, depth + 1):
        Z = As[-1] @ p[f"W{ly}"].T + p[f"b{ly}"]
        Zs.append(Z)
        As.append(Z if ly == depth else f(Z))
    delta = score_gradient(loss, As[-1], y)
    if mean:
        delta = delta / len(X)
    g = {}
    for ly in range(depth, 0, -1):
        g[f"W{ly}"] = delta.T @ As[ly - 1]
        g[f"b{ly}"] = delta.sum(axis=0)
        if ly > 1:
            delta = (delta @ p[f"W{ly}"]) * fp(Zs[ly - 2], h0)
    for ly in range(1, depth + 1):
        W = p[f"W{ly}"]
        if reg in ("l2", "elastic_net"):
            g[f"W{ly}"] = g[f"W{ly}"] + 0.01 * W
        if reg in ("l1", "elastic_net"):
            g[f"W{ly}"] = g[f"W{ly}"] + 0.01 * np.sign(W)
    return g


def pre_activations(layers, act, X, p) -> list[np.ndarray]:
    f = ACTS[act][0]
    depth = len(widths_of(layers)) - 1
    A, out = X, []
    for ly in range(1, depth):
        Z = A @ p[f"W{ly}"].T + p[f"b{ly}"]
        out.append(Z)
        A = f(Z)
    return out


def central5(fun, p: dict, h: float = 1e-3) -> dict:
    """Fourth-order central differences of ``fun(point)`` for every entry of every array."""
    out = {}
    for name, v in p.items():
        g = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            vals = []
            for k in (-2, -1, 1, 2):
                q = {n: a.copy() for n, a in p.items()}
                q[name][idx] += k * h
                vals.append(fun(q))
            g[idx] = (vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * h)
        out[name] = g
    return out


def rel_err(a: dict, b: dict) -> float:
    num = max(float(np.max(np.abs(np.asarray(a[k]) - b[k]))) for k in b)
    den = max(float(np.max(np.abs(b[k]))) for k in b)
    return num / max(den, 1e-300)


def stages(layers, act, loss, X, y, p, *, h0=0.0) -> dict:
    """Every named stage of the forward and backward pass: Z1, A1, …, S, P (softmax), G and
    δ1, … (G and δ per sample, not averaged)."""
    f, fp = ACTS[act]
    depth = len(widths_of(layers)) - 1
    out: dict = {}
    A = X
    for ly in range(1, depth + 1):
        Z = A @ p[f"W{ly}"].T + p[f"b{ly}"]
        if ly == depth:
            out["S"] = Z
        else:
            out[f"Z{ly}"], A = Z, f(Z)
            out[f"A{ly}"] = A
    if loss == "softmax":
        E = np.exp(out["S"] - out["S"].max(axis=1, keepdims=True))
        out["P"] = E / E.sum(axis=1, keepdims=True)
    delta = score_gradient(loss, out["S"], y)
    out["G"] = delta
    for ly in range(depth, 1, -1):
        delta = (delta @ p[f"W{ly}"]) * fp(out[f"Z{ly - 1}"], h0)
        out[f"δ{ly - 1}"] = delta
    return out
