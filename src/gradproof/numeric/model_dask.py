"""Dask arrays along the sample axis for compiled models: one chunk of rows is one block.

The linear losses run on Dask by letting numpy functions dispatch to it. A model's kernel
cannot: it works in place on numpy blocks (the log-softmax overwrites S, the true class's
term is ``np.add.at``), which Dask does not implement. So each chunk of rows of X (with its
labels) runs the generated ``_block_sums`` as one task, on numpy, exactly as a block of a
numpy X does; the partial sums are added in a tree, and ``_finish`` (the mean and the
regulariser) runs once. Nothing is computed until asked: the results are lazy Dask arrays in
X's floating dtype (float32 stays float32), ``dask.compute(L, g)`` shares the work.

The labels of each chunk are checked when it runs (a label out of range raises the same
:class:`~gradproof.errors.DataError` as with numpy, from ``dask.compute``); shapes and
dtypes are checked at once, from the arrays' metadata.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from gradproof.errors import DataError, OptionError, ShapeError
from gradproof.i18n import _
from gradproof.numeric.model_source import BLOCK_BYTES, needs_targets
from gradproof.parameters import shape_text

__all__ = ["is_dask", "run_dask"]

FAN_IN = 8
"""Partial sums added per task of the reduction tree."""


def is_dask(a: Any) -> bool:
    """Whether ``a`` is a Dask collection (checked without importing dask)."""
    return type(a).__module__.partition(".")[0] == "dask" and hasattr(a, "__dask_graph__")


def _matrix(X: Any) -> Any:
    """X as a Dask array (n, d) in its floating dtype, one chunk across the columns."""
    import dask.array as da

    X = da.asarray(X)
    if np.dtype(X.dtype).kind not in "biuf":
        raise DataError(_("X must hold real numbers, got dtype {dtype}", dtype=str(X.dtype)))
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ShapeError(
            _(
                "X must be an n×d matrix (samples as rows), got shape {shape}",
                shape=shape_text(X.shape),
            )
        )
    if any(math.isnan(c) for c in X.chunks[0]):
        raise ShapeError(
            _("X has chunks of unknown size; call X.compute_chunk_sizes() before passing it")
        )
    dt = np.float32 if X.dtype == np.float32 else np.float64
    if len(X.chunks[1]) > 1:  # a task needs whole rows
        X = X.rechunk({1: -1})
    return X.astype(dt) if X.dtype != dt else X, np.dtype(dt)


def _labels(y: Any, X: Any, labels: str, K: int | None) -> tuple[Any, int]:
    """y as a Dask array cut into the row chunks of X, and K (from W, or the width of y)."""
    import dask.array as da

    n = X.shape[0]
    ya: Any = y if is_dask(y) else np.asarray(y)
    if np.dtype(ya.dtype).kind not in "biuf":
        key = "y must hold real targets, got dtype {dtype}"
        if labels != "targets":
            key = "y must hold class labels 0…K−1, got dtype {dtype}"
        raise DataError(_(key, dtype=str(ya.dtype)))
    if labels == "targets":
        if ya.ndim != 2 or ya.shape[0] != n or (K is not None and ya.shape[1] != K):
            raise ShapeError(
                _(
                    "y must be the targets, {want} (a row of K per sample), got shape {shape}",
                    want=f"{n}×{K if K is not None else 'K'}",
                    shape=shape_text(ya.shape),
                )
            )
    elif ya.ndim not in (1, 2) or ya.shape[0] != n:
        raise ShapeError(
            _(
                "y must hold one label per sample ({n}, the rows of X), got shape {shape}",
                n=n,
                shape=shape_text(ya.shape),
            )
        )
    if ya.ndim == 2:
        if K is not None and ya.shape[1] != K and labels != "targets":
            raise ShapeError(
                _(
                    "y has one-hot rows of width {width} but W has K = {K} rows",
                    width=ya.shape[1],
                    K=K,
                )
            )
        K = int(ya.shape[1])
    if K is None and not is_dask(ya) and ya.size and ya.dtype.kind in "iuf":
        top = float(np.max(ya))  # numpy labels: K is the largest + 1 (each chunk checks them)
        K = int(top) + 1 if np.isfinite(top) and 0 <= top < 2**31 else None
    if K is None:
        raise OptionError(
            _(
                "with Dask labels give W (or K=): the number of classes cannot be read "
                "from y without computing it"
            )
        )
    chunks = (X.chunks[0],) + ((ya.shape[1],) if ya.ndim == 2 else ())
    if is_dask(ya):
        return ya.rechunk(chunks), K
    return da.from_array(ya, chunks=chunks), K


def _add(*parts: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
    """The sum of partial (total, gW, gb) triples, in their order, in fresh arrays."""
    total, gW, gb = parts[0]
    gW, gb = gW.copy(), gb.copy()
    for t, w, c in parts[1:]:
        total = total + t
        gW += w
        gb += c
    return total, gW, gb


def run_dask(
    model: Any,
    X: Any,
    y: Any,
    W: Any,
    b: Any,
    K: int | None,
    need: bool,
    model_arrays: Callable[..., tuple[Any, Any, Any, int]],
) -> tuple[Any, dict[str, Any]]:
    """(L, {"W": ∂L/∂W, "b": ∂L/∂b}) as lazy Dask arrays for the compiled ``model``;
    ``model_arrays`` checks and prepares one chunk (:func:`gradproof.numeric.model.model_arrays`,
    passed in: this module is below that one)."""
    import dask
    import dask.array as da

    if K is None and W is not None and np.ndim(W) == 2:
        K = int(np.shape(W)[0])
    Xd, dt = _matrix(X)
    kind = model.derivation.spec.labels
    yd, K = _labels(y, Xd, kind, K)
    n, d = (int(v) for v in Xd.shape)
    lay = model.layout(d, K)
    zeros = lay.zeros(dt)
    point = lay.check(
        {"W": zeros["W"] if W is None else W, "b": zeros["b"] if b is None else b},
        "the point",
        dtype=dt,
    )
    Wp, bp = point["W"], point["b"]
    onehot = needs_targets(model.source)
    block = max(256, BLOCK_BYTES // (8 * max(d, K)))
    # the generated module's other functions, beside loss_and_grad in its namespace
    sums, finish = model._fn.__globals__["_block_sums"], model._fn.__globals__["_finish"]

    def chunk(Xc: Any, yc: Any) -> tuple[Any, Any, Any]:
        Xa, lab, T, _k = model_arrays(kind, Xc, yc, K, finite=False, onehot=onehot)
        total, gW, gb = sums(Xa, lab, T, Wp, bp, need, block)
        return total, gW, gb

    def done(part: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
        total, gW, gb = finish(*_add(part), n, Wp, need)
        return np.asarray(total, dtype=dt), np.asarray(gW, dtype=dt), np.asarray(gb, dtype=dt)

    # pure=False: keys from uuids, not from hashing the closures (and W in them) per chunk;
    # loss_and_gradient's loss and gradient share the one graph below
    rows = Xd.to_delayed().ravel()
    labels = yd.to_delayed().ravel()
    level = [dask.delayed(chunk, pure=False)(xb, yb) for xb, yb in zip(rows, labels, strict=True)]
    while len(level) > 1:
        level = [
            dask.delayed(_add, pure=False)(*level[i : i + FAN_IN])
            for i in range(0, len(level), FAN_IN)
        ]
    out = dask.delayed(done, pure=False, nout=3)(level[0])
    total = da.from_delayed(out[0], shape=(), dtype=dt)
    grad = {
        "W": da.from_delayed(out[1], shape=(K, d), dtype=dt),
        "b": da.from_delayed(out[2], shape=(K,), dtype=dt),
    }
    return total, grad
