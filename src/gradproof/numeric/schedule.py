"""How a generated function walks over X: the two schedules and the helpers they share.

These functions need only numpy and the standard library: their source is copied verbatim
into every generated module (:data:`SCHEDULE`), as :func:`~gradproof.numeric.prepare.prepare_arrays`
is, so exported modules run the same schedule as ``derive(...).numpy()``.

**two-pass**: ``s = X @ w + b`` over all of X (one BLAS call), the elementwise coefficients on
blocks of :data:`BLOCK` scores (their temporaries stay in cache), then ``cw @ X`` (a second
pass over X). It runs on any NumPy-compatible array (Dask, CuPy, jax.numpy) and wins when X
is small: two BLAS calls and nothing else.

**one-pass**: rows of X in blocks of about :data:`BLOCK_BYTES`; each block X_b is read from
memory once, for its scores ``X_b @ w + b``, and used again for ``c_b @ X_b`` while it is still
in the cache, with the coefficients c_b computed in between. Memory traffic is halved and no
array of n numbers is made. The blocks are shared among :data:`WORKERS` threads (numpy and
BLAS release the GIL; the block products are ``np.dot``, since numpy's ``@`` keeps the GIL for
some matrix-vector products), each summing its own contiguous range of rows; the partial sums
are added in a fixed order, so a result does not depend on thread timing.

**The choice is a rule** (:func:`_rule`), the same on every call and in every run on a
machine, so results repeat bit for bit there (the two schedules round differently, and a
sample exactly on a kink can fall on either side; another machine's cache size can change the
choice): one-pass for a numpy X stored row by row of at least :data:`ONE_PASS_MIN_BYTES`
whose rows are at most :data:`ONE_PASS_MAX_ROW_BYTES` (:data:`ONE_PASS_MAX_LIGHT_ROW_BYTES`
for a function in :data:`LIGHT`, whose per-sample code is only arithmetic, comparisons,
selections and clips: a decision from the generated code, not from X), when X has at least
:data:`ONE_PASS_MIN_ROWS` rows (the elementwise work on n numbers is then worth sharing among
the cores) or is larger than the part of the last-level cache it can stay in
(:data:`LLC_BYTES`, at most 32 MiB: two passes then read X from memory twice). Everything
else takes two passes: small X, X stored by columns, Dask and other array libraries. The
rule was fitted on a 2-core machine (benchmarks/bench_numeric.py and the tables in
:data:`ONE_PASS_MIN_ROWS` and :data:`LLC_BYTES`).

``FORCED`` fixes the choice (:meth:`~gradproof.numeric.compile.CompiledLoss.with_schedule`
per function, ``GRADPROOF_SCHEDULE=one-pass|two-pass`` for the process). The opt-in
``GRADPROOF_SCHEDULE=calibrate`` (or ``with_schedule("calibrate")``) times the schedules
instead: the first :data:`CALIBRATION_CALLS` calls on a numpy X of at least
:data:`CALIBRATE_MIN_BYTES` (of one size class, see :func:`_key`) alternate in pairs between
them, starting with the rule's choice, the second call of each pair timed; the schedule whose
fastest time is lower by :data:`MARGIN` is kept (ties go to two-pass) and checked again from
calls 32, 64, ... (:data:`RECHECK_FROM`). Timing inside calls is noisy on a shared machine
(measured: it kept the slower schedule at n = 4·10⁵, d = 100), hence not the default. The
choice is visible in every generated function (``print(f.source)``), from
:meth:`~gradproof.numeric.compile.CompiledLoss.schedule` and, when calibrating, with the times
behind it from :meth:`~gradproof.numeric.compile.CompiledLoss.calibration`.

A one-pass call that starts within about 0.2 s of a multi-threaded OpenBLAS call in the same
process shares the cores with OpenBLAS's idle threads, which spin before they sleep, and runs
up to about 2× slower (measured at n = 4·10⁵, d = 100); a loop that calls the same function
over and over does not see this.
"""

from __future__ import annotations

import contextvars
import inspect
import itertools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as _wait_all
from typing import Any

import numpy as _numpy
import numpy as np

__all__ = [
    "SCHEDULE",
    "SCHEDULE_IMPORTS",
    "BLOCK",
    "BLOCK_BYTES",
    "WORKERS",
    "ONE_PASS_MIN_BYTES",
    "ONE_PASS_MIN_ROWS",
    "ONE_PASS_MAX_ROW_BYTES",
    "ONE_PASS_MAX_LIGHT_ROW_BYTES",
    "LIGHT",
    "LLC_BYTES",
    "LLC_SHARE_MAX",
    "CALIBRATE_MIN_BYTES",
    "CALIBRATION_CALLS",
    "MARGIN",
    "RECHECK_FROM",
]


# -- copied into generated modules (from here to the end marker) --------------------------
def _cache_bytes() -> int:
    """The data cache closest to one core that is at least 256 KiB (L2 on current x86 and
    ARM), in bytes, read from Linux's sysfs; 1 MiB where it cannot be read."""
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        found = []
        for entry in os.listdir(base):
            if not entry.startswith("index"):
                continue
            with open(os.path.join(base, entry, "type")) as f:
                kind = f.read().strip()
            with open(os.path.join(base, entry, "level")) as f:
                level = int(f.read())
            with open(os.path.join(base, entry, "size")) as f:
                text = f.read().strip().upper()
            scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
            size = int(text.rstrip("KMG")) * scale
            if kind in ("Data", "Unified") and size >= 256 << 10:
                found.append((level, size))
        return min(found)[1] if found else 1 << 20
    except (OSError, ValueError):
        return 1 << 20


def _worker_count() -> int:
    """Threads for the one-pass schedule: the CPUs this process may use, at most 8, capped by
    ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``/``MKL_NUM_THREADS`` where set;
    ``GRADPROOF_NUM_THREADS`` overrides all of them."""
    try:
        cpus = len(os.sched_getaffinity(0))  # type: ignore[attr-defined, unused-ignore]
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    own = os.environ.get("GRADPROOF_NUM_THREADS", "").strip()
    if own.isdigit() and int(own) > 0:
        return int(own)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            cpus = min(cpus, int(value))
    return max(1, min(cpus, 8))


BLOCK = 8192
"""Samples per block of elementwise work in the two-pass schedule (64 kB temporaries)."""

BLOCK_BYTES = min(max(_cache_bytes() // 2, 128 << 10), 1 << 20)
"""Bytes of X per block of rows in the one-pass schedule: half the per-core cache, so X_b and
the block's temporaries stay there between its two uses; at most 1 MiB (OpenBLAS slows down
on larger single calls, measured in benchmarks/bench_numeric.py)."""

CALIBRATE_MIN_BYTES = 4 << 20
"""When calibrating, smaller X is not timed and takes two passes (two BLAS calls on data
served from the cache; a difference there is too small to be worth timing)."""

CALIBRATION_CALLS = 12
"""Calls per function and size class that calibrate: pairs of calls alternate between the
schedules and the second call of each pair is timed (3 times of each schedule, whose fastest
decide: other processes only ever add time, so the fastest call is the least disturbed).
The first call of a pair is not timed: a one-pass call right after a two-pass call ran
30–50 % slower than one after another one-pass call (measured at n = 4·10⁵, d = 100),
which biased the choice towards two-pass."""

MARGIN = 0.95
"""The one-pass schedule is kept when its fastest time is below MARGIN × the two-pass
one: a difference within timing noise keeps the two plain BLAS calls."""


def _llc_bytes() -> int:
    """The largest (last-level) data cache of cpu0, in bytes, read from Linux's sysfs;
    32 MiB where it cannot be read."""
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        found = [0]
        for entry in os.listdir(base):
            if not entry.startswith("index"):
                continue
            with open(os.path.join(base, entry, "type")) as f:
                if f.read().strip() not in ("Data", "Unified"):
                    continue
            with open(os.path.join(base, entry, "size")) as f:
                text = f.read().strip().upper()
            scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
            found.append(int(text.rstrip("KMG")) * scale)
        return max(found) or 32 << 20
    except (OSError, ValueError):
        return 32 << 20


LLC_SHARE_MAX = 32 << 20
"""The most of the last-level cache the rule counts on (32 MiB). sysfs reports the whole
cache, which all the cores of the socket share (in a VM, with other tenants too: a 2-core VM
whose sysfs reports a 300 MiB L3). There, a second ``X @ w`` right after the first (float32,
d = 1000, best of 5) took 0.66 of the first's time at 8 MiB, 0.81 at 16, 0.91 at 32, and
0.98–1.01 from 64 to 300 MiB: X of 64 MiB or more was read from memory both times, and X of
32 MiB mostly. Between 32 and 64 MiB the choice is a guess (see :data:`LLC_BYTES`)."""

LLC_BYTES = min(_llc_bytes(), LLC_SHARE_MAX)
"""The part of the last-level cache X can stay in between two passes: a larger X is read
from memory on each pass, so one pass halves the traffic whatever d is. Measured with fewer
than 2¹⁸ rows, beyond 32 MiB, one-pass against two-pass (gradients, medians of 9 rounds, ×
the two bare BLAS passes): 1.5·10⁵ × 100, float64 (120 MB): perceptron 0.82 / 1.12, squared
error 0.82 / 1.03, logistic 1.00 / 1.18; 5·10⁴ × 1000, float32 (200 MB, rows of 4 kB):
perceptron 0.96 / 1.02, hinge 0.90 / 0.99, squared error 0.90 / 1.01, Huber 1.04 / 1.03 (a
tie), and logistic (not light: two passes for rows over 2 kB) 1.00 / 0.96. At 40 MB the
results are mixed: 5·10⁴ × 100 float64 perceptron 1.09 / 1.05 (one-pass 4 % slower), logistic
1.12 / 1.18; 10⁵ × 100 float32 perceptron 0.93 / 1.17, logistic 1.02 / 1.22."""

ONE_PASS_MIN_BYTES = 4 << 20
"""Smaller X always takes two passes (two BLAS calls on data served from the cache)."""

ONE_PASS_MIN_ROWS = 1 << 18
"""From this many rows the one-pass schedule wins even where X may stay in the cache: the
elementwise work on n numbers, which the two-pass schedule does in one thread, is shared among
the cores. Measured (logistic gradient, one-pass ÷ two-pass time, 2 cores): rows of 80 B 0.59
at 4·10⁵ rows (32 MB), 0.83 at 10⁵ (8 MB); 240 B 0.77 at 5.6·10⁵, 0.97 at 1.4·10⁵ (34 MB);
400 B (float32) 0.75 at 3.4·10⁵, 0.97 at 8·10⁴ (32 MB). Beyond LLC_BYTES fewer rows do: rows
of 800 B at 1.7·10⁵ and of 1.2 kB at 1.1·10⁵ (136 and 132 MB), measured again with 9 rounds
when LLC_BYTES was capped: 0.88 and 0.96 (an earlier session had 1.05 and 1.03)."""

ONE_PASS_MAX_ROW_BYTES = 2048
"""Longer rows take two passes (unless the function is in LIGHT): a block then holds fewer
than 512 rows, and the elementwise calls on so few numbers cost more than the second read
of X saves (measured at d = 1000, float64, 400 MB: logistic one-pass 1.14, two-pass 1.03 ×
the two bare BLAS passes)."""

ONE_PASS_MAX_LIGHT_ROW_BYTES = 8192
"""The longest rows that take one pass in the functions of LIGHT. Measured for the
gradients only, at one shape: n = 5·10⁴, d = 1000, float64, 400 MB (medians of 13 rounds, ×
the two bare BLAS passes timed just before each call), one-pass against two-pass:
perceptron 0.94 / 1.03, hinge 0.94 / 1.03, squared hinge 0.94 / 1.04, squared error 0.87 /
0.98, Huber 0.89 / 1.00; the logistic gradient, not light, 1.03 / 1.02 (and 1.14 / 1.02 in
float32, 200 MB). Rows of 4 kB in float32: see :data:`LLC_BYTES`; the loss alone was not
measured."""

LIGHT: Any = set()
"""Generated functions whose per-sample code has only arithmetic (integer powers included),
comparisons, selections and clips (no exponential, logarithm, other power or helper
function): their few calls per block stay cheap in blocks of few rows. Each generated
module adds its own; a ``_w0`` variant (w = 0) follows its function's entry."""

WORKERS = _worker_count()
"""Threads sharing the blocks of the one-pass schedule."""

FORCED: Any = os.environ.get("GRADPROOF_SCHEDULE") or None
"""A schedule name that overrides the rule for numpy arrays, or ``"calibrate"`` to time the
schedules instead (:meth:`CompiledLoss.with_schedule` per function; the environment variable
``GRADPROOF_SCHEDULE`` for the whole process); None: :func:`_rule` chooses."""
_FORCED_NAMES = (None, "one-pass", "two-pass", "calibrate")
"""The values FORCED may take; another one (a mistyped ``GRADPROOF_SCHEDULE``) is refused by
every call (:func:`_check_forced`), whatever the arrays or backend."""


def _check_forced() -> None:
    """Raise _OptionError unless FORCED is a schedule name (or None)."""
    if FORCED not in _FORCED_NAMES:
        raise _OptionError(
            f"GRADPROOF_SCHEDULE must be one-pass, two-pass or calibrate, got {FORCED!r}; "
            "set one of these or unset it"
        )


RECHECK_FROM = 32
"""After the choice, calls 32–35 of a size class (then 64–67, 128–131, ...: from each power
of two) are a pair of the other schedule and a pair of the kept one, the second of each
pair timed; the last 3 times of each decide again. A choice made while another process
loaded the machine is corrected, at a cost that shrinks like log(calls) / calls."""

_CHOICES: Any = {}
"""Calibrated choices of this module: :func:`_key` → (schedule, fastest one-pass time ÷
fastest two-pass time, the last one-pass times, the last two-pass times, in seconds)."""

_TRIALS: Any = {}
"""Timed calls of the size classes still being calibrated: key → [(schedule, seconds)]."""

_CALLS: Any = {}
"""Calls so far per key (they say when to check a choice again)."""

_CHOICE_LOCK = threading.Lock()


def _key(X: Any, name: str) -> Any:
    """(function, d, dtype, size class): calls that share a calibration. The size class k
    holds X of 4^k to 4^(k+1) bytes (11: 4–16 MB, 12: 16–64 MB, 13: 64–256 MB, ...)."""
    return (name, X.shape[1], X.dtype.name, (X.nbytes.bit_length() - 1) // 2)


def _rule(X: Any, name: str = "_grad") -> str:
    """The schedule of a numpy X stored by rows: one-pass for X of at least
    ONE_PASS_MIN_BYTES with rows of at most ONE_PASS_MAX_ROW_BYTES (ONE_PASS_MAX_LIGHT_ROW_BYTES
    where the function ``name``, or the one whose ``_w0`` variant it is, is in LIGHT) and
    ONE_PASS_MIN_ROWS rows or more, or larger than LLC_BYTES (the part of the last-level
    cache X can stay in); two-pass else."""
    big = X.shape[0] >= ONE_PASS_MIN_ROWS or X.nbytes > LLC_BYTES
    row = X.shape[1] * X.itemsize
    light = name.removesuffix("_w0") in LIGHT
    narrow = row <= (ONE_PASS_MAX_LIGHT_ROW_BYTES if light else ONE_PASS_MAX_ROW_BYTES)
    return "one-pass" if big and narrow and X.nbytes >= ONE_PASS_MIN_BYTES else "two-pass"


def _other(which: str) -> str:
    return "two-pass" if which == "one-pass" else "one-pass"


def _plan(X: Any, name: str, count: bool = True) -> Any:
    """(schedule, key): the schedule of this call, and the calibration key when the call
    is to be timed (None otherwise); ``count=False`` asks without making a call."""
    _check_forced()
    if not isinstance(X, _numpy.ndarray):
        return "two-pass", None
    if FORCED in ("one-pass", "two-pass"):
        return FORCED, None
    if not X.flags.c_contiguous or 16 * X.shape[1] * X.itemsize > BLOCK_BYTES:
        return "two-pass", None
    if FORCED != "calibrate":
        return _rule(X, name), None
    if X.nbytes < CALIBRATE_MIN_BYTES:
        return "two-pass", None
    key = _key(X, name)
    with _CHOICE_LOCK:
        calls = _CALLS.get(key, 0)
        _CALLS[key] = calls + count
        made = _CHOICES.get(key)
    if made is None:
        # calibrating: pairs of calls, the rule's choice first, then the schedules in turn;
        # the first call of a pair follows the other schedule and is not timed
        first = _rule(X, name)
        which = first if (calls // 2) % 2 == 0 else _other(first)
        return which, (key if calls % 2 else None)
    start = 1 << max(0, calls.bit_length() - 1)  # the largest power of two ≤ calls
    if start >= RECHECK_FROM and calls - start < 4:  # a check: the other pair, then ours
        which = _other(made[0]) if calls - start < 2 else made[0]
        return which, (key if (calls - start) % 2 else None)
    return made[0], None


def _decide(one: Any, two: Any) -> Any:
    """(schedule, ratio) from the times of each: one-pass when its fastest is below MARGIN
    × the fastest two-pass call (ties go to the two plain BLAS calls)."""
    ratio = min(one) / max(min(two), 1e-12)
    return ("one-pass" if ratio < MARGIN else "two-pass"), ratio


def _record(key: Any, which: str, seconds: float) -> None:
    """Add one timed call; decide once each schedule has CALIBRATION_CALLS // 4 of them,
    and again with each check of a choice (the last CALIBRATION_CALLS // 4 of each)."""
    half = max(1, CALIBRATION_CALLS // 4)
    with _CHOICE_LOCK:
        made = _CHOICES.get(key)
        if made is not None:
            one, two = list(made[2]), list(made[3])
            (one if which == "one-pass" else two).append(seconds)
            one, two = one[-half:], two[-half:]
            _CHOICES[key] = (*_decide(one, two), one, two)
            return
        trials = _TRIALS.setdefault(key, [])
        trials.append((which, seconds))
        one = [t for s, t in trials if s == "one-pass"]
        two = [t for s, t in trials if s == "two-pass"]
        if len(one) >= half and len(two) >= half:
            _CHOICES[key] = (*_decide(one, two), one, two)
            del _TRIALS[key]


def _schedule(X: Any, name: str = "_grad") -> str:
    """``"one-pass"`` or ``"two-pass"``: the schedule the next call of the generated
    function ``name`` runs on X. Two-pass for anything but a numpy X stored row by row (C
    order) whose rows fit 16 to a block; for such X the rule's choice (:func:`_rule`), or
    when calibrating the calibrated one (while calibrating: the next one to be timed).
    FORCED one-pass or two-pass decides for every numpy array."""
    return str(_plan(X, name, count=False)[0])


def _scheduled(name: str, one: Any, two: Any, X: Any, y: Any, w: Any, b: Any) -> Any:
    """Run ``one`` (the one-pass version of ``name``) or ``two`` on (X, y, w, b), as
    :func:`_plan` says, timing the calls that calibrate the choice."""
    which, key = _plan(X, name)
    run = one if which == "one-pass" else two
    if key is None:
        return run(X, y, w, b)
    t0 = time.perf_counter()
    out = run(X, y, w, b)
    _record(key, which, time.perf_counter() - t0)
    return out


def _scores(X: Any, w: Any, b: Any) -> Any:
    """X @ w + b, adding b in place (no second array of n numbers) when X is a numpy array
    (whose product is ``np.dot``: it lets other threads run, numpy's ``@`` does not always)."""
    if isinstance(X, _numpy.ndarray):
        s = _numpy.dot(X, w)
        s += b
        return s
    return X @ w + b


def _map_blocks(f: Any, n_full: int, out: Any, arrays: Any, shared: Any) -> Any:
    """f(*arrays, *shared) → (n_full per-sample arrays, then sums), computed block by block.

    With numpy arrays, f runs on BLOCK samples at a time and the per-sample result (at most
    one) is written into ``out``, a buffer of n numbers owned by the caller (the scores,
    consumed block by block); the sums are accumulated. Dask arrays, short inputs, or no
    buffer: f runs once on the whole arrays.
    """
    n = arrays[0].shape[0]
    if out is None or n <= BLOCK or not all(isinstance(a, _numpy.ndarray) for a in arrays):
        return f(*arrays, *shared)
    sums: Any = None
    for i in range(0, n, BLOCK):
        j = slice(i, i + BLOCK)
        res = f(*(a[j] for a in arrays), *shared)
        if n_full:
            out[j] = res[0]
        part = res[n_full:]
        sums = part if sums is None else tuple(t + p for t, p in zip(sums, part, strict=True))
    return (out,) * n_full + tuple(sums)


CHUNKS = 64
"""Ranges of rows the one-pass schedule splits X into (fewer for short X). Threads take
them one at a time, so a thread slowed down by other work on the machine takes fewer; the
partial sums are added in range order, so results do not depend on the thread count."""


def _rows_range(f: Any, X: Any, arrays: Any, shared: Any, lo: int, hi: int, rows: int) -> Any:
    """Σ of f(X_b, *arrays_b, *shared) over the blocks of rows lo..hi (a tuple of sums)."""
    j = slice(lo, min(lo + rows, hi))
    sums = list(f(X[j], *[a[j] for a in arrays], *shared))
    for i in range(lo + rows, hi, rows):
        j = slice(i, min(i + rows, hi))
        for k, p in enumerate(f(X[j], *[a[j] for a in arrays], *shared)):
            sums[k] += p  # in place for the arrays: the first block's sums are its own
    return tuple(sums)


def _take_ranges(
    f: Any, X: Any, arrays: Any, shared: Any, edges: Any, rows: int, state: Any
) -> None:
    """Sum ranges of rows until none is left: state = (next-range counter, results list)."""
    counter, results = state
    for k in counter:
        if k >= len(results):
            return
        results[k] = _rows_range(f, X, arrays, shared, edges[k], edges[k + 1], rows)


_POOL: Any = None
_POOL_PID: Any = None
_POOL_LOCK = threading.Lock()


def _pool() -> Any:
    """The thread pool of the one-pass schedule, made on first use (and again in a process
    forked from this one, where the parent's threads do not exist)."""
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        if _POOL is None or _POOL_PID != os.getpid():
            _POOL = ThreadPoolExecutor(max(1, WORKERS - 1), thread_name_prefix="gradproof")
            _POOL_PID = os.getpid()
        return _POOL


def _map_rows(f: Any, X: Any, arrays: Any, shared: Any) -> Any:
    """Σ over blocks of rows of f(X_b, *arrays_b, *shared): one pass over X.

    ``arrays`` are per-sample (cut like X), ``shared`` are passed whole. The blocks are
    grouped into at most CHUNKS ranges that the calling thread and WORKERS − 1 pool threads
    take in turn (the pool threads in a copy of the caller's context, so ``np.errstate``
    applies there too); the partial sums are added in range order.
    """
    n = X.shape[0]
    rows = max(16, BLOCK_BYTES // max(1, X.shape[1] * X.itemsize))
    blocks = -(-n // rows)
    k = max(1, min(CHUNKS, blocks))
    edges = [rows * (blocks * i // k) for i in range(k)] + [n]
    if WORKERS == 1 or k == 1:
        results = [
            _rows_range(f, X, arrays, shared, edges[i], edges[i + 1], rows) for i in range(k)
        ]
    else:
        results = [None] * k
        state = (itertools.count(), results)
        pool = _pool()
        futures = [
            pool.submit(
                contextvars.copy_context().run,
                _take_ranges,
                f,
                X,
                arrays,
                shared,
                edges,
                rows,
                state,
            )
            for _ in range(min(WORKERS, k) - 1)
        ]
        try:
            _take_ranges(f, X, arrays, shared, edges, rows, state)
        finally:
            _wait_all(futures)  # no thread still reads X when this returns or raises
        for fut in futures:
            fut.result()  # a worker's exception (e.g. a floating-point error) is raised here
    sums = results[0]
    for part in results[1:]:
        sums = tuple(t + p for t, p in zip(sums, part, strict=True))
    return sums


def _cast(v: Any, dt: Any) -> Any:
    """v in dtype dt: a constant becomes a dt scalar; an array is converted only if needed."""
    if isinstance(v, (bool, int, float)):
        return dt.type(v)
    return v if v.dtype == dt else v.astype(dt)


def _per_sample(v: Any, n: int, dt: Any) -> Any:
    """v as an array of n numbers in dtype dt (a value shared by all samples is repeated)."""
    v = _cast(v, dt)
    return v if np.ndim(v) == 1 else np.full(n, v, dtype=dt)


def _check_pm1(y: Any) -> None:
    """Raise _DataError unless every label is −1 or +1 (numpy arrays; others are not read)."""
    if not isinstance(y, _numpy.ndarray):
        return
    for i in range(0, y.shape[0], 1 << 16):  # in chunks: temporaries stay in cache
        part = y[i : i + (1 << 16)]
        if _numpy.count_nonzero(_numpy.abs(part) != 1):
            j = i + int(_numpy.argmax(_numpy.abs(part) != 1))
            found = set(_numpy.unique(y).tolist())
            hint = "; labels look like 0/1: convert with y = 2*y - 1" if found <= {0, 1} else ""
            raise _DataError(
                f"label {y[j]:g} in row {j + 1} is not −1 or +1 "
                f"(this loss needs labels in {{−1, +1}}){hint}"
            )


_DataError: Any = ValueError
"""The exception for unusable data (labels outside the loss's set): ValueError in exported
modules, :class:`gradproof.errors.DataError` in gradproof's own compiled losses."""

_OptionError: Any = ValueError
"""The exception for an unknown ``GRADPROOF_SCHEDULE``: ValueError in exported modules,
:class:`gradproof.errors.OptionError` in gradproof's own compiled losses."""
# -- end of the copied part ---------------------------------------------------------------


def _copied_part() -> str:
    text = inspect.getsource(inspect.getmodule(_copied_part))  # type: ignore[arg-type]
    start = text.index("# -- copied into generated modules")
    start = text.index("\n", start) + 1
    return text[start : text.index("# -- end of the copied part")].rstrip() + "\n"


SCHEDULE = _copied_part()
"""The source of the helpers above, as it is copied into generated modules."""

SCHEDULE_IMPORTS = (
    "import contextvars\nimport itertools\nimport os\nimport threading\nimport time\n"
    "from concurrent.futures import ThreadPoolExecutor\n"
    "from concurrent.futures import wait as _wait_all\n"
)
"""The standard-library imports the helpers need."""
