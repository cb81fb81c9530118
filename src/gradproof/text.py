"""User text made safe where gradproof shows it: error lines, document titles, and expressions
quoted "as written" in documents.

A base module (like errors and io): every layer may import it.

>>> printable("bad\\nname")
'bad\\\\nname'
>>> as_written("max(0,\\v 1 - y*b)\\n\\n+ b")
'max(0, 1 - y*b) + b'
>>> markdown_text("<script> & [link](x) #1")
'&lt;script&gt; &amp; \\\\[link\\\\]\\\\(x\\\\) \\\\#1'
"""

from __future__ import annotations

import re
import unicodedata

from gradproof.errors import OptionError

__all__ = ["printable", "as_written", "check_title", "markdown_text", "TITLE_MAX"]

TITLE_MAX = 200  # characters of a document title

# Bidirectional overrides and isolates: they reorder what a reader sees ("Trojan source").
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REFUSED_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}  # controls, lone surrogates, line separators


def printable(text: str) -> str:
    """``text`` with every non-printable character (newline, tab, control, lone surrogate)
    written as its escape, so a message stays one line whatever the user typed."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode("ascii")
        for ch in text
    )


_BREAKS = re.compile(r" *[\t\n\r\v\f][\t\n\r\v\f ]*")


def as_written(text: str) -> str:
    """An expression as the user wrote it, on one line: each run of whitespace holding a tab,
    newline, ``\\v`` or ``\\f`` becomes one space (runs of plain spaces are kept), and any
    other control character becomes U+FFFD. Safe inside LaTeX ``\\texttt`` (after escaping)
    and inside a Markdown code span."""
    text = _BREAKS.sub(" ", text).strip()
    return "".join(
        "\ufffd" if unicodedata.category(ch) in _REFUSED_CATEGORIES else ch for ch in text
    )


def check_title(title: str, what: str = "--title") -> str:
    """A document title: one line of at most :data:`TITLE_MAX` characters, without control
    characters, line separators or bidirectional overrides; surrounding spaces removed.

    Raises
    ------
    OptionError
        Naming the first offending character and its position.
    """
    for i, ch in enumerate(title, start=1):
        if ch in "\n\r\u2028\u2029\x85":
            raise OptionError(f"{what} has a line break at position {i}; give one line of text")
        if unicodedata.category(ch) in _REFUSED_CATEGORIES or ch in _BIDI:
            raise OptionError(
                f"{what} has the control character {printable(ch)!s} (U+{ord(ch):04X}) at "
                f"position {i}; give plain text"
            )
    clean = title.strip()
    if not clean:
        raise OptionError(f"{what} is blank; give a title or leave the option out")
    if len(clean) > TITLE_MAX:
        raise OptionError(f"{what} is {len(clean)} characters long; the limit is {TITLE_MAX}")
    return clean


# Markdown's specials inside a line, each escaped with a backslash that CommonMark (GitHub,
# Hugo's goldmark, pandoc) and kramdown (Jekyll) both understand; the HTML specials, and ~
# (GitHub's strikethrough, which kramdown cannot escape), become entities instead. (List and
# heading markers such as - + . only count at the start of a line, after "# " they do not.)
_MD_BACKSLASH = set("\\`*_{}[]()#|$")
_MD_ENTITY = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "~": "&#126;"}


def markdown_text(text: str) -> str:
    """Text for a Markdown heading or paragraph that renders as exactly these characters: no
    HTML (``<script>`` stays text), no emphasis, links, code, maths or Liquid ``{{ }}``."""
    return "".join(_MD_ENTITY.get(ch, "\\" + ch if ch in _MD_BACKSLASH else ch) for ch in text)
