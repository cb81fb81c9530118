"""What the audit reads from a post's code without running it: literal data, claimed outputs.

Literal data (``X = np.array([[2, 3], [1, -1]])``, ``w = np.zeros(2)``, ``lr = 0.1``) is read
from the syntax tree of the code (``ast.parse`` only parses; nothing is compiled or run) by a
reader that accepts numbers, signs, lists and tuples of them, and ``np.array`` / ``np.asarray``
/ ``np.zeros`` / ``np.ones`` of those, and nothing else.

Claimed outputs are comments: ``print(w)  # Output: [-0.2 0.2]``, ``# 输出：…``, or a
``# Output:`` / ``# 输出示例：`` line followed by commented lines. Each claims what the code
prints between the previous claim (or the block's start) and the claim's line.

>>> [(a.name, a.value.tolist()) for a in literal_assignments("X = np.array([[2, 3], [1, -1]])")]
[('X', [[2.0, 3.0], [1.0, -1.0]])]
>>> [(c.line, c.text) for c in output_claims("print(w)  # Output: [-0.2  0.2]")]
[(1, '[-0.2  0.2]')]
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Assignment",
    "OutputClaim",
    "literal_assignments",
    "changes",
    "output_claims",
    "LIMITS",
]

LIMITS = {"max_code": 200_000, "max_entries": 100_000}
_NUMPY = {"np", "numpy"}
_CLAIM = re.compile(
    r"#\s*(?:output|out|prints?|result|输出示例|输出结果|输出|结果|打印)\s*[:：]\s*(.*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Assignment:
    """``name = <literal>`` at a 1-based line of the code."""

    name: str
    value: np.ndarray
    line: int


@dataclass(frozen=True)
class OutputClaim:
    """The output the code claims, as written, with the 1-based lines of the claim."""

    text: str
    line: int  # the comment line that makes the claim (its output ends there)
    lines: tuple[int, ...]  # the lines holding the claimed text


class _NotLiteral(Exception):
    pass


def _literal(node: ast.AST, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _NotLiteral
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        if isinstance(node.value, bool):
            raise _NotLiteral
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _literal(node.operand, budget)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e, budget) for e in node.elts]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        owner = node.func.value
        if not (isinstance(owner, ast.Name) and owner.id in _NUMPY):
            raise _NotLiteral
        kw = {k.arg for k in node.keywords}
        if not kw <= {"dtype"} or len(node.args) != 1:
            raise _NotLiteral
        arg = _literal(node.args[0], budget)
        if node.func.attr in ("array", "asarray", "asfarray"):
            return arg
        if node.func.attr in ("zeros", "ones"):
            shape = [int(a) for a in (arg if isinstance(arg, list) else [arg])]
            if any(s < 0 for s in shape) or np.prod(shape) > LIMITS["max_entries"]:
                raise _NotLiteral
            return (np.zeros if node.func.attr == "zeros" else np.ones)(shape).tolist()
    raise _NotLiteral


def literal_assignments(code: str) -> list[Assignment]:
    """Top-level assignments of literal numbers and arrays, in order (others are skipped)."""
    if len(code) > LIMITS["max_code"]:
        return []
    try:
        tree = ast.parse(_without_magics(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    out = []
    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            continue
        pairs: list[tuple[ast.AST, ast.AST]] = [(stmt.targets[0], stmt.value)]
        target = stmt.targets[0]
        if isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple):
            if len(target.elts) == len(stmt.value.elts):
                pairs = list(zip(target.elts, stmt.value.elts, strict=True))
        for t, v in pairs:
            if not isinstance(t, ast.Name):
                continue
            try:
                value = np.asarray(_literal(v, [LIMITS["max_entries"]]), dtype=float)
            except (_NotLiteral, ValueError, OverflowError):
                continue
            if value.ndim <= 2 and np.all(np.isfinite(value)):
                out.append(Assignment(t.id, value, stmt.lineno))
    return out


_IN_PLACE = {"sort", "fill", "resize", "put", "itemset", "shuffle", "partition", "setfield"}


def _target_names(t: ast.AST) -> list[str]:
    """The names an assignment target (re)binds or modifies: X, X[0], X.attr, (a, b)."""
    while isinstance(t, (ast.Subscript, ast.Attribute, ast.Starred)):
        t = t.value
    if isinstance(t, ast.Name):
        return [t.id]
    if isinstance(t, (ast.Tuple, ast.List)):
        return [n for e in t.elts for n in _target_names(e)]
    return []


def changes(code: str) -> list[tuple[str, int]]:
    """Where the code changes a variable other than by a top-level literal assignment
    (``X = X / 10``, ``y = -y``, ``X[0] = …``, ``X *= 2``, ``X.sort()``,
    ``np.random.shuffle(X)``), as (name, 1-based line), in order. Only parsed, never run:
    the values are unknown, so what they change cannot be used as the post's data. Function
    and class bodies are skipped (their names are local)."""
    if len(code) > LIMITS["max_code"]:
        return []
    try:
        tree = ast.parse(_without_magics(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    literal = {(a.name, a.line) for a in literal_assignments(code)}
    out: list[tuple[str, int]] = []
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        names: list[str] = []
        if isinstance(node, ast.Assign):
            names = [n for t in node.targets for n in _target_names(t)]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            names = _target_names(node.target)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            names = _target_names(node.target)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            names = [
                n for i in node.items if i.optional_vars for n in _target_names(i.optional_vars)
            ]
        elif isinstance(node, ast.NamedExpr):
            names = _target_names(node.target)
        elif isinstance(node, ast.Delete):
            names = [n for t in node.targets for n in _target_names(t)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in _IN_PLACE:
                names = _target_names(node.func.value) if node.func.attr != "shuffle" else []
                names += [n for a in node.args[:1] for n in _target_names(a)]
        line = getattr(node, "lineno", 0)
        out.extend((n, line) for n in names if (n, line) not in literal)
        todo.extend(ast.iter_child_nodes(node))
    return sorted(out, key=lambda p: p[1])


def _without_magics(code: str) -> str:
    """Notebook magics (``%matplotlib``, ``!pip``) blanked, so the rest parses; lines stay."""
    return "\n".join("" if ln.lstrip()[:1] in ("%", "!") else ln for ln in code.split("\n"))


def output_claims(code: str) -> list[OutputClaim]:
    """The claimed outputs in the comments of ``code``."""
    lines = code.split("\n")
    out = []
    k = 0
    while k < len(lines):
        m = _CLAIM.search(lines[k])
        if m is None or _in_string(lines[k], m.start()):
            k += 1
            continue
        first = m.group(1).strip()
        body, where = ([first], [k + 1]) if first else ([], [])
        j = k + 1
        if not first:  # "# Output:" then commented lines
            while j < len(lines) and lines[j].lstrip().startswith("#"):
                if _CLAIM.search(lines[j]):
                    break
                body.append(lines[j].lstrip()[1:].strip())
                where.append(j + 1)
                j += 1
        if body:
            out.append(OutputClaim("\n".join(body), k + 1, tuple(where)))
        k = j if not first else k + 1
    return out


def _in_string(line: str, pos: int) -> bool:
    """Is ``pos`` inside a string literal on this line (a '#' in "a # b")?"""
    return line[:pos].count('"') % 2 == 1 or line[:pos].count("'") % 2 == 1
