"""The gradproof exception family.

Every error a user can cause (a malformed expression, bad data, a wrong shape, a limit hit)
is a :class:`GradproofError`. Messages say what was received, what was expected and how to
mend it, in one line. The CLI prints them without a traceback and exits with code 2; any
other exception is a bug in gradproof.
"""

from __future__ import annotations

__all__ = [
    "GradproofError",
    "ParseError",
    "DataError",
    "ShapeError",
    "LimitError",
    "UnknownLossError",
    "OptionError",
]


class GradproofError(Exception):
    """Base class of every error caused by the user's input."""


class ParseError(GradproofError):
    """A loss expression that is not in gradproof's expression language.

    ``position`` is the 0-based character offset of the offending token, when known.
    """

    def __init__(self, message: str, position: int | None = None, text: str | None = None):
        self.position = position
        self.text = text
        where = f" at position {position + 1}" if position is not None else ""
        super().__init__(f"{message}{where}")


class DataError(GradproofError):
    """Data that cannot be used: unreadable, empty, non-finite, labels outside the label set."""


class ShapeError(DataError):
    """Arrays whose shapes do not fit together."""


class LimitError(GradproofError):
    """An input that exceeds one of gradproof's work limits (length, depth, exponent, time)."""


class UnknownLossError(GradproofError):
    """A loss name that is not in the registry."""


class OptionError(GradproofError):
    """An option value that is not allowed (unknown convention, bad learning rate, ...)."""
