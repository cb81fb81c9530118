"""The data a check runs on and the points as the candidate receives them.

The caller's own arrays are kept (dtype and all, behind read-only views) for the candidate;
float64 copies, ‖xᵢ‖² and (for large data) the column norms serve the reference. With no
data, the datasets are generated (:func:`~gradproof.verify.points.generated_datasets`); a
claim, being one value, is checked on the built-in sample data it was computed on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from gradproof.datasets import (
    Dataset,
    Point,
    as_dataset,
    parse_point,
    sample_dataset,
    validate_labels,
)
from gradproof.errors import OptionError
from gradproof.i18n import lazy
from gradproof.symbolic.derivation import Derivation
from gradproof.verify import budget
from gradproof.verify.candidate import read_only
from gradproof.verify.pointcheck import Data
from gradproof.verify.points import CheckPoint, generated_datasets
from gradproof.verify.reference import EXACT_LIMIT

__all__ = ["Case", "cases_for", "given_point", "point_dtype", "caller_point"]


def dimension(at: Any, w: Any) -> int | None:
    """The number of weights a point given without data has, if any."""
    if w is not None:
        return int(np.size(w))
    if isinstance(at, Point):
        return int(at.w.shape[0])
    raw = at
    if isinstance(at, str):
        try:
            raw = json.loads(at)
        except json.JSONDecodeError:
            return None  # parse_point reports it
    if isinstance(raw, Mapping) and isinstance(raw.get("w"), (list, tuple, np.ndarray)):
        return len(raw["w"])
    return None


def fast_dataset(X: Any, y: Any) -> Dataset:
    """:func:`gradproof.datasets.as_dataset`, with a fast path for large float arrays: a finite
    sum proves every entry finite in one pass without a temporary."""
    if (
        isinstance(X, np.ndarray)
        and isinstance(y, np.ndarray)
        and X.ndim == 2
        and y.ndim == 1
        and X.shape[0] == y.shape[0]
        and X.size > 0
        and np.issubdtype(X.dtype, np.floating)
        and np.issubdtype(y.dtype, np.floating)
    ):
        with np.errstate(over="ignore", invalid="ignore"):
            finite = bool(np.isfinite(X.sum()) and np.isfinite(y.sum()))
        if finite:
            return Dataset(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return as_dataset(X, y)


class Case:
    """One dataset to check on: float64 data, the caller's own arrays, its points."""

    def __init__(self, ds: Dataset, Xc: Any, yc: Any, label: str) -> None:
        self.ds = ds
        with np.errstate(over="ignore"):  # ‖xᵢ‖² may overflow; the checks size it otherwise
            xx = np.einsum("ij,ij->i", ds.X, ds.X)
            cols = np.sqrt(np.einsum("ij,ij->j", ds.X, ds.X)) if ds.X.size > EXACT_LIMIT else None
        self.data = Data(ds.X, ds.y, xx, label, cols)
        self.Xc = read_only(Xc)
        self.yc = read_only(yc)
        self.points: list[CheckPoint] = []


_SAMPLE = "the built-in sample data (n = {n}, d = {d})"
GIVEN = lazy("given point")


def cases_for(d: Derivation, X, y, data, w, b, at, claim) -> tuple[list[Case], Any, list[str]]:
    """The datasets (with the caller's arrays), the given point and notes."""
    notes: list[str] = []
    if data is None and X is None and y is None:
        if claim is not None:
            ds = sample_dataset(d.spec.labels)
            return (
                [Case(ds, ds.X, ds.y, lazy(_SAMPLE, n=ds.n, d=ds.d))],
                None,
                notes,
            )
        dim = dimension(at, w)
        sets = generated_datasets(d.spec.labels, 0, dim)
        sizes = ", ".join(str(s.n) for s in sets)
        dims = ", ".join(str(s.d) for s in sets)
        notes.append(
            lazy(
                "no data given: checked on generated data with n = {sizes} samples and d = {dims} "
                "features ({labels})",
                sizes=sizes,
                dims=dims,
                labels=lazy("±1 labels") if d.spec.labels == "pm1" else lazy("real targets"),
            )
        )
        return [Case(s, s.X, s.y, s.source) for s in sets], None, notes
    if data is None:
        if X is None or y is None:
            raise OptionError("give both X and y (or data=...)")
        data = fast_dataset(X, y)
    else:
        X, y = data.X, data.y
    budget.check_samples(data.n, data.d)
    validate_labels(data, d.spec.labels)
    return [Case(data, X, y, lazy("your data (n = {n}, d = {d})", n=data.n, d=data.d))], None, notes


def given_point(case: Case, w: Any, b: Any, at: Any) -> CheckPoint:
    dim = case.ds.d
    if at is not None:
        if w is not None:
            raise OptionError("give the point as at=... or as w=/b=, not both")
        pt = at if isinstance(at, Point) else parse_point(at, dim)
        return CheckPoint(np.asarray(pt.w, dtype=np.float64), float(pt.b), "given", GIVEN)
    if w is None and b is None:
        return CheckPoint(np.zeros(dim), 0.0, "default", lazy("default point"))
    w64 = np.asarray(np.zeros(dim) if w is None else w, dtype=np.float64)
    bf = float(0.0 if b is None else b)
    if w64.shape != (dim,) or not np.all(np.isfinite(w64)) or not np.isfinite(bf):
        raise OptionError(
            f"w must be {dim} finite numbers and b a finite number, got w of shape {w64.shape}"
        )
    return CheckPoint(w64, bf, "given", GIVEN)


def point_dtype(case: Case, w: Any) -> np.dtype:
    for a in (w, case.Xc):
        dt = getattr(a, "dtype", None)
        if dt is not None and np.issubdtype(dt, np.floating) and np.dtype(dt).itemsize <= 8:
            return np.dtype(dt)
    return np.dtype(np.float64)


def caller_point(pt: CheckPoint, dtype: np.dtype, w: Any, b: Any) -> tuple[Any, Any]:
    """(w, b) as the candidate receives them: the caller's own values at the given point,
    the caller's dtype at the random ones."""
    if pt.kind == "given" and w is not None:
        return w, (0.0 if b is None else b)
    wc = np.asarray(pt.w, dtype=dtype)
    bc: Any = pt.b if dtype == np.float64 else dtype.type(pt.b)
    if pt.kind == "given" and b is not None and not isinstance(b, (float, int)):
        bc = b
    return wc, bc
