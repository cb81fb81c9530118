r"""What a CommonMark engine does to text it reads as Markdown, for the linter: table rows,
emphasis pairs (the delimiter-run rules of the CommonMark spec, 6.2), and the backslash
escapes it eats.

>>> emphasis_pairs(r"\mathbf{x}_{i} + \mathbf{w}_{j}")
[(10, '“_{i} + \\mathbf{w}_” is read as emphasis')]
>>> emphasis_pairs("x_1 + y_1")  # intraword underscores never open emphasis
[]
>>> fully_escaped(r"a\_\{i\} \\\\"), fully_escaped(r"a_{i}")
(True, False)
>>> sorted(table_lines("| a | b |\n|---|---|\n| 1 | 2 |\n\ntext | not a table\n"))
[1, 2, 3]
"""

from __future__ import annotations

import re
import unicodedata

from gradproof.i18n import _

__all__ = ["table_lines", "fully_escaped", "emphasis_pairs", "eaten_escapes"]

_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_DELIMITER_ROW = re.compile(r"\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*")


def table_lines(text: str) -> set[int]:
    """The 1-based lines that are rows of a GFM table (header, delimiter row and body)."""
    lines = text.splitlines()
    rows: set[int] = set()
    k = 0
    while k + 1 < len(lines):
        head, delim = lines[k], lines[k + 1]
        if "|" in head and "|" in delim and _DELIMITER_ROW.fullmatch(delim):
            j = k + 2
            while j < len(lines) and lines[j].strip():
                j += 1
            rows.update(range(k + 1, j + 1))
            k = j
        else:
            k += 1
    return rows


def fully_escaped(text: str) -> bool:
    """Every ASCII punctuation character of ``text`` is backslash-escaped (and every
    backslash escapes one), and something shows it was meant so (an escaped character other
    than a backslash, or ``\\\\`` before a letter, as in ``\\\\alpha``): the form in which
    CommonMark gives back exactly the TeX. ``a \\\\ b`` alone reads as TeX with a line
    break, not as an escaped control space."""
    i = 0
    meant = False
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 < len(text) and text[i + 1] in _ASCII_PUNCT:
                meant = meant or text[i + 1] != "\\" or text[i + 2 : i + 3].isalpha()
                i += 2
                continue
            return False
        if ch in _ASCII_PUNCT:
            return False
        i += 1
    return meant


def _punct(ch: str) -> bool:
    return ch in _ASCII_PUNCT or unicodedata.category(ch)[0] in "PS"


def _runs(text: str) -> list[tuple[int, str, bool, bool]]:
    """The ``*`` and ``_`` delimiter runs: (offset, character, can open, can close)."""
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ASCII_PUNCT:
            i += 2
            continue
        if ch not in "*_":
            i += 1
            continue
        j = i
        while j < len(text) and text[j] == ch:
            j += 1
        before = text[i - 1] if i else " "
        after = text[j] if j < len(text) else " "
        left = not after.isspace() and (not _punct(after) or before.isspace() or _punct(before))
        right = not before.isspace() and (not _punct(before) or after.isspace() or _punct(after))
        if ch == "*":
            out.append((i, ch, left, right))
        else:  # an underscore inside a word neither opens nor closes
            out.append(
                (
                    i,
                    ch,
                    left and (not right or _punct(before)),
                    right and (not left or _punct(after)),
                )
            )
        i = j
    return out


def emphasis_spans(text: str) -> list[tuple[int, int]]:
    """Where CommonMark would read ``text`` as emphasis: (offset of the opener, of the
    closer)."""
    openers: list[tuple[int, str]] = []
    pairs = []
    for off, ch, can_open, can_close in _runs(text):
        match = next((k for k in range(len(openers) - 1, -1, -1) if openers[k][1] == ch), None)
        if can_close and match is not None:
            pairs.append((openers[match][0], off))
            del openers[match:]
        elif can_open:
            openers.append((off, ch))
    return pairs


def emphasis_message(piece: str) -> str:
    """The finding for ``piece`` (opener to closer) read as emphasis."""
    piece = piece if len(piece) <= 40 else piece[:18] + " … " + piece[-18:]
    return _("“{piece}” is read as emphasis", piece=piece)


def emphasis_pairs(text: str) -> list[tuple[int, str]]:
    """Where CommonMark would read ``text`` as emphasis: (offset of the opener, what)."""
    return [(a, emphasis_message(text[a : b + 1])) for a, b in emphasis_spans(text)]


def eaten_escapes(text: str) -> list[tuple[int, str]]:
    """The backslash escapes CommonMark eats in TeX written as is: (offset, what)."""
    out = []
    for found in re.finditer(r"\\([!-/:-@\[-`{-~])", text):
        token, plain = found.group(), found.group(1)
        out.append(
            (found.start(), _("{token} reaches the page as {plain}", token=token, plain=plain))
        )
    return out
