"""What checking a chain needs at hand: where it sits, the post's values, and the helpers that
name, remember and correct what it states."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gradproof.audit import nodes as N
from gradproof.audit.fix import correct_chain, literals_equal, shown_decimals, written_like
from gradproof.audit.model import family
from gradproof.audit.reader import Statement
from gradproof.audit.report import Claim, Edit
from gradproof.audit.state import INPUTS, DocScope, Entry, Values
from gradproof.audit.values import (
    Unevaluable,
    close,
    enough_decimals,
    evaluate,
    format_value,
)
from gradproof.i18n import tr
from gradproof.markup.scan import Span
from gradproof.symbolic.derivation import Derivation

__all__ = ["ChainContext", "value_of", "text_of", "unchecked", "copied", "fix_edits",
           "single_edit", "remember"]  # fmt: skip


@dataclass
class ChainContext:
    """Where a chain sits and what it is checked against."""

    span: Span
    values: Values
    derivation: Derivation | None
    latex: bool
    extent: dict[int, tuple[int, int]] = field(default_factory=dict)  # a whole side's text
    variants: tuple[Derivation, ...] = ()  # the loss at other values of an unvalued λ
    last: Entry | None = None  # what the chain being checked stated
    rounded: list[str] = field(default_factory=list)  # "0.25 shown as 0.3", for the verdict

    def line(self, node: N.Node) -> int:
        return self.span.line_at(node.start)

    def label(self, node: N.Node) -> str:
        """How a message names what a chain states: ∂L/∂w for any spelling of it."""
        if isinstance(node, N.Deriv):
            return f"∂{node.of.key}/∂{node.wrt.key}"
        return self.src(node)

    def src(self, node: N.Node) -> str:
        a, b = self.extent.get(id(node), (node.start, node.end))
        return " ".join(self.span.text[a:b].replace("&", " ").split())

    def show(self, value: Any, like: N.Node | None = None) -> str:
        """A value for a message, with the decimals of the literal it replaces."""
        d = shown_decimals(like) if like is not None else None
        return format_value(value, decimals=enough_decimals(value, d))


def value_of(node: N.Node, scope: DocScope) -> Any:
    try:
        return evaluate(node, scope)
    except Unevaluable:
        return None


def reason_of(node: N.Node, scope: DocScope) -> str:
    """Why ``node`` has no value (the reader's own words), or '' when it has one."""
    try:
        evaluate(node, scope)
    except Unevaluable as exc:
        return tr(exc.args[0]) if exc.args else ""  # a catalog message: in the current language
    return ""


def text_of(st: Statement, ctx: ChainContext) -> str:
    return " ".join(ctx.span.text[st.parts[0].start : st.parts[-1].end].replace("&", " ").split())


def unchecked(st: Statement, ctx: ChainContext, parts: list[N.Node], why: str) -> Claim:
    return Claim(ctx.line(parts[-1]), "equation", text_of(st, ctx), "unchecked", None, None, why)


def copied(
    ctx: ChainContext, first: N.Node, truth: Any, tol: Any
) -> tuple[Entry, dict[int, Any]] | None:
    """A wrong value the chain copied as a number: with it corrected the chain gives the
    truth. Tried with every copy corrected, then each copy alone."""
    entries = [*ctx.values.claimed.values(), *ctx.values.names.values()]
    for e in sorted((e for e in entries if e.wrong and e is not ctx.last), key=lambda e: -e.line):
        if isinstance(e.post, frozenset) or close(e.post, e.true, 1e-12):
            continue
        hits = literals_equal(first, e.post)
        for choice in [hits] + ([[h] for h in hits] if len(hits) > 1 else []):
            if not choice:
                continue
            swaps = {id(h): e.true for h in choice}
            try:
                v = evaluate(first, DocScope(ctx.values, "true"), overrides=swaps)
            except Unevaluable:
                continue
            if close(v, truth, tol):
                return e, swaps
    return None


def fix_edits(
    ctx: ChainContext,
    parts: list[N.Node],
    ev: list[int],
    wrong: list[Entry],
    given: dict[int, Any] | None = None,
) -> list[Edit]:
    if any(not e.fixed for e in wrong):
        return []  # a copy of a value --fix cannot correct: correcting the copy would not help
    swaps: dict[int, Any] = dict(given or {})
    for e in wrong if not given else []:
        for k in ev:
            for n in literals_equal(parts[k], e.post):
                swaps[id(n)] = e.true
    return correct_chain(
        [parts[k] for k in ev], DocScope(ctx.values, "true"), ctx.span, latex=ctx.latex, swaps=swaps
    )


def single_edit(ctx: ChainContext, parts: list[N.Node], ev: list[int], truth: Any) -> list[Edit]:
    """A stated value alone (``∂L/∂b = 1``, ``M = {1}``) is replaced by the true one."""
    last = parts[ev[-1]]
    if len(ev) != 1 or ctx.span.start is None:
        return []
    if not (N.is_literal(last) or isinstance(last, N.SetLit)):
        return []
    text = written_like(last, ctx.src(last), truth, latex=ctx.latex)
    return [Edit(ctx.span.start + last.start, ctx.span.start + last.end, text)]


def remember(
    ctx: ChainContext,
    head: N.Node,
    q: str | None,
    named: bool,
    post: Any,
    node: N.Node,
    *,
    true: Any = None,
    origin: int | None = None,
) -> None:
    """Keep what the chain stated for later claims."""
    entry = Entry(post, post if true is None else true, ctx.line(node), ctx.label(head), origin)
    if q is not None and family(q) not in INPUTS:
        ctx.values.claimed[q] = entry
        ctx.last = entry
    elif named and isinstance(head, N.Name):
        ctx.values.names[head.key] = entry
        ctx.last = entry
