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
from dataclasses import replace
from typing import Any

import numpy as np

from gradproof.audit import nodes as N
from gradproof.audit.chain_context import (
    ChainContext,
    fix_edits,
    reason_of,
    remember,
    text_of,
    unchecked,
    value_of,
)
from gradproof.audit.formula import check_formula, is_formula
from gradproof.audit.model import family, quantity_key
from gradproof.audit.quantities import quantity_claim
from gradproof.audit.reader import Statement
from gradproof.audit.report import Claim
from gradproof.audit.state import INPUTS, DocScope, Entry, Values
from gradproof.audit.values import Unevaluable, close, format_value, tolerance
from gradproof.i18n import _, lazy, tr

__all__ = ["ChainContext", "check_chain", "head_quantity"]


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
        raise Unevaluable(lazy("an inequality between vectors"))
    a, b, t = float(va), float(vb), float(np.max(tol))
    return {"≤": a <= b + t, "≥": a >= b - t, "<": a < b + t, ">": a > b - t}[rel]


def check_chain(st: Statement, ctx: ChainContext) -> list[Claim]:
    """The claims of one chain (formula claims first), updating the post's values."""
    ctx.last, ctx.rounded = None, []
    claims = _check_chain(st, ctx)
    if ctx.last is not None:
        ctx.last.fixed = any(c.edits for c in claims if c.is_wrong)
    return claims


def _note_rounding(ctx: ChainContext, a: N.Node, va: Any, b: N.Node, vb: Any) -> None:
    """A link that holds only at the precision shown: say so in the verdict."""
    if isinstance(va, frozenset) or close(va, vb, 1e-9 * np.maximum(1.0, np.abs(va))):
        return
    exact, shown = (va, b) if N.is_literal(b) else (vb, a)
    ctx.rounded.append(
        _("{value} shown as {shown}", value=format_value(exact), shown=ctx.src(shown))
    )


def _why(node: N.Node, ctx: ChainContext) -> str:
    return reason_of(node, DocScope(ctx.values, "post"))


def _check_chain(st: Statement, ctx: ChainContext) -> list[Claim]:
    parts = [p.node for p in st.parts]
    ctx.extent = {id(p.node): (p.start, p.end) for p in st.parts}
    head, values = parts[0], ctx.values
    q = head_quantity(st, values)
    numeric = any(N.is_literal(p) for p in parts)  # Σ_{i=1}^{2} xᵢ = [4, 3] is a claim
    if (
        not isinstance(head, (N.Deriv, N.DerivOf))
        and (is_formula(head) or all(is_formula(p) for p in parts[1:]))
        and not numeric
    ):
        return []  # notation or a general statement: L(w, b) = Σᵢ …, sᵢ = w·xᵢ + b, yᵢsᵢ ≤ 0
    claims: list[Claim] = []
    formulas: list[int] = []
    if isinstance(head, (N.Deriv, N.DerivOf)):
        formulas = [
            k for k in range(1, len(parts)) if isinstance(head, N.DerivOf) or is_formula(parts[k])
        ]
        for k in formulas:
            claims.append(_formula_claim(head, parts[k], ctx))
    named = isinstance(head, N.Name) and q is None and head.key not in values.names
    head_joins = q is None and not named and not isinstance(head, (N.Deriv, N.DerivOf))
    idx = ([0] if head_joins and (numeric or not is_formula(head)) else []) + list(
        range(max(formulas) + 1 if formulas else 1, len(parts))
    )
    scopes = {k: DocScope(values, "post") for k in idx}
    pv = {k: value_of(parts[k], scopes[k]) for k in idx}
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
        if holds and rel == "=":
            _note_rounding(ctx, parts[a], pv[a], parts[b], pv[b])
        if not holds:
            claims.append(_broken_link(st, ctx, parts, ev, a, b, rel, kind, pv, used))
            true = values.true(q) if q is not None else None
            if true is None:
                true = value_of(parts[ev[0]], DocScope(values, "true"))
            remember(
                ctx, head, q, named, pv[ev[-1]], parts[b], true=true, origin=ctx.line(parts[b])
            )
            return claims
    if q is not None and family(q) not in INPUTS and family(q) != "x":
        claims.extend(quantity_claim(st, ctx, q, parts, ev, pv, used, kind, claims))
        return claims
    if not ev:
        if not named and not formulas:
            claims.append(unchecked(st, ctx, parts, _("no side of it can be evaluated")))
        return claims
    return _conclude(st, ctx, parts, ev, pv, used, kind, (head, q, named), bool(formulas), claims)


def _conclude(
    st: Statement,
    ctx: ChainContext,
    parts: list[N.Node],
    ev: list[int],
    pv: dict[int, Any],
    used: list[Any],
    kind: str,
    about: tuple[N.Node, str | None, bool],
    has_formulas: bool,
    claims: list[Claim],
) -> list[Claim]:
    """Every link of the chain held: the verdict on its final value — right given an earlier
    wrong value but wrong in truth (``follows-wrong``), ``ok``, or unchecked — and the value
    remembered for later claims."""
    head, q, named = about
    values = ctx.values
    final = pv[ev[-1]]
    true_first = value_of(parts[ev[0]], DocScope(values, "true"))
    wrong_used = [e for e in used if e.wrong]
    if (
        wrong_used
        and true_first is not None
        and not close(true_first, final, tolerance(parts[ev[-1]], true_first))
    ):
        dep = max(wrong_used, key=lambda e: e.line)
        msg = _(
            "with {name} = {value} this is {expected}, not {claimed}",
            name=dep.label,
            value=ctx.show(dep.true),
            expected=ctx.show(true_first, parts[ev[-1]]),
            claimed=ctx.src(parts[ev[-1]]),
        )
        claims.append(
            Claim(
                ctx.line(parts[ev[-1]]),
                kind,
                text_of(st, ctx),
                "follows-wrong",
                ctx.show(true_first, parts[ev[-1]]),
                dep.line,
                msg,
                tuple(fix_edits(ctx, parts, ev, wrong_used)),
            )
        )
        remember(
            ctx,
            head,
            q,
            named,
            final,
            parts[ev[-1]],
            true=true_first,
            origin=ctx.line(parts[ev[-1]]),
        )
        return claims
    if len(ev) >= 2:
        claims.append(
            Claim(
                ctx.line(parts[ev[-1]]),
                kind,
                text_of(st, ctx),
                "ok",
                None,
                None,
                _("{text} holds", text=text_of(st, ctx))
                + (f" ({'; '.join(ctx.rounded)})" if ctx.rounded else ""),
            )
        )
    elif not named and not has_formulas:
        why = next(
            (r for k in range(len(parts)) if k not in ev for r in [_why(parts[k], ctx)] if r), ""
        )
        msg = _("only one side of it can be evaluated")
        if why:
            msg = _("only one side of it can be evaluated ({why})", why=why)
        claims.append(unchecked(st, ctx, parts, msg))
    remember(ctx, head, q, named, final, parts[ev[-1]], true=true_first)
    return claims


def _formula_claim(head: N.Node, part: N.Node, ctx: ChainContext) -> Claim:
    dim = ctx.values.X.shape[1] if ctx.values.X is not None else 3
    fv = check_formula(head, part, ctx.derivation, dim)
    for other in ctx.variants if fv.verdict == "ok" else ():
        fv_other = check_formula(head, part, other, dim)
        if fv_other.verdict != "ok":  # right at one value of λ only
            fv = (
                fv_other
                if fv_other.verdict == "unchecked"
                else replace(fv_other, expected=fv.expected)
            )
            break
    left, right = ctx.label(head), ctx.src(part)
    text = f"{ctx.src(head)} = {right}"
    if fv.verdict == "unchecked":
        on_data = _formula_on_data(head, part, ctx, text)
        if on_data is not None:
            return on_data
    if fv.verdict == "ok":
        msg = _("{text} agrees with gradproof's derivation", text=text)
    elif fv.verdict == "wrong" and fv.expected:
        msg = _(
            "{left} = {expected}, not {claimed}", left=left, expected=fv.expected, claimed=right
        )
    elif fv.verdict == "wrong":
        msg = _("{left} is not {claimed} (it differs at random points)", left=left, claimed=right)
    else:
        msg = _("{text} not checked: {why}", text=text, why=tr(fv.why))
    return Claim(ctx.line(part), "formula", text, fv.verdict, fv.expected, None, msg)


def _formula_on_data(head: N.Node, part: N.Node, ctx: ChainContext, text: str) -> Claim | None:
    """A formula in the post's own names (``∂L/∂w = Σᵢ cᵢ xᵢ`` with c stated), checked on the
    post's data against gradproof's value there."""
    q = quantity_key(head, ctx.values.set_names)
    truth = ctx.values.true(q) if q is not None else None
    value = value_of(part, DocScope(ctx.values, "post"))
    if truth is None or value is None or np.shape(value) != np.shape(truth):
        return None
    line = ctx.line(part)
    if close(value, truth, 1e-9 * np.maximum(1, np.abs(truth))):
        msg = _("{text} holds on the post's data", text=text)
        return Claim(line, "equation", text, "ok", None, None, msg)
    expected = ctx.show(truth)
    msg = _(
        "{left} = {expected} on the post's data, not {claimed}",
        left=ctx.label(head),
        expected=expected,
        claimed=ctx.show(value),
    )
    return Claim(line, "equation", text, "wrong", expected, None, msg)


def _broken_link(
    st: Statement,
    ctx: ChainContext,
    parts: list[N.Node],
    ev: list[int],
    a: int,
    b: int,
    rel: str,
    kind: str,
    pv: dict[int, Any],
    used: list[Entry],
) -> Claim:
    left, right = parts[a], parts[b]
    if rel in ("=", "≈"):
        expected = ctx.show(pv[a], right)
        msg = _(
            "{left} {rel} {expected}, not {claimed}",
            left=ctx.src(left),
            rel=rel,
            expected=expected,
            claimed=ctx.src(right),
        )
    else:
        expected = None
        msg = _(
            "{left} {rel} {right} does not hold ({a} and {b})",
            left=ctx.src(left),
            rel=rel,
            right=ctx.src(right),
            a=ctx.show(pv[a]),
            b=ctx.show(pv[b]),
        )
    edits = fix_edits(ctx, parts, ev, [e for e in used if e.wrong]) if rel in ("=", "≈") else []
    return Claim(
        ctx.line(right), kind, text_of(st, ctx), "wrong", expected, None, msg, tuple(edits)
    )
