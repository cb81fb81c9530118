"""Compiled numpy functions for a model with K scores per sample: :class:`CompiledModel`.

``derive("softmax").numpy()`` gives a :class:`CompiledModel` whose
``gradient(X, y, W=…, b=…)`` is ``{"W": K×d array, "b": K array}``, in the dtype of X
(float32 stays float32; anything else is float64). The point defaults to zeros, with K
taken from the labels (the largest label + 1, or the width of one-hot rows or targets).
The source that runs is kept on the result (``.source``).

>>> import numpy as np
>>> from gradproof import derive
>>> f = derive("softmax").numpy()
>>> g = f.gradient(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1]))
>>> g["W"].tolist(), g["b"].tolist()
([[-0.5, 0.5], [0.5, -0.5]], [0.0, 0.0])
"""

from __future__ import annotations

import linecache
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradproof._typing import Array
from gradproof.errors import DataError, OptionError, ShapeError
from gradproof.i18n import _
from gradproof.numeric.model_dask import is_dask, run_dask
from gradproof.numeric.model_source import BLOCK_BYTES, model_source, needs_targets
from gradproof.parameters import ParameterLayout, shape_text

__all__ = ["CompiledModel", "compile_model", "model_arrays", "load_generated"]


def _real_matrix(X: Any, finite: bool) -> Array:
    try:
        a = np.asarray(X)
    except (ValueError, TypeError):
        raise DataError(_("X must be a rectangular n×d array of numbers")) from None
    if a.dtype.kind not in "biuf":
        raise DataError(_("X must hold real numbers, got dtype {dtype}", dtype=str(a.dtype)))
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise ShapeError(
            _(
                "X must be an n×d matrix (samples as rows), got shape {shape}",
                shape=shape_text(a.shape),
            )
        )
    a = a.astype(np.float32 if a.dtype == np.float32 else np.float64, copy=False)
    if finite and not np.all(np.isfinite(a)):
        raise DataError(_("X has entries that are not finite (inf or nan); give finite numbers"))
    return a


MAX_CLASSES = 100_000
"""The most classes a label vector may imply (W is K × d zeros when no point is given)."""


def _class_labels(y: Any, n: int, K: int | None) -> tuple[Array, int]:
    """Labels 0…K−1 from a vector (integral numbers) or one-hot rows; and K."""
    a = np.asarray(y)
    if a.dtype.kind not in "biuf":
        raise DataError(_("y must hold class labels 0…K−1, got dtype {dtype}", dtype=str(a.dtype)))
    if a.ndim == 2 and a.shape[0] == n:  # one-hot rows
        if not np.all((a == 0) | (a == 1)) or not np.all(a.sum(axis=1) == 1):
            raise DataError(_("y as a matrix must be one-hot rows (one 1 per row, 0 elsewhere)"))
        if K is not None and a.shape[1] != K:
            raise ShapeError(
                _(
                    "y has one-hot rows of width {width} but W has K = {K} rows",
                    width=a.shape[1],
                    K=K,
                )
            )
        return a.argmax(axis=1), a.shape[1]
    if a.ndim != 1 or len(a) != n:
        raise ShapeError(
            _(
                "y must hold one label per sample ({n}, the rows of X), got shape {shape}",
                n=n,
                shape=shape_text(a.shape),
            )
        )
    if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)) or np.any(a < 0):
        raise DataError(_("y must hold class labels 0, 1, …, K − 1 (whole numbers ≥ 0)"))
    # the range before the cast: a label past intp (2⁶⁴ − 1 as uint64, 1e19) would wrap
    # round to a valid class and train the wrong one
    biggest = a.max().item() if a.size else 0
    if K is not None and biggest >= K:
        raise DataError(
            _(
                "y has label {label} but W has K = {K} rows (labels 0…{last})",
                label=f"{biggest:g}",
                K=K,
                last=K - 1,
            )
        )
    if biggest >= MAX_CLASSES:
        raise DataError(
            _(
                "y has label {label}: at most {most} classes (labels 0…{last})",
                label=f"{biggest:g}",
                most=MAX_CLASSES,
                last=MAX_CLASSES - 1,
            )
        )
    labels = a.astype(np.intp)
    top = int(labels.max()) + 1 if labels.size else 0
    return labels, K if K is not None else max(top, 2)


def _targets(y: Any, n: int, K: int | None) -> tuple[Array, int]:
    a = np.asarray(y)
    if a.dtype.kind not in "biuf":
        raise DataError(_("y must hold real targets, got dtype {dtype}", dtype=str(a.dtype)))
    if a.ndim != 2 or a.shape[0] != n or (K is not None and a.shape[1] != K):
        want = f"{n}×{K if K is not None else 'K'}"
        raise ShapeError(
            _(
                "y must be the targets, {want} (a row of K per sample), got shape {shape}",
                want=want,
                shape=shape_text(a.shape),
            )
        )
    if not np.all(np.isfinite(a)):
        raise DataError(_("y has entries that are not finite (inf or nan); give finite numbers"))
    return a, a.shape[1]


def model_arrays(
    labels: str, X: Any, y: Any, K: int | None = None, *, finite: bool = True, onehot: bool = True
) -> tuple[Array, Any, Any, int]:
    """(X, labels or None, targets n×K in X's dtype, K), checked; a one-line
    :class:`~gradproof.errors.DataError` / :class:`~gradproof.errors.ShapeError` otherwise.

    ``finite=False`` skips the pass over X that looks for inf and nan (the compiled
    functions, like the linear ones, leave that to the caller); ``onehot=False`` gives None
    for the targets of class labels (not built when the generated code does not read them).
    """
    Xa = _real_matrix(X, finite)
    n = Xa.shape[0]
    if labels == "targets":
        T, K = _targets(y, n, K)
        return Xa, None, T.astype(Xa.dtype, copy=False), K
    lab, K = _class_labels(y, n, K)
    if not onehot:
        return Xa, lab, None, K
    Y = np.zeros((n, K), dtype=Xa.dtype)
    Y[np.arange(n), lab] = 1
    return Xa, lab, Y, K


@dataclass(frozen=True)
class CompiledModel:
    """Numpy functions for one model derivation, with their source.

    ``loss(X, y, W=…, b=…)`` → a number; ``gradient(...)`` → {name: array of the
    parameter's shape}; ``loss_and_gradient(...)`` → both. Parameters left out are zeros.
    With X (or y) a Dask array chunked along the rows, the results are lazy Dask arrays
    (``dask.compute(*f.loss_and_gradient(...))``; see :mod:`gradproof.numeric.model_dask`).
    """

    derivation: Any
    source: str
    _fn: Any = field(repr=False)

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(self.derivation.parameters)

    def layout(self, d: int, K: int) -> ParameterLayout:
        """The parameters at d features and K classes."""
        return ParameterLayout({"W": (K, d), "b": (K,)})

    def _run(self, X: Any, y: Any, W: Any, b: Any, K: int | None, need: bool) -> Any:
        if is_dask(X) or is_dask(y):
            return run_dask(self, X, y, W, b, K, need, model_arrays)
        if K is None and W is not None:
            K = int(np.shape(W)[0]) if np.ndim(W) == 2 else None
        Xa, lab, T, K = model_arrays(
            self.derivation.spec.labels, X, y, K, finite=False, onehot=needs_targets(self.source)
        )
        lay = self.layout(Xa.shape[1], K)
        zeros = lay.zeros(Xa.dtype)
        point = lay.check(
            {"W": zeros["W"] if W is None else W, "b": zeros["b"] if b is None else b},
            "the point",
            dtype=Xa.dtype,
        )
        block = max(256, BLOCK_BYTES // (8 * max(Xa.shape[1], K)))
        total, gW, gb = self._fn(Xa, lab, T, point["W"], point["b"], need, block)
        return float(total), {"W": gW, "b": gb}

    def loss(self, X: Any, y: Any, W: Any = None, b: Any = None, *, K: int | None = None) -> Any:
        """L at the point (W, b) on the data (X, y): a float (a lazy 0-d array for Dask)."""
        return self._run(X, y, W, b, K, False)[0]

    def gradient(
        self, X: Any, y: Any, W: Any = None, b: Any = None, *, K: int | None = None
    ) -> dict[str, Array]:
        """∂L/∂W (K×d) and ∂L/∂b (K) at the point, in the dtype of X."""
        grad = self._run(X, y, W, b, K, True)[1]
        return {p: grad[p] for p in self.derivation.wrt}

    def loss_and_gradient(
        self, X: Any, y: Any, W: Any = None, b: Any = None, *, K: int | None = None
    ) -> tuple[Any, dict[str, Array]]:
        """(L, the gradient) in one pass over X."""
        total, grad = self._run(X, y, W, b, K, True)
        return total, {p: grad[p] for p in self.derivation.wrt}

    def score_gradient(
        self, X: Any, y: Any, W: Any, b: Any, *, K: int | None = None, rows: int | None = None
    ) -> Array:
        """G's first ``rows`` rows (default all): gᵢ = ∂ℓᵢ/∂sᵢ of each sample, not averaged.

        Each row is the compiled gradient of b on that sample alone (b is never regularised,
        so that gradient is gᵢ itself): the numbers a worked example shows come from the
        same code as the gradient, one cheap call per row shown.
        """
        if K is None:
            K = int(np.shape(W)[0])
        Xa, lab, T, K = model_arrays(
            self.derivation.spec.labels, X, y, K, finite=False, onehot=needs_targets(self.source)
        )
        point = self.layout(Xa.shape[1], K).check({"W": W, "b": b}, "the point", dtype=Xa.dtype)
        count = Xa.shape[0] if rows is None else min(int(rows), Xa.shape[0])
        out = np.empty((count, K), dtype=Xa.dtype)
        for i in range(count):
            one = slice(i, i + 1)
            li = None if lab is None else lab[one]
            ti = None if T is None else T[one]
            out[i] = self._fn(Xa[one], li, ti, point["W"], point["b"], True, 1)[2]
        return out


_COUNTER = [0]


def compile_model(d: Any, backend: str = "numpy") -> CompiledModel:
    """Compile the model derivation ``d`` (numpy is the only backend for models)."""
    if backend != "numpy":
        raise OptionError(
            _("models compile to numpy only (got backend={backend!r})", backend=backend)
        )
    source = model_source(d)
    return CompiledModel(d, source, load_generated(source, f"model {d.name}"))


def load_generated(source: str, label: str, entry: str = "loss_and_grad") -> Any:
    """The function ``entry`` of generated ``source``, kept in linecache under a numbered
    ``<gradproof label #k>`` so that tracebacks and ``inspect`` show the source."""
    _COUNTER[0] += 1
    filename = f"<gradproof {label} #{_COUNTER[0]}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), namespace)  # generated by gradproof, not user text
    return namespace[entry]
