"""Hyperparameter values: finite real numbers ≥ 0, refused in one line otherwise."""

from __future__ import annotations

import math
import numbers
from typing import Any

from gradproof.errors import OptionError
from gradproof.i18n import _

__all__ = ["real_number"]


def _quoted(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def real_number(name: str, value: Any) -> float:
    """``value`` as a finite float ≥ 0, or an :class:`OptionError` saying what is wrong."""
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        raise OptionError(
            _(
                "hyperparameter {name} must be a real number, got {value}",
                name=name,
                value=_quoted(value),
            )
        )
    try:
        v = float(value)
    except OverflowError:
        v = math.inf
    except (TypeError, ValueError):
        raise OptionError(
            _(
                "hyperparameter {name} must be a number, got {value}",
                name=name,
                value=_quoted(value),
            )
        ) from None
    if not math.isfinite(v):
        raise OptionError(
            _(
                "hyperparameter {name} must be a finite number, got {value} (infinite, not a "
                "number, or beyond the float64 range)",
                name=name,
                value=_quoted(value),
            )
        )
    if v < 0:
        raise OptionError(
            _(
                "hyperparameter {name} = {v:g} is negative; hyperparameters are constants ≥ 0, so "
                "write the sign in the expression (e.g. -{name}) and give {name}={minus:g}",
                name=name,
                v=v,
                minus=-v,
            )
        )
    return v
