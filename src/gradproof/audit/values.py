"""Values of the audit's expression trees: numbers, vectors, matrices and sets of samples.

:func:`evaluate` walks a tree (it never compiles or evaluates text) with float64 numpy
arrays: 0-d for numbers, 1-d for vectors, 2-d for matrices, and frozensets of 0-based
sample indices for sets. Names come from a :class:`Scope`. Anything it cannot give a value
(an unknown name, a vector added to a number, log of a negative number, a sum too long) raises
:class:`Unevaluable` with the reason; the claims that need it are then unchecked.

:func:`close` compares a claimed value with a computed one at the precision shown: a number
written with k decimals stands for anything that rounds to it (half a unit of its last digit),
an integer under ``=`` must be exact (to 1e-9 relative), under ``≈`` within ½.

>>> from gradproof.audit.reader import statements
>>> st = statements("−[1,2] + [3,0] = [2, −2]")[0]
>>> [format_value(evaluate(p.node, Scope())) for p in st.parts]
['[2, −2]', '[2, −2]']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradproof.audit import nodes as N
from gradproof.i18n import lazy

__all__ = [
    "Unevaluable",
    "Scope",
    "evaluate",
    "close",
    "tolerance",
    "format_value",
    "enough_decimals",
    "LIMITS",
]

LIMITS = {"max_work": 200_000, "max_range": 10_000, "max_size": 100_000}
"""Node visits per evaluation, terms of an explicit Σ range, entries of one value."""

Value = Any  # np.ndarray (float64) or frozenset[int]


class Unevaluable(Exception):
    """The tree has no value here; the message says why."""


class Scope:
    """Where names get their values. This base knows only constants (e, π)."""

    n: int | None = None  # the number of samples, for Σᵢ

    def name(self, node: N.Name, bound: Mapping[str, int]) -> Value:
        if node.key in bound:  # the index of a sum: 1, 2, … (samples are counted from 1)
            return np.float64(bound[node.key] + 1)
        if node.key in ("e",):
            return np.float64(math.e)
        if node.key == "π":
            return np.float64(math.pi)
        raise Unevaluable(lazy("{name} has no value here", name=node.key))

    def deriv(self, node: N.Deriv, bound: Mapping[str, int]) -> Value:
        raise Unevaluable(lazy("a derivative with no value here"))

    def set_named(self, node: N.Node, bound: Mapping[str, int]) -> frozenset[int]:
        v = evaluate(node, self, bound)
        if not isinstance(v, frozenset):
            raise Unevaluable(lazy("not a set"))
        return v


def _sigmoid(u: float) -> float:
    return 1 / (1 + math.exp(-u)) if u >= 0 else math.exp(u) / (1 + math.exp(u))


_SCALAR: dict[str, Callable[[float], float]] = {
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
    "softplus": lambda u: max(u, 0.0) + math.log1p(math.exp(-abs(u))),
    "relu": lambda u: max(u, 0.0),
    "abs": abs,
    "sign": lambda u: float(np.sign(u)),
}


class _Eval:
    def __init__(self, scope: Scope, overrides: Mapping[int, Value] | None = None):
        self.scope = scope
        self.work = 0
        self.overrides = overrides or {}

    def scalar(self, v: Value, what: object) -> float:
        if isinstance(v, frozenset) or np.ndim(v) != 0:
            raise Unevaluable(lazy("{what} needs a number", what=what))
        return float(v)

    def array(self, v: Value) -> np.ndarray:
        if isinstance(v, frozenset):
            raise Unevaluable(lazy("a set used as a number"))
        return np.asarray(v, dtype=float)

    def ev(self, node: N.Node, bound: Mapping[str, int]) -> Value:
        self.work += 1
        if self.work > LIMITS["max_work"]:
            raise Unevaluable(lazy("too much work to evaluate"))
        if id(node) in self.overrides:
            return self.overrides[id(node)]
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise Unevaluable(lazy("gradproof does not evaluate this kind of expression"))
        v = method(node, bound)
        if not isinstance(v, frozenset):
            v = np.asarray(v, dtype=float)
            if v.size > LIMITS["max_size"]:
                raise Unevaluable(lazy("a value too large"))
            if not np.all(np.isfinite(v)):
                raise Unevaluable(lazy("a value that is not finite"))
        return v

    def _Num(self, n: N.Num, bound: Mapping[str, int]) -> Value:
        return np.float64(n.value)

    def _Name(self, n: N.Name, bound: Mapping[str, int]) -> Value:
        return self.scope.name(n, bound)

    def _Deriv(self, n: N.Deriv, bound: Mapping[str, int]) -> Value:
        return self.scope.deriv(n, bound)

    def _Vec(self, n: N.Vec, bound: Mapping[str, int]) -> Value:
        items = [self.array(self.ev(i, bound)) for i in n.items]
        if all(i.ndim == 0 for i in items):
            return np.array(items)
        if all(i.ndim == 1 for i in items) and len({i.shape for i in items}) == 1:
            return np.stack(items)
        raise Unevaluable(lazy("a vector of mixed entries"))

    def _Mat(self, n: N.Mat, bound: Mapping[str, int]) -> Value:
        rows = [[self.scalar(self.ev(i, bound), lazy("a matrix entry")) for i in r] for r in n.rows]
        return np.array(rows)

    def _SetLit(self, n: N.SetLit, bound: Mapping[str, int]) -> Value:
        out = set()
        for item in n.items:
            if isinstance(item, N.Name) and item.sub.isdigit() and item.base in ("x", "i"):
                out.add(int(item.sub) - 1)  # {x₁, x₂}: samples 1 and 2
                continue
            v = self.scalar(self.ev(item, bound), lazy("a set element"))
            if v != int(v) or v < 1:
                raise Unevaluable(lazy("a set of samples holds sample numbers 1, 2, …"))
            out.add(int(v) - 1)
        return frozenset(out)

    def _SetBuilder(self, n: N.SetBuilder, bound: Mapping[str, int]) -> Value:
        return frozenset(i for i in self.indices() if self.truth(n.cond, {**bound, n.var: i}))

    def indices(self) -> range:
        if self.scope.n is None:
            raise Unevaluable(lazy("a sum over samples with no data"))
        return range(self.scope.n)

    def _Bin(self, n: N.Bin, bound: Mapping[str, int]) -> Value:
        a, b = self.array(self.ev(n.left, bound)), self.array(self.ev(n.right, bound))
        if n.op in "+-":
            if a.shape != b.shape:
                if a.ndim == 0 and float(a) == 0 or b.ndim == 0 and float(b) == 0:
                    return a + b if n.op == "+" else a - b  # 0 + v: the zero vector
                raise Unevaluable(lazy("adds values of shapes {a} and {b}", a=a.shape, b=b.shape))
            return a + b if n.op == "+" else a - b
        if n.op == "/":
            d = self.scalar(b, lazy("a divisor"))
            if d == 0:
                raise Unevaluable(lazy("division by zero"))
            return a / d
        if a.ndim == 0 or b.ndim == 0:
            return a * b
        if n.op == "×" and a.ndim == 1 and b.ndim == 1:
            raise Unevaluable(lazy("× between two vectors"))
        if a.shape[-1] != b.shape[0]:
            raise Unevaluable(lazy("multiplies shapes {a} and {b}", a=a.shape, b=b.shape))
        return a @ b  # dot product, or matrix times vector

    def _Neg(self, n: N.Neg, bound: Mapping[str, int]) -> Value:
        return -self.array(self.ev(n.arg, bound))

    def _Pow(self, n: N.Pow, bound: Mapping[str, int]) -> Value:
        base = self.ev(n.base, bound)
        p = self.scalar(self.ev(n.exp, bound), lazy("an exponent"))
        if isinstance(n.base, N.Name) and n.base.key == "e" and np.ndim(base) == 0:
            if p > 709.0:  # beyond float64: the claim is unchecked, never a crash
                raise Unevaluable(lazy("e^{p} is too large for float64", p=format(p, "g")))
            return np.float64(math.exp(p))
        x = self.scalar(base, lazy("a power"))
        if x < 0 and p != int(p):
            raise Unevaluable(lazy("a negative number to a fractional power"))
        if x == 0 and p < 0:
            raise Unevaluable(lazy("0 to a negative power"))
        with np.errstate(all="ignore"):
            return np.float64(x) ** np.float64(max(min(p, 1e4), -1e4))

    def _Tr(self, n: N.Tr, bound: Mapping[str, int]) -> Value:
        return self.array(self.ev(n.arg, bound)).T

    def _Call(self, n: N.Call, bound: Mapping[str, int]) -> Value:
        args = [self.ev(a, bound) for a in n.args]
        if n.func in ("max", "min"):
            vals = [self.scalar(a, n.func) for a in args]
            return np.float64(max(vals) if n.func == "max" else min(vals))
        if n.func == "dot" and len(args) == 2:
            return self._Bin(N.Bin(n.start, n.end, "·", n.args[0], n.args[1]), bound)
        if n.func == "norm" and len(args) == 1:
            return np.float64(np.linalg.norm(self.array(args[0])))
        f = _SCALAR.get(n.func)
        if f is None or len(args) != 1:
            raise Unevaluable(lazy("the function {name}", name=n.func))
        x = self.scalar(args[0], n.func)
        try:
            return np.float64(f(x))
        except (ValueError, OverflowError):
            raise Unevaluable(lazy("{name} of {x}", name=n.func, x=format(x, "g"))) from None

    def _Norm(self, n: N.Norm, bound: Mapping[str, int]) -> Value:
        return np.float64(np.linalg.norm(self.array(self.ev(n.arg, bound))))

    def _Abs(self, n: N.Abs, bound: Mapping[str, int]) -> Value:
        v = self.array(self.ev(n.arg, bound))
        return np.float64(np.linalg.norm(v)) if v.ndim else abs(v)

    def _Inner(self, n: N.Inner, bound: Mapping[str, int]) -> Value:
        return self._Bin(N.Bin(n.start, n.end, "·", n.left, n.right), bound)

    def _Sum(self, n: N.Sum, bound: Mapping[str, int]) -> Value:
        if n.over == "set":
            assert n.set is not None
            idx: Any = sorted(self.scope.set_named(n.set, bound))
        elif n.over == "range":
            assert n.lo is not None and n.hi is not None
            lo = self.scalar(self.ev(n.lo, bound), lazy("a sum's lower limit"))
            hi = self.scalar(self.ev(n.hi, bound), lazy("a sum's upper limit"))
            if lo != int(lo) or hi != int(hi) or hi - lo > LIMITS["max_range"]:
                raise Unevaluable(lazy("a sum whose range is not a short run of integers"))
            idx = range(int(lo) - 1, int(hi))
            if self.scope.n is not None and (lo < 1 or hi > self.scope.n):
                raise Unevaluable(lazy("a sum over samples the data does not have"))
        else:
            idx = self.indices()
            if n.over == "cond":
                assert n.cond is not None
                idx = [i for i in idx if self.truth(n.cond, {**bound, n.var: i})]
        total: Any = np.float64(0.0)
        for i in idx:
            term = self.array(self.ev(n.body, {**bound, n.var: i}))
            if total.ndim == 0 and float(total) == 0.0:
                total = total + term
            elif term.shape != total.shape:
                raise Unevaluable(lazy("a sum of terms of different shapes"))
            else:
                total = total + term
        return total

    def truth(self, cond: N.Node, bound: Mapping[str, int]) -> bool:
        if isinstance(cond, N.Cmp):
            a = self.scalar(self.ev(cond.left, bound), lazy("a comparison"))
            b = self.scalar(self.ev(cond.right, bound), lazy("a comparison"))
            return {
                "≤": a <= b,
                "≥": a >= b,
                "<": a < b,
                ">": a > b,
                "=": a == b,
                "≠": a != b,
            }[cond.op]
        if isinstance(cond, N.In):
            item = self.ev(cond.item, bound)
            members = self.scope.set_named(cond.set, bound)
            i = self.scalar(item, "a set member") - 1
            if isinstance(cond.item, N.Name) and cond.item.key in bound:
                i = bound[cond.item.key]
            return (int(i) in members) != cond.negated
        raise Unevaluable(lazy("a condition this reader does not know"))

    def _Ind(self, n: N.Ind, bound: Mapping[str, int]) -> Value:
        return np.float64(1.0 if self.truth(n.cond, bound) else 0.0)

    def _Cmp(self, n: N.Cmp, bound: Mapping[str, int]) -> Value:
        return np.float64(1.0 if self.truth(n, bound) else 0.0)

    def _Unknown(self, n: N.Unknown, bound: Mapping[str, int]) -> Value:
        raise Unevaluable(n.why)


def evaluate(
    node: N.Node,
    scope: Scope,
    bound: Mapping[str, int] | None = None,
    overrides: Mapping[int, Value] | None = None,
) -> Value:
    """The value of ``node`` with names from ``scope``; ``bound`` maps sum indices (``i``) to
    0-based samples; ``overrides`` maps ``id(subnode)`` to a value used in its place (to
    recompute a chain with corrected numbers). Raises :class:`Unevaluable`."""
    try:
        with np.errstate(all="ignore"):
            return _Eval(scope, overrides).ev(node, dict(bound or {}))
    except RecursionError:
        raise Unevaluable(lazy("nested too deeply")) from None


# -- comparing and printing ---------------------------------------------------------------------
def _literal_tol(node: N.Node, rel: str) -> Any:
    if isinstance(node, N.Neg):
        return _literal_tol(node.arg, rel)
    if isinstance(node, N.Num):
        d = node.decimals
        if d == 0 and rel != "≈":
            return 1e-9 * max(1.0, abs(node.value))
        return 0.5 * 10.0**-d * (1 + 1e-9) + 1e-12
    if isinstance(node, N.Vec):
        return np.array([_literal_tol(i, rel) for i in node.items])
    if isinstance(node, N.Mat):
        return np.array([[_literal_tol(i, rel) for i in r] for r in node.rows])
    return None


def tolerance(node: N.Node, value: Value, rel: str = "=") -> Any:
    """How far from ``value`` a claim written as ``node`` may be: the precision shown for a
    literal, 1e-9 relative for a computed value."""
    if isinstance(value, frozenset):
        return 0.0
    lit = _literal_tol(node, rel) if N.is_literal(node) else None
    if lit is not None and np.shape(lit) == np.shape(value):
        return lit
    return 1e-9 * np.maximum(1.0, np.abs(np.asarray(value, dtype=float)))


def close(a: Value, b: Value, tol: Any = 1e-9) -> bool:
    """Whether two values agree within ``tol`` (sets: equal). A number 0 equals a zero vector."""
    if isinstance(a, frozenset) or isinstance(b, frozenset):
        return a == b
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape:
        if x.ndim == 0 and float(x) == 0:
            x = np.zeros_like(y)
        elif y.ndim == 0 and float(y) == 0:
            y = np.zeros_like(x)
        else:
            return False
    return bool(np.all(np.abs(x - y) <= np.broadcast_to(tol, x.shape)))


def _num(x: float, minus: str, decimals: int | None) -> str:
    if decimals is not None:
        text = f"{x:.{decimals}f}"
    elif float(x).is_integer() and abs(x) < 1e15:
        text = str(int(x))
    else:
        text = f"{x:.6g}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")  # no −0
    return text.replace("-", minus)


def enough_decimals(value: Value, decimals: int | None) -> int | None:
    """Decimals to print the true ``value`` where a claim showed ``decimals``: the claim's
    own, or more when they would hide the value — up to 4 more while that makes it exact
    ([−0.25, 0.75], not [−0.2, 0.8]; 0.01, not 0.0). Beyond that the claim's decimals,
    unless a nonzero entry would print as 0: then None (six significant digits)."""
    if decimals is None or isinstance(value, frozenset):
        return decimals
    a = np.asarray(value, dtype=float).ravel()
    if a.size == 0 or not np.all(np.isfinite(a)):
        return decimals
    for d in range(decimals, decimals + 5):
        if np.allclose(np.round(a, d), a, rtol=1e-9, atol=1e-12):
            return d
    if np.any((np.round(a, decimals) == 0) & (a != 0)):
        return None
    return decimals


def format_value(
    v: Value, *, minus: str = "−", decimals: int | None = None, sep: str = ", "
) -> str:
    """``[2, −2]``, ``0.25``, ``{1, 2}`` (sets print 1-based samples)."""
    if isinstance(v, frozenset):
        return "{" + ", ".join(str(i + 1) for i in sorted(v)) + "}" if v else "∅"
    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        return _num(float(a), minus, decimals)
    return "[" + sep.join(format_value(x, minus=minus, decimals=decimals, sep=sep) for x in a) + "]"
