"""Wall-clock limits on symbolic work, so a hostile or merely unlucky input cannot hang gradproof.

SymPy is pure Python, so on the main thread a ``SIGALRM`` timer interrupts it between bytecodes.
Off the main thread (or where ``signal.setitimer`` does not exist, e.g. Windows) the work runs
without a time limit; the parser's structural limits (length, depth, exponent, number size)
still apply everywhere.

>>> run_with_limit(lambda: 6 * 7, 1.0)
42
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any, TypeVar

import sympy as sp

from gradproof.errors import LimitError

__all__ = [
    "TIME_LIMITS",
    "run_with_limit",
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


_REFIRE = 0.05  # seconds between repeated alarms once the limit has passed


class _Expired(BaseException):
    """Raised by the alarm handler. A BaseException, so SymPy's ``except Exception`` blocks
    cannot swallow it on its way out."""


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
    :class:`LimitError` as well. If the limit cannot be enforced (not the main thread, no
    ``setitimer``, or another interval timer is already running, e.g. an outer limit), ``fn``
    runs without one.

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
        if seconds <= 0 or not time_limit_available() or signal.getitimer(signal.ITIMER_REAL)[0]:
            return fn()
        return _run_with_alarm(fn, seconds, what, hint)
    except RecursionError:
        raise LimitError(f"{what} recursed too deeply; {hint}") from None


def _run_with_alarm(fn: Callable[[], T], seconds: float, what: str, hint: str) -> T:
    armed = [True]

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        if armed[0]:
            raise _Expired

    def disarm() -> None:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        try:
            # Re-fire every 50 ms: an exception raised while a gc callback or a __del__ runs
            # is swallowed by Python ("Exception ignored in ..."), so one alarm may be lost.
            # The timer is set inside the try: with a tiny limit it fires at once.
            signal.setitimer(signal.ITIMER_REAL, seconds, _REFIRE)
            return fn()
        finally:
            disarm()
    except _Expired:
        disarm()
        raise LimitError(f"{what} took longer than {seconds:g} s; {hint}") from None
    finally:
        disarm()  # again: an alarm may have cut a cleanup above short
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


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
