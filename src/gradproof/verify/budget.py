"""What a check may spend, and the one place the verify layer reaches the derivation.

:data:`CHECK_LIMITS` bounds the check's own work: its symbolic preparation (turning the
derived form into callables: lambdify and a derivative of each coefficient, which grows with
the expression), its evaluation at all points together (the user's gradient function is not
timed: it is their code), and the samples it accepts. Each refusal is one line naming the
limit (a :class:`~gradproof.errors.LimitError` or :class:`~gradproof.errors.DataError`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from gradproof.errors import DataError, LimitError
from gradproof.limits import run_with_limit
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.derive import derive_symbolic as _derive_symbolic

__all__ = ["CHECK_LIMITS", "Budget", "derive", "check_samples"]

T = TypeVar("T")

CHECK_LIMITS = {
    "prepare_seconds": 20.0,  # lambdify the derived form and differentiate its coefficients
    "check_seconds": 60.0,  # the check's own evaluation at every point, all together
    "max_samples": 200_000,  # n: a larger dataset is refused (check a random subsample)
    "max_entries": 2 * 10**8,  # n·d: the size of X
}
"""Bounds on a check's work; change them here (tests monkeypatch this dict)."""


def derive(loss: str | None = None, **kwargs: Any) -> Derivation:
    """Derive ``loss`` (a name, or ``expr=...``): the verify layer's only route to the
    derivation entry point, so it can be retargeted in one line."""
    return _derive_symbolic(loss, **kwargs)


def check_samples(n: int, d: int) -> None:
    """Refuse data beyond :data:`CHECK_LIMITS` with one line."""
    if n > CHECK_LIMITS["max_samples"]:
        raise DataError(
            f"check works on at most {CHECK_LIMITS['max_samples']:,} samples, got {n:,}; "
            f"check a random subsample (each sample's term is checked the same way)"
        )
    if n * d > CHECK_LIMITS["max_entries"]:
        raise DataError(
            f"check works on data of at most {CHECK_LIMITS['max_entries']:,} entries (n·d), "
            f"got {n * d:,}; check a random subsample of the rows"
        )


def _trusted(fn: Callable[[], T], seconds: float, what: str, hint: str) -> T:
    """``run_with_limit``, and a LimitError whenever the deadline passed, whatever ``fn``
    returned or raised: the alarm can land inside library code that swallows it (a bare
    ``except:``), and what comes out of such an interrupted computation is not trusted."""
    start = time.perf_counter()
    try:
        out = run_with_limit(fn, seconds, what=what, hint=hint)
    except Exception:
        if 0 < seconds <= time.perf_counter() - start:
            raise LimitError(f"{what} took longer than {seconds:g} s; {hint}") from None
        raise
    if 0 < seconds <= time.perf_counter() - start:
        raise LimitError(f"{what} took longer than {seconds:g} s; {hint}")
    return out


def prepare(fn: Callable[[], T]) -> T:
    """Run the symbolic preparation under its time limit."""
    return _trusted(
        fn,
        CHECK_LIMITS["prepare_seconds"],
        "preparing the check (compiling the derived form)",
        "simplify the expression",
    )


class Budget:
    """The time left for the check's own evaluation, spent point by point."""

    def __init__(self) -> None:
        self.left = float(CHECK_LIMITS["check_seconds"])

    def run(self, fn: Callable[[], T]) -> T:
        """``fn()`` within the time left; raises LimitError once it is spent."""
        if self.left <= 0:
            raise self._error()
        start = time.perf_counter()
        try:
            return _trusted(fn, self.left, "checking", "check fewer points or a smaller dataset")
        except LimitError:
            raise self._error() from None
        finally:
            self.left -= time.perf_counter() - start

    @staticmethod
    def _error() -> LimitError:
        return LimitError(
            f"checking took longer than {CHECK_LIMITS['check_seconds']:g} s; check fewer points "
            "(points=1 / --points 1), fewer samples or a simpler expression"
        )
