"""Check and normalise the arguments of a compiled loss: X (n, d), y (n,), w (d,), b scalar.

The function below needs only numpy: its source is copied verbatim into exported modules
(:func:`gradproof.numeric.export.export_module`), so the package and the standalone code check
their inputs the same way. Inside gradproof it raises
:class:`~gradproof.errors.ShapeError` (see :func:`gradproof.numeric.compile.check_arrays`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["prepare_arrays"]


def prepare_arrays(
    X: Any, y: Any, w: Any, b: Any, error: type[Exception] = ValueError
) -> tuple[Any, Any, Any, Any]:
    """Check shapes and bring y, w, b to X's floating dtype; return (X, y, w, b).

    The computation runs in X's dtype when it is floating (float32 stays float32, float16
    becomes float32), otherwise in float64; y, w and b are cast to it (n + d numbers, never a
    copy of X when X is already floating). Lists become numpy arrays; Dask arrays stay lazy.
    Raises ``error`` naming the argument, the shape received and the shape expected.
    """

    def conv(a: Any, name: str) -> Any:
        if not (hasattr(a, "shape") and hasattr(a, "dtype") and hasattr(a, "astype")):
            try:
                a = np.asarray(a)
            except (TypeError, ValueError) as exc:
                raise error(
                    f"{name} must be a numeric array, got {type(a).__name__} ({exc})"
                ) from None
        kind = np.dtype(a.dtype).kind
        if kind not in "fiub":
            raise error(
                f"{name} must hold real numbers, got dtype {a.dtype}; convert it "
                f"with np.asarray({name}, dtype=float)"
            )
        return a

    X, y, w = conv(X, "X"), conv(y, "y"), conv(w, "w")
    if X.ndim != 2:
        raise error(
            f"X must have shape (n, d) (one row per sample), got shape "
            f"{tuple(X.shape)}; reshape a single sample with X.reshape(1, -1)"
        )
    n, d = X.shape
    if n == 0:
        raise error(f"X must have at least one sample (row), got shape {tuple(X.shape)}")
    if y.ndim != 1 or y.shape[0] != n:
        raise error(
            f"y must have shape ({n},) to match X of shape {tuple(X.shape)}, got "
            f"shape {tuple(y.shape)}; pass one label per row of X as a 1-d array"
        )
    if w.ndim != 1 or w.shape[0] != d:
        raise error(
            f"w must have shape ({d},) to match X of shape {tuple(X.shape)}, got "
            f"shape {tuple(w.shape)}; pass one weight per column of X as a 1-d array"
        )
    if np.ndim(b) != 0:
        raise error(f"b must be a scalar (shape ()), got shape {tuple(np.shape(b))}")
    real = isinstance(b, (int, float, np.integer, np.floating, np.bool_)) or (
        hasattr(b, "dtype") and np.dtype(b.dtype).kind in "fiub"
    )
    if not real:
        raise error(f"b must be a real number, got {b!r} ({type(b).__name__})")
    if np.dtype(X.dtype).kind == "f":
        dt = np.result_type(X.dtype, np.float32)
    else:
        dt = np.dtype(np.float64)
    if X.dtype != dt:
        X = X.astype(dt)
    if y.dtype != dt:
        y = y.astype(dt)
    if w.dtype != dt:
        w = w.astype(dt)
    return X, y, w, dt.type(b)
