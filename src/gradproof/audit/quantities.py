"""The value of a chain whose head is a quantity gradproof computes (∂L/∂w, L, s₁, M, w_new):
right, wrong by itself, or following an earlier wrong value (recomputed from the post's own
values, used by name, or copied as a number)."""

from __future__ import annotations

from typing import Any

import numpy as np

from gradproof.audit import nodes as N
from gradproof.audit.chain_context import (
    ChainContext,
    copied,
    fix_edits,
    remember,
    single_edit,
    text_of,
    unchecked,
    value_of,
)
from gradproof.audit.model import describe
from gradproof.audit.reader import Statement
from gradproof.audit.report import Claim
from gradproof.audit.state import DocScope, Entry
from gradproof.audit.values import close, tolerance
from gradproof.i18n import _

__all__ = ["quantity_claim"]


def quantity_claim(
    st: Statement,
    ctx: ChainContext,
    q: str,
    parts: list[N.Node],
    ev: list[int],
    pv: dict[int, Any],
    used: list[Entry],
    kind: str,
    earlier: list[Claim],
) -> list[Claim]:
    values, head = ctx.values, parts[0]
    truth = values.true(q)
    if not ev:
        if earlier:  # its formulas were the claims
            return []
        return [unchecked(st, ctx, parts, _("its value cannot be evaluated"))]
    last = parts[ev[-1]]
    final = pv[ev[-1]]
    if truth is None or (
        not isinstance(truth, frozenset)
        and not isinstance(final, frozenset)
        and np.shape(truth) != np.shape(final)
        and not (np.ndim(final) == 0 and float(final) == 0)
    ):
        why = _("gradproof has no value for {what} here", what=ctx.src(head))
        verdict = "ok" if len(ev) >= 2 else "unchecked"
        remember(ctx, head, q, False, final, last)
        return [Claim(ctx.line(last), kind, text_of(st, ctx), verdict, None, None, why)]
    rel = st.rels[ev[-1] - 1]
    tol = tolerance(last, truth, "≈" if rel == "≈" else "=")
    text, line = text_of(st, ctx), ctx.line(last)
    if close(final, truth, tol):
        remember(ctx, head, q, False, final, last, true=truth)
        return [Claim(line, kind, text, "ok", None, None, _("{text} holds", text=text))]
    expected = ctx.show(truth, last)
    remember(ctx, head, q, False, final, last, true=truth, origin=line)
    dep, swaps = _followed(ctx, q, parts, ev, final, truth, tol, used)
    if dep is not None:
        msg = _(
            "with {name} = {value} the {what} is {expected}, not {claimed}",
            name=dep.label,
            value=ctx.show(dep.true),
            what=_(describe(q)),
            expected=expected,
            claimed=ctx.src(last),
        )
        edits = fix_edits(ctx, parts, ev, [dep], swaps) + single_edit(ctx, parts, ev, truth)
        edits = edits if dep.fixed else []
        return [Claim(line, kind, text, "follows-wrong", expected, dep.line, msg, tuple(edits))]
    wrong_formula = next((c for c in earlier if c.kind == "formula" and c.verdict == "wrong"), None)
    if wrong_formula is not None:
        msg = _(
            "with the right formula the {what} is {expected}, not {claimed}",
            what=_(describe(q)),
            expected=expected,
            claimed=ctx.src(last),
        )
        return [Claim(line, kind, text, "follows-wrong", expected, wrong_formula.line, msg)]
    msg = _(
        "{name} = {expected}, not {claimed}",
        name=ctx.label(head),
        expected=expected,
        claimed=ctx.src(last),
    )
    return [
        Claim(
            line,
            kind,
            text,
            "wrong",
            expected,
            None,
            msg,
            tuple(single_edit(ctx, parts, ev, truth)),
        )
    ]


def _followed(
    ctx: ChainContext,
    q: str,
    parts: list[N.Node],
    ev: list[int],
    final: Any,
    truth: Any,
    tol: Any,
    used: list[Entry],
) -> tuple[Entry | None, dict[int, Any]]:
    """The earlier wrong value a wrong ``final`` follows from (and the swaps that put the true
    values in its place), or (None, {}): a value carried from a wrong line, a wrong value this
    chain used, or a wrong value copied into it."""
    values = ctx.values
    carried = values.carried(q, final, tol)
    if carried is not None:
        return max(carried[1], key=lambda e: e.line), {}
    wrong_used = [e for e in used if e.wrong]
    if wrong_used:
        first = value_of(parts[ev[0]], DocScope(values, "true"))
        if first is not None and close(first, truth, tol):
            return max(wrong_used, key=lambda e: e.line), {}
    found = copied(ctx, parts[ev[0]], truth, tol)
    return found if found is not None else (None, {})
