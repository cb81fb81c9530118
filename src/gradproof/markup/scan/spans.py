"""The pieces every reader shares: :class:`Span` and :class:`Document`, the raw-span tuple
the readers produce, the limits, and the helpers that keep a scan linear (closers known to be
missing, paragraph ends found once) and cut prose into paragraphs."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "Span",
    "Document",
    "FORMATS",
    "LIMITS",
    "Raw",
    "finish",
    "Misses",
    "Paragraphs",
    "prose_spans",
]

FORMATS = ("markdown", "latex", "notebook")
LIMITS = {"max_bytes": 5_000_000, "max_json_depth": 64}
"""A document larger than ``max_bytes`` is refused; a notebook nested deeper is refused."""


@dataclass(frozen=True)
class Span:
    """One piece of a document.

    Attributes
    ----------
    kind
        ``math``, ``code``, ``prose``, ``output`` (a notebook's stored output), ``comment``
        or ``front-matter``.
    text
        The content, without its delimiters.
    lines
        The 1-based file line of each line of ``text`` (``len(lines)`` is the number of lines).
    start
        The offset of ``text`` in the file, or None where ``text`` is not a slice of it
        (notebooks).
    display, inline
        Math: display or inline. Code: ``inline`` for a code span inside a sentence.
    delimiter
        How it was marked: ``$``, ``$$``, ``\\(``, ``\\[``, ```` ```math ````, an environment
        name (``align*``), ```` ``` ````, ``~~~``, ``verbatim``, ``cell``, ``stream`` …
    language
        The language of a code span (``python``), else None.
    cell
        The 0-based notebook cell, else None.
    """

    kind: str
    text: str
    lines: tuple[int, ...]
    start: int | None = None
    display: bool = False
    delimiter: str = ""
    language: str | None = None
    inline: bool = False
    cell: int | None = None

    @property
    def line(self) -> int:
        """The file line of the span's first line."""
        return self.lines[0]

    @property
    def end_line(self) -> int:
        """The file line of the span's last line."""
        return self.lines[-1]

    def line_at(self, offset: int) -> int:
        """The file line holding ``text[offset]``."""
        return self.lines[min(self.text.count("\n", 0, max(offset, 0)), len(self.lines) - 1)]


@dataclass(frozen=True)
class Document:
    """A document read from a file (or given as text): its format, text and spans."""

    path: str
    format: str
    text: str
    spans: tuple[Span, ...]


# A raw span: kind, content start, content end, display, delimiter, language, inline.
Raw = tuple[str, int, int, bool, str, "str | None", bool]


def finish(
    raws: Sequence[Raw], text: str, file_line: Callable[[int], int], *, contiguous: bool
) -> list[Span]:
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    out = []
    for kind, a, b, display, delim, lang, inline in sorted(raws, key=lambda r: r[1]):
        first = bisect.bisect_right(starts, a)  # 1-based local line of offset a
        count = text.count("\n", a, b) + 1
        lines = tuple(file_line(first + k) for k in range(count))
        out.append(
            Span(kind, text[a:b], lines, a if contiguous else None, display, delim, lang, inline)
        )
    return out


class Misses:
    """Closers already known to be missing after some offset: keeps the scan linear."""

    def __init__(self) -> None:
        self.none_after: dict[str, int] = {}

    def find(self, text: str, token: str, start: int, end: int) -> int:
        if self.none_after.get(token, end + 1) <= start:
            return -1
        j = text.find(token, start, end)
        if j < 0:
            self.none_after[token] = start
        return j


_BLANK = re.compile(r"\n[ \t]*\n")


class Paragraphs:
    """Where the paragraphs of ``text[a:b]`` end, found once (an inline ``$`` stops there)."""

    def __init__(self, text: str, a: int, b: int):
        self.ends = [m.start() for m in _BLANK.finditer(text, a, b)]
        self.b = b

    def end_after(self, i: int) -> int:
        k = bisect.bisect_left(self.ends, i)
        return self.ends[k] if k < len(self.ends) else self.b


def prose_spans(text: str, a: int, b: int) -> list[Raw]:
    """Prose between ``a`` and ``b``: one span per paragraph, trimmed, blank ones dropped."""
    out: list[Raw] = []
    cuts = [(m.start(), m.end()) for m in _BLANK.finditer(text, a, b)] + [(b, b)]
    pos = a
    for stop, resume in cuts:
        piece = text[pos:stop]
        if piece.strip():
            s = pos + len(piece) - len(piece.lstrip())
            e = pos + len(piece.rstrip())
            out.append(("prose", s, e, False, "", None, False))
        pos = resume
    return out
