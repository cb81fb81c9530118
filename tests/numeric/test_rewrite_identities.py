"""The numeric-only rewrites (:func:`numeric_rewrite`) are identities: each rule, each stable
spelling and random expressions from the grammar keep their value at random points
(evaluated by SymPy at 40 digits), and they reach the stable forms they promise."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from gradproof import derive
from gradproof.numeric.body import compiled_form
from gradproof.symbolic.atoms import B, Q, S, Y, Z
from gradproof.symbolic.functions import Sigmoid, Softplus
from gradproof.symbolic.rewrite import numeric_rewrite


def _load(name: str):
    """A test module next to this file (tests run with --import-mode=importlib)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_grammar = _load("test_generated_code")
LAM, to_text, trees = _grammar.LAM, _grammar.to_text, _grammar.trees
SPELLINGS = _load("test_stable_spellings").SPELLINGS

u, v = S, Y
RULES = [
    ("log-sigmoid", sp.log(Sigmoid(u)), Softplus(-u)),
    ("log-sigmoid-power", sp.log(Sigmoid(u) ** 3), Softplus(-u)),
    ("one-minus-sigmoid", 1 - Sigmoid(u * v), Sigmoid(-u * v)),
    ("sigmoid-minus-one", 2 * Sigmoid(u) - 2, Sigmoid(-u)),
    ("softplus-minus-u", Softplus(u * v) - u * v, Softplus(-u * v)),
    ("log-cosh", sp.log(sp.cosh(u - v)), sp.Abs(u - v)),
    ("log-exp-pair", sp.log(sp.exp(u) + sp.exp(v)), Softplus(v - u)),
    ("log-exp-product", sp.log(sp.exp(u) * (1 + v**2) * sp.exp(-v)), sp.log(1 + v**2)),
    ("tanh", sp.sinh(u) / sp.cosh(u), sp.tanh(u)),
    ("tanh-ratio", (sp.exp(u) - sp.exp(-u)) / (sp.exp(u) + sp.exp(-u)), sp.tanh(u)),
    ("sigmoid-ratio", 3 * sp.exp(u) / (sp.exp(u) + sp.exp(v)), Sigmoid(u - v)),
    ("exp-sigmoid", sp.exp(u) * Sigmoid(-u), Sigmoid(u)),
    ("log-recip", sp.log(1 / (1 + sp.exp(-u))), Softplus(-u)),
    ("one-minus-tanh-squared", 3 - 3 * sp.tanh(u - v) ** 2, Sigmoid(2 * u - 2 * v)),
]

POINTS = [
    (random.Random(k).uniform(-30, 30), random.Random(k + 99).uniform(-3, 3)) for k in range(12)
]


def _value(e: sp.Expr, point: tuple[float, float], extra: dict | None = None) -> sp.Float:
    s, y = (sp.Rational(c) for c in point)  # exact, so 40 digits are 40 digits
    subs = {S: s, Y: y, Z: s - sp.Rational(1, 4), B: sp.Rational(1, 4), Q: sp.Rational(3, 2)}
    subs[sp.Symbol("lam", nonnegative=True)] = sp.Rational(LAM)
    return sp.N(e.subs(subs | (extra or {})), 40)


def _same(a: sp.Expr, c: sp.Expr, point) -> bool:
    x, z = _value(a, point), _value(c, point)
    return abs(x - z) <= sp.Float("1e-30", 40) * (1 + abs(z))


@pytest.mark.parametrize("name, expr, part", RULES, ids=[r[0] for r in RULES])
def test_each_rule_is_an_identity_and_fires(name, expr, part):
    new = numeric_rewrite(expr)
    assert new != expr and new.has(part)  # the rule applied and produced the stable piece
    for point in POINTS:
        assert _same(new, expr, point), (name, point)


@pytest.mark.parametrize("spelling", [s[0] for s in SPELLINGS])
def test_compiled_forms_of_the_spellings_are_identities(spelling):
    expr = next(s[1] for s in SPELLINGS if s[0] == spelling)
    form = derive(expr=expr).form
    stable = compiled_form(form)
    for key in ("loss", "cw", "cb"):
        for point in POINTS[:6]:
            assert _same(getattr(stable, key), getattr(form, key), point), (key, point)


@settings(max_examples=30, deadline=None)
@given(trees(), st.integers(0, 2**16))
def test_random_expressions_keep_their_value(node, seed):
    form = derive(expr=to_text(node), params={"lam": LAM}).form
    new = numeric_rewrite(form.loss)
    rng = random.Random(seed)
    for _ in range(3):
        point = (rng.uniform(-2, 2), rng.uniform(-2, 2))
        assert _same(new, form.loss, point), (to_text(node), point)


@pytest.mark.parametrize("margin", [19.0, 50.0, 300.0, -300.0])
def test_tanh_gradient_keeps_its_relative_accuracy_at_large_margins(margin):
    # 1 − tanh²u is exactly 0 in float64 for |u| > 19 while sech²u is 4e^(−2|u|): a relative
    # error of 100 %. The compiled gradient must keep its digits (mpmath reference).
    import mpmath
    import numpy as np

    f = derive(expr="tanh(w·x + b - y)").numpy()
    X, y = np.array([[1.0, 2.0]]), np.array([0.25])
    w = np.array([margin / 5, 2 * margin / 5])
    gw, gb = f.grad(X, y, w, 0.25)
    with mpmath.workdps(40):
        exact = float(1 / mpmath.cosh(mpmath.mpf(margin)) ** 2)
    assert gb == pytest.approx(exact, rel=1e-13, abs=0)
    assert gw == pytest.approx([exact, 2 * exact], rel=1e-13, abs=0)
