"""A random grammar of loss expressions for property tests: smooth functions, max(0, ·) and
|·| (whose kinks the tests avoid), and rational scalings. Each tree prints as gradproof text
(:func:`to_text`) and evaluates with an independent numpy interpreter (:func:`evaluate`)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

# Leaves: (text, numpy function of (X, y, w, b) giving a per-sample value)
LEAVES = {
    "dot(w, x)": lambda X, y, w, b: X @ w,
    "b": lambda X, y, w, b: np.full(X.shape[0], b),
    "y": lambda X, y, w, b: y,
    "norm(w)^2": lambda X, y, w, b: np.full(X.shape[0], w @ w),
    "w·x + b": lambda X, y, w, b: X @ w + b,
    "0.5": lambda X, y, w, b: np.full(X.shape[0], 0.5),
}
# Smooth, bounded-growth functions, so finite differences stay well conditioned.
UNARY = {
    "tanh": np.tanh,
    "sigmoid": lambda u: 1 / (1 + np.exp(-u)),
    "softplus": lambda u: np.logaddexp(0, u),
    "sqr": lambda v: v**2,  # written as (u)^2
    "lsq": lambda v: np.log1p(v**2),  # written as log1p((u)^2)
    "neg": lambda v: -v,  # written as -(u)
    "relu": lambda v: np.maximum(0, v),  # written as max(0, u): a kink at u = 0
    "abs": np.abs,  # a kink at u = 0
    "div7": lambda v: v / 7,  # written as (u)/7: a rational coefficient
    "third": lambda v: 2 * v / 3,  # written as 2*(u)/3
}
_WRITTEN = {
    "sqr": "({})^2",
    "lsq": "log1p(({})^2)",
    "neg": "-({})",
    "relu": "max(0, {})",
    "div7": "({})/7",
    "third": "2*({})/3",
}
KINKED = ("relu", "abs")
BINARY = ["+", "-", "*"]


def tree():
    leaf = st.sampled_from(sorted(LEAVES)).map(lambda t: ("leaf", t))
    return st.recursive(
        leaf,
        lambda kids: st.one_of(
            st.tuples(st.just("un"), st.sampled_from(sorted(UNARY)), kids),
            st.tuples(st.just("bin"), st.sampled_from(BINARY), kids, kids),
        ),
        max_leaves=6,
    )


def to_text(node) -> str:
    kind = node[0]
    if kind == "leaf":
        return node[1]
    if kind == "un":
        _, f, a = node
        return _WRITTEN.get(f, f + "({})").format(to_text(a))
    _, op, a, c = node
    return f"({to_text(a)}) {op} ({to_text(c)})"


def evaluate(node, X, y, w, b, kinks=None):
    """The per-sample values; the arguments of max(0, ·) and |·| are appended to ``kinks``."""
    kind = node[0]
    if kind == "leaf":
        return LEAVES[node[1]](X, y, w, b)
    if kind == "un":
        _, f, a = node
        u = evaluate(a, X, y, w, b, kinks)
        if f in KINKED and kinks is not None:
            kinks.append(u)
        return UNARY[f](u)
    _, op, a, c = node
    u, v = evaluate(a, X, y, w, b, kinks), evaluate(c, X, y, w, b, kinks)
    return {"+": u + v, "-": u - v, "*": u * v}[op]
