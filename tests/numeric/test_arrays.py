"""Invalid arguments (one table with ids) and Dask arrays against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from gradproof import ShapeError, derive
from gradproof.numeric.prepare import prepare_arrays
from gradproof.symbolic.losses import LOSSES

X3 = np.ones((4, 3))
Y3 = np.ones(4)
W3 = np.zeros(3)

INVALID = [
    ("X-1d", dict(X=np.ones(3)), "X must have shape (n, d)", "(3,)"),
    ("X-3d", dict(X=np.ones((4, 3, 1))), "X must have shape (n, d)", "(4, 3, 1)"),
    ("X-empty", dict(X=np.ones((0, 3)), y=np.ones(0)), "at least one sample", "(0, 3)"),
    ("y-short", dict(y=np.ones(3)), "y must have shape (4,)", "got shape (3,)"),
    ("y-column", dict(y=np.ones((4, 1))), "y must have shape (4,)", "got shape (4, 1)"),
    ("w-long", dict(w=np.zeros(4)), "w must have shape (3,)", "got shape (4,)"),
    ("w-2d", dict(w=np.zeros((3, 1))), "w must have shape (3,)", "got shape (3, 1)"),
    ("b-vector", dict(b=np.zeros(2)), "b must be a scalar", "(2,)"),
    ("b-text", dict(b="0.5"), "b must be a real number", "'0.5'"),
    ("b-none", dict(b=None), "b must be a real number", "NoneType"),
    ("X-complex", dict(X=np.ones((4, 3), dtype=complex)), "X must hold real numbers", "complex128"),
    ("y-text", dict(y=np.array(["a", "b", "c", "d"])), "y must hold real numbers", "<U1"),
    ("X-ragged", dict(X=[[1.0, 2.0], [1.0]]), "X must be a numeric array", "list"),
]


@pytest.mark.parametrize(
    "bad, words, seen", [row[1:] for row in INVALID], ids=[row[0] for row in INVALID]
)
def test_invalid_arguments_name_argument_and_shapes(bad, words, seen):
    args = dict(X=X3, y=Y3, w=W3, b=0.0) | bad
    f = derive("hinge").numpy()
    for call in (f.loss, f.grad, f.loss_and_grad, f.coefficients):
        with pytest.raises(ShapeError) as info:
            call(**args)
        assert words in str(info.value) and seen in str(info.value)


def test_standalone_check_raises_value_error():
    with pytest.raises(ValueError, match=r"w must have shape \(3,\).*got shape \(2,\)"):
        prepare_arrays(X3, Y3, np.zeros(2), 0.0)


def test_lists_are_accepted():
    L = derive("squared_error").numpy().loss([[1.0, 2.0]], [1.0], [1.0, 1.0], 0.5)
    assert L == pytest.approx(0.5 * 2.5**2, rel=1e-15)


# -- Dask -------------------------------------------------------------------------------------
da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


@pytest.mark.parametrize("name", list(LOSSES))
def test_dask_agrees_with_numpy(name):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((10_000, 6))
    y = np.where(rng.standard_normal(10_000) > 0, 1.0, -1.0)
    w, b = rng.standard_normal(6), 0.3
    Xd, yd = da.from_array(X, chunks=(2_500, 6)), da.from_array(y, chunks=2_500)
    f = derive(name).numpy()
    want = f.loss_and_grad(X, y, w, b)
    lazy = f.loss_and_grad(Xd, yd, w, b)
    assert all(isinstance(v, da.Array) for v in lazy)  # nothing computed yet
    got = dask.compute(*lazy)
    for g, e in zip(got, want, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12 * max(1.0, np.max(np.abs(e))))
    gw, gb = dask.compute(*f.grad(Xd, yd, w, b))
    np.testing.assert_allclose(gw, want[1], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(gb, want[2], rtol=1e-12, atol=1e-9)
    (L,) = dask.compute(f.loss(Xd, yd, w, b))
    np.testing.assert_allclose(L, want[0], rtol=1e-12)


def test_dask_float32_and_user_expression():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((3_000, 4)).astype(np.float32)
    y = rng.standard_normal(3_000).astype(np.float32)
    w = rng.standard_normal(4).astype(np.float32)
    f = derive(
        expr="(w·x + b - y)^2/2 + dot(x, x)*b", reg="lam*dot(w, w)", params={"lam": 0.1}
    ).numpy()
    want = f.loss_and_grad(X, y, w, 0.2)
    got = dask.compute(*f.loss_and_grad(da.from_array(X, chunks=(1_000, 4)), y, w, 0.2))
    for g, e in zip(got, want, strict=True):
        assert np.asarray(g).dtype == np.float32
        np.testing.assert_allclose(g, e, rtol=1e-5)
