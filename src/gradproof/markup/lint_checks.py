r"""The checks behind :attr:`gradproof.markup.platforms.Hazard.check`, one function each.

A check takes a hazard and the document (:class:`Context`: its spans from
:func:`gradproof.markup.scan.scan`, and how the platform's engine sees each math span) and
yields ``(line, fields)`` for each place the hazard applies; the fields fill the hazard's
message and fix. What a check looks for (tokens, environment names, a pattern, replacements)
is the hazard's data, so one check serves every platform that declares it.

How an engine sees a math span: ``$$…$$`` is a display when it stands on whole lines (the
opener starts a line and the closer ends one), and a display *block* for kramdown when blank
lines surround it too; ``\[``, ``\\[``, environments and ```` ```math ```` fences are displays;
``$``, ``\(`` and ``\\(`` are inline. On a profile that escapes its math (Hugo), the TeX is
the span with CommonMark's backslash escapes undone, when every punctuation character of it is
escaped; otherwise goldmark gets the TeX as written (:func:`markdown_math`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from gradproof.i18n import _
from gradproof.markup.escape import tex_token_offsets, unescape_punctuation
from gradproof.markup.lint_markdown import (
    eaten_escapes,
    emphasis_message,
    emphasis_pairs,
    emphasis_spans,
    fully_escaped,
    table_lines,
)
from gradproof.markup.platforms import Hazard, Profile
from gradproof.markup.scan import Span

__all__ = ["Context", "MathSpan", "CHECKS"]

Hit = tuple[int, dict[str, str]]

_CLOSERS = {
    "$": "$",
    "$$": "$$",
    "\\(": "\\)",
    "\\[": "\\]",
    "\\\\(": "\\\\)",
    "\\\\[": "\\\\]",
    "```math": "```",
}
_DISPLAY = {"\\[", "\\\\[", "```math"}
_INLINE = {"$", "\\(", "\\\\("}


@dataclass(frozen=True)
class MathSpan:
    """A math span as the platform's engine sees it."""

    span: Span
    tex: str  # what the math renderer gets
    display: bool  # a display, as the engine reads it
    block: bool  # a display block with blank lines around it (kramdown's rule)
    table: bool  # on a row of a Markdown table
    escaped: bool = False  # written with every punctuation character escaped (Hugo)

    def line_at(self, offset: int) -> int:
        """The file line of ``tex[offset]`` (escapes never remove a newline)."""
        lines = self.span.lines
        return lines[min(self.tex.count("\n", 0, max(offset, 0)), len(lines) - 1)]


@dataclass
class Context:
    """A document as the checks read it: spans, the profile, and each math span's view."""

    text: str
    spans: list[Span]  # read with the platform's delimiters
    loose: list[Span]  # read with every delimiter: math the author meant
    profile: Profile
    format: str
    math: list[MathSpan] = field(init=False)

    def __post_init__(self) -> None:
        rows = table_lines(self.text) if self.format == "markdown" else set()
        self.math = [self._view(s, rows) for s in self.spans if s.kind == "math"]

    @property
    def site_name(self) -> str:
        """The platform, for messages: the profile's label up to its first bracket."""
        return "pdflatex" if self.format == "latex" else self.profile.label.split(" (")[0]

    def _view(self, s: Span, rows: set[int]) -> MathSpan:
        tex = s.text
        escaped = self.profile.escape_math and self.format != "latex" and fully_escaped(tex)
        if escaped:
            tex = unescape_punctuation(tex)
        if s.delimiter in _INLINE:
            display = False
        elif s.delimiter == "$$" and s.start is not None:
            display = s.display and _ends_line(self.text, s.start + len(s.text) + 2)
        else:
            display = s.display or s.delimiter in _DISPLAY or s.delimiter not in _CLOSERS
        block = display and (s.delimiter != "$$" or s.start is None or _blank_around(self.text, s))
        return MathSpan(s, tex, display, block, bool(rows & set(s.lines)), escaped)

    def selected(self, hazard: Hazard) -> Iterator[MathSpan]:
        """The math spans the hazard's ``where`` names."""
        for m in self.math:
            if hazard.where == "inline" and m.display:
                continue
            if hazard.where == "display" and not m.display:
                continue
            if hazard.where == "paragraph" and m.block:
                continue
            yield m


def _ends_line(text: str, i: int) -> bool:
    j = text.find("\n", i)
    return not text[i : len(text) if j < 0 else j].strip()


def _blank_around(text: str, s: Span) -> bool:
    """A ``$$`` display whose opener's line follows a blank line (or starts the text) and whose
    closer's line is followed by one (or ends it): kramdown's display block."""
    assert s.start is not None
    line_start = text.rfind("\n", 0, s.start) + 1
    if line_start:
        previous = text[text.rfind("\n", 0, line_start - 1) + 1 : line_start - 1]
        if previous.strip():
            return False
    eol = text.find("\n", s.start + len(s.text) + 2)
    if eol < 0:
        return True
    following = text[eol + 1 :].split("\n", 1)[0]
    return not following.strip()


_TEXLIKE = re.compile(r"\\[A-Za-z]|[\^_{}=]")


def _overlaps(s: Span, others: list[Span]) -> bool:
    """Whether ``s`` shares text with one of ``others`` (offsets, or cell and lines)."""
    for o in others:
        if s.start is not None and o.start is not None:
            if s.start < o.start + len(o.text) and o.start < s.start + len(s.text):
                return True
        elif s.cell == o.cell and set(s.lines) & set(o.lines):
            return True
    return False


def _replacements(h: Hazard) -> dict[str, str]:
    """What to write instead of each token, translated where it is words."""
    return {token: _(instead) for token, instead in h.replace}


# -- the checks ---------------------------------------------------------------------------------
def _delimiters(h: Hazard, ctx: Context) -> Iterator[Hit]:
    """Math the author wrote in delimiters the engine does not read, where the engine sees no
    math at all."""
    p = ctx.profile
    reads = ", ".join(f"{d}…{_CLOSERS.get(d, d)}" for d in p.reads)
    seen = [s for s in ctx.spans if s.kind == "math"]
    for s in ctx.loose:
        d = s.delimiter
        if s.kind != "math" or d in p.reads or d not in _CLOSERS or _overlaps(s, seen):
            continue
        if d.startswith("\\") and not _TEXLIKE.search(s.text):
            continue  # \(soft-margin SVM\): an escaped parenthesis, as Markdown means it
        opening, closing = p.display if s.display or d in _DISPLAY else p.inline
        fields = {"delimiter": d, "closing": _CLOSERS[d], "reads": reads}
        line = s.line - 1 if d == "```math" else s.line  # the fence, not the first formula line
        yield line, {**fields, "opening": opening, "closing_fix": closing}


def _tokens(h: Hazard, ctx: Context) -> Iterator[Hit]:
    instead = _replacements(h)
    for m in ctx.selected(h):
        for off, tok in tex_token_offsets(m.tex):
            if tok in h.tokens:
                yield m.line_at(off), {"token": tok, "instead": instead.get(tok, "")}


def _pattern(h: Hazard, ctx: Context) -> Iterator[Hit]:
    regex = re.compile(h.tokens[0])
    instead = _(h.replace[0][1]) if h.replace else ""
    for m in ctx.selected(h):
        for off, tok in tex_token_offsets(m.tex):
            found = regex.match(m.tex, off) if tok.startswith("\\") else None
            if found:
                yield m.line_at(off), {"token": found.group(), "instead": instead}


_BEGIN = re.compile(r"\\begin\s*\{([^{}]*)\}")
_END = re.compile(r"\\end\s*\{([^{}]*)\}")


def _environments(h: Hazard, ctx: Context) -> Iterator[Hit]:
    instead = _replacements(h)
    for m in ctx.selected(h):
        for off, tok in tex_token_offsets(m.tex):
            found = _BEGIN.match(m.tex, off) if tok == "\\begin" else None
            if found and found.group(1).strip() in h.tokens:
                name = found.group(1).strip()
                yield m.line_at(off), {"token": name, "instead": instead.get(name.rstrip("*"), "")}


def _table(h: Hazard, ctx: Context) -> Iterator[Hit]:
    instead = _replacements(h)
    for m in ctx.math:
        if m.table and not m.escaped:  # an escaped \| is a pipe the table leaves to the math
            for off, tok in tex_token_offsets(m.tex):
                if tok in instead:
                    yield m.line_at(off), {"token": tok, "instead": instead[tok]}


_BLANK = re.compile(r"\n[ \t]*\n")


def _blank_line(h: Hazard, ctx: Context) -> Iterator[Hit]:
    for m in ctx.math:
        if m.display and m.span.delimiter != "```math":  # a fence holds blank lines safely
            found = _BLANK.search(m.tex)
            if found:
                yield m.line_at(found.start() + 1), {}


def _balance(h: Hazard, ctx: Context) -> Iterator[Hit]:
    for m in ctx.math:
        problem = _first_imbalance(m.tex)
        if problem is not None:
            off, what, missing = problem
            yield m.line_at(off), {"what": what, "missing": missing}


def _first_imbalance(tex: str) -> tuple[int, str, str] | None:
    """The first unmatched brace, ``\\left``/``\\right`` or ``\\begin``/``\\end`` of ``tex``:
    (offset, what is unmatched, what is missing)."""
    stack: list[tuple[int, str, str]] = []  # (offset, opener, the closer it needs)
    for off, tok in tex_token_offsets(tex):
        opened: tuple[str, str] | None = None
        closes: str | None = None
        if tok == "{":
            opened = ("{", "}")
        elif tok == "}":
            closes = "}"
        elif tok == "\\left":
            opened = ("\\left", "\\right")
        elif tok == "\\right":
            closes = "\\right"
        elif tok in ("\\begin", "\\end"):
            found = (_BEGIN if tok == "\\begin" else _END).match(tex, off)
            if found is None:
                continue
            env = found.group(1).strip()
            if tok == "\\begin":
                opened = (f"\\begin{{{env}}}", f"\\end{{{env}}}")
            else:
                closes = f"\\end{{{env}}}"
        if opened is not None:
            stack.append((off, *opened))
        elif closes is not None:
            if not stack or stack[-1][2] != closes:
                need = stack[-1][2] if stack else _OPENER.get(closes, "\\begin" + closes[4:])
                return off, closes, need
            stack.pop()
    if stack:
        off, opener, closer = stack[-1]
        return off, opener, closer
    return None


_OPENER = {"}": "{", "\\right": "\\left"}


def _unclosed(h: Hazard, ctx: Context) -> Iterator[Hit]:
    openers = [d for d in ctx.profile.reads if d in ("$$", "\\[", "\\\\[")]
    for s in ctx.spans:
        if s.kind != "prose":
            continue
        for d in openers:
            for found in re.finditer(re.escape(d), s.text):
                k = found.start()
                slashes = len(s.text[:k]) - len(s.text[:k].rstrip("\\"))
                if d.startswith("$") and slashes % 2:
                    continue  # \$$ is a dollar sign
                yield s.line_at(k), {"delimiter": d, "closing": _CLOSERS[d]}
                break


def _markdown(h: Hazard, ctx: Context) -> Iterator[Hit]:
    read = [
        m
        for m in ctx.math
        if m.span.delimiter in ctx.profile.reads and not fully_escaped(m.span.text)
    ]
    for m in read:
        for off, what in emphasis_pairs(m.span.text) + eaten_escapes(m.span.text):
            yield m.span.line_at(off), {"what": what}
    yield from _emphasis_across(read, ctx.text)


def _emphasis_across(read: list[MathSpan], text: str) -> Iterator[Hit]:
    """Emphasis that opens in one math span and closes in a later one of the same paragraph
    (``\\(w^*\\) and \\(b^*\\)``): each span alone is fine, the paragraph is not."""
    spans = [m.span for m in read if m.span.start is not None]
    group: list[Span] = []
    for s in [*spans, None]:
        if s is not None and group:
            prev = group[-1]
            gap = text[prev.start + len(prev.text) : s.start]  # type: ignore[operator]
            if "\n\n" not in gap and not gap.strip().startswith(("#", "|")):
                group.append(s)
                continue
        if len(group) > 1:
            yield from _pairs_between(group, text)
        group = [s] if s is not None else []


def _pairs_between(group: list[Span], text: str) -> Iterator[Hit]:
    lo = group[0].start
    assert lo is not None
    hi = group[-1].start + len(group[-1].text)  # type: ignore[operator]
    where = [(s.start - lo, s.start - lo + len(s.text), s) for s in group]  # type: ignore[operator]

    def owner(off: int) -> Span | None:
        return next((s for a, b, s in where if a <= off < b), None)

    segment = text[lo:hi]
    for a, b in emphasis_spans(segment):
        first, last = owner(a), owner(b)
        if first is not last and (first is not None or last is not None):
            at = first if first is not None else last
            assert at is not None and at.start is not None
            off = (a if first is not None else b) + lo - at.start
            yield at.line_at(off), {"what": emphasis_message(segment[a : b + 1])}


CHECKS: dict[str, Callable[[Hazard, Context], Iterator[Hit]]] = {
    "delimiters": _delimiters,
    "tokens": _tokens,
    "pattern": _pattern,
    "environments": _environments,
    "table": _table,
    "blank-line": _blank_line,
    "balance": _balance,
    "unclosed": _unclosed,
    "markdown": _markdown,
}
"""Hazard.check → the function that looks for it."""
