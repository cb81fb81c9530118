"""Malformed data files: each is one DataError (or ShapeError) naming the file, with the row and
column where known, and exit code 2 with one line from the CLI. Plus fuzzing of the loaders."""

from __future__ import annotations

import io
import json
import os
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gradproof import derive, load_data
from gradproof.cli.options import dataset_from
from gradproof.datasets import DATA_LIMITS, as_dataset, parse_matrix, parse_point, parse_vector
from gradproof.errors import DataError, GradproofError, ShapeError


def _npz(**arrays: object) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


GOOD_NPZ = _npz(X=np.array([[2.0, 3.0], [1.0, -1.0]]), y=np.array([1.0, -1.0]))

# (id, file name, content, exact error class, words in the message)
BAD_FILES = [
    ("csv-empty", "d.csv", "", DataError, "no data rows"),
    ("csv-header-only", "d.csv", "x1,x2,y\n", DataError, "no data rows"),
    ("csv-blank-lines", "d.csv", "\n\n ,\n", DataError, "no data rows"),
    ("csv-one-column", "d.csv", "1\n2\n", DataError, "at least one feature and a label"),
    ("csv-ragged", "d.csv", "1,2,1\n3,4\n", DataError, "row 2 has 2 cells"),
    ("csv-ragged-after-header", "d.csv", "a,b,y\n1,2,1\n3,4,5,6\n", DataError, "row 3 has 4"),
    ("csv-non-numeric", "d.csv", "1,2,1\n3,abc,-1\n", DataError, "row 2, column 2"),
    ("csv-non-numeric-first-row-mixed", "d.csv", "1,two,1\n", DataError, "row 1, column 2"),
    ("csv-nan", "d.csv", "1,2,1\n3,nan,-1\n", DataError, "row 2, column 2 has a non-finite"),
    ("csv-inf-label", "d.csv", "1,2,inf\n", DataError, "row 1, column 3 has a non-finite"),
    ("csv-overflow", "d.csv", "1,1e999,1\n", DataError, "non-finite"),
    ("csv-nul-byte", "d.csv", "1,2\x00,1\n", DataError, "row 1, column 2"),
    ("csv-binary-garbage", "d.csv", bytes(range(256)) * 4, DataError, "not a text file"),
    ("csv-latin1", "d.csv", "1,2,1\n\xe9,1,1\n".encode("latin-1"), DataError, "not UTF-8"),
    ("csv-huge-field", "d.csv", "1," + "9" * 200_000 + ",1\n", DataError, "not a readable CSV"),
    (
        "csv-million-columns",
        "d.csv",
        ",".join(["1"] * 1_000_000) + "\n",
        DataError,
        "1000000 columns",
    ),
    ("json-invalid", "d.json", "{", DataError, "not valid JSON"),
    ("json-empty-file", "d.json", "", DataError, "not valid JSON"),
    ("json-list-not-object", "d.json", "[[1, 2], [3, 4]]", DataError, "expected an object"),
    ("json-missing-y", "d.json", '{"X": [[1, 2]]}', DataError, "expected an object"),
    ("json-ragged", "d.json", '{"X": [[1, 2], [3]], "y": [1, 1]}', DataError, "ragged rows: row 2"),
    ("json-strings", "d.json", '{"X": [["1", "2"]], "y": [1]}', DataError, "row 1, column 1"),
    ("json-booleans", "d.json", '{"X": [[1, true]], "y": [1]}', DataError, "row 1, column 2"),
    ("json-null", "d.json", '{"X": [[1, null]], "y": [1]}', DataError, "row 1, column 2"),
    ("json-object-row", "d.json", '{"X": [{"a": 1}], "y": [1]}', DataError, "row 1"),
    ("json-label-string", "d.json", '{"X": [[1]], "y": ["a"]}', DataError, "entry 1"),
    ("json-y-2d", "d.json", '{"X": [[1, 2]], "y": [[1]]}', ShapeError, "1-dimensional"),
    ("json-x-1d", "d.json", '{"X": [1, 2], "y": [1, 1]}', ShapeError, "2-dimensional"),
    ("json-x-3d", "d.json", '{"X": [[[1]]], "y": [1]}', ShapeError, "2-dimensional"),
    (
        "json-length-mismatch",
        "d.json",
        '{"X": [[1], [2]], "y": [1]}',
        ShapeError,
        "2 rows but y has 1",
    ),
    ("json-empty-arrays", "d.json", '{"X": [], "y": []}', DataError, "empty"),
    ("json-no-features", "d.json", '{"X": [[], []], "y": [1, 1]}', DataError, "empty"),
    (
        "json-inf",
        "d.json",
        '{"X": [[1e999, 2]], "y": [1]}',
        DataError,
        "non-finite value (inf) at row 1, column 1",
    ),
    (
        "json-nan-label",
        "d.json",
        '{"X": [[1, 2]], "y": [NaN]}',
        DataError,
        "y has a non-finite value (nan) at row 1",
    ),
    ("json-deep-nesting", "d.json", "[" * 100_000, DataError, "nested too deeply"),
    (
        "json-5000-digit-int",
        "d.json",
        '{"X": [[' + "1" * 5000 + ']], "y": [1]}',
        DataError,
        "unreadable JSON",
    ),
    (
        "json-float-overflow-int",
        "d.json",
        '{"X": [[' + "9" * 400 + ']], "y": [1]}',
        DataError,
        "too large for a float",
    ),
    ("json-binary", "d.json", b"\xff\xfe\x00garbage", DataError, "not a text file"),
    ("npz-empty-file", "d.npz", b"", DataError, "not a readable .npz"),
    ("npz-garbage", "d.npz", b"PK\x03\x04 certainly not a zip", DataError, "not a readable .npz"),
    ("npz-truncated", "d.npz", GOOD_NPZ[: len(GOOD_NPZ) // 2], DataError, "not a readable .npz"),
    ("npz-truncated-tail", "d.npz", GOOD_NPZ[:-10], DataError, "not a readable .npz"),
    ("npz-is-npy", "d.npz", _npy(np.zeros(3)), DataError, "single .npy array"),
    (
        "npz-object-array",
        "d.npz",
        _npz(X=np.array([[1, "a"]], dtype=object), y=np.ones(1)),
        DataError,
        "Object arrays cannot be loaded",
    ),
    (
        "npz-pickled-file",
        "d.npz",
        b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01.",
        DataError,
        "not a readable .npz",
    ),
    ("npz-missing-y", "d.npz", _npz(X=np.ones((2, 2))), DataError, "missing array(s) y"),
    (
        "npz-complex",
        "d.npz",
        _npz(X=np.ones((2, 2)) * 1j, y=np.ones(2)),
        DataError,
        "complex values",
    ),
    ("npz-strings", "d.npz", _npz(X=np.array([["a", "b"]]), y=np.ones(1)), DataError, "dtype <U1"),
    (
        "npz-nan",
        "d.npz",
        _npz(X=np.array([[1.0, np.nan]]), y=np.ones(1)),
        DataError,
        "non-finite value (nan) at row 1, column 2",
    ),
    (
        "npz-shape-mismatch",
        "d.npz",
        _npz(X=np.ones((3, 2)), y=np.ones(2)),
        ShapeError,
        "3 rows but y has 2",
    ),
    ("npz-0d", "d.npz", _npz(X=np.float64(1.0), y=np.ones(1)), ShapeError, "2-dimensional"),
    ("unknown-suffix", "d.txt", "1,2,1\n", DataError, "unknown format '.txt'"),
    ("no-suffix", "data", "1,2,1\n", DataError, "unknown format ''"),
]


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    p = folder / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "name, content, error, words", [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_bad_file_is_one_exact_error(
    name: str, content: str | bytes, error: type, words: str, tmp_path: Path
) -> None:
    p = _write(tmp_path, name, content)
    t0 = time.perf_counter()
    with pytest.raises(DataError) as info:
        load_data(p)
    assert time.perf_counter() - t0 < 1.0
    assert type(info.value) is error
    message = str(info.value)
    assert message.startswith(f"{p}: ")  # names the file
    assert words in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "name, content, error, words", [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_bad_file_cli_exit_2(
    name: str, content: str | bytes, error: type, words: str, tmp_path: Path, cli_error
) -> None:
    p = _write(tmp_path, name, content)
    line = cli_error("derive", "perceptron", "--data", str(p))
    assert str(p) in line and words in line


def test_missing_file(tmp_path: Path, cli_error) -> None:
    p = tmp_path / "nope.csv"
    with pytest.raises(DataError) as info:
        load_data(p)
    assert type(info.value) is DataError and str(info.value) == f"{p}: no such file"
    assert (
        cli_error("derive", "perceptron", "--data", str(p))
        == f"gradproof: error: {p}: no such file"
    )


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(DataError, match="not a regular file"):
        load_data(tmp_path / "d.csv")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    p = _write(tmp_path, "d.csv", "1,2,1\n")
    p.chmod(0)
    with pytest.raises(DataError, match="cannot read the file"):
        load_data(p)


def test_file_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(DATA_LIMITS, "max_bytes", 10)
    p = _write(tmp_path, "d.csv", "1,2,1\n3,4,-1\n")
    t0 = time.perf_counter()
    with pytest.raises(DataError, match="13 bytes; the limit is 10"):
        load_data(p)
    assert time.perf_counter() - t0 < 1.0
    q = _write(tmp_path, "d.npz", GOOD_NPZ)
    with pytest.raises(DataError, match="array X is .* bytes uncompressed"):
        load_data(q)


def test_path_with_a_newline_stays_one_line(tmp_path: Path, cli_error) -> None:
    p = _write(tmp_path, "bad\nname.csv", "1,abc,1\n")
    line = cli_error("derive", "perceptron", "--data", str(p))
    assert "row 1, column 2" in line


def test_valid_files_load(tmp_path: Path) -> None:
    # Expected arrays written out by hand from the file contents.
    csv_ds = load_data(_write(tmp_path, "d.csv", "\ufeffx1,x2,y\n2,3,1\n\n1,-1,-1\n"))
    npz_ds = load_data(_write(tmp_path, "d.npz", GOOD_NPZ))
    json_ds = load_data(_write(tmp_path, "d.json", '{"X": [[2, 3], [1, -1]], "y": [1, -1]}'))
    for ds in (csv_ds, npz_ds, json_ds):
        assert ds.X.tolist() == [[2.0, 3.0], [1.0, -1.0]] and ds.y.tolist() == [1.0, -1.0]


def test_million_columns_fail_fast(tmp_path: Path) -> None:
    p = _write(tmp_path, "wide.csv", ",".join(["1"] * 1_000_000) + "\n")
    t0 = time.perf_counter()
    with pytest.raises(DataError, match="1000000 columns; the limit is 100000"):
        load_data(p)
    assert time.perf_counter() - t0 < 1.0


# -- labels outside the loss's label set ----------------------------------------------------


def test_zero_one_labels_for_a_pm1_loss_say_how_to_convert(tmp_path: Path, cli_error) -> None:
    p = _write(tmp_path, "d.csv", "2,3,1\n1,-1,0\n")
    with pytest.raises(DataError) as info:
        derive("perceptron", data=load_data(p))
    assert type(info.value) is DataError
    assert str(info.value) == (
        f"{p}: label 0 in row 2 is not −1 or +1 (this loss needs "
        f"labels in {{−1, +1}}); labels look like 0/1: convert with "
        f"y = 2*y - 1"
    )
    assert "convert with y = 2*y - 1" in cli_error("derive", "hinge", "--data", str(p))


def test_other_labels_for_a_pm1_loss(cli_error) -> None:
    line = cli_error("derive", "logistic", "--X", "[[1],[2]]", "--y", "[1, 2]")
    assert "label 2 in row 2 is not −1 or +1" in line and "2*y - 1" not in line


def test_real_labels_are_fine_for_a_regression_loss(tmp_path: Path) -> None:
    p = _write(tmp_path, "d.csv", "2,3,0.5\n1,-1,7\n")
    assert derive("squared_error", data=load_data(p)).example is not None


# -- command-line JSON data -----------------------------------------------------------------
# (id, command-line options, exact error class, words in the message)
CLI_JSON = [
    ("x-invalid-json", ["--X", "[[1,2]", "--y", "[1]"], DataError, "--X: not valid JSON"),
    ("x-ragged", ["--X", "[[1,2],[3]]", "--y", "[1,1]"], DataError, "--X has ragged rows"),
    ("x-strings", ["--X", '[["a"]]', "--y", "[1]"], DataError, "row 1, column 1"),
    ("x-empty", ["--X", "[]", "--y", "[]"], DataError, "the dataset is empty"),
    ("x-nan", ["--X", "[[NaN]]", "--y", "[1]"], DataError, "non-finite value (nan)"),
    ("y-nested", ["--X", "[[1]]", "--y", "[[1]]"], ShapeError, "must be 1-dimensional"),
    (
        "y-overflow",
        ["--X", "[[1]]", "--y", "[" + "9" * 400 + "]"],
        DataError,
        "too large for a float",
    ),
    ("y-deep", ["--X", "[[1]]", "--y", "[" * 50_000], DataError, "nested too deeply"),
    ("lengths", ["--X", "[[1],[2]]", "--y", "[1]"], ShapeError, "2 rows but y has 1"),
    (
        "at-not-object",
        ["--X", "[[1]]", "--y", "[1]", "--at", "[1]"],
        DataError,
        "expected an object",
    ),
    (
        "at-unknown-key",
        ["--X", "[[1]]", "--y", "[1]", "--at", '{"v": 1}'],
        DataError,
        "unknown key",
    ),
    ("at-w-length", ["--X", "[[1]]", "--y", "[1]", "--at", '{"w": [1, 2]}'], ShapeError, "w has 2"),
    ("at-b-string", ["--X", "[[1]]", "--y", "[1]", "--at", '{"b": "1"}'], DataError, "b must be a"),
    ("at-b-bool", ["--X", "[[1]]", "--y", "[1]", "--at", '{"b": true}'], DataError, "b must be a"),
    (
        "at-b-huge",
        ["--X", "[[1]]", "--y", "[1]", "--at", '{"b": ' + "9" * 400 + "}"],
        DataError,
        "float-sized",
    ),
    (
        "at-b-inf",
        ["--X", "[[1]]", "--y", "[1]", "--at", '{"b": 1e999}'],
        DataError,
        "b is not finite",
    ),
]


def _api_equivalent(args: list[str]) -> None:
    """What the CLI does with these options, through the Python API."""
    opts = dict(zip(args[::2], args[1::2], strict=True))
    ds = dataset_from(opts["--X"], opts["--y"], None)
    assert ds is not None
    parse_point(opts.get("--at"), ds.d)


@pytest.mark.parametrize(
    "args, error, words", [c[1:] for c in CLI_JSON], ids=[c[0] for c in CLI_JSON]
)
def test_json_data_errors_exact_class_and_cli_exit_2(
    args: list[str], error: type, words: str, cli_error
) -> None:
    with pytest.raises(DataError) as info:
        _api_equivalent(args)
    assert type(info.value) is error and words in str(info.value)
    assert words in cli_error("derive", "perceptron", *args)


def test_api_errors_have_exact_classes() -> None:
    with pytest.raises(DataError) as info:
        parse_matrix("[[1,2],[3]]")
    assert type(info.value) is DataError
    with pytest.raises(ShapeError):
        parse_vector("[[1]]")
    with pytest.raises(DataError) as info:
        parse_point({"b": 10**400}, 1)
    assert type(info.value) is DataError
    with pytest.raises(DataError) as info:
        as_dataset(np.array([[1 + 2j]]), [1])
    assert type(info.value) is DataError and "complex" in str(info.value)


# -- fuzzing the loaders --------------------------------------------------------------------
LOADER_FUZZ = settings(
    max_examples=60,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
CSV_ALPHABET = st.sampled_from("0123456789.,-+eE \t\n\r\"'naifNAIF;x\x00é\ufeff")


def _load_contract(p: Path) -> None:
    """load_data returns a valid Dataset or raises a DataError; nothing else."""
    try:
        ds = load_data(p)
    except DataError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(p))
        return
    assert ds.X.ndim == 2 and ds.y.shape == (ds.n,) and ds.n > 0 and ds.d > 0
    assert np.isfinite(ds.X).all() and np.isfinite(ds.y).all()


@LOADER_FUZZ
@given(text=st.text(CSV_ALPHABET, max_size=200))
@example(text="1,2\x00,1\n")
@example(text="\ufeff1,2,1\n")
@example(text='"1\n2",3\n')
def test_fuzz_csv_text(text: str, tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_text(text, encoding="utf-8")
    _load_contract(p)


@LOADER_FUZZ
@given(blob=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".json", ".npz"]))
def test_fuzz_binary_garbage(blob: bytes, suffix: str, tmp_path: Path) -> None:
    p = tmp_path / f"f{suffix}"
    p.write_bytes(blob)
    _load_contract(p)


@LOADER_FUZZ
@given(data=st.data())
def test_fuzz_mutated_npz(data: st.DataObject, tmp_path: Path) -> None:
    blob = bytearray(GOOD_NPZ)
    for _ in range(data.draw(st.integers(1, 8), label="flips")):
        i = data.draw(st.integers(0, len(blob) - 1), label="at")
        blob[i] = data.draw(st.integers(0, 255), label="byte")
    cut = data.draw(st.integers(0, len(blob)), label="cut")
    p = tmp_path / "f.npz"
    p.write_bytes(bytes(blob[:cut] if data.draw(st.booleans(), label="truncate") else blob))
    _load_contract(p)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["X", "y", "w", "b", "z"]), inner, max_size=3)
    ),
    max_leaves=12,
)


@LOADER_FUZZ
@given(value=JSON_VALUES)
@example(value={"X": [[1, 2], [3]], "y": [1, 1]})
@example(value={"X": [[True]], "y": [1]})
def test_fuzz_json_structure(value: object, tmp_path: Path) -> None:
    p = tmp_path / "f.json"
    p.write_text(json.dumps(value), encoding="utf-8")  # NaN/Infinity included
    _load_contract(p)


@LOADER_FUZZ
@given(value=JSON_VALUES)
@example(value={"w": [0, []]})  # np.iscomplexobj raised ValueError on the ragged list
def test_fuzz_point(value: object) -> None:
    try:
        pt = parse_point(json.dumps(value), 2)
    except GradproofError as exc:
        assert "\n" not in str(exc)
    else:
        assert pt.w.shape == (2,) and np.isfinite(pt.w).all() and np.isfinite(pt.b)
