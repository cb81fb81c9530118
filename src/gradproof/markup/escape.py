r"""Escapes: prose made literal in Markdown, LaTeX tokens rewritten for an engine.

Minimal escaping and checks for titles and prose, written here because the shared text module
(``gradproof.text``, with the title checks) has not landed on main yet; when it has,
:func:`markdown_text` and :func:`check_line` should become that module's ``markdown_text``
and ``check_title``.

>>> markdown_text("a_b *c* [x](y) $5 <b> 1|2")
'a\\_b \\*c\\* \\[x\\](y) \\$5 &lt;b> 1\\|2'
>>> rewrite_tex(r"\{\, i : |u| \le 1 \,\} \\ \|w\|", (("\\{", "\\lbrace"), ("|", "\\vert")))
'\\lbrace\\, i : \\vert u\\vert \\le 1 \\,\\} \\\\ \\|w\\|'
>>> escape_punctuation(r"a_{i} \\ b")
'a\\_\\{i\\} \\\\\\\\ b'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from gradproof.errors import OptionError

__all__ = ["markdown_text", "rewrite_tex", "escape_punctuation", "tex_tokens", "check_line"]

TEXT_MAX = 200  # characters of a title or a tag


def check_line(value: str, what: str) -> str:
    """``value`` as one line of plain text (a title, a tag): no line breaks or control
    characters, at most :data:`TEXT_MAX` characters; surrounding spaces removed.

    Raises :class:`~gradproof.errors.OptionError` naming what is wrong.
    """
    for i, ch in enumerate(value, start=1):
        if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI:
            shown = ch.encode("unicode_escape").decode("ascii")
            raise OptionError(
                f"{what} has the control character {shown} at position {i}; give one line of "
                f"plain text"
            )
    clean = value.strip()
    if not clean:
        raise OptionError(f"{what} is blank; give some text or leave the option out")
    if len(clean) > TEXT_MAX:
        raise OptionError(f"{what} is {len(clean)} characters long; the limit is {TEXT_MAX}")
    return clean


_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Characters that start Markdown syntax inside a line, escaped with a backslash that CommonMark
# (GitHub, goldmark, markdown-it, pandoc) and kramdown all read as the character itself. & and
# < become entities; ~ (GitHub's strikethrough, which kramdown cannot escape) too.
_BACKSLASH = set("\\`*_{}[]$|#")
_ENTITY = {"&": "&amp;", "<": "&lt;", "~": "&#126;"}
_LINE_START = re.compile(r"^(\s*)([-+>=]|\d+[.)](?=\s|$))")


def markdown_text(text: str, line_start: bool = False) -> str:
    """``text`` as Markdown that renders as exactly these characters (no emphasis, links,
    code, math, HTML). ``line_start``: the text begins a line, where ``-``, ``+``, ``>``, ``=``
    and ``1.`` would start a list, quote or heading."""
    out = "".join(_ENTITY.get(ch, "\\" + ch if ch in _BACKSLASH else ch) for ch in text)
    if line_start:
        out = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), out, count=1)
    return out


_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|.", re.S)


def tex_tokens(tex: str) -> list[str]:
    """LaTeX split into control sequences (``\\lbrace``, ``\\{``, ``\\\\``) and characters."""
    return _TOKEN.findall(tex)


def rewrite_tex(tex: str, table: Iterable[tuple[str, str]]) -> str:
    """Replace whole tokens of ``tex`` by ``table`` (``\\{`` → ``\\lbrace``); a control word put
    in front of a letter is followed by a space. ``\\\\{`` is a line break and a brace, never
    ``\\{``."""
    mapping = dict(table)
    if not mapping:
        return tex
    tokens = tex_tokens(tex)
    out: list[str] = []
    for i, tok in enumerate(tokens):
        new = mapping.get(tok, tok)
        out.append(new)
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if new != tok and _WORD.fullmatch(new) and following[:1].isalpha():
            out.append(" ")  # \\lbrace x, not \\lbracex
    return "".join(out)


_WORD = re.compile(r"\\[A-Za-z]+")


_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def escape_punctuation(tex: str) -> str:
    """Every ASCII punctuation character backslash-escaped: CommonMark gives back exactly
    ``tex`` (what Hugo's goldmark needs to leave math alone)."""
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in tex)
