"""The audit's math reader: tokens → statements → expression trees. Never evaluates.

A *statement* is a chain ``part rel part rel part …`` (``=``, ``≈``, ``≤``, ``:=``, ``←`` …)
cut from a math span or a sentence: statements end at words, sentence punctuation, ``;``,
a top-level ``,`` after a relation, ``\\quad``, and at line breaks (``\\\\`` or a newline)
unless the next line continues the chain (it starts with ``=``, ``&=``, an operator, or the
line ends with one). Each part is parsed by a recursive-descent parser (loosest first)::

    expr  := term (('+' | '-') term)*
    term  := unary (('*' | '/' | '·' | '×' | juxtaposition) unary)*
    unary := ('-' | '+') unary | power
    power := post ('^' script)?
    post  := atom ("'" | '^⊤' | 'ᵀ')*
    atom  := number | name | function call | ( … ) | [ … ] | { … } | \\frac | √ | Σ | ∂ | ∇
           | 𝟙[…] | ‖…‖ | |…| | ⟨…, …⟩ | \\begin{bmatrix} … \\end{bmatrix}

A part that does not parse becomes an :class:`~gradproof.audit.nodes.Unknown` node (the
claims that need it are unchecked), never an error. Depth is bounded (``LIMITS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gradproof.audit import nodes as N
from gradproof.audit._parse_base import LIMITS, Fail, depth_change
from gradproof.audit._parser import Parser
from gradproof.audit.tokens import LIMITS as TOKEN_LIMITS
from gradproof.audit.tokens import Tok, tokenize
from gradproof.errors import LimitError
from gradproof.i18n import lazy

__all__ = ["Part", "Statement", "statements", "parse_tokens", "LIMITS"]


@dataclass(frozen=True)
class Part:
    """One side of a chain: its tree, its first and last offsets in the span text."""

    node: N.Node
    start: int
    end: int


@dataclass(frozen=True)
class Statement:
    """A chain ``parts[0] rels[0] parts[1] …``."""

    parts: tuple[Part, ...]
    rels: tuple[str, ...]


def _continues(toks: list[Tok], i: int, current: list[Tok], depth: int) -> bool:
    """At a line break at ``i``: does the chain go on on the next line?"""
    if depth > 0:
        return True
    j = i + 1
    while j < len(toks) and (toks[j].kind == "nl" or toks[j].text in ("&", "\\\\")):
        j += 1
    if j >= len(toks):
        return False
    nxt = toks[j]
    if nxt.kind == "rel" or (nxt.kind == "op" and nxt.text in "+-·×*/"):
        return True
    last = next((t for t in reversed(current) if t.text != "&"), None)
    return last is not None and (last.kind == "rel" or (last.kind == "op" and last.text != "'"))


def _split(toks: list[Tok], prose: bool) -> list[list[Tok]]:
    out: list[list[Tok]] = []
    cur: list[Tok] = []
    opens: list[int] = []  # where in cur the unclosed brackets opened
    depth = 0
    skipping = False  # inside a parenthetical remark: ignored up to its closing bracket

    def end() -> None:
        nonlocal cur
        if any(t.kind == "rel" for t in cur):
            out.append(cur)
        cur = []
        opens.clear()

    for i, t in enumerate(toks):
        if skipping:
            depth = max(0, depth + depth_change(t))
            skipping = depth > 0
            continue
        if t.kind in ("break", "word") or (depth == 0 and t.text in (";", ":", ",")):
            if depth > 0:  # "w = 0 (the zero vector)": keep "w = 0", skip the remark
                cur = cur[: opens[0]] if opens else cur
                skipping = True
            end()
            continue
        if t.text == "&" and depth == 0:
            continue
        if (t.kind == "nl" or t.text == "\\\\") and depth == 0:
            if prose or _continues(toks, i, cur, depth):
                continue
            end()
            continue
        if t.kind == "nl":
            continue
        change = depth_change(t)
        if change > 0:
            opens.append(len(cur))
        elif change < 0 and opens:
            opens.pop()
        depth = max(0, depth + change)
        cur.append(t)
    end()
    return out


_CONTINUES = re.compile(r"[ \t]*(?:&[ \t]*)?[=≈+\-−·×]")


def _pieces(text: str, limit: int) -> list[tuple[int, str]]:
    """``text`` cut at line breaks into pieces of at most ``limit`` characters where it can,
    never before a line that continues a chain (one starting with ``=``, ``&=`` or an
    operator). A longer piece is left to the tokenizer, which refuses it alone."""
    if len(text) <= limit:
        return [(0, text)]
    out: list[tuple[int, str]] = []
    start = pos = 0
    for line in text.splitlines(keepends=True):
        if pos > start and pos + len(line) - start > limit and not _CONTINUES.match(line):
            out.append((start, text[start:pos]))
            start = pos
        pos += len(line)
    out.append((start, text[start:]))
    return out


def statements(
    text: str, *, prose: bool = False, skipped: list[tuple[int, str]] | None = None
) -> list[Statement]:
    """The chains in ``text`` (a math span's content or a prose paragraph); a long text is
    read in pieces of whole lines (see ``tokens.LIMITS``). A piece beyond the limits raises
    :class:`~gradproof.errors.LimitError`, or with ``skipped`` is listed there (its offset and
    why) and the rest is read."""
    result: list[Statement] = []
    for offset, piece in _pieces(text, TOKEN_LIMITS["max_length"]):
        try:
            toks = tokenize(piece, prose=prose, base=offset)
        except LimitError as exc:
            if skipped is None:
                raise
            skipped.append((offset, str(exc)))
            continue
        result.extend(_statements(toks, prose))
    return result


def _statements(toks: list[Tok], prose: bool) -> list[Statement]:
    result = []
    for chunk in _split(toks, prose):
        parts: list[list[Tok]] = [[]]
        rels: list[str] = []
        depth = 0
        for t in chunk:
            depth = max(0, depth + depth_change(t))
            if t.kind == "rel" and depth == 0:
                rels.append(t.text)
                parts.append([])
            else:
                parts[-1].append(t)
        if not parts[0]:  # "= 3" continuing an earlier span: nothing to check it against
            parts, rels = parts[1:], rels[1:]
        if len(parts) < 2 or any(not p for p in parts):
            continue
        result.append(
            Statement(
                tuple(Part(parse_tokens(p), p[0].start, p[-1].end) for p in parts), tuple(rels)
            )
        )
    return result


def parse_tokens(toks: list[Tok]) -> N.Node:
    """The tree of one part, or an Unknown node."""
    p = Parser(toks)
    try:
        node = p.expr()
        if p.i != len(toks):
            raise Fail(lazy("unexpected {t}", t=repr(toks[p.i].text)))
        return node
    except (Fail, RecursionError) as exc:
        why = exc.args[0] if isinstance(exc, Fail) and exc.args else lazy("nested too deeply")
        return N.Unknown(toks[0].start, toks[-1].end, why)  # a catalog message, kept as one
