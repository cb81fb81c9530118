"""Generated code is correct by construction: every function of every generated module runs
and matches an independent evaluation, for the reproducers of issue 10 and for random
expressions from the grammar; w = 0 under a norm is never NaN; non-finite constants are
refused."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from oracles import central_diff

from gradproof import DataError, derive
from gradproof.numeric import export_module
from gradproof.numeric.source import generate_source
from gradproof.symbolic.atoms import S, Y

LAM = 0.7

# -- an independent interpreter of the grammar ---------------------------------------------
LEAVES = {
    "dot(w, x)": lambda X, y, w, b: X @ w,
    "b": lambda X, y, w, b: np.full(X.shape[0], b),
    "y": lambda X, y, w, b: y,
    "norm(w)^2": lambda X, y, w, b: np.full(X.shape[0], w @ w),
    "w·x + b": lambda X, y, w, b: X @ w + b,
    "0.5": lambda X, y, w, b: np.full(X.shape[0], 0.5),
    "lam": lambda X, y, w, b: np.full(X.shape[0], LAM),
}
UNARY = {
    "exp": (lambda u: f"exp({u})", np.exp, False),
    "tanh": (lambda u: f"tanh({u})", np.tanh, False),
    "sigmoid": (lambda u: f"sigmoid({u})", lambda v: 1 / (1 + np.exp(-v)), False),
    "softplus": (lambda u: f"softplus({u})", lambda v: np.logaddexp(0, v), False),
    "cosh": (lambda u: f"cosh({u})", np.cosh, False),
    "sqr": (lambda u: f"({u})^2", lambda v: v**2, False),
    "lsq": (lambda u: f"log1p(({u})^2)", lambda v: np.log1p(v**2), False),
    "pseudo": (lambda u: f"sqrt(1 + ({u})^2)", lambda v: np.sqrt(1 + v**2), False),
    "neg": (lambda u: f"-({u})", lambda v: -v, False),
    "relu": (lambda u: f"max(0, {u})", lambda v: np.maximum(0, v), True),
    "abs": (lambda u: f"abs({u})", np.abs, True),
}
BINARY = {
    "+": (lambda a, c: f"({a}) + ({c})", np.add, False),
    "-": (lambda a, c: f"({a}) - ({c})", np.subtract, False),
    "*": (lambda a, c: f"({a}) * ({c})", np.multiply, False),
    "min": (lambda a, c: f"min({a}, {c})", np.minimum, True),
    "max": (lambda a, c: f"max({a}, {c})", np.maximum, True),
}


def trees():
    leaf = st.sampled_from(sorted(LEAVES)).map(lambda t: ("leaf", t))
    return st.recursive(
        leaf,
        lambda kids: st.one_of(
            st.tuples(st.just("un"), st.sampled_from(sorted(UNARY)), kids),
            st.tuples(st.just("bin"), st.sampled_from(sorted(BINARY)), kids, kids),
        ),
        max_leaves=5,
    )


def to_text(node) -> str:
    if node[0] == "leaf":
        return node[1]
    if node[0] == "un":
        return UNARY[node[1]][0](to_text(node[2]))
    return BINARY[node[1]][0](to_text(node[2]), to_text(node[3]))


def evaluate(node, X, y, w, b, kinks=None):
    """Per-sample values; the distance to each kink is appended to ``kinks``."""
    if node[0] == "leaf":
        return LEAVES[node[1]](X, y, w, b)
    if node[0] == "un":
        _, f, a = node
        u = evaluate(a, X, y, w, b, kinks)
        if UNARY[f][2] and kinks is not None:
            kinks.append(u)
        return UNARY[f][1](u)
    _, f, a, c = node
    u, v = evaluate(a, X, y, w, b, kinks), evaluate(c, X, y, w, b, kinks)
    if BINARY[f][2] and kinks is not None:
        kinks.append(u - v)
    return BINARY[f][1](u, v)


def _close(got, want, rtol=1e-9):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    scale = 1.0 + float(np.max(np.abs(want), initial=0.0))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


def _check_every_function(text, X, y, w, b, ell, fd_w, fd_b):
    d = derive(expr=text, params={"lam": LAM})
    f = d.numpy()
    modules = {}
    exec(export_module(d), modules)  # noqa: S102 (gradproof's own generated source)
    variants = [
        f,
        f.with_schedule("two-pass"),
        f.with_schedule("one-pass", block_bytes=512, workers=3),
    ]
    for g in variants:
        for loss in (g.loss(X, y, w, b), g.loss_and_grad(X, y, w, b)[0]):
            _close(loss, ell.sum())
        for gw, gb in (g.grad(X, y, w, b), g.loss_and_grad(X, y, w, b)[1:]):
            _close(gw, fd_w, 1e-5)
            _close(gb, fd_b, 1e-5)
        coef = g.coefficients(X, y, w, b)
        _close(coef["ell"], ell)
        _close(coef["cw"] @ X + coef["cq"].sum() * w, fd_w, 1e-5)  # no regulariser here
        _close(coef["cb"].sum(), fd_b, 1e-5)
        for u in g.switches(X, y, w, b):
            assert u.shape == (X.shape[0],) and np.all(np.isfinite(u))
    _close(modules["loss_and_grad"](X, y, w, b)[0], ell.sum())
    _close(modules["grad"](X, y, w, b)[0], fd_w, 1e-5)


@settings(max_examples=25, deadline=None)
@given(trees(), st.integers(0, 2**16))
@example(("un", "exp", ("leaf", "w·x + b")), 0)  # ℓ = ∂ℓ/∂s: the NameError of issue 10
@example(("bin", "*", ("leaf", "lam"), ("un", "exp", ("leaf", "dot(w, x)"))), 1)
@example(
    ("bin", "min", ("un", "exp", ("leaf", "dot(w, x)")), ("un", "exp", ("leaf", "dot(w, x)"))), 2
)
def test_every_generated_function_runs_and_agrees(node, seed):
    text = to_text(node)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 3)) * 0.3
    y = rng.normal(size=300) * 0.5
    w = rng.normal(size=3) * 0.3
    b = float(rng.normal()) * 0.3
    kinks: list = []
    ell = evaluate(node, X, y, w, b, kinks)
    assume(np.all(np.isfinite(ell)) and np.max(np.abs(ell)) < 1e6)
    assume(all(np.min(np.abs(u)) > 1e-3 for u in kinks if np.ndim(u)))
    assume(all(abs(float(np.ravel(u)[0])) > 1e-3 for u in kinks if not np.ndim(u)))

    def total(w_, b_):
        return float(np.sum(evaluate(node, X, y, w_, b_)))

    fd_w, fd_b = central_diff(total, w, b)
    _check_every_function(text, X, y, w, b, ell, fd_w, fd_b)


# -- w = 0 under a norm ------------------------------------------------------------------------
def test_norm_regulariser_at_zero_takes_the_subgradient_zero():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    d = derive(expr="(w·x + b - y)^2/2", reg="lam*norm(w)", params={"lam": 2.0})
    w0 = np.zeros(3)
    r = -y + 0.3  # scores at w = 0, b = 0.3
    for f in (d.numpy(), d.numpy().with_schedule("one-pass", block_bytes=512)):
        with np.errstate(all="raise"):
            L, gw, gb = f.loss_and_grad(X, y, w0, 0.3)
            assert np.allclose(f.grad(X, y, w0, 0.3)[0], X.T @ r)
        assert L == pytest.approx(0.5 * np.sum(r * r))
        np.testing.assert_allclose(gw, X.T @ r, rtol=1e-12)  # + λ·0: the subgradient 0
        assert gb == pytest.approx(np.sum(r))
    # away from 0 the regulariser's gradient is λ w/‖w‖
    w = np.array([3.0, 0.0, 4.0])
    gw = d.numpy().grad(X, y, w, 0.3)[0]
    np.testing.assert_allclose(gw, X.T @ (X @ w + 0.3 - y) + 2.0 * w / 5.0, rtol=1e-12)


def test_norm_in_the_loss_at_zero():
    X, y = np.ones((5, 2)), np.ones(5)
    f = derive(expr="norm(w)*(w·x)").numpy()
    with np.errstate(all="raise"):
        L, gw, gb = f.loss_and_grad(X, y, np.zeros(2), 0.0)
        coef = f.coefficients(X, y, np.zeros(2), 0.0)
    assert L == 0 and np.all(gw == 0) and gb == 0 and np.all(coef["cq"] == 0)


def test_a_loss_undefined_at_zero_is_refused_there():
    f = derive(expr="y*dot(w, x)/norm(w)").numpy()
    for call in (f.loss, f.grad, f.loss_and_grad, f.coefficients):
        with pytest.raises(DataError, match="not defined at w = 0"):
            call(np.ones((3, 2)), np.ones(3), np.zeros(2), 0.0)
    assert np.isfinite(f.loss(np.ones((3, 2)), np.ones(3), np.ones(2), 0.0))


# -- constants ------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1e309], ids=str)
def test_non_finite_hyperparameters_are_never_written(value):
    form = derive(expr="(w·x + b - y)^2").form
    with pytest.raises(ValueError, match="hyperparameter foo .* is not finite"):
        generate_source(form, {"foo": value})


@pytest.mark.parametrize("constant", [sp.oo, sp.zoo, sp.nan], ids=str)
def test_non_finite_constants_are_never_written(constant):
    form = derive(expr="(w·x + b - y)^2").form
    bad = type(form)(**{**form.__dict__, "loss": (S - Y) ** 2 + constant})
    with pytest.raises(ValueError, match="internal error: the constant"):
        generate_source(bad, {})
