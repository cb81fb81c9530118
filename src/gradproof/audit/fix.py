"""``--fix``: the corrected numbers of a chain, written in the style of the numbers they replace.

Only stated values (literal numbers, vectors, matrices and sets) are replaced, never an
expression: in ``[0,0] − 0.1·[2, 2] = [−0.2, −0.2]`` following a wrong gradient [2, 2], the
literal [2, 2] becomes the true gradient and the result is recomputed. A replacement keeps
the original's minus sign (− or -), brackets, separators, decimals and LaTeX environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gradproof.audit import nodes as N
from gradproof.audit.report import Edit
from gradproof.audit.values import (
    Scope,
    Unevaluable,
    close,
    enough_decimals,
    evaluate,
    format_value,
    tolerance,
)
from gradproof.markup.scan import Span

__all__ = ["written_like", "correct_chain", "literals_equal", "shown_decimals"]


def shown_decimals(node: N.Node) -> int | None:
    """The decimals every number of a literal is written with (None if they differ, or for
    integers)."""
    if not N.is_literal(node):
        return None
    nums = [n for n in N.walk(node) if isinstance(n, N.Num)]
    places = {n.decimals for n in nums}
    return places.pop() if len(places) == 1 and 0 not in places else None


def written_like(node: N.Node, source: str, value: Any, *, latex: bool) -> str:
    """``value`` written as the literal ``node`` (whose text is ``source``) is written."""
    minus = "−" if "−" in source or (not latex and "-" not in source) else "-"
    decimals = enough_decimals(value, shown_decimals(node))
    if isinstance(value, frozenset):
        text = format_value(value)
        return text.replace("{", "\\{").replace("}", "\\}") if "\\{" in source else text
    a = np.asarray(value, float)
    if a.ndim == 0:
        return format_value(a, minus=minus, decimals=decimals)
    if isinstance(node, (N.Vec, N.Mat)) and node.style not in ("[", "("):
        env = node.style
        if a.ndim == 1:
            sep = " \\\\ " if "\\\\" in source else " & "
            cells = sep.join(format_value(x, minus=minus, decimals=decimals) for x in a)
        else:
            cells = " \\\\ ".join(
                " & ".join(format_value(x, minus=minus, decimals=decimals) for x in row)
                for row in a
            )
        return f"\\begin{{{env}}} {cells} \\end{{{env}}}"
    sep = ", " if re.search(r",\s", source) or "," not in source else ","
    text = format_value(a, minus=minus, decimals=decimals, sep=sep)
    if isinstance(node, N.Vec) and node.style == "(" and a.ndim == 1:
        text = "(" + text[1:-1] + ")"
    return text


def _edit(span: Span, node: N.Node, value: Any, latex: bool) -> Edit | None:
    if span.start is None:
        return None
    source = span.text[node.start : node.end]
    return Edit(
        span.start + node.start,
        span.start + node.end,
        written_like(node, source, value, latex=latex),
    )


def literals_equal(node: N.Node, value: Any) -> list[N.Node]:
    """The literal sub-trees of ``node`` whose value is ``value`` (to swap a wrong number)."""
    out = []
    for n in N.walk(node):
        if N.is_literal(n):
            try:
                v = evaluate(n, Scope())
            except Unevaluable:
                continue
            if np.shape(v) == np.shape(value) and close(v, value, 1e-12):
                out.append(n)
    return out


def correct_chain(
    parts: Sequence[N.Node],
    scope: Scope,
    span: Span,
    *,
    latex: bool,
    swaps: Mapping[int, Any] | None = None,
) -> list[Edit]:
    """Edits that make the chain ``parts`` true under ``scope`` (the true values): each stated
    part after the first takes the value of the part before it; ``swaps`` maps literal
    sub-trees (by id) to the true values they should have held."""
    overrides: dict[int, Any] = dict(swaps or {})
    edits: list[Edit] = []
    nodes = {id(n): n for p in parts for n in N.walk(p)}
    for key, value in overrides.items():
        e = _edit(span, nodes[key], value, latex) if key in nodes else None
        if e is not None:
            edits.append(e)
    prev: Any = None
    for node in parts:
        try:
            current = evaluate(node, scope, overrides=overrides)
        except Unevaluable:
            prev = None
            continue
        if prev is not None and N.is_literal(node) and np.shape(current) == np.shape(prev):
            if not close(current, prev, tolerance(node, prev)):
                overrides[id(node)] = prev
                e = _edit(span, node, prev, latex)
                if e is not None:
                    edits.append(e)
                current = prev
        prev = current
    return edits
