"""Property test: random loss expressions (smooth, and with max(0, ·) and |·| away from their
kinks), written as text and evaluated by an
independent numpy interpreter in this file; gradproof's derived gradient must agree with
central finite differences of that interpreter."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from oracles import central_diff

import gradproof

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
    "sqr": None,  # written as (u)^2
    "lsq": None,  # written as log1p((u)^2)
    "neg": None,  # written as -(u)
    "relu": None,  # written as max(0, u): a kink at u = 0
    "abs": np.abs,  # a kink at u = 0
}
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
        inner = to_text(a)
        return {
            "sqr": f"({inner})^2",
            "lsq": f"log1p(({inner})^2)",
            "neg": f"-({inner})",
            "relu": f"max(0, {inner})",
        }.get(f, f"{f}({inner})")
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
        if f in ("relu", "abs") and kinks is not None:
            kinks.append(u)
        special = {
            "sqr": lambda v: v**2,
            "lsq": lambda v: np.log1p(v**2),
            "neg": lambda v: -v,
            "relu": lambda v: np.maximum(0, v),
        }
        return special.get(f, UNARY[f])(u)
    _, op, a, c = node
    u, v = evaluate(a, X, y, w, b, kinks), evaluate(c, X, y, w, b, kinks)
    return {"+": u + v, "-": u - v, "*": u * v}[op]


@settings(max_examples=40, deadline=None)
@given(tree(), st.integers(0, 2**16))
def test_random_expression(node, seed):
    text = to_text(node)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(6, 3)) * 0.5
    y = rng.normal(size=6) * 0.5
    w = rng.normal(size=3) * 0.5
    b = float(rng.normal()) * 0.5
    kinks: list = []
    evaluate(node, X, y, w, b, kinks)
    # Finite differences are meaningful only away from kinks (the step is ~1e-6).
    assume(all(np.min(np.abs(u)) > 1e-3 for u in kinks))
    deriv = gradproof.derive(expr=text)

    def total(w_, b_):
        return float(np.sum(evaluate(node, X, y, w_, b_)))

    loss = deriv.numpy().loss(X, y, w, b)
    np.testing.assert_allclose(loss, total(w, b), rtol=1e-9, atol=1e-12, err_msg=text)
    gw, gb = deriv.numpy().grad(X, y, w, b)
    fd_w, fd_b = central_diff(total, w, b)
    scale = 1 + np.max(np.abs(np.r_[fd_w, fd_b]))
    np.testing.assert_allclose(gw, fd_w, rtol=1e-6, atol=1e-6 * scale, err_msg=text)
    np.testing.assert_allclose(gb, fd_b, rtol=1e-6, atol=1e-6 * scale, err_msg=text)
