"""Loading and validating the data of a worked example or a check: X, y and a point (w, b).

Every problem is a :class:`~gradproof.errors.DataError` (or ShapeError) with one line that
names the source, what is wrong and how to mend it. Nothing here changes the caller's arrays.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from gradproof._typing import Array
from gradproof.errors import DataError, ShapeError

__all__ = ["Dataset", "Point", "load_data", "parse_matrix", "parse_vector", "parse_point",
           "sample_dataset", "validate_labels", "as_dataset"]


@dataclass(frozen=True)
class Dataset:
    """Samples as rows of X (n, d) and labels y (n,)."""

    X: Array
    y: Array
    source: str = "data"

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])


@dataclass(frozen=True)
class Point:
    """Where the gradient is evaluated: w (d,) and b."""

    w: Array
    b: float


def _finite(a: Array, what: str, source: str) -> None:
    bad = ~np.isfinite(a)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"row {idx[0] + 1}" + (f", column {idx[1] + 1}" if len(idx) > 1 else "")
        raise DataError(f"{source}: {what} has a non-finite value ({a[idx]!r}) at {where}; "
                        f"remove or fill it")


def _numeric(value: Any, what: str, source: str, ndim: int) -> Array:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        kind = "ragged rows" if "inhomogeneous" in str(exc) else "non-numeric values"
        raise DataError(f"{source}: {what} has {kind}; give a "
                        f"{'list of equal-length rows' if ndim == 2 else 'list'} of numbers"
                        ) from None
    if arr.ndim != ndim:
        raise ShapeError(f"{source}: {what} must be {ndim}-dimensional, got shape {arr.shape}")
    return arr


def as_dataset(X: Any, y: Any, source: str = "data") -> Dataset:
    """Validate X (n, d) and y (n,): numeric, finite, non-empty, matching lengths."""
    Xa = _numeric(X, "X", source, 2)
    ya = _numeric(y, "y", source, 1)
    if Xa.shape[0] == 0 or Xa.shape[1] == 0:
        raise DataError(f"{source}: the dataset is empty (X has shape {Xa.shape}); give at "
                        f"least one sample with at least one feature")
    if ya.shape[0] != Xa.shape[0]:
        raise ShapeError(f"{source}: X has {Xa.shape[0]} rows but y has {ya.shape[0]} labels; "
                         f"give one label per row")
    _finite(Xa, "X", source)
    _finite(ya, "y", source)
    return Dataset(Xa, ya, source)


def validate_labels(ds: Dataset, labels: str) -> None:
    """Check the labels fit the loss: ±1 for margin losses, any finite number otherwise."""
    if labels == "pm1":
        bad = ~np.isin(ds.y, (-1.0, 1.0))
        if bad.any():
            i = int(np.argmax(bad))
            found = sorted({float(v) for v in np.unique(ds.y)})
            hint = ""
            if set(found) <= {0.0, 1.0}:
                hint = "; labels look like 0/1: convert with y = 2*y - 1"
            raise DataError(f"{ds.source}: label {ds.y[i]:g} in row {i + 1} is not −1 or +1 "
                            f"(this loss needs labels in {{−1, +1}}){hint}")


def _json_value(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{what}: not valid JSON ({exc.msg} at character {exc.pos + 1}); "
                        f"write e.g. '[[2,3],[1,-1]]'") from None


def parse_matrix(text: str, what: str = "--X") -> Array:
    """A matrix written as JSON, e.g. ``[[2,3],[1,-1]]``."""
    return _numeric(_json_value(text, what), what, what, 2)


def parse_vector(text: str, what: str = "--y") -> Array:
    """A vector written as JSON, e.g. ``[1,-1]``."""
    return _numeric(_json_value(text, what), what, what, 1)


def parse_point(spec: str | Mapping[str, Any] | None, d: int, what: str = "--at") -> Point:
    """A point ``{"w": [...], "b": ...}``; missing parts are zeros, the default is all zeros."""
    raw: Any = {} if spec is None else spec
    if isinstance(raw, str):
        raw = _json_value(raw, what)
    if not isinstance(raw, Mapping):
        raise DataError(f'{what}: expected an object like {{"w": [0, 0], "b": 0}}')
    unknown = set(raw) - {"w", "b"}
    if unknown:
        raise DataError(f"{what}: unknown key(s) {', '.join(sorted(unknown))}; use w and b")
    w = _numeric(raw.get("w", [0.0] * d), "w", what, 1)
    if w.shape[0] != d:
        raise ShapeError(f"{what}: w has {w.shape[0]} entries but the data has {d} features")
    try:
        b = float(raw.get("b", 0.0))
    except (TypeError, ValueError):
        raise DataError(f"{what}: b must be a number, got {raw.get('b')!r}") from None
    _finite(w, "w", what)
    if not np.isfinite(b):
        raise DataError(f"{what}: b is not finite ({b}); give a finite number")
    return Point(w, b)


def _load_csv(path: Path) -> Dataset:
    rows: list[list[float]] = []
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        width = None
        for lineno, row in enumerate(reader, start=1):
            if not row or all(not c.strip() for c in row):
                continue
            try:
                values = [float(c) for c in row]
            except ValueError:
                if lineno == 1 and not rows:
                    continue  # a header line
                bad = next(c for c in row if not _is_float(c))
                raise DataError(f"{path}: row {lineno} has a non-numeric cell {bad!r}") from None
            if width is None:
                width = len(values)
            elif len(values) != width:
                raise DataError(f"{path}: row {lineno} has {len(values)} cells but earlier rows "
                                f"have {width}; every row needs the same number of columns")
            rows.append(values)
    if not rows:
        raise DataError(f"{path}: no data rows; the CSV needs features then the label in the "
                        f"last column")
    arr = np.asarray(rows)
    if arr.shape[1] < 2:
        raise DataError(f"{path}: rows need at least one feature and a label (last column)")
    return as_dataset(arr[:, :-1], arr[:, -1], str(path))


def _is_float(c: str) -> bool:
    try:
        float(c)
        return True
    except ValueError:
        return False


def _load_npz(path: Path) -> Dataset:
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = {"X", "y"} - set(f.files)
            if missing:
                raise DataError(f"{path}: missing array(s) {', '.join(sorted(missing))}; save "
                                f"with np.savez(path, X=X, y=y)")
            return as_dataset(f["X"], f["y"], str(path))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not a readable .npz file ({exc})") from None


def _load_json(path: Path) -> Dataset:
    raw = _json_value(path.read_text(), str(path))
    if not isinstance(raw, Mapping) or not {"X", "y"} <= set(raw):
        raise DataError(f'{path}: expected an object {{"X": [[...], ...], "y": [...]}}')
    return as_dataset(raw["X"], raw["y"], str(path))


def load_data(path: str | Path) -> Dataset:
    """Read a dataset from .csv (label in the last column), .npz (X, y) or .json (X, y)."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such file")
    loaders = {".csv": _load_csv, ".npz": _load_npz, ".json": _load_json}
    loader = loaders.get(p.suffix.lower())
    if loader is None:
        raise DataError(f"{p}: unknown format {p.suffix!r}; use .csv, .npz or .json")
    try:
        return loader(p)
    except UnicodeDecodeError:
        raise DataError(f"{p}: not a text file; a {p.suffix} file must be UTF-8 text") from None


def sample_dataset(labels: str = "pm1") -> Dataset:
    """The built-in sample data: four points in the plane, linearly separable.

    Regression losses get real targets (a linear function of the features plus noise).
    """
    with resources.files("gradproof").joinpath("data/sample.csv").open() as fh:
        arr = np.loadtxt(fh, delimiter=",", skiprows=1)
    X, y = arr[:, :-1], arr[:, -1]
    if labels != "pm1":
        y = X @ np.array([1.5, -0.5]) + np.array([0.5, -0.25, 0.25, 0.0])
    return Dataset(X, y, "built-in sample data")
