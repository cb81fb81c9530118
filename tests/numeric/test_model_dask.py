"""Compiled models on Dask arrays chunked along the rows (issue 15, item 3): every model loss
and regulariser gives, lazily, the numbers of numpy and of a hand-written oracle; float32
stays float32; the labels of a chunk are checked when it runs; bad input is one clear line."""

from __future__ import annotations

import numpy as np
import pytest

from gradproof import DataError, OptionError, ShapeError, derive

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

LOSSES = ["softmax", "multiclass_hinge", "crammer_singer", "multi_squared_error"]
REGS = {None: {}, "l2": {"lam": 0.3}, "l1": {"lam": 0.2}, "elastic_net": {"lam1": 0.2, "lam2": 0.5}}
N, D, K = 2_000, 5, 4


def oracle(loss, X, y, W, b, reg, mean):
    """(L, dW, db) by hand, CS231n style (no kink is hit at random points)."""
    n, rows = X.shape[0], np.arange(X.shape[0])
    S = X @ W.T + b
    if loss == "multi_squared_error":
        G, L = S - y, 0.5 * np.sum((S - y) ** 2)
    elif loss == "softmax":
        E = np.exp(S - S.max(axis=1, keepdims=True))
        P = E / E.sum(axis=1, keepdims=True)
        L = -np.sum(np.log(P[rows, y]))
        G = P.copy()
        G[rows, y] -= 1
    elif loss == "multiclass_hinge":
        M = S - S[rows, y][:, None] + 1.0
        M[rows, y] = 0.0
        L = np.sum(np.maximum(0.0, M))
        G = (M > 0).astype(float)
        G[rows, y] = -G.sum(axis=1)
    else:  # crammer_singer
        T = S.copy()
        T[rows, y] = -np.inf
        r = T.argmax(axis=1)
        m = 1.0 + T[rows, r] - S[rows, y]
        L = np.sum(np.maximum(0.0, m))
        G = np.zeros_like(S)
        G[rows, r] += m > 0
        G[rows, y] -= m > 0
    dW, db = G.T @ X, G.sum(axis=0)
    if mean:
        L, dW, db = L / n, dW / n, db / n
    p = REGS[reg]
    lam1 = p.get("lam", 0.0) if reg == "l1" else p.get("lam1", 0.0)
    lam2 = p.get("lam", 0.0) if reg == "l2" else p.get("lam2", 0.0)
    L += lam1 * np.abs(W).sum() + lam2 / 2 * (W**2).sum()
    return L, dW + lam1 * np.sign(W) + lam2 * W, db


def data(loss, dtype=np.float64, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D)).astype(dtype)
    if loss == "multi_squared_error":
        y = rng.standard_normal((N, K)).astype(dtype)
    else:
        y = rng.integers(0, K, N)
    W = rng.standard_normal((K, D)).astype(dtype)
    b = rng.standard_normal(K).astype(dtype)
    return X, y, W, b


def lazy(X, y, rows=300):
    """X cut into chunks of rows (the last one shorter) and across its columns too."""
    return da.from_array(X, chunks=(rows, 2)), da.from_array(y, chunks=(rows,) + y.shape[1:])


@pytest.mark.parametrize("reg", list(REGS), ids=lambda r: r or "none")
@pytest.mark.parametrize("loss", LOSSES)
def test_dask_agrees_with_numpy_and_the_oracle(loss, reg):
    mean = reg == "l2"  # one mean loss per loss: the 1/n comes after the chunks are added
    f = derive(loss, reg=reg, params=REGS[reg], mean=mean).numpy()
    X, y, W, b = data(loss)
    Xd, yd = lazy(X, y)
    L, g = f.loss_and_gradient(X, y, W=W, b=b)
    Ld, gd = f.loss_and_gradient(Xd, yd, W=W, b=b)
    assert isinstance(Ld, da.Array) and all(isinstance(v, da.Array) for v in gd.values())
    Lc, gc = dask.compute(Ld, gd)
    Lo, dWo, dbo = oracle(loss, X, y, W, b, reg, mean)
    for got, numpy_value, want in [(Lc, L, Lo), (gc["W"], g["W"], dWo), (gc["b"], g["b"], dbo)]:
        assert np.asarray(got).shape == np.shape(want)
        np.testing.assert_allclose(got, numpy_value, rtol=1e-12, atol=1e-10)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-9)
    (gonly,) = dask.compute(f.gradient(Xd, yd, W=W, b=b))
    np.testing.assert_allclose(gonly["W"], dWo, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(float(f.loss(Xd, yd, W=W, b=b).compute()), Lo, rtol=1e-12)


@pytest.mark.parametrize("loss", LOSSES)
def test_float32_stays_float32(loss):
    f = derive(loss, reg="l2", params={"lam": 0.1}).numpy()
    X, y, W, b = data(loss, np.float32, seed=4)
    L, g = f.loss_and_gradient(X, y, W=W, b=b)
    Ld, gd = f.loss_and_gradient(*lazy(X, y), W=W, b=b)
    assert Ld.dtype == np.float32 and gd["W"].dtype == np.float32
    Lc, gc = dask.compute(Ld, gd)
    assert np.asarray(Lc).dtype == np.float32 and gc["W"].dtype == gc["b"].dtype == np.float32
    np.testing.assert_allclose(Lc, L, rtol=1e-5)
    for p in ("W", "b"):
        np.testing.assert_allclose(gc[p], g[p], rtol=1e-4, atol=1e-3)


def test_numpy_labels_one_hot_rows_and_the_point_at_zeros():
    f = derive("softmax").numpy()
    X, y, W, b = data("softmax", seed=5)
    Y = np.eye(K)[y]
    want = f.gradient(X, y, W=W, b=b)
    Xd = da.from_array(X, chunks=(700, D))
    for labels in (y, Y, da.from_array(Y, chunks=(500, 1))):  # y rechunked to X's rows
        (got,) = dask.compute(f.gradient(Xd, labels, W=W, b=b))
        np.testing.assert_allclose(got["W"], want["W"], rtol=1e-12, atol=1e-10)
    # no point: zeros, K from the width of the one-hot rows; P = 1/K everywhere
    (g0,) = dask.compute(f.gradient(Xd, da.from_array(Y, chunks=(700, K))))
    np.testing.assert_allclose(g0["W"], (1 / K - Y).T @ X, rtol=1e-12, atol=1e-10)


def test_numpy_labels_give_K_without_W():
    # the number of classes is read from numpy labels, as the numpy path does (review: a
    # Dask X with numpy y and no W was refused as if y were lazy)
    f = derive("softmax").numpy()
    X, y, _W, _b = data("softmax", seed=7)
    want = f.loss_and_gradient(X, y)
    got = dask.compute(*f.loss_and_gradient(da.from_array(X, chunks=(700, D)), y))
    assert float(got[0]) == pytest.approx(float(want[0]), rel=1e-12)
    np.testing.assert_allclose(got[1]["W"], want[1]["W"], rtol=1e-12, atol=1e-10)
    with pytest.raises(DataError, match="class labels"):  # text labels: the usual error
        f.loss(da.from_array(X, chunks=700), np.array(["a"] * len(y))).compute()


def test_a_bad_label_in_a_chunk_raises_when_computed():
    f = derive("softmax").numpy()
    X, y, W, b = data("softmax", seed=6)
    y = y.copy()
    y[1_500] = K  # in the sixth chunk of 300
    L = f.loss(*lazy(X, y), W=W, b=b)  # nothing read yet
    with pytest.raises(DataError, match=f"y has label {K} but W has K = {K} rows"):
        L.compute()


BAD = [
    ("y-short", dict(y=np.zeros(N - 1, int)), ShapeError, "one label per sample"),
    ("X-1d", dict(X=np.zeros(N)), ShapeError, "n×d matrix"),
    ("y-text", dict(y=np.array(["a"] * N)), DataError, "class labels"),
    ("K-unknown", dict(W=None), OptionError, "give W"),
]


@pytest.mark.parametrize("bad, error, words", [r[1:] for r in BAD], ids=[r[0] for r in BAD])
def test_bad_dask_input_is_one_clear_line(bad, error, words):
    X, y, W, b = data("softmax")
    args = dict(X=X, y=y, W=W, b=b) | bad
    X_, y_ = args.pop("X"), args.pop("y")
    Xd = da.from_array(X_, chunks=300)
    yd = da.from_array(y_, chunks=300)
    with pytest.raises(error, match=words) as info:
        derive("softmax").numpy().gradient(Xd, yd, **args)
    assert "\n" not in str(info.value)


def test_unknown_chunk_sizes_are_refused():
    X, y, W, b = data("softmax")
    Xd = da.from_array(X, chunks=300)
    Xd = Xd[Xd[:, 0] > 0]  # rows of unknown number
    with pytest.raises(ShapeError, match="compute_chunk_sizes"):
        derive("softmax").numpy().loss(Xd, y, W=W, b=b)
