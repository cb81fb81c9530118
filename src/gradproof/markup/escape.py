r"""Escapes: prose made literal in Markdown, LaTeX tokens rewritten for an engine.

Prose is escaped by :func:`gradproof.text.markdown_text` (the escapes titles use too), with
the markers that only count at the start of a line added here.

>>> markdown_text("1. a_b *c* $5 <b> 1|2", line_start=True)
'1\\. a\\_b \\*c\\* \\$5 &lt;b&gt; 1\\|2'
>>> rewrite_tex(r"\{\, i : |u| \le 1 \,\} \\ \|w\|", (("\\{", "\\lbrace"), ("|", "\\vert")))
'\\lbrace\\, i : \\vert u\\vert \\le 1 \\,\\} \\\\ \\|w\\|'
>>> escape_punctuation(r"a_{i} \\ b")
'a\\_\\{i\\} \\\\\\\\ b'
>>> unescape_punctuation(escape_punctuation(r"a_{i} \\ b"))
'a_{i} \\\\ b'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gradproof.text import markdown_text as _markdown_text

__all__ = [
    "markdown_text",
    "rewrite_tex",
    "escape_punctuation",
    "unescape_punctuation",
    "tex_tokens",
    "tex_token_offsets",
]

_LINE_START = re.compile(r"^(\s*)([-+>=]|\d+[.)](?=\s|$))")


def markdown_text(text: str, line_start: bool = False) -> str:
    """``text`` as Markdown that renders as exactly these characters (no emphasis, links,
    code, math, HTML): :func:`gradproof.text.markdown_text`. ``line_start``: the text begins a
    line, where ``-``, ``+``, ``>``, ``=`` and ``1.`` would start a list, quote or heading."""
    out = _markdown_text(text)
    if line_start:
        out = _LINE_START.sub(_escape_marker, out, count=1)
    return out


def _escape_marker(m: re.Match[str]) -> str:
    marker = m.group(2)
    if marker[0].isdigit():  # "1." → "1\.": a backslash before a digit is not an escape
        return m.group(1) + marker[:-1] + "\\" + marker[-1]
    return m.group(1) + "\\" + marker


_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|.", re.S)


def tex_tokens(tex: str) -> list[str]:
    """LaTeX split into control sequences (``\\lbrace``, ``\\{``, ``\\\\``) and characters."""
    return _TOKEN.findall(tex)


def tex_token_offsets(tex: str) -> list[tuple[int, str]]:
    """The tokens of :func:`tex_tokens`, each with its offset in ``tex``."""
    return [(m.start(), m.group()) for m in _TOKEN.finditer(tex)]


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


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescape_punctuation(text: str) -> str:
    """What CommonMark makes of backslash escapes: ``\\`` before ASCII punctuation dropped (the
    inverse of :func:`escape_punctuation`)."""
    return _ESCAPED.sub(r"\1", text)
