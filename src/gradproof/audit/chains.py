"""Checking one chain ``head = a = b = … = v``: its links, its value, its formulas.

1. **Formulas**: after ``∂L/∂w`` or ``∂/∂w(…)``, each side that speaks of samples in general
   (Σ, xᵢ, 𝟙) is a formula claim (:mod:`gradproof.audit.formula`).
2. **Links**: the numeric sides are evaluated with the post's values; the earliest link that
   does not hold is the finding (``wrong``), with the value it should have.
3. **Value**: when every link holds and the head is a quantity gradproof computes (∂L/∂w, L,
   s₁, M, w_new …), the stated value is compared with gradproof's. If it differs but is what
   the post's own earlier wrong values give, the claim ``follows`` the value it used;
   otherwise it is ``wrong``. A chain that uses a wrong value and differs from the truth
   follows it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradproof.audit import nodes as N
from gradproof.audit.fix import correct_chain, literals_equal, shown_decimals, written_like
from gradproof.audit.formula import check_formula, is_formula
from gradproof.audit.model import describe, family, quantity_key
from gradproof.audit.reader import Statement
from gradproof.audit.report import Claim, Edit
from gradproof.audit.state import INPUTS, DocScope, Entry, Values
from gradproof.audit.values import Unevaluable, close, evaluate, format_value, tolerance
from gradproof.i18n import _
from gradproof.markup.scan import Span
from gradproof.symbolic.derivation import Derivation

__all__ = ["ChainContext", "check_chain", "head_quantity"]


@dataclass
class ChainContext:
    """Where a chain sits and what it is checked against."""

    span: Span
    values: Values
    derivation: Derivation | None
    latex: bool
    extent: dict[int, tuple[int, int]] = field(default_factory=dict)  # a whole side's text
    last: Entry | None = None  # what the chain being checked stated

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
        return format_value(value, decimals=shown_decimals(like) if like is not None else None)


def _mentions(node: N.Node, name: N.Name) -> bool:
    return any(isinstance(n, N.Name) and n.key == name.key for n in N.walk(node))


def head_quantity(st: Statement, values: Values) -> str | None:
    """The quantity the chain's head states (``w ← w − η∇L`` states w_new)."""
    head = st.parts[0].node
    q = quantity_key(head, values.set_names)
    if q in ("w", "b") and isinstance(head, N.Name):
        if st.rels[0] in ("←", ":=") or _mentions(st.parts[1].node, head):
            return q + "_new"
    return q


def _rel(rels: Sequence[str]) -> str | None:
    kinds = set(rels)
    if kinds <= {"=", ":=", "←"}:
        return "="
    if kinds <= {"=", "≈", ":=", "←"}:
        return "≈"
    if len(kinds - {"="}) == 1:
        return next(iter(kinds - {"="}))
    return None


def _tol(a: N.Node, va: Any, b: N.Node, vb: Any, rel: str) -> Any:
    ta, tb = tolerance(a, va, rel), tolerance(b, vb, rel)
    try:
        return np.maximum(ta, tb)
    except ValueError:
        return max(float(np.max(ta)), float(np.max(tb)))


def _holds(rel: str, va: Any, vb: Any, tol: Any) -> bool:
    if rel in ("=", "≈"):
        return close(va, vb, tol)
    if rel == "≠":
        return not close(va, vb, tol)
    if isinstance(va, frozenset) or isinstance(vb, frozenset) or np.ndim(va) or np.ndim(vb):
        raise Unevaluable("an inequality between vectors")
    a, b, t = float(va), float(vb), float(np.max(tol))
    return {"≤": a <= b + t, "≥": a >= b - t, "<": a < b + t, ">": a > b - t}[rel]


def _value(node: N.Node, scope: DocScope) -> Any:
    try:
        return evaluate(node, scope)
    except Unevaluable:
        return None


def check_chain(st: Statement, ctx: ChainContext) -> list[Claim]:
    """The claims of one chain (formula claims first), updating the post's values."""
    ctx.last = None
    claims = _check_chain(st, ctx)
    if ctx.last is not None:
        ctx.last.fixed = any(c.edits for c in claims if c.is_wrong)
    return claims


def _check_chain(st: Statement, ctx: ChainContext) -> list[Claim]:
    parts = [p.node for p in st.parts]
    ctx.extent = {id(p.node): (p.start, p.end) for p in st.parts}
    head, values = parts[0], ctx.values
    q = head_quantity(st, values)
    if not isinstance(head, (N.Deriv, N.DerivOf)) and (
        is_formula(head) or all(is_formula(p) for p in parts[1:])
    ):
        return []  # notation or a general statement: L(w, b) = Σᵢ …, sᵢ = w·xᵢ + b, yᵢsᵢ ≤ 0
    claims: list[Claim] = []
    formulas: list[int] = []
    if isinstance(head, (N.Deriv, N.DerivOf)):
        formulas = [k for k in range(1, len(parts))
                    if isinstance(head, N.DerivOf) or is_formula(parts[k])]  # fmt: skip
        for k in formulas:
            claims.append(_formula_claim(head, parts[k], ctx))
    named = isinstance(head, N.Name) and q is None and head.key not in values.names
    head_joins = q is None and not named and not isinstance(head, (N.Deriv, N.DerivOf))
    idx = ([0] if head_joins and not is_formula(head) else []) + list(
        range(max(formulas) + 1 if formulas else 1, len(parts))
    )
    scopes = {k: DocScope(values, "post") for k in idx}
    pv = {k: _value(parts[k], scopes[k]) for k in idx}
    ev = [k for k in idx if pv[k] is not None]
    kind = "update" if q in ("w_new", "b_new") else "equation"
    used = [e for k in ev for e in scopes[k].used]
    for a, b in zip(ev, ev[1:], strict=False):
        rel = _rel(st.rels[a:b])
        if rel is None:
            continue
        tol = _tol(parts[a], pv[a], parts[b], pv[b], rel)
        try:
            holds = _holds(rel, pv[a], pv[b], tol)
        except Unevaluable:
            continue
        if not holds:
            claims.append(_broken_link(st, ctx, parts, ev, a, b, rel, kind, pv, used))
            true = values.true(q) if q is not None else None
            if true is None:
                true = _value(parts[ev[0]], DocScope(values, "true"))
            _remember(ctx, head, q, named, pv[ev[-1]], parts[b], true=true,
                      origin=ctx.line(parts[b]))  # fmt: skip
            return claims
    if q is not None and family(q) not in INPUTS and family(q) != "x":
        claims.extend(_quantity_claim(st, ctx, q, parts, ev, pv, used, kind, claims))
        return claims
    if not ev:
        if not named and not formulas:
            claims.append(_unchecked(st, ctx, parts, _("no side of it can be evaluated")))
        return claims
    final = pv[ev[-1]]
    true_first = _value(parts[ev[0]], DocScope(values, "true"))
    wrong_used = [e for e in used if e.wrong]
    if wrong_used and true_first is not None and not close(true_first, final, tolerance(parts[ev[-1]], true_first)):
        dep = max(wrong_used, key=lambda e: e.line)
        msg = _("with {name} = {value} this is {expected}, not {claimed}", name=dep.label,
                value=ctx.show(dep.true), expected=ctx.show(true_first, parts[ev[-1]]),
                claimed=ctx.src(parts[ev[-1]]))  # fmt: skip
        claims.append(Claim(ctx.line(parts[ev[-1]]), kind, _text(st, ctx), "follows-wrong",
                            ctx.show(true_first, parts[ev[-1]]), dep.line, msg,
                            tuple(_fix(ctx, parts, ev, wrong_used))))  # fmt: skip
        _remember(ctx, head, q, named, final, parts[ev[-1]], true=true_first,
                  origin=ctx.line(parts[ev[-1]]))  # fmt: skip
        return claims
    if len(ev) >= 2:
        claims.append(Claim(ctx.line(parts[ev[-1]]), kind, _text(st, ctx), "ok", None, None,
                            _("{text} holds", text=_text(st, ctx))))  # fmt: skip
    elif not named and not formulas:
        claims.append(_unchecked(st, ctx, parts, _("only one side of it can be evaluated")))
    _remember(ctx, head, q, named, final, parts[ev[-1]], true=true_first)
    return claims


def _text(st: Statement, ctx: ChainContext) -> str:
    return " ".join(ctx.span.text[st.parts[0].start : st.parts[-1].end].replace("&", " ").split())


def _unchecked(st: Statement, ctx: ChainContext, parts: list[N.Node], why: str) -> Claim:
    return Claim(ctx.line(parts[-1]), "equation", _text(st, ctx), "unchecked", None, None, why)


def _formula_claim(head: N.Node, part: N.Node, ctx: ChainContext) -> Claim:
    dim = ctx.values.X.shape[1] if ctx.values.X is not None else 3
    fv = check_formula(head, part, ctx.derivation, dim)
    left, right = ctx.label(head), ctx.src(part)
    text = f"{ctx.src(head)} = {right}"
    if fv.verdict == "ok":
        msg = _("{text} agrees with gradproof's derivation", text=text)
    elif fv.verdict == "wrong" and fv.expected:
        msg = _("{left} = {expected}, not {claimed}", left=left, expected=fv.expected,
                claimed=right)  # fmt: skip
    elif fv.verdict == "wrong":
        msg = _("{left} is not {claimed} (it differs at random points)", left=left, claimed=right)
    else:
        msg = _("{text} not checked: {why}", text=text, why=fv.why)
    return Claim(ctx.line(part), "formula", text, fv.verdict, fv.expected, None, msg)


def _broken_link(
    st: Statement, ctx: ChainContext, parts: list[N.Node], ev: list[int], a: int, b: int,
    rel: str, kind: str, pv: dict[int, Any], used: list[Entry],
) -> Claim:  # fmt: skip
    left, right = parts[a], parts[b]
    if rel in ("=", "≈"):
        expected = ctx.show(pv[a], right)
        msg = _("{left} {rel} {expected}, not {claimed}", left=ctx.src(left), rel=rel,
                expected=expected, claimed=ctx.src(right))  # fmt: skip
    else:
        expected = None
        msg = _("{left} {rel} {right} does not hold ({a} and {b})", left=ctx.src(left), rel=rel,
                right=ctx.src(right), a=ctx.show(pv[a]), b=ctx.show(pv[b]))  # fmt: skip
    edits = _fix(ctx, parts, ev, [e for e in used if e.wrong]) if rel in ("=", "≈") else []
    return Claim(ctx.line(right), kind, _text(st, ctx), "wrong", expected, None, msg,
                 tuple(edits))  # fmt: skip


def _copied(
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


def _fix(
    ctx: ChainContext, parts: list[N.Node], ev: list[int], wrong: list[Entry],
    given: dict[int, Any] | None = None,
) -> list[Edit]:  # fmt: skip
    if any(not e.fixed for e in wrong):
        return []  # a copy of a value --fix cannot correct: correcting the copy would not help
    swaps: dict[int, Any] = dict(given or {})
    for e in wrong if not given else []:
        for k in ev:
            for n in literals_equal(parts[k], e.post):
                swaps[id(n)] = e.true
    return correct_chain([parts[k] for k in ev], DocScope(ctx.values, "true"), ctx.span,
                         latex=ctx.latex, swaps=swaps)  # fmt: skip


def _quantity_claim(
    st: Statement, ctx: ChainContext, q: str, parts: list[N.Node], ev: list[int],
    pv: dict[int, Any], used: list[Entry], kind: str, earlier: list[Claim],
) -> list[Claim]:  # fmt: skip
    values, head = ctx.values, parts[0]
    truth = values.true(q)
    if not ev:
        if any(c.kind == "formula" for c in earlier):
            return []
        return [_unchecked(st, ctx, parts, _("its value cannot be evaluated"))]
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
        _remember(ctx, head, q, False, final, last)
        return [Claim(ctx.line(last), kind, _text(st, ctx), verdict, None, None, why)]
    rel = st.rels[ev[-1] - 1]
    tol = tolerance(last, truth, "≈" if rel == "≈" else "=")
    text, line = _text(st, ctx), ctx.line(last)
    if close(final, truth, tol):
        _remember(ctx, head, q, False, final, last, true=truth)
        return [Claim(line, kind, text, "ok", None, None, _("{text} holds", text=text))]
    expected = ctx.show(truth, last)
    _remember(ctx, head, q, False, final, last, true=truth, origin=line)
    carried = values.carried(q, final, tol)
    wrong_used = [e for e in used if e.wrong]
    dep: Entry | None = None
    if carried is not None:
        dep = max(carried[1], key=lambda e: e.line)
    elif wrong_used:
        first = _value(parts[ev[0]], DocScope(values, "true"))
        if first is not None and close(first, truth, tol):
            dep = max(wrong_used, key=lambda e: e.line)
    swaps: dict[int, Any] = {}
    if dep is None:
        copied = _copied(ctx, parts[ev[0]], truth, tol)
        if copied is not None:
            dep, swaps = copied
    if dep is not None:
        msg = _("with {name} = {value} the {what} is {expected}, not {claimed}", name=dep.label,
                value=ctx.show(dep.true), what=_(describe(q)), expected=expected,
                claimed=ctx.src(last))  # fmt: skip
        edits = _fix(ctx, parts, ev, [dep], swaps) + _single(ctx, parts, ev, truth)
        edits = edits if dep.fixed else []
        return [Claim(line, kind, text, "follows-wrong", expected, dep.line, msg, tuple(edits))]
    wrong_formula = next((c for c in earlier if c.kind == "formula" and c.verdict == "wrong"), None)
    if wrong_formula is not None:
        msg = _("with the right formula the {what} is {expected}, not {claimed}",
                what=_(describe(q)), expected=expected, claimed=ctx.src(last))  # fmt: skip
        return [Claim(line, kind, text, "follows-wrong", expected, wrong_formula.line, msg)]
    msg = _("{name} = {expected}, not {claimed}", name=ctx.label(head), expected=expected,
            claimed=ctx.src(last))  # fmt: skip
    return [Claim(line, kind, text, "wrong", expected, None, msg,
                  tuple(_single(ctx, parts, ev, truth)))]  # fmt: skip


def _single(ctx: ChainContext, parts: list[N.Node], ev: list[int], truth: Any) -> list[Edit]:
    """A stated value alone (``∂L/∂b = 1``, ``M = {1}``) is replaced by the true one."""
    last = parts[ev[-1]]
    if len(ev) != 1 or ctx.span.start is None:
        return []
    if not (N.is_literal(last) or isinstance(last, N.SetLit)):
        return []
    text = written_like(last, ctx.src(last), truth, latex=ctx.latex)
    return [Edit(ctx.span.start + last.start, ctx.span.start + last.end, text)]


def _remember(
    ctx: ChainContext, head: N.Node, q: str | None, named: bool, post: Any, node: N.Node,
    *, true: Any = None, origin: int | None = None,
) -> None:  # fmt: skip
    """Keep what the chain stated for later claims."""
    entry = Entry(post, post if true is None else true, ctx.line(node), ctx.label(head), origin)
    if q is not None and family(q) not in INPUTS:
        ctx.values.claimed[q] = entry
        ctx.last = entry
    elif named and isinstance(head, N.Name):
        ctx.values.names[head.key] = entry
        ctx.last = entry
