"""Limits on work, so a hostile or merely unlucky input cannot hang gradproof or exhaust memory.

Two kinds:

- **Per stage** (:data:`TIME_LIMITS`): parsing and deriving each have their own wall-clock
  limit, also in the Python API.
- **Per command** (:data:`COMMAND_LIMITS`, used by the command line through
  :func:`run_command`): the whole run of one ``gradproof`` command (parse, derive, render,
  compile, worked example, check, notes, train, writing the output) has a wall-clock limit of
  120 s and a memory budget of 4 GiB of address space on top of what the process had mapped
  when the command started. Users change them with the environment variables
  ``GRADPROOF_TIME_LIMIT`` (seconds) and ``GRADPROOF_MEMORY_LIMIT`` (bytes, or with a K, M or
  G suffix); ``0`` means no limit. Hitting either is a :class:`LimitError`, one line.

Limits nest: a stage limit inside a command limit stops the stage at its own deadline, and the
command's deadline still holds around it (whichever comes first wins, and the message names
the one that ran out). A timer that gradproof did not set (an outer ``setitimer`` of the
caller's) is left alone: the work then runs without a time limit, and the caller's timer is the
authority.

SymPy is pure Python, so on the main thread a ``SIGALRM`` timer interrupts it between bytecodes.
Off the main thread (or where ``signal.setitimer`` does not exist, e.g. Windows) the work runs
without a time limit; the parser's structural limits (length, depth, exponent, number size)
still apply everywhere. The memory budget is an ``RLIMIT_AS`` soft limit (Linux; elsewhere
there is none): an allocation beyond it fails with ``MemoryError``, which becomes the
:class:`LimitError`.

>>> run_with_limit(lambda: 6 * 7, 1.0)
42
"""

from __future__ import annotations

import errno
import math
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

import sympy as sp

from gradproof.errors import LimitError, OptionError

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

__all__ = [
    "TIME_LIMITS",
    "COMMAND_LIMITS",
    "run_with_limit",
    "run_command",
    "command_limits",
    "memory_budget",
    "time_limit_available",
    "approx_float",
    "rational_bits",
    "tree_size",
]

T = TypeVar("T")

TIME_LIMITS = {
    "derive_seconds": 20.0,  # build_derivation: differentiate and write the steps
    "parse_seconds": 5.0,  # parse_loss: tokenise and build the SymPy expression
}
"""Default wall-clock limits in seconds; change them here (tests monkeypatch this dict)."""

COMMAND_LIMITS = {
    "seconds": 120.0,  # wall clock of one whole command
    "memory_bytes": 4 * 2**30,  # address space one command may add (RLIMIT_AS)
}
"""Defaults of the per-command limits; the environment variables below override them (tests
monkeypatch this dict). ``0`` means no limit."""

TIME_ENV = "GRADPROOF_TIME_LIMIT"
MEMORY_ENV = "GRADPROOF_MEMORY_LIMIT"

_REFIRE = 0.05  # seconds between repeated alarms once a limit has passed


class _Expired(BaseException):
    """Raised by the alarm handler for the limit that ran out. A BaseException, so SymPy's
    ``except Exception`` blocks cannot swallow it on its way out."""

    def __init__(self, limit: _Limit) -> None:
        super().__init__()
        self.limit = limit


class _Limit:
    """One active limit: its deadline on the monotonic clock."""

    __slots__ = ("deadline",)

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline


# The active limits, outermost first. One process-wide alarm (ITIMER_REAL) serves them all: it
# is always set for the earliest deadline.
_active: list[_Limit] = []


def time_limit_available() -> bool:
    """Whether :func:`run_with_limit` can enforce a limit here (main thread, POSIX timers)."""
    return (
        hasattr(signal, "setitimer")
        and hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
    )


def run_with_limit(
    fn: Callable[[], T],
    seconds: float,
    *,
    what: str = "deriving",
    hint: str = "simplify the expression",
) -> T:
    """Call ``fn()`` and return its result, or raise :class:`LimitError` after ``seconds``.

    A ``RecursionError`` inside ``fn`` (SymPy recursing through a deep expression) becomes a
    :class:`LimitError` as well. Calls nest: an inner limit stops the work at its deadline and
    every outer deadline still holds. If the limit cannot be enforced (not the main thread, no
    ``setitimer``, or an interval timer gradproof did not set is running), ``fn`` runs
    without one.

    Parameters
    ----------
    fn
        The work, a function of no arguments.
    seconds
        The wall-clock limit; ``0`` or less means no limit.
    what, hint
        Words for the error: ``"{what} took longer than {seconds} s; {hint}"``.
    """
    try:
        if seconds <= 0 or not time_limit_available():
            return fn()
        if not _active and signal.getitimer(signal.ITIMER_REAL)[0]:
            return fn()  # somebody else's timer: theirs is the authority
        return _run_with_alarm(fn, seconds, what, hint)
    except RecursionError:
        raise LimitError(f"{what} recursed too deeply; {hint}") from None


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    now = time.monotonic()
    expired = [lim for lim in _active if lim.deadline <= now]
    if expired:
        raise _Expired(expired[0])  # the outermost that ran out: it ends everything inside it
    _arm()  # early (clock skew) or a limit that just ended: wait for the next deadline


def _arm() -> None:
    """Set the alarm for the earliest active deadline (or clear it when none is active)."""
    if not _active:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    delay = min(lim.deadline for lim in _active) - time.monotonic()
    # Re-fire every 50 ms: an exception raised while a gc callback or a __del__ runs is
    # swallowed by Python ("Exception ignored in ..."), so one alarm may be lost.
    # (at most 10^8 s ahead, about three years: setitimer overflows past time_t)
    signal.setitimer(signal.ITIMER_REAL, min(max(delay, 1e-6), 1e8), _REFIRE)


def _run_with_alarm(fn: Callable[[], T], seconds: float, what: str, hint: str) -> T:
    limit = _Limit(time.monotonic() + seconds)
    depth = len(_active)
    outermost = depth == 0
    previous = signal.signal(signal.SIGALRM, _on_alarm) if outermost else None
    try:
        try:
            _active.append(limit)
            _arm()  # inside the try: with a tiny limit it fires at once
            return fn()
        finally:
            del _active[depth:]  # this limit, and any an interrupted inner call left behind
            _arm()
    except _Expired as exc:
        del _active[depth:]
        if exc.limit is not limit:
            raise  # an outer limit ran out: it reports
        _arm()
        raise LimitError(f"{what} took longer than {seconds:g} s; {hint}") from None
    finally:
        if outermost:
            del _active[:]  # again: an alarm may have cut a cleanup above short
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


# -- the limits of one whole command ----------------------------------------------------------

_SIZE = re.compile(r"([0-9]+(?:\.[0-9]*)?)\s*(?:([KMGT])i?)?B?", re.IGNORECASE)
_UNITS = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
_NO_BUDGET = 2**50  # a budget this large (a pebibyte) is no budget


def _env_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise OptionError(f"{TIME_ENV} must be a number of seconds (0 for no limit), got {text!r}")
    return value


def _env_bytes(text: str) -> int:
    m = _SIZE.fullmatch(text.strip())
    value = float(m.group(1)) * _UNITS.get((m.group(2) or "").upper(), 1) if m else math.nan
    if not math.isfinite(value):
        raise OptionError(
            f"{MEMORY_ENV} must be a size such as 8G, 512M or 1000000 bytes (0 for no "
            f"limit), got {text!r}"
        )
    return int(min(value, _NO_BUDGET))


def command_limits(environ: Mapping[str, str] | None = None) -> tuple[float, int]:
    """The time limit (seconds) and memory budget (bytes) of one command: the environment
    variables ``GRADPROOF_TIME_LIMIT`` and ``GRADPROOF_MEMORY_LIMIT`` where set, else
    :data:`COMMAND_LIMITS`.

    >>> command_limits({"GRADPROOF_TIME_LIMIT": "30", "GRADPROOF_MEMORY_LIMIT": "512M"})
    (30.0, 536870912)
    """
    env = os.environ if environ is None else environ
    seconds = float(COMMAND_LIMITS["seconds"])
    budget = int(COMMAND_LIMITS["memory_bytes"])
    if env.get(TIME_ENV, "").strip():
        seconds = _env_seconds(env[TIME_ENV])
    if env.get(MEMORY_ENV, "").strip():
        budget = _env_bytes(env[MEMORY_ENV])
    return seconds, budget


def _mapped_bytes() -> int | None:
    """The address space this process maps now (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def memory_budget(extra: int) -> Iterator[None]:
    """Let the code inside map at most ``extra`` more bytes of address space (``RLIMIT_AS``).

    An allocation beyond the budget raises ``MemoryError`` (numpy, Python objects). The
    previous limit is restored on the way out. A tighter limit already in force is kept; where
    the limit cannot be set (no ``resource`` module, no /proc) the budget does nothing.
    """
    base = _mapped_bytes() if 0 < extra < _NO_BUDGET and resource is not None else None
    if base is None or not hasattr(resource, "RLIMIT_AS"):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = base + extra
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY and soft <= limit:
        yield  # the caller's own limit is tighter: it stays the authority
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _size(n: int) -> str:
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= factor:
            return f"{n / factor:.3g} {unit}"
    return f"{n} bytes"


def run_command(fn: Callable[[], T], name: str) -> T:
    """Run one command's work under the command time limit and memory budget.

    Raises
    ------
    LimitError
        ``"gradproof NAME took longer than S s; ..."`` or ``"gradproof NAME needed more
        memory than its budget of B; ..."``, each saying which variable raises the limit.
    OptionError
        If ``GRADPROOF_TIME_LIMIT`` or ``GRADPROOF_MEMORY_LIMIT`` is not a valid value.
    """
    seconds, budget = command_limits()
    try:
        with memory_budget(budget):
            return run_with_limit(
                fn,
                seconds,
                what=f"gradproof {name}",
                hint=f"use smaller inputs, or raise the limit with {TIME_ENV}=SECONDS (0 for none)",
            )
    except (MemoryError, ImportError, OSError) as exc:
        if not isinstance(exc, MemoryError) and not _out_of_memory(exc):
            raise
        raise LimitError(
            f"gradproof {name} needed more memory than its budget of {_size(budget)}; use "
            f"smaller inputs, or raise the budget with {MEMORY_ENV}=SIZE (e.g. 8G; 0 for none)"
        ) from None


def _out_of_memory(exc: ImportError | OSError) -> bool:
    """An import or system call that failed for want of address space (a lazy import of a
    compiled module cannot map it: "failed to map segment from shared object")."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:
        return True
    text = str(exc).lower()
    return "failed to map segment" in text or "cannot allocate memory" in text


# -- sizing numbers without SymPy's evalf -------------------------------------------------------
# SymPy's comparisons and evalf on a constant such as exp(exp(exp(100))) can run for minutes;
# these helpers size a constant with plain floats and bounded work instead.


def rational_bits(e: Any) -> int:
    """The largest bit length of a numerator or denominator of any Rational inside ``e``."""
    best = 0
    stack = [e]
    while stack:
        node = stack.pop()
        if getattr(node, "is_Rational", False):
            best = max(best, abs(int(node.p)).bit_length(), int(node.q).bit_length())
        else:
            stack.extend(getattr(node, "args", ()))
    return best


def tree_size(e: Any, stop: int) -> int:
    """The number of nodes of the tree ``e`` (repeated subtrees counted each time), counting
    no further than ``stop``.

    >>> import sympy as sp
    >>> tree_size(sp.Symbol("a") + 1, 100)
    3
    """
    count = 0
    stack = [e]
    while stack and count < stop:
        node = stack.pop()
        count += 1
        stack.extend(getattr(node, "args", ()))
    return count


def _call(f: Callable[..., float], *args: float) -> float:
    try:
        return float(f(*args))
    except OverflowError:
        return math.inf
    except (ValueError, ZeroDivisionError):
        return math.nan


def _approx_pow(b: float, p: float) -> float:
    if b < 0 and p != int(p):
        return math.nan
    return _call(math.pow, b, p)


_ARITHMETIC: dict[type, Callable[..., float]] = {
    sp.Add: lambda *a: math.fsum(a),
    sp.Mul: lambda *a: math.prod(a),
    sp.Pow: _approx_pow,
    sp.Max: max,
    sp.Min: min,
}
"""Float versions of SymPy's arithmetic nodes; functions come from the caller's table."""


def approx_float(
    e: Any, functions: Mapping[type, Callable[..., float]] | None = None
) -> float | None:
    """A float approximation of a constant SymPy expression, in bounded time.

    ``functions`` maps SymPy function classes to their versions on floats (the primitive
    registry's float sizing); sums, products, powers, max and min are known here. Returns
    ``inf`` for a constant beyond the float range, ``nan`` for one that is undefined or not
    real (``log(0)``, ``sqrt(-1)``), and None for a node type it does not know.

    >>> import math, sympy as sp
    >>> approx_float(sp.exp(sp.exp(sp.exp(100))), {sp.exp: math.exp})
    inf
    >>> approx_float(sp.sqrt(2)) == 2 ** 0.5
    True
    >>> approx_float(sp.exp(2)) is None  # no float version of exp given
    True
    """
    if e.is_Rational:
        return _call(lambda: int(e.p) / int(e.q))
    if e.is_Float or e.is_NumberSymbol:  # pi, E
        return float(e)
    if e is sp.nan or e is sp.zoo or e is sp.I:
        return math.nan
    if e is sp.oo or e is sp.S.NegativeInfinity:
        return math.inf
    f = _ARITHMETIC.get(type(e)) or (functions or {}).get(type(e))
    if f is None or not e.args:
        return math.nan if e.is_number and e.is_extended_real is False else None
    args = []
    for a in e.args:
        v = approx_float(a, functions)
        if v is None:
            return None
        args.append(v)
    if any(math.isnan(a) for a in args):
        return math.nan
    return _call(f, *args)
