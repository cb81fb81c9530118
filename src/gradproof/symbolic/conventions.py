"""The subgradient conventions at a kink: one entry each, imported by every layer that needs one.

At a kink u = 0 of max(0, u) the indicator 𝟙[u ≥ 0] has no derivative-given value; a named
convention fixes it. Everything that depends on that choice reads it here: the symbolic
indicator's value, the float the numeric and verify layers use, whether the active samples
form a set {i : u ≥ 0} (or {i : u > 0}) that the sums can run over, and the mask of the
samples in that set. The words that describe each convention live in
:mod:`gradproof.symbolic.sentences`, keyed by the same names.

>>> get_convention("exclude").value
0.0
>>> [c.name for c in CONVENTIONS.values() if c.defines_set]
['include', 'exclude']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from gradproof._typing import Array, KinkConvention
from gradproof.errors import OptionError

__all__ = [
    "Convention",
    "CONVENTIONS",
    "CONVENTION_NAMES",
    "KINK_VALUES",
    "get_convention",
    "active_mask",
]


@dataclass(frozen=True)
class Convention:
    """One convention: its name and the value of 𝟙[u ≥ 0] exactly at u = 0."""

    name: KinkConvention
    at_kink: sp.Rational

    @property
    def value(self) -> float:
        """The indicator's value at the kink as a float (what numeric code uses)."""
        return float(self.at_kink)

    @property
    def defines_set(self) -> bool:
        """True when the indicator is 0 or 1 at the kink, so the samples it keeps form a set
        (with ½ the indicator stays in the formulas)."""
        return self.at_kink in (0, 1)


CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        Convention("include", sp.Integer(1)),
        Convention("exclude", sp.Integer(0)),
        Convention("average", sp.Rational(1, 2)),
    )
}
"""Every named convention, in the order they are offered."""

CONVENTION_NAMES: tuple[str, ...] = tuple(CONVENTIONS)

KINK_VALUES: dict[str, sp.Rational] = {name: c.at_kink for name, c in CONVENTIONS.items()}
"""Name → the indicator's exact value at u = 0."""


def get_convention(name: str) -> Convention:
    """The convention called ``name``; :class:`~gradproof.errors.OptionError` for any other."""
    if name not in CONVENTIONS:
        raise OptionError(
            f"unknown kink convention {name!r}; use one of {', '.join(CONVENTION_NAMES)}"
        )
    return CONVENTIONS[name]


def active_mask(u: Any, at_kink: Any) -> Array:
    """Which samples are active for max(0, u): u > 0, and u = 0 when the indicator is
    positive at the kink (``at_kink`` is the convention's value there).

    >>> active_mask(np.array([-1.0, 0.0, 2.0]), 1).tolist()
    [False, True, True]
    """
    u = np.asarray(u, dtype=float)
    return (u > 0) | ((u == 0) & (float(at_kink) > 0))
