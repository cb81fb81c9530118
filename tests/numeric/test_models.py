"""Compiled models with K scores per sample (issue 15): every loss and regulariser against a
CS231n-style gradient written here and against central differences (float64, relative error
≤ 1e-8), float32 kept, and at the kinks (L1 at W = 0, the hinge margins, Crammer–Singer
ties) a valid subgradient under the declared convention."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import gradproof
from gradproof.errors import GradproofError
from gradproof.symbolic.derive import derive_symbolic

LOSSES = ["softmax", "multiclass_hinge", "crammer_singer", "multi_squared_error"]
REGS = [None, "l2", "l1", "elastic_net"]
PARAMS = {"l2": {"lam": 0.3}, "l1": {"lam": 0.2}, "elastic_net": {"lam1": 0.2, "lam2": 0.5}}
_CACHE: dict = {}


def compiled(loss, reg=None, mean=False, l1=None):
    key = (loss, reg, mean, l1)
    if key not in _CACHE:
        d = derive_symbolic(loss, reg=reg, params=PARAMS.get(reg or "", {}), mean=mean, l1=l1)
        _CACHE[key] = d.numpy()
    return _CACHE[key]


# -- the oracle: each loss and its gradient by hand, as CS231n writes them -------------------
def hand(loss, X, y, W, b, h_kink=0.0):
    """(L, dW, db) by hand. ``h_kink``: the indicator's value on a margin exactly 0."""
    n = X.shape[0]
    S = X @ W.T + b
    rows = np.arange(n)
    if loss == "multi_squared_error":
        R = S - y
        return 0.5 * np.sum(R**2), R.T @ X, R.sum(axis=0)
    if loss == "softmax":
        Z = S - S.max(axis=1, keepdims=True)
        P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        L = -np.sum(np.log(P[rows, y]))
        G = P.copy()
        G[rows, y] -= 1
        return L, G.T @ X, G.sum(axis=0)
    true = S[rows, y][:, None]
    M = S - true + 1.0
    if loss == "multiclass_hinge":
        M[rows, y] = -1.0  # not a rival
        L = np.sum(np.maximum(0.0, M))
        A = np.where(M > 0, 1.0, np.where(M == 0, h_kink, 0.0))
        A[rows, y] = 0.0
        A[rows, y] = -A.sum(axis=1)
        return L, A.T @ X, A.sum(axis=0)
    T = S.copy()
    T[rows, y] = -np.inf
    r = T.argmax(axis=1)  # the first strongest rival
    m = 1.0 + T[rows, r] - S[rows, y]
    L = np.sum(np.maximum(0.0, m))
    v = np.where(m > 0, 1.0, np.where(m == 0, h_kink, 0.0))
    G = np.zeros_like(S)
    G[rows, r] += v
    G[rows, y] -= v
    return L, G.T @ X, G.sum(axis=0)


def reg_hand(reg, W, sgn0=0.0):
    p = PARAMS.get(reg or "", {})
    sgn = np.where(W == 0, sgn0, np.sign(W))
    if reg == "l2":
        return p["lam"] / 2 * np.sum(W**2), p["lam"] * W
    if reg == "l1":
        return p["lam"] * np.sum(np.abs(W)), p["lam"] * sgn
    if reg == "elastic_net":
        lam1, lam2 = p["lam1"], p["lam2"]
        return lam1 * np.sum(np.abs(W)) + lam2 / 2 * np.sum(W**2), lam1 * sgn + lam2 * W
    return 0.0, np.zeros_like(W)


def total(loss, reg, X, y, W, b):
    return hand(loss, X, y, W, b)[0] + reg_hand(reg, W)[0]


def _with_W(loss, reg, X, y, b, W):
    return total(loss, reg, X, y, W, b)


def _with_b(loss, reg, X, y, W, b):
    return total(loss, reg, X, y, W, b)


def central(f, theta, h=1e-5):
    out = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        hi, lo = theta.copy(), theta.copy()
        hi[idx] += h
        lo[idx] -= h
        out[idx] = (f(hi) - f(lo)) / (2 * h)
    return out


def draw(loss, seed, n=9, d=3, K=4):
    """Data and a point with every margin, tie and W entry ≥ 1e-2 from its kink."""
    rng = np.random.default_rng(seed)
    while True:
        X = rng.normal(size=(n, d))
        W = rng.normal(size=(K, d))
        b = rng.normal(size=K)
        if loss == "multi_squared_error":
            return X, rng.normal(size=(n, K)), W, b
        y = rng.integers(0, K, n)
        S = X @ W.T + b
        M = S - S[np.arange(n), y][:, None] + 1.0
        M[np.arange(n), y] = 5.0
        T = np.sort(np.where(M == 5.0, -np.inf, S), axis=1)
        if np.abs(M).min() > 1e-2 and np.abs(W).min() > 1e-2 and np.all(T[:, -1] - T[:, -2] > 1e-2):
            return X, y, W, b


def rel(a, b):
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))


@pytest.mark.parametrize("reg", REGS, ids=lambda r: r or "none")
@pytest.mark.parametrize("loss", LOSSES)
def test_gradient_matches_hand_numpy_and_central_differences(loss, reg):
    f = compiled(loss, reg)
    for seed in range(4):
        X, y, W, b = draw(loss, seed)
        L, g = f.loss_and_gradient(X, y, W=W, b=b)
        hL, hW, hb = hand(loss, X, y, W, b)
        rL, rW = reg_hand(reg, W)
        assert set(g) == {"W", "b"} and g["W"].shape == W.shape and g["b"].shape == b.shape
        assert abs(L - (hL + rL)) <= 1e-10 * max(1.0, abs(L))
        assert rel(g["W"], hW + rW) <= 1e-12 and rel(g["b"], hb) <= 1e-12
        fdW = central(functools.partial(_with_W, loss, reg, X, y, b), W.copy())
        fdb = central(functools.partial(_with_b, loss, reg, X, y, W), b.copy())
        assert rel(g["W"], fdW) <= 1e-8, (loss, reg, seed)
        assert rel(g["b"], fdb) <= 1e-8, (loss, reg, seed)


@pytest.mark.parametrize("loss", LOSSES)
def test_mean_divides_the_sample_sum_only(loss):
    X, y, W, b = draw(loss, 7)
    gs = compiled(loss, "l2").gradient(X, y, W, b)
    gm = compiled(loss, "l2", True).gradient(X, y, W, b)
    lam = PARAMS["l2"]["lam"]
    n = X.shape[0]
    assert rel(gm["W"], (gs["W"] - lam * W) / n + lam * W) <= 1e-12
    assert rel(gm["b"], gs["b"] / n) <= 1e-12


@pytest.mark.parametrize("loss", LOSSES)
def test_float32_stays_float32(loss):
    X, y, W, b = draw(loss, 3, n=30)
    f = compiled(loss, "elastic_net")
    g32 = f.gradient(X.astype(np.float32), y, W.astype(np.float32), b.astype(np.float32))
    g64 = f.gradient(X, y, W, b)
    for k in ("W", "b"):
        assert g32[k].dtype == np.float32
        assert rel(g32[k].astype(np.float64), g64[k]) <= 1e-4
    assert isinstance(f.loss(X.astype(np.float32), y, W, b), float)


def test_blocks_give_the_same_gradient():
    rng = np.random.default_rng(1)  # softmax is smooth: no need to avoid kinks
    X, y = rng.normal(size=(2000, 3)), rng.integers(0, 4, 2000)
    W, b = rng.normal(size=(4, 3)), rng.normal(size=4)
    f = compiled("softmax")
    whole = f._fn(X, y, np.eye(4)[y], W, b, True, 10**6)
    blocked = f._fn(X, y, np.eye(4)[y], W, b, True, 64)
    assert rel(blocked[1], whole[1]) <= 1e-12 and rel(blocked[2], whole[2]) <= 1e-12


def test_softmax_is_stable_for_huge_scores():
    X = np.array([[1000.0, 0.0], [0.0, -1000.0]])
    g = compiled("softmax").gradient(X, [0, 1], W=np.array([[1.0, 0], [0, 1.0]]), b=[0.0, 0.0])
    assert np.all(np.isfinite(g["W"])) and np.all(np.isfinite(g["b"]))
    # S = [[1000, 0], [0, −1000]]: P = [[1, 0], [1, 0]] to double precision, G = P − Y
    assert rel(g["b"], np.array([1.0, -1.0])) <= 1e-12


# -- kinks: a valid subgradient under the declared convention ------------------------------
def _is_subgradient(F, theta, g, rng, trials=200, t=1e-7):
    """For a convex F, g is a subgradient at θ iff g·v ≤ F′(θ; v) for every direction v;
    F is piecewise linear near the kinks here, so a small one-sided step gives F′(θ; v)."""
    f0 = F(theta)
    for _ in range(trials):
        v = rng.normal(size=theta.shape)
        v[rng.random(theta.shape) < 0.5] = 0.0  # axis-aligned parts reach every kink face
        slope = (F(theta + t * v) - f0) / t
        if float(g @ v) > slope + 1e-6 * (1 + abs(slope)):
            return False
    return True


def _flat(W, b):
    return np.concatenate([W.ravel(), b])


def _split(theta, K, d):
    return theta[: K * d].reshape(K, d), theta[K * d :]


@pytest.mark.parametrize("loss", ["multiclass_hinge", "crammer_singer"])
def test_hinge_on_its_margin_gives_the_declared_subgradient(loss):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 2))
    y = np.array([0, 0, 1, 2, 0, 1])
    W = np.zeros((3, 2))
    # samples of class 0 sit exactly on their margins (1 + 0 − 1 = 0), and for
    # Crammer–Singer their rivals 1 and 2 tie as well: the first (1) is taken
    b = np.array([1.0, 0.0, 0.0])
    g = compiled(loss).gradient(X, y, W, b)
    _, hW, hb = hand(loss, X, y, W, b, h_kink=0.0)  # convention 'exclude': 𝟙 = 0 at 0
    assert rel(g["W"], hW) <= 1e-12 and rel(g["b"], hb) <= 1e-12
    _, wrongW, _ = hand(loss, X, y, W, b, h_kink=1.0)
    assert rel(g["W"], wrongW) > 1e-3  # the kink is really hit: conventions differ here

    def F(theta):
        Wt, bt = _split(theta, 3, 2)
        return hand(loss, X, y, Wt, bt)[0]

    assert _is_subgradient(F, _flat(W, b), _flat(g["W"], g["b"]), rng)
    bogus = _flat(g["W"], g["b"]) + 0.5  # a vector that is not one: the check can fail
    assert not _is_subgradient(F, _flat(W, b), bogus, rng)


@pytest.mark.parametrize(("l1", "sgn0"), [(None, 0.0), ("plus", 1.0), ("minus", -1.0)])
def test_l1_at_zero_weights_uses_its_convention(l1, sgn0):
    X, y, W, b = draw("softmax", 11, n=8, d=3, K=3)
    W[0, 1] = W[2, 0] = W[1, 2] = 0.0
    g = compiled("softmax", "l1", False, l1).gradient(X, y, W, b)
    _, hW, hb = hand("softmax", X, y, W, b)
    _, rW = reg_hand("l1", W, sgn0)
    assert rel(g["W"], hW + rW) <= 1e-12 and rel(g["b"], hb) <= 1e-12
    rng = np.random.default_rng(2)

    def F(theta):
        Wt, bt = _split(theta, 3, 3)
        return total("softmax", "l1", X, y, Wt, bt)

    # softmax is smooth, so only the L1 kinks matter; a curved F needs a shorter step
    assert _is_subgradient(F, _flat(W, b), _flat(g["W"], g["b"]), rng, t=1e-6)


def test_derive_returns_a_model_derivation_that_compiles():
    d = gradproof.derive("softmax")
    g = d.numpy().gradient([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]], [0, 2, 1])
    assert g["W"].shape == (3, 2) and g["b"].shape == (3,)
    _, hW, hb = hand(
        "softmax",
        np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]]),
        np.array([0, 2, 1]),
        np.zeros((3, 2)),
        np.zeros(3),
    )
    assert rel(g["W"], hW) <= 1e-12 and rel(g["b"], hb) <= 1e-12


def test_one_hot_labels_equal_class_labels():
    X, y, W, b = draw("softmax", 4)
    f = compiled("softmax")
    a, c = f.gradient(X, y, W, b), f.gradient(X, np.eye(4)[y], W, b)
    assert rel(a["W"], c["W"]) == 0.0 and rel(a["b"], c["b"]) == 0.0


def test_worked_example_refuses_non_finite_data():
    with pytest.raises(GradproofError, match="not finite"):
        gradproof.derive("softmax", X=[[1.0, float("nan")]], y=[0])


def test_worked_example_numbers():
    X = [[1.0, 2.0], [3.0, 4.0], [0.0, 1.0]]
    at = {"W": [[1, 0], [0, 1], [1, 1]], "b": [0, 0, 1]}
    ex = gradproof.derive("softmax", X=X, y=[0, 2, 1], at=at).example.to_dict()
    L, hW, hb = hand(
        "softmax",
        np.array(X),
        np.array([0, 2, 1]),
        np.array(at["W"], float),
        np.array(at["b"], float),
    )
    assert rel(np.array(ex["gradient"]["W"]), hW) <= 1e-12 and abs(ex["loss"] - L) <= 1e-12
    assert rel(np.array(ex["update"]["W"]), np.array(at["W"]) - 0.1 * hW) <= 1e-12
    zero = gradproof.derive("softmax", X=X, y=[0, 2, 1]).example.to_dict()
    assert zero["point"] == {"W": [[0.0, 0.0]] * 3, "b": [0.0] * 3}


BAD = [
    ("X-1d", "softmax", [1.0, 2.0], [0, 1], {}, "n×d"),
    ("y-length", "softmax", [[1.0], [2.0]], [0, 1, 1], {}, "one label per sample"),
    ("y-fraction", "softmax", [[1.0], [2.0]], [0, 0.5], {}, "whole numbers"),
    ("y-negative", "softmax", [[1.0], [2.0]], [0, -1], {}, "whole numbers"),
    ("y-too-big", "softmax", [[1.0], [2.0]], [0, 3], {"W": [[1.0], [0.0]]}, "K = 2"),
    ("one-hot", "softmax", [[1.0], [2.0]], [[1, 1], [0, 1]], {}, "one-hot"),
    ("W-shape", "softmax", [[1.0, 2.0]], [0], {"W": [[1.0], [2.0]]}, "W has shape 2×1"),
    ("b-shape", "softmax", [[1.0, 2.0]], [1], {"W": np.zeros((2, 2)), "b": [0.0]}, "b has shape"),
    ("targets", "multi_squared_error", [[1.0], [2.0]], [1.0, 2.0], {}, "targets"),
]


@pytest.mark.parametrize(
    ("loss", "X", "y", "point", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_data_is_one_line_error(loss, X, y, point, match):
    with pytest.raises(GradproofError, match=match) as info:
        compiled(loss).gradient(X, y, **point)
    assert "\n" not in str(info.value)


def _lse(S):
    m = S.max(axis=1)
    return m + np.log(np.exp(S - m[:, None]).sum(axis=1))


CUSTOM = {
    "logsumexp(s)^2": lambda S, y: np.sum(_lse(S) ** 2),
    "-log(softmax(s)[y])": lambda S, y: np.sum(_lse(S) - S[np.arange(len(y)), y]),
    "max(0, 1 + max_rivals(s) - s[y])": lambda S, y: np.sum(
        np.maximum(
            0.0,
            1.0
            + np.where(np.eye(S.shape[1])[y] == 1, -np.inf, S).max(axis=1)
            - S[np.arange(len(y)), y],
        )
    ),
}


@pytest.mark.parametrize("expr", list(CUSTOM))
def test_user_expressions_over_the_scores_match_central_differences(expr):
    f = gradproof.derive(expr=expr).numpy()
    X, y, W, b = draw("crammer_singer", 21)

    def F(theta):
        Wt, bt = _split(theta, 4, 3)
        return CUSTOM[expr](X @ Wt.T + bt, y)

    g = f.gradient(X, y, W, b)
    fd = central(F, _flat(W, b))
    assert rel(_flat(g["W"], g["b"]), fd) <= 1e-8


@pytest.mark.parametrize(
    "y",
    [np.array([0, 2**64 - 1], dtype=np.uint64), [0, 2**63], [0, 1e19], [0, 1e300]],
    ids=["uint64-max", "2^63", "1e19", "1e300"],
)
def test_a_label_out_of_range_is_an_error_not_another_class(y):
    # 2⁶⁴ − 1 as uint64 wrapped round to −1, and trained class 2 of 3 (review)
    f = gradproof.derive("softmax").numpy()
    for kw in ({}, {"W": np.zeros((3, 2))}):
        with pytest.raises(gradproof.GradproofError, match="label"):
            f.gradient([[1.0, 2.0], [3.0, 4.0]], y, **kw)
