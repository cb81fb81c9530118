"""The post's data and starting point: the first statement of each, wherever it is.

A definition is ``name = value`` whose value needs no names (``x₁ = [1, 2]``, ``η = 0.1``,
``w = 0``) or a literal assignment in code (``X = np.array(…)``). The data is the first
statement of X (a matrix) or of x₁, x₂ … (rows), whichever comes first, and likewise of y or
y₁, y₂ …; later statements of the same data are claims (:mod:`gradproof.audit.engine`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradproof.audit import nodes as N
from gradproof.audit.chains import head_quantity
from gradproof.audit.code import Assignment, changes, literal_assignments
from gradproof.audit.model import SET_NAMES, family
from gradproof.audit.reader import Statement
from gradproof.audit.state import INPUTS, Values
from gradproof.audit.values import Scope, Unevaluable, evaluate
from gradproof.i18n import _
from gradproof.markup.scan import Span

__all__ = [
    "Item",
    "Data",
    "code_key",
    "definition",
    "definitions",
    "code_literals",
    "assemble",
    "kink_of",
]

_CODE_NAMES = {
    "X": "X",
    "y": "y",
    "w": "w",
    "w0": "w",
    "b": "b",
    "b0": "b",
    "lr": "eta",
    "eta": "eta",
    "learning_rate": "eta",
    "alpha": "eta",
    "lam": "lam",
    "lambda_": "lam",
    "lmbda": "lam",
}


@dataclass
class Item:
    """One chain of the post, or one code block (with the outputs the post shows for it)."""

    span: Span
    statement: Statement | None = None
    stored: list[Span] = field(default_factory=list)
    python: bool = False

    @property
    def reads_literals(self) -> bool:
        return self.statement is None and (self.python or self.span.language is None)


@dataclass
class Data:
    """The assembled data: X (n, d), y (n,), and the line each input was first given on."""

    X: Any = None
    y: Any = None
    lines: dict[str, int] = field(default_factory=dict)
    problem: str | None = None  # why there is no data, in words


def code_key(name: str) -> str | None:
    """The quantity a code variable holds: X, x1 → x[1], lr → eta …"""
    m = re.fullmatch(r"(x|y)_?(\d+)", name)
    if m:
        return f"{m.group(1)}[{int(m.group(2))}]"
    return _CODE_NAMES.get(name)


def definition(st: Statement, values: Values) -> tuple[str, Any] | None:
    """``name = value`` with a value that needs no names: (key, value)."""
    head = st.parts[0].node
    if len(st.parts) != 2 or not isinstance(head, N.Name) or st.rels[0] not in ("=", ":="):
        return None
    q = head_quantity(st, values)
    if q is not None and family(q) not in INPUTS and family(q) != "x":
        return None
    try:
        value = evaluate(st.parts[1].node, Scope())
    except Unevaluable:
        return None
    return (q or head.key), value


def definitions(items: Iterable[Item], values: Values) -> list[tuple[str, Any, int]]:
    """Every definition in document order: (key, value, line)."""
    items = list(items)
    out = []
    for item in items:
        if item.statement is not None:
            found = definition(item.statement, values)
            if found is not None:
                out.append((*found, item.span.line_at(item.statement.parts[1].start)))
    for item, a, changed in code_literals(items):
        key = code_key(a.name)
        if key is not None and changed is None:
            out.append((key, a.value, item.span.lines[min(a.line, len(item.span.lines)) - 1]))
    out.sort(key=lambda d: d[2])
    return out


_DATA_FAMILIES = ("X", "x", "y")


def code_literals(items: Iterable[Item]) -> list[tuple[Item, Assignment, int | None]]:
    """The literal assignments of the post's code, each with the document line where later
    code changes that variable (``X = X / 10``, ``y = -y``) when it is data, else None.
    Code that is not run gives no values, so changed data cannot stand for the post's."""
    items = [i for i in items if i.reads_literals]
    later: list[tuple[int, int, str, int]] = []  # (block, code line, name, document line)
    for k, item in enumerate(items):
        lines = item.span.lines
        later.extend(
            (k, ln, name, lines[min(ln, len(lines)) - 1]) for name, ln in changes(item.span.text)
        )
    out: list[tuple[Item, Assignment, int | None]] = []
    for k, item in enumerate(items):
        for a in literal_assignments(item.span.text):
            key = code_key(a.name)
            changed = None
            if key is not None and family(key) in _DATA_FAMILIES:
                changed = next(
                    (doc for b, ln, name, doc in later if name == a.name and (b, ln) > (k, a.line)),
                    None,
                )
            out.append((item, a, changed))
    return out


def _rows(first: Mapping[str, tuple[Any, int]], fam: str, ndim: int) -> tuple[list[Any], list[int]]:
    rows: list[Any] = []
    lines: list[int] = []
    while f"{fam}[{len(rows) + 1}]" in first:
        value, line = first[f"{fam}[{len(rows) + 1}]"]
        if np.ndim(value) != ndim:
            break
        rows.append(np.asarray(value, float))
        lines.append(line)
    return rows, lines


def assemble(first: Mapping[str, tuple[Any, int]]) -> Data:
    """X and y from the first definitions (key → (value, line))."""
    out = Data()
    rows, row_lines = _rows(first, "x", 1)
    if (
        "X" in first
        and np.ndim(first["X"][0]) == 2
        and first["X"][1] <= min(row_lines, default=10**9)
    ):
        out.X, out.lines["X"] = np.asarray(first["X"][0], float), first["X"][1]
    elif rows and len({r.shape for r in rows}) == 1:
        out.X = np.stack(rows)
        out.lines.update({f"x[{k + 1}]": line for k, line in enumerate(row_lines)})
    elif "x" in first and np.ndim(first["x"][0]) == 1:  # x = [1, 2]: one sample
        out.X, out.lines["x"] = np.asarray(first["x"][0], float)[None, :], first["x"][1]
    labels, label_lines = _rows(first, "y", 0)
    if (
        "y" in first
        and np.ndim(first["y"][0]) == 1
        and first["y"][1] <= min(label_lines, default=10**9)
    ):
        out.y, out.lines["y"] = np.asarray(first["y"][0], float), first["y"][1]
    elif "y" in first and np.ndim(first["y"][0]) == 0 and out.X is not None and len(out.X) == 1:
        out.y, out.lines["y"] = np.asarray(first["y"][0], float).reshape(1), first["y"][1]
    elif labels:
        out.y = np.array(labels)
        out.lines.update({f"y[{k + 1}]": line for k, line in enumerate(label_lines)})
    if out.X is not None and out.y is not None and out.X.shape[0] != out.y.shape[0]:
        out.problem = _(
            "the data has {n} samples but {m} labels", n=out.X.shape[0], m=out.y.shape[0]
        )
        out.X = out.y = None
    for key in ("w", "b", "eta", "lam"):
        if key in first:
            out.lines[key] = first[key][1]
    return out


def kink_of(items: Iterable[Item]) -> str | None:
    """``M = {i : yᵢsᵢ ≤ 0}`` includes the boundary, ``< 0`` excludes it; else None."""
    for item in items:
        st = item.statement
        if st is None or len(st.parts) != 2:
            continue
        head, rhs = st.parts[0].node, st.parts[1].node
        if not (isinstance(head, N.Name) and head.base in SET_NAMES):
            continue
        if isinstance(rhs, N.SetBuilder) and isinstance(rhs.cond, N.Cmp):
            if rhs.cond.op in ("≤", "≥"):
                return "include"
            if rhs.cond.op in ("<", ">"):
                return "exclude"
    return None
