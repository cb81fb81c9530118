"""The shared machinery of the math reader's parser: token helpers and the limits."""

from __future__ import annotations

from gradproof.audit import nodes as N
from gradproof.audit.tokens import Tok
from gradproof.i18n import lazy

__all__ = ["Fail", "ParserBase", "depth_change", "LIMITS", "OPEN"]

LIMITS = {"max_depth": 60}
"""Nesting of brackets and operators beyond which a part is not read."""
OPEN = {"(": ")", "[": "]", "{": "}", "{{": "}}", "⟨": "⟩"}


class Fail(Exception):
    """This part does not parse (the message says where); it becomes an Unknown node."""


def depth_change(t: Tok) -> int:
    """+1 for an opening bracket or environment, −1 for a closing one."""
    if t.kind in ("open", "begin"):
        return 1
    if t.kind in ("close", "end"):
        return -1
    return 0


class ParserBase:
    """Token helpers; the grammar rules live in the subclasses."""

    def __init__(self, toks: list[Tok]):
        self.toks, self.i, self.depth = toks, 0, 0
        self.bars = 0  # open ‖…‖ around the current position

    # the grammar (gradproof.audit._parser) provides these
    def expr(self) -> N.Node:
        raise NotImplementedError

    def term(self) -> N.Node:
        raise NotImplementedError

    def post(self) -> N.Node:
        raise NotImplementedError

    def name(self) -> N.Node:
        raise NotImplementedError

    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def at(self, *texts: str, kind: str | None = None) -> bool:
        t = self.peek()
        return t is not None and (kind is None or t.kind == kind) and t.text in texts

    def take(self) -> Tok:
        t = self.peek()
        if t is None:
            raise Fail(lazy("ends too early"))
        self.i += 1
        return t

    def expect(self, text: str) -> Tok:
        t = self.take()
        if t.text != text:
            raise Fail(lazy("expected {a}, found {b}", a=repr(text), b=repr(t.text)))
        return t

    def last_end(self) -> int:
        return self.toks[self.i - 1].end

    def enter(self) -> None:
        self.depth += 1
        if self.depth > LIMITS["max_depth"]:
            raise Fail(lazy("nested too deeply"))

    def group_tokens(self) -> list[Tok]:
        """The tokens of a ``{…}`` group (or one token), consumed."""
        if not self.at("{", kind="open"):
            return [self.take()]
        self.take()
        depth, out = 1, list[Tok]()
        while True:
            t = self.take()
            depth += depth_change(t)
            if depth == 0:
                return out
            out.append(t)

    def sub_parse(self, toks: list[Tok]) -> N.Node:
        if not toks:
            raise Fail(lazy("empty group"))
        p = type(self)(toks)
        p.depth = self.depth + 1
        node = p.expr()
        if p.i != len(toks):
            raise Fail(lazy("unexpected {t}", t=repr(toks[p.i].text)))
        return node

    # -- grammar ----------------------------------------------------------------------------
