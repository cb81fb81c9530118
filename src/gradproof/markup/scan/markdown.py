"""The Markdown reader: front matter and code fences first (block pass), then math, code spans
and comments in what is left (inline pass); see :mod:`gradproof.markup.scan` for the rules."""

from __future__ import annotations

import re

from gradproof.markup.scan.spans import Misses, Paragraphs, Raw, prose_spans

__all__ = ["read_markdown", "DELIMITERS"]

DELIMITERS = frozenset({"$", "$$", "\\(", "\\[", "\\\\(", "\\\\[", "```math"})
"""Every math delimiter the Markdown reader knows (as :attr:`Span.delimiter` names them)."""

_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})[ \t]*([^\n]*)")


def _fence_language(info: str) -> str | None:
    word = re.split(r"[\s,{}]+", info.strip().lstrip("{"))[0].lstrip(".")
    return word.lower() or None


def read_markdown(text: str, reads: frozenset[str] = DELIMITERS) -> list[Raw]:
    """Block pass (front matter, code fences), then the inline pass over what is left.

    Only the math delimiters in ``reads`` open math (as one engine reads the text: for
    CommonMark without them, ``\\(`` is an escaped parenthesis and a ``math`` fence is code).
    """
    raws: list[Raw] = []
    lines = text.splitlines(keepends=True)
    offs = [0]
    for ln in lines:
        offs.append(offs[-1] + len(ln))
    i = 0
    if lines and lines[0].rstrip() in ("---", "+++"):
        mark = lines[0].rstrip()
        for j in range(1, len(lines)):
            if lines[j].rstrip() in (mark, "..." if mark == "---" else mark):
                raws.append(("front-matter", offs[1], offs[j], False, mark, None, False))
                i = j + 1
                break
    region = offs[i]
    while i < len(lines):
        j = _indented_code_end(lines, i)
        if j > i:  # a CommonMark indented code block: code, not math or prose
            raws.extend(_inline(text, region, offs[i], reads))
            end = offs[j]
            while end > offs[i] and text[end - 1] in "\r\n":
                end -= 1
            raws.append(("code", offs[i], end, False, "    ", None, False))
            region = offs[j]
            i = j
            continue
        m = _FENCE.fullmatch(lines[i].rstrip("\r\n"))
        if m is None or (m.group(1)[0] == "`" and "`" in m.group(2)):
            i += 1
            continue
        fence, lang = m.group(1), _fence_language(m.group(2))
        close = re.compile(rf"[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*")
        j = i + 1
        while j < len(lines) and not close.fullmatch(lines[j].rstrip("\r\n")):
            j += 1
        raws.extend(_inline(text, region, offs[i], reads))
        begin, end = offs[i + 1], offs[min(j, len(lines))]
        for eol in "\n\r":  # the content ends before the closing line's newline
            end -= 1 if end > begin and text[end - 1] == eol else 0
        if lang == "math" and "```math" in reads:
            raws.append(("math", begin, end, True, "```math", None, False))
        else:
            raws.append(("code", begin, end, False, fence[:3], lang, False))
        region = offs[min(j + 1, len(lines))]
        i = j + 1
    raws.extend(_inline(text, region, len(text), reads))
    return raws


_LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))


def _indented_code_end(lines: list[str], i: int) -> int:
    """The line after an indented code block starting at line ``i`` (4+ spaces after a blank
    line, outside a list item), or ``i`` when none starts there."""
    if not lines[i].strip() or _indent(lines[i]) < 4 or (i > 0 and lines[i - 1].strip()):
        return i
    k = i - 1
    while k >= 0 and (not lines[k].strip() or _indent(lines[k]) >= 2):
        k -= 1  # back to the block's anchor: a list item there makes this its content
    if k >= 0 and _LIST_ITEM.match(lines[k]):
        return i
    j, last = i, i
    while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) >= 4):
        if lines[j].strip():
            last = j
        j += 1
    return last + 1


def _line_start(text: str, i: int) -> bool:
    k = text.rfind("\n", 0, i) + 1
    return text[k:i].strip() == ""


def _inline(text: str, a: int, b: int, reads: frozenset[str]) -> list[Raw]:
    """Math, code spans and comments inside the non-fenced text ``text[a:b]``; the rest is
    prose, one span per paragraph."""
    raws: list[Raw] = []
    misses = Misses()
    prose = a
    i = a
    dollar_dead = -1  # an inline $ opened before this offset has no closer in its paragraph
    paragraphs = Paragraphs(text, a, b)

    def emit(kind: str, s: int, e: int, o: int, c: int, disp: bool, delim: str) -> None:
        nonlocal prose
        raws.extend(prose_spans(text, prose, o))
        raws.append((kind, s, e, disp, delim, None, kind == "code"))
        prose = c

    while i < b:
        c = text[i]
        if c == "\\":
            two = text[i : i + 2]
            dbl = text[i : i + 3] in ("\\\\(", "\\\\[")
            opener = text[i : i + (3 if dbl else 2)]
            if (two in ("\\(", "\\[") or dbl) and opener in reads:
                closer = opener[:-1] + (")" if opener[-1] == "(" else "]")
                j = misses.find(text, closer, i + len(opener), b)
                if j >= 0:
                    disp = opener[-1] == "["
                    emit("math", i + len(opener), j, i, j + len(closer), disp, opener)
                    i = j + len(closer)
                    continue
            i += 2
            continue
        if c == "`":
            n = len(text[i:b]) - len(text[i:b].lstrip("`"))
            run = "`" * n
            j = i + n
            while True:
                j = misses.find(text, run, j, b)
                if j < 0 or text[j + n : j + n + 1] != "`":
                    break
                j += n + len(text[j + n : b]) - len(text[j + n : b].lstrip("`"))
            if j >= 0:
                emit("code", i + n, j, i, j + n, False, "`")
                i = j + n
            else:
                i += n
            continue
        if text.startswith("<!--", i):
            j = misses.find(text, "-->", i + 4, b)
            if j >= 0:
                emit("comment", i + 4, j, i, j + 3, False, "<!--")
                i = j + 3
                continue
        if text.startswith("$$", i) and "$$" in reads:
            j = misses.find(text, "$$", i + 2, b)
            if j >= 0:
                emit("math", i + 2, j, i, j + 2, _line_start(text, i), "$$")
                i = j + 2
            else:
                i += 2
            continue
        if c == "$" and i >= dollar_dead and "$" in reads:
            j = _dollar_close(text, i, b, paragraphs)
            if j > 0:
                emit("math", i + 1, j, i, j + 1, False, "$")
                i = j + 1
                continue
            dollar_dead = -j  # no closer before this paragraph end
        i += 1
    raws.extend(prose_spans(text, prose, b))
    return raws


def _dollar_close(text: str, i: int, b: int, paragraphs: Paragraphs) -> int:
    """The closing ``$`` of an inline ``$`` at ``i``, or minus the offset where the search
    stopped (the paragraph end) when there is none."""
    if i + 1 >= b or text[i + 1].isspace() or text[i + 1] == "$":
        return -(i + 1)
    stop = paragraphs.end_after(i)
    j = i + 1
    while j < stop:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "$":
            if not text[j - 1].isspace() and not text[j + 1 : j + 2].isdigit():
                return j
            if text[j - 1].isspace():
                return -j  # a '$' that can only open: the one at i was a dollar sign
        j += 1
    return -stop
