"""Hyperparameter values: finite real numbers ≥ 0, refused in one line otherwise."""

from __future__ import annotations

import math
import numbers
from typing import Any

from gradproof.errors import OptionError

__all__ = ["real_number"]


def _quoted(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def real_number(name: str, value: Any) -> float:
    """``value`` as a finite float ≥ 0, or an :class:`OptionError` saying what is wrong."""
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        raise OptionError(f"hyperparameter {name} must be a real number, got {_quoted(value)}")
    try:
        v = float(value)
    except OverflowError:
        v = math.inf
    except (TypeError, ValueError):
        raise OptionError(f"hyperparameter {name} must be a number, got {_quoted(value)}") from None
    if not math.isfinite(v):
        raise OptionError(
            f"hyperparameter {name} must be a finite number, got {_quoted(value)} (infinite, not a "
            f"number, or beyond the float64 range)"
        )
    if v < 0:
        raise OptionError(
            f"hyperparameter {name} = {v:g} is negative; hyperparameters are constants ≥ 0, so "
            f"write the sign in the expression (e.g. -{name}) and give {name}={-v:g}"
        )
    return v
