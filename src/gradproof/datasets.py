"""Loading and validating the data of a worked example or a check: X, y and a point (w, b).

Every problem is a :class:`~gradproof.errors.DataError` (or ShapeError) with one line that
names the source, what is wrong (with the row and column where known) and how to mend it.
Nothing here changes the caller's arrays. Files are read with bounded work and memory
(:data:`DATA_LIMITS`): the limits count what the data becomes — float64 values, n·d for X —
not the bytes of the file, so a small compressed .npz cannot expand into gigabytes. A .npz
array's shape and dtype are read from its .npy header before any data is decompressed, and a
.npz file is never unpickled. A CSV file is parsed by numpy (``np.loadtxt``) into a float64
array; a file numpy does not accept is read again row by row, into a compact buffer of
doubles, to name the row and column at fault.
"""

from __future__ import annotations

import array
import csv
import json
import math
import numbers
import os
import stat
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from gradproof._typing import Array
from gradproof.errors import DataError, GradproofError, ShapeError
from gradproof.i18n import N_, _, tr

__all__ = [
    "Dataset",
    "Point",
    "load_data",
    "parse_matrix",
    "parse_vector",
    "parse_point",
    "sample_dataset",
    "sample_model_dataset",
    "sample_xor_dataset",
    "validate_labels",
    "as_dataset",
    "DATA_LIMITS",
]

DATA_LIMITS = {
    "max_values": 25_000_000,  # values of X (n·d) or y, as float64: 200 MB each
    "max_bytes": 256 * 2**20,  # a .csv file; each .npz array, uncompressed
    "max_json_bytes": 16 * 2**20,  # a .json file: Python objects take ~20x its size
    "max_columns": 100_000,  # features + label in one row
    "max_line_chars": 64 * 100_000,  # one CSV line: max_columns cells of 64 characters
}
"""Bounds on the work and memory of reading a data file; tests monkeypatch this dict."""


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


def _name(path: str | Path) -> str:
    """A path for a one-line message: as is, or repr() if it holds control characters."""
    s = str(path)
    return s if s.isprintable() else repr(s)


def _cell(value: Any) -> str:
    """A user's cell for a message: repr, cut to 40 characters."""
    r = repr(value)
    return r if len(r) <= 40 else r[:39] + "…"


def _one_line(exc: BaseException) -> str:
    """An exception's message on one line, cut to 120 characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:119] + "…"


def _finite(a: Array, what: str, source: str) -> None:
    # A finite sum means every entry is finite: one pass and no array the size of ``a``.
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowing sum is checked below
        total = a.sum()
    if np.isfinite(total):
        return
    bad = ~np.isfinite(a)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = (
            _("row {i}, column {j}", i=idx[0] + 1, j=idx[1] + 1)
            if len(idx) > 1
            else _("row {i}", i=idx[0] + 1)
        )
        raise DataError(
            _(
                "{source}: {what} has a non-finite value ({value}) at {where}; remove or fill it",
                source=source,
                what=what,
                value=float(a[idx]),
                where=where,
            )
        )


def _check_nested(value: Any, what: str, source: str, ndim: int) -> None:
    """Plain lists (from JSON or a caller): numbers only, rows of equal length.

    Names the first offending row/column; booleans and strings are not numbers here.
    """
    if not isinstance(value, (list, tuple)):
        return
    rows = value if ndim == 2 else [value]
    width = None
    for i, row in enumerate(rows, start=1):
        if ndim == 2 and not isinstance(row, (list, tuple, np.ndarray)):
            if isinstance(row, numbers.Real) and not isinstance(row, bool):
                return  # a flat list: the shape check below names it
            raise DataError(
                f"{source}: {what} row {i} is {_cell(row)}, not a list of numbers; "
                f"give a list of equal-length rows, e.g. [[2,3],[1,-1]]"
            )
        if isinstance(row, np.ndarray):
            continue  # numpy checks its own rows
        for j, cell in enumerate(row, start=1):
            if isinstance(cell, (list, tuple, np.ndarray)):
                return  # deeper nesting: the shape check below names it
            if isinstance(cell, bool) or not isinstance(cell, numbers.Real):
                where = _("row {i}, column {j}", i=i, j=j) if ndim == 2 else _("entry {j}", j=j)
                raise DataError(
                    _(
                        "{source}: {what} has a non-numeric value {value} at {where}; give "
                        "numbers only",
                        source=source,
                        what=what,
                        value=_cell(cell),
                        where=where,
                    )
                )
        if ndim == 2 and not isinstance(row, np.ndarray):
            if width is None:
                width = len(row)
            elif len(row) != width:
                raise DataError(
                    _(
                        "{source}: {what} has ragged rows: row {i} has {k} value(s) but row 1 "
                        "has {width}; give equal-length rows",
                        source=source,
                        what=what,
                        i=i,
                        k=len(row),
                        width=width,
                    )
                )


def _numeric(value: Any, what: str, source: str, ndim: int) -> Array:
    _check_nested(value, what, source, ndim)
    dtype = getattr(value, "dtype", None)
    if dtype is not None and dtype.kind == "c":
        raise DataError(f"{source}: {what} has complex values; give real numbers")
    if dtype is not None and dtype.kind not in "biuf":
        raise DataError(f"{source}: {what} has dtype {dtype}, not numbers; save a float array")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError, OverflowError) as exc:
        kind = (
            "ragged rows"
            if "inhomogeneous" in str(exc)
            else "a number too large for a float"
            if isinstance(exc, OverflowError)
            else "non-numeric values"
        )
        raise DataError(
            f"{source}: {what} has {kind}; give a "
            f"{'list of equal-length rows' if ndim == 2 else 'list'} of numbers"
        ) from None
    if arr.size == 0 and arr.ndim != ndim:
        return arr.reshape((0,) * ndim)  # e.g. X = []: as_dataset reports an empty dataset
    if arr.ndim != ndim:
        raise ShapeError(f"{source}: {what} must be {ndim}-dimensional, got shape {arr.shape}")
    return arr


def as_dataset(X: Any, y: Any, source: str = "data") -> Dataset:
    """Validate X (n, d) and y (n,): numeric, finite, non-empty, matching lengths."""
    Xa = _numeric(X, "X", source, 2)
    ya = _numeric(y, "y", source, 1)
    if Xa.shape[0] == 0 or Xa.shape[1] == 0:
        raise DataError(
            _(
                "{source}: the dataset is empty (X has shape {shape}); give at least one sample "
                "with at least one feature",
                source=source,
                shape=Xa.shape,
            )
        )
    if ya.shape[0] != Xa.shape[0]:
        raise ShapeError(
            _(
                "{source}: X has {rows} rows but y has {labels} labels; give one label per row",
                source=source,
                rows=Xa.shape[0],
                labels=ya.shape[0],
            )
        )
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
            fields = dict(source=tr(ds.source), label=float(ds.y[i]), row=i + 1)
            if set(found) <= {0.0, 1.0}:
                raise DataError(
                    _(
                        "{source}: label {label:g} in row {row} is not −1 or +1 (this loss needs "
                        "labels in {{−1, +1}}); labels look like 0/1: convert with y = 2*y - 1",
                        **fields,
                    )
                )
            raise DataError(
                _(
                    "{source}: label {label:g} in row {row} is not −1 or +1 (this loss needs "
                    "labels in {{−1, +1}})",
                    **fields,
                )
            )


def _json_value(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            _(
                "{what}: not valid JSON ({why} at character {at}); write e.g. '[[2,3],[1,-1]]'",
                what=what,
                why=exc.msg,
                at=exc.pos + 1,
            )
        ) from None
    except RecursionError:
        raise DataError(f"{what}: JSON nested too deeply; give a flat list of rows") from None
    except ValueError as exc:  # e.g. an integer with more than 4300 digits
        raise DataError(f"{what}: unreadable JSON ({_one_line(exc)})") from None


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
    unknown = {str(k) for k in raw} - {"w", "b"}
    if unknown:
        raise DataError(f"{what}: unknown key(s) {_cell(', '.join(sorted(unknown)))}; use w and b")
    w = _numeric(raw.get("w", [0.0] * d), "w", what, 1)
    if w.shape[0] != d:
        raise ShapeError(
            _(
                "{what}: w has {k} entries but the data has {d} features",
                what=what,
                k=w.shape[0],
                d=d,
            )
        )
    b_raw = raw.get("b", 0.0)
    if isinstance(b_raw, (bool, str)) or not isinstance(b_raw, numbers.Real):
        raise DataError(f"{what}: b must be a number, got {_cell(b_raw)}")
    try:
        b = float(b_raw)
    except (TypeError, ValueError, OverflowError):
        raise DataError(f"{what}: b must be a float-sized number, got {_cell(b_raw)}") from None
    _finite(w, "w", what)
    if not np.isfinite(b):
        raise DataError(f"{what}: b is not finite ({b}); give a finite number")
    return Point(w, b)


# -- file formats ------------------------------------------------------------------------------


def _load_csv(path: Path) -> Dataset:
    src = _name(path)
    arr = _csv_numpy(path, src)
    if arr is None:  # numpy refused the file: read it row by row to say where and why
        arr = _csv_rows(path, src)
    if arr.shape[1] < 2:
        raise DataError(f"{src}: rows need at least one feature and a label (last column)")
    return as_dataset(arr[:, :-1], arr[:, -1], src)  # views: no copy of the data


def _too_many_values(src: str, rows: int, width: int) -> DataError:
    limit = DATA_LIMITS["max_values"]
    return DataError(
        f"{src}: more than {rows} rows of {width} columns, over the limit of {limit} values "
        f"(rows × columns); use fewer samples"
    )


def _csv_numpy(path: Path, src: str) -> Array | None:
    """The whole file parsed by numpy into float64, or None where numpy refuses it (a quote,
    a bad cell, a blank first line, non-finite values): the row-by-row reader then names the
    problem. numpy accepts a subset of what that reader accepts, with the same values."""
    limit = DATA_LIMITS["max_line_chars"]
    with path.open(encoding="utf-8-sig") as fh:  # -sig: tolerate a BOM
        first = fh.readline(limit + 1)
        cells = first.rstrip("\r\n").split(",")
        header = not any(_is_float(c) for c in cells)
        if header:
            cells = fh.readline(limit + 1).rstrip("\r\n").split(",")
        if len(first) > limit or '"' in first or not all(_is_float(c) for c in cells):
            return None
        width = len(cells)
        if not 2 <= width <= DATA_LIMITS["max_columns"]:
            return None
        allowed = DATA_LIMITS["max_values"] // width
        fh.seek(0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "input contained no data"
                arr = np.loadtxt(
                    fh,
                    delimiter=",",
                    comments=None,
                    quotechar=None,
                    skiprows=1 if header else 0,
                    max_rows=allowed + 1,
                    ndmin=2,
                    dtype=np.float64,
                )
        except (ValueError, UnicodeDecodeError):
            return None
    if arr.shape[0] > allowed:
        raise _too_many_values(src, allowed, width)
    if arr.shape[0] == 0 or not np.isfinite(arr).all():
        return None
    return arr


def _lines(fh: Any, src: str) -> Iterator[str]:
    """The lines of a text file, each at most ``max_line_chars`` long (a longer one is an
    error before it is split into cells)."""
    limit = DATA_LIMITS["max_line_chars"]
    number = 0
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(("\n", "\r")):
            raise DataError(
                f"{src}: line {number} is longer than {limit} characters; the limit is "
                f"{DATA_LIMITS['max_columns']} columns"
            )
        yield line


def _csv_rows(path: Path, src: str) -> Array:
    """Row by row, with the row and column of the first problem; values go to a buffer of
    doubles (8 bytes each), not Python lists."""
    values = array.array("d")
    width = 0
    rows = 0
    first = True
    with path.open(newline="", encoding="utf-8-sig") as fh:  # -sig: tolerate a BOM
        reader = csv.reader(_lines(fh, src))
        try:
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) > DATA_LIMITS["max_columns"]:
                    raise DataError(
                        f"{src}: row {line} has {len(row)} columns; the limit is "
                        f"{DATA_LIMITS['max_columns']}"
                    )
                cells = _csv_row(row, line, src, header_ok=first)
                first = False
                if cells is None:  # the header
                    continue
                if rows and len(cells) != width:
                    raise DataError(
                        f"{src}: row {line} has {len(cells)} cells but earlier "
                        f"rows have {width}; every row needs the same "
                        f"number of columns"
                    )
                width = len(cells)
                if (rows + 1) * width > DATA_LIMITS["max_values"]:
                    raise _too_many_values(src, rows, width)
                values.extend(cells)
                rows += 1
        except csv.Error as exc:
            raise DataError(
                f"{src}: not a readable CSV file at row {reader.line_num} ({_one_line(exc)})"
            ) from None
    if not rows:
        raise DataError(
            f"{src}: no data rows; the CSV needs features then the label in the last column"
        )
    return np.frombuffer(values, dtype=np.float64).reshape(rows, width)


def _csv_row(row: list[str], line: int, src: str, header_ok: bool) -> list[float] | None:
    """The cells of one CSV row as floats; None for a header (a first row with no numbers)."""
    values: list[float] = []
    for j, cell in enumerate(row, start=1):
        try:
            v = float(cell)
        except ValueError:
            if header_ok and not any(_is_float(c) for c in row):
                return None
            raise DataError(
                f"{src}: row {line}, column {j} has a non-numeric cell "
                f"{_cell(cell)}; give numbers only (a header is allowed on row 1)"
            ) from None
        if not math.isfinite(v):
            raise DataError(
                f"{src}: row {line}, column {j} has a non-finite value "
                f"{_cell(cell)}; remove or fill it"
            )
        values.append(v)
    return values


def _is_float(c: str) -> bool:
    try:
        float(c)
        return True
    except ValueError:
        return False


def _load_npz(path: Path) -> Dataset:
    src = _name(path)
    try:
        f = np.load(path, allow_pickle=False)  # never unpickle: object arrays are refused
    except GradproofError:
        raise
    except Exception as exc:  # BadZipFile, EOFError, ValueError (pickled data), zlib.error...
        raise DataError(
            f"{src}: not a readable .npz file ({_one_line(exc)}); save with "
            f"np.savez(path, X=X, y=y)"
        ) from None
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise DataError(
            f"{src}: a single .npy array, not an .npz archive; save with np.savez(path, X=X, y=y)"
        )
    with f:
        missing = {"X", "y"} - set(f.files)
        if missing:
            raise DataError(
                f"{src}: missing array(s) {', '.join(sorted(missing))}; save "
                f"with np.savez(path, X=X, y=y)"
            )
        zf = f.zip
        assert zf is not None  # an open NpzFile holds its zip archive
        try:
            arrays = {}
            for key in ("X", "y"):
                member = f"{key}.npy" if f"{key}.npy" in zf.namelist() else key
                size = zf.getinfo(member).file_size
                if size > DATA_LIMITS["max_bytes"]:
                    raise DataError(
                        f"{src}: array {key} is {size} bytes uncompressed; the "
                        f"limit is {DATA_LIMITS['max_bytes']}"
                    )
                _check_npy_header(zf, member, key, src)
                arrays[key] = f[key]
        except GradproofError:
            raise
        except Exception as exc:  # truncated member, object arrays, bad header, CRC error
            raise DataError(f"{src}: not a readable .npz file ({_one_line(exc)})") from None
    return as_dataset(arrays["X"], arrays["y"], src)


def _check_npy_header(zf: zipfile.ZipFile, member: str, key: str, src: str) -> None:
    """Refuse an array whose .npy header promises more than the limits, before numpy
    allocates it: its values (the float64 array it becomes) and its bytes (as stored)."""
    with zf.open(member) as fh:
        version = np.lib.format.read_magic(fh)
        # 2.0 and 3.0 share the header layout (3.0 allows UTF-8 field names, refused anyway)
        read = np.lib.format.read_array_header_1_0
        if version != (1, 0):
            read = np.lib.format.read_array_header_2_0
        shape, _order, dtype = read(fh)
    count = math.prod(shape)
    if count > DATA_LIMITS["max_values"]:
        raise DataError(
            f"{src}: array {key} has shape {tuple(shape)}, {count} values; the limit is "
            f"{DATA_LIMITS['max_values']} values (float64 in memory); use fewer samples"
        )
    if count * dtype.itemsize > DATA_LIMITS["max_bytes"]:
        raise DataError(
            f"{src}: array {key} is {count * dtype.itemsize} bytes uncompressed; the "
            f"limit is {DATA_LIMITS['max_bytes']}"
        )


def _load_json(path: Path) -> Dataset:
    src = _name(path)
    raw = _json_value(path.read_text(encoding="utf-8-sig"), src)
    if not isinstance(raw, Mapping) or not {"X", "y"} <= set(raw):
        raise DataError(f'{src}: expected an object {{"X": [[...], ...], "y": [...]}}')
    return as_dataset(raw["X"], raw["y"], src)


def load_data(path: str | Path) -> Dataset:
    """Read a dataset from .csv (label in the last column), .npz (X, y) or .json (X, y).

    Raises
    ------
    DataError, ShapeError
        For a missing, unreadable, oversized or malformed file, naming the file (and the row
        and column where known).
    """
    p = Path(path)
    src = _name(p)
    try:
        st = os.stat(p)  # not Path.is_file(): it raises on a folder without search permission
    except (FileNotFoundError, NotADirectoryError):
        raise DataError(_("{src}: no such file", src=src)) from None
    except OSError as exc:
        raise DataError(f"{src}: cannot read the file ({exc.strerror or _one_line(exc)})") from None
    except ValueError:  # a NUL byte in the name
        raise DataError(f"{src}: no such file (the name holds a NUL byte)") from None
    if not stat.S_ISREG(st.st_mode):
        raise DataError(f"{src}: not a regular file; give a .csv, .npz or .json file")
    loaders = {".csv": _load_csv, ".npz": _load_npz, ".json": _load_json}
    loader = loaders.get(p.suffix.lower())
    if loader is None:
        raise DataError(f"{src}: unknown format {p.suffix!r}; use .csv, .npz or .json")
    limit = DATA_LIMITS["max_json_bytes" if loader is _load_json else "max_bytes"]
    try:
        if st.st_size > limit and loader is not _load_npz:
            raise DataError(f"{src}: the file is {st.st_size} bytes; the limit is {limit}")
        return loader(p)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{src}: not a text file (byte {exc.start + 1} is not UTF-8); a "
            f"{p.suffix} file must be UTF-8 text"
        ) from None
    except OSError as exc:
        raise DataError(f"{src}: cannot read the file ({exc.strerror or _one_line(exc)})") from None
    except MemoryError:
        raise DataError(f"{src}: too large to load into memory") from None


def sample_dataset(labels: str = "pm1") -> Dataset:
    """The built-in sample data: four points in the plane, linearly separable.

    Regression losses get real targets (a linear function of the features plus noise).
    """
    with resources.files("gradproof").joinpath("data/sample.csv").open() as fh:
        arr = np.loadtxt(fh, delimiter=",", skiprows=1)
    X, y = arr[:, :-1], arr[:, -1]
    if labels != "pm1":
        y = X @ np.array([1.5, -0.5]) + np.array([0.5, -0.25, 0.25, 0.0])
    return Dataset(X, y, N_("built-in sample data"))


# Three classes of three points in the plane, around (2, 2), (−2, 1) and (0, −2): separable by
# a multi-class linear model, with every region of the decision figure holding its points.
_CLASSES_X = (
    ((2.0, 2.0), (2.6, 1.4), (1.5, 2.4)),
    ((-2.0, 1.0), (-1.4, 1.5), (-2.4, 0.4)),
    ((0.0, -2.0), (0.6, -1.5), (-0.5, -2.5)),
)


def sample_model_dataset(labels: str = "classes") -> Dataset:
    """The built-in data of a model with K = 3 scores per sample: 9 points in the plane in
    three separable classes (labels 0, 1, 2), or for ``labels="targets"`` the same points
    with 3 real targets each (a linear function of the features plus a fixed wobble)."""
    X = np.array([p for group in _CLASSES_X for p in group])
    y = np.repeat(np.arange(3.0), 3)
    if labels == "targets":
        A = np.array([[1.5, -0.5], [-1.0, 1.0], [0.5, 0.5]])
        wobble = 0.1 * ((np.arange(X.shape[0] * 3).reshape(-1, 3) * 7) % 5 - 2)
        y = X @ A.T + np.array([0.5, -0.25, 0.0]) + wobble
    return Dataset(X, y, N_("built-in 3-class data"))


# XOR: 8 points around each corner of the unit square, class 1 where exactly one coordinate
# is near 1. No line separates the classes (a linear model gets at most 3 corners of 4 right);
# one hidden layer does. The offsets are a fixed draw, rounded, inside ±0.2 of each corner.
_XOR_CORNERS = ((0.0, 0.0, 0), (0.0, 1.0, 1), (1.0, 0.0, 1), (1.0, 1.0, 0))


def sample_xor_dataset() -> Dataset:
    """The built-in XOR data: 32 points in the plane, 8 around each corner of the unit square,
    labels 0 at (0, 0) and (1, 1), 1 at (0, 1) and (1, 0) (2 classes no line separates)."""
    rng = np.random.default_rng(2026)
    offsets = np.round(rng.uniform(-0.2, 0.2, size=(len(_XOR_CORNERS), 8, 2)), 2)
    X = np.vstack([np.array(c[:2]) + off for c, off in zip(_XOR_CORNERS, offsets, strict=True)])
    y = np.repeat([float(c[2]) for c in _XOR_CORNERS], 8)
    return Dataset(X, y, N_("built-in XOR data"))
