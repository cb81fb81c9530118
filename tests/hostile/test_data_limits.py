"""Data limits count what the data becomes (float64 values, n·d), not the bytes of the file.

The issue's attacks: a 249 KB compressed int8 .npz that expands to 256 M values (12 GB and a
MemoryError traceback after 65 s on main), a CSV parsed into Python lists of floats (255 MB
of CSV took 6.5 GB), and a data file in a folder without search permission (a traceback).
Peak memory is measured in a child process from /proc/self/status (VmHWM), which, unlike
``ru_maxrss``, does not count the pytest process the child was forked from.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import gradproof.datasets
from gradproof import load_data
from gradproof.datasets import DATA_LIMITS, _csv_numpy, _csv_rows
from gradproof.errors import DataError

linux_only = pytest.mark.skipif(
    not os.path.exists("/proc/self/status"), reason="peak memory is read from /proc (Linux)"
)


def _write_npz_bomb(path: Path, shape: tuple[int, int]) -> None:
    """X = zeros(shape, int8) and y = zeros(n, int8), deflated, streamed in 1 MiB pieces."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, shp in (("X", shape), ("y", (shape[0],))):
            with zf.open(f"{key}.npy", "w", force_zip64=True) as fh:
                np.lib.format.write_array_header_1_0(
                    fh, {"descr": "|i1", "fortran_order": False, "shape": shp}
                )
                left = int(np.prod(shp))
                chunk = bytes(2**20)
                while left:
                    fh.write(chunk[: min(left, len(chunk))])
                    left -= min(left, len(chunk))


@pytest.fixture(scope="module")
def npz_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The file: 16000 × 16000 int8 zeros, 256 000 000 bytes (under max_bytes).
    path = tmp_path_factory.mktemp("bomb") / "bomb.npz"
    _write_npz_bomb(path, (16000, 16000))
    assert path.stat().st_size < 300_000
    return path


def test_npz_bomb_is_refused_from_its_header(npz_bomb: Path, cli_error) -> None:
    t0 = time.perf_counter()
    with pytest.raises(DataError) as info:
        load_data(npz_bomb)
    assert time.perf_counter() - t0 < 1.0
    assert str(info.value) == (
        f"{npz_bomb}: array X has shape (16000, 16000), 256000000 values; the limit is "
        f"25000000 values (float64 in memory); use fewer samples"
    )
    assert "256000000 values" in cli_error("derive", "perceptron", "--data", str(npz_bomb))


def test_npz_label_vector_is_counted_too(tmp_path: Path, monkeypatch) -> None:
    p = tmp_path / "d.npz"
    np.savez(p, X=np.zeros((50, 1)), y=np.zeros(50))
    monkeypatch.setitem(DATA_LIMITS, "max_values", 49)
    with pytest.raises(DataError, match="array X has shape"):
        load_data(p)
    monkeypatch.setitem(DATA_LIMITS, "max_values", 50)
    assert load_data(p).n == 50


def test_npz_wide_dtype_is_counted_in_bytes(tmp_path: Path) -> None:
    # 3000 strings of 100 000 characters: 1.2 GB once loaded, a few KB compressed.
    p = tmp_path / "d.npz"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("X.npy", "w", force_zip64=True) as fh:
            np.lib.format.write_array_header_1_0(
                fh, {"descr": "<U100000", "fortran_order": False, "shape": (3000, 1)}
            )
        zf.writestr("y.npy", io.BytesIO(_npy(np.zeros(3000))).getvalue())
    with pytest.raises(DataError, match=r"array X is 1200000000 bytes uncompressed; the limit"):
        load_data(p)


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


# -- CSV --------------------------------------------------------------------------------------

ROW = "0.123456789,-2.25,1.5,3.75,-0.5,1\n"


@pytest.mark.parametrize(
    "text",
    [ROW * 4, '"0.5",1,1,1,1,1\n' + ROW * 3],  # a quoted cell: the row-by-row reader
    ids=["numpy-reader", "row-reader"],
)
def test_csv_over_the_value_limit(text: str, tmp_path: Path, monkeypatch, cli_error) -> None:
    p = tmp_path / "d.csv"
    p.write_text(text)
    monkeypatch.setitem(DATA_LIMITS, "max_values", 18)  # 3 rows of 6
    with pytest.raises(DataError) as info:
        load_data(p)
    assert str(info.value) == (
        f"{p}: more than 3 rows of 6 columns, over the limit of 18 values (rows × columns); "
        f"use fewer samples"
    )
    assert "over the limit of 18 values" in cli_error("derive", "squared_error", "--data", str(p))


def test_csv_overlong_line_is_refused_before_it_is_split(tmp_path: Path, monkeypatch) -> None:
    p = tmp_path / "d.csv"
    p.write_text("1,2,1\n" + ",".join(["1"] * 600) + "\n")
    monkeypatch.setitem(DATA_LIMITS, "max_line_chars", 1000)
    with pytest.raises(DataError, match="line 2 is longer than 1000 characters"):
        load_data(p)


_PEAK = textwrap.dedent(
    """
    import sys
    from gradproof.datasets import load_data

    def rss(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) * 1024

    base = rss("VmRSS")
    try:
        ds = load_data(sys.argv[1])
        print(ds.X.size + ds.y.size, base, rss("VmHWM"))
    except Exception as exc:
        print(type(exc).__name__, base, rss("VmHWM"), exc)
    """
)


def _peak(path: Path) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


@linux_only
def test_csv_memory_is_about_the_float64_array(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text(ROW * 500_000)  # 17 MB of text, 3 000 000 values: 24 MB as float64
    values, base, peak = (int(v) for v in _peak(p)[:3])
    assert values == 3_000_000
    # Python lists of floats took ~8x the float64 size (1.1 GB for 148 MB on main).
    assert peak - base < 3 * values * 8, f"{(peak - base) / 2**20:.0f} MiB above the start"


@linux_only
def test_npz_bomb_peak_memory(npz_bomb: Path) -> None:
    kind, base, peak = _peak(npz_bomb)[:3]
    assert kind == "DataError"
    assert int(peak) - int(base) < 64 * 2**20  # nothing of the 256 MB was decompressed


# -- the numpy reader agrees with the row reader wherever it accepts a file ---------------------

CSV_ALPHABET = st.sampled_from("0123456789.,-+eE \t\n\r\"'naifNAIF_x\x00\x0cé１\ufeff")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(CSV_ALPHABET, max_size=80))
@example(text="x,y,z\n1,2\n3,4\n")  # a header wider than the data: both accept
@example(text="\ufeff1,2,1\n")
@example(text=" 1 ,\t2,3\n\n4,5,6\r\n")
@example(text="1_0,2\n")  # Python's float() takes underscores, numpy does not: row reader
def test_numpy_reader_is_a_subset_of_the_row_reader(text: str, tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_text(text, encoding="utf-8")
    try:
        fast = _csv_numpy(p, "f")
    except UnicodeError:
        return
    if fast is None:
        return
    slow = _csv_rows(p, "f")  # must accept the same file, with the same values
    assert fast.shape == slow.shape and np.array_equal(fast, slow)


CELLS = st.sampled_from(
    ["1", " 2", "-0.5", "1e3", "+.5", "5.", "１", "1_0", "nan", "inf", '"3"', "", "x", "0x1"]
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(CELLS, min_size=1, max_size=4), max_size=5),
    header=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_numpy_reader_agrees_on_rows_of_cells(
    rows: list[list[str]], header: bool, newline: str
) -> None:
    import tempfile

    text = ("a,b,c" + newline if header else "") + newline.join(",".join(r) for r in rows)
    with tempfile.TemporaryDirectory() as folder:
        p = Path(folder) / "f.csv"
        p.write_bytes(text.encode("utf-8"))
        fast = _csv_numpy(p, "f")
        if fast is not None:
            slow = _csv_rows(p, "f")
            assert fast.shape == slow.shape and np.array_equal(fast, slow)


def test_headers_and_blank_lines_take_the_numpy_reader(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text("\ufeffx1,x2,y\n2,3,1\n\n1,-1,-1\n", encoding="utf-8")
    arr = _csv_numpy(p, "d")
    assert arr is not None and arr.tolist() == [[2.0, 3.0, 1.0], [1.0, -1.0, -1.0]]


# -- unreadable places ------------------------------------------------------------------------


def test_folder_without_search_permission_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli_error
) -> None:
    # Root searches any folder, so the kernel's answer is simulated: stat() is refused.
    p = tmp_path / "locked" / "d.csv"

    def refused(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(gradproof.datasets.os, "stat", refused)
    with pytest.raises(DataError) as info:
        load_data(p)
    assert str(info.value) == f"{p}: cannot read the file (Permission denied)"
    line = cli_error("derive", "perceptron", "--data", str(p))
    assert line == f"gradproof: error: {p}: cannot read the file (Permission denied)"


@pytest.mark.skipif(os.geteuid() == 0, reason="root searches any folder")
def test_real_folder_without_search_permission(tmp_path: Path, cli_error) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "d.csv").write_text("1,2,1\n")
    folder.chmod(0o600)  # readable, not searchable
    try:
        line = cli_error("derive", "perceptron", "--data", str(folder / "d.csv"))
    finally:
        folder.chmod(0o700)
    assert "cannot read the file (Permission denied)" in line


def test_json_has_its_own_smaller_size_limit(tmp_path: Path, monkeypatch) -> None:
    p = tmp_path / "d.json"
    p.write_text(json.dumps({"X": [[1.0, 2.0]], "y": [1.0]}))
    assert DATA_LIMITS["max_json_bytes"] < DATA_LIMITS["max_bytes"]
    monkeypatch.setitem(DATA_LIMITS, "max_json_bytes", 10)
    with pytest.raises(DataError, match=r"the file is \d+ bytes; the limit is 10$"):
        load_data(p)


def test_documented_limits() -> None:
    assert DATA_LIMITS["max_values"] == 25_000_000
    assert "count what the data becomes" in (gradproof.datasets.__doc__ or "")
