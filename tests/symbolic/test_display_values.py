"""The displayed formulas are the gradient: evaluate the index form (Σ over samples or over
the active set) and the matrix form (Xᵀc) of every derivation numerically and compare them
with the compiled gradient, which other tests check against independent numpy.

The evaluator below reads the display tree itself (SymPy's lambdify for the scalar parts),
so a formula that prints wrongly but compiles rightly is caught here."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from user_cases import CASES

import gradproof
from gradproof.symbolic import display as D
from gradproof.symbolic.atoms import B, N, Q, S, Y
from gradproof.symbolic.losses import LOSSES


def _step(u, h=0.5):
    return np.where(u > 0, 1.0, np.where(u < 0, 0.0, float(h)))


NUMERIC = {
    "Ramp": lambda u: np.maximum(0, u),
    "Step": _step,
    "Sigmoid": lambda u: 1 / (1 + np.exp(-u)),
    "Softplus": lambda u: np.logaddexp(0, u),
}


def _scalar(expr, env):
    """A scalar (per-sample array) expression in atoms, evaluated with lambdify."""
    expr = expr.subs(D.Expanded(S), S)
    syms = sorted(expr.free_symbols, key=str)
    f = sp.lambdify(syms, expr, modules=[NUMERIC, "numpy"])
    return f(*[env[str(s)] for s in syms])


def _value(expr, d, X, y, w, b):
    """A display expression (∂L/∂w or ∂L/∂b) as a number or a vector."""
    n = X.shape[0]
    env = {
        "s": X @ w + b,
        "z": X @ w,
        "y": y,
        "b": b,
        "q": w @ w,
        "xx": (X * X).sum(axis=1),
        "n": n,
        **dict(d.params),
    }
    h = float(d.form.at_kink)

    def members(where):
        if where == D.ALL:
            return np.ones(n, dtype=bool)
        u = next(k for k, v in d.set_names.items() if v == where.name)
        uval = np.broadcast_to(_scalar(u, env), (n,))
        return (uval > 0) | ((uval == 0) & (h == 1))

    def per_sample_vec(body):
        """Split body = c · v with v one of xᵢ, w, or none; return (c, kind)."""
        comm, nc = body.args_cnc()
        coef = sp.Mul(*comm)
        kind = nc[0] if nc else None
        return coef, kind

    def ev(e):
        if isinstance(e, sp.Add):
            return sum(ev(t) for t in e.args)
        if isinstance(e, sp.Mul):
            comm, nc = e.args_cnc()
            out = 1.0
            for f in comm:
                out = out * ev(f)
            for f in nc:
                out = out * ev(f)
            return out
        if e == D.W:
            return w
        if isinstance(e, D.SampleSum):
            body, where = e.args
            coef, kind = per_sample_vec(body)
            c = np.broadcast_to(_scalar(coef, env), (n,)) * members(where)
            if kind == D.XI:
                return c @ X
            if kind == D.W:
                return c.sum() * w
            return c.sum()
        if isinstance(e, D.MatTVec):
            c, mat = e.args
            cv = np.broadcast_to(_scalar(c, env), (n,)).astype(float)
            return X.T @ cv if mat == D.X_MAT else cv.sum()
        if e.free_symbols <= {B, Q, N, *[sp.Symbol(k, nonnegative=True) for k in d.params]}:
            return float(_scalar(e, env))
        raise AssertionError(f"unexpected node {e!r}")

    return ev(expr)


def _point(labels, rng, n=9, d=3):
    X = rng.normal(size=(n, d))
    y = rng.choice([-1.0, 1.0], size=n) if labels == "pm1" else rng.uniform(0.1, 0.9, size=n)
    return X, y, rng.normal(size=d) * 0.5, float(rng.normal()) * 0.5


DERIVATIONS = (
    [(name, {"loss": name}) for name in LOSSES]
    + [(name, {"loss": name, "mean": True}) for name in ("hinge", "logistic")]
    + [("perceptron-average", {"loss": "perceptron", "kink": "average"})]
    + [(c[0][:30], {"expr": c[0], "reg": c[1], "params": c[2], "labels": c[3]}) for c in CASES]
)


@pytest.mark.parametrize("kwargs", [k for _, k in DERIVATIONS], ids=[i for i, _ in DERIVATIONS])
def test_index_and_matrix_forms_evaluate_to_the_gradient(kwargs):
    d = gradproof.derive(**kwargs)
    rng = np.random.default_rng(11)
    labels = d.spec.labels
    for trial in range(3):
        X, y, w, b = _point(labels, rng)
        if trial == 2:  # put sample 0 exactly on a kink when the loss has one
            for sw in d.form.switches:
                if (
                    sw.kind == "max"
                    and sw.expr.has(S)
                    and sw.expr.is_polynomial(S)
                    and sp.degree(sw.expr, S) == 1
                ):
                    s0 = sp.solve(
                        sw.expr.subs(Y, y[0]).subs(
                            {sp.Symbol(k, nonnegative=True): v for k, v in d.params.items()}
                        ),
                        S,
                    )
                    if s0:
                        b = float(s0[0]) - float(X[0] @ w)
                    break
        gw, gb = d.numpy().grad(X, y, w, b)
        for form in (d.gradient, d.matrix_form):
            np.testing.assert_allclose(_value(form["w"], d, X, y, w, b), gw, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(_value(form["b"], d, X, y, w, b), gb, rtol=1e-10, atol=1e-12)
