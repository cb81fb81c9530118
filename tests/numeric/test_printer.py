"""The coefficient printer's shortcuts print fewer numpy calls for the same numbers: a sum
led by a positive term (bit for bit), σ of a negated argument, and Huber's ψ as a clip
(np.where takes a branch per element: at 26 214 float32 numbers it ran 120 µs against
np.clip's 7.5, timed once with timeit)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from gradproof.numeric.printer import CoefficientPrinter
from gradproof.symbolic.atoms import S, Y, hyperparameter
from gradproof.symbolic.functions import Sigmoid

DELTA = hyperparameter("delta")  # a real constant ≥ 0


def _print(e: sp.Expr) -> str:
    return CoefficientPrinter().doprint(e)


def test_a_sum_is_led_by_a_term_without_minus_sign():
    assert _print(1 - S * Y) == "1 - s*y"
    assert _print(-S * Y - 2 * Y) in ("-s*y - 2*y", "-2*y - s*y")  # nothing to lead with
    assert _print(S - Y) == "s - y"


@pytest.mark.parametrize(
    "expr", [1 - S * Y, -(S**2) - S * Y + Y, Y - S**2 - S * Y + 3, -S - Y - S * Y + 2 * S**3]
)
def test_reordered_sums_give_the_same_numbers_bit_for_bit(expr):
    # only the first two terms may swap (exact); regrouping a longer sum would round otherwise
    rng = np.random.default_rng(2)
    s, y = rng.standard_normal(100_000), rng.standard_normal(100_000)
    ours = _print(expr)
    plain = sp.printing.numpy.NumPyPrinter().doprint(expr).replace("numpy.", "np.")
    env = {"np": np, "s": s, "y": y}
    # both are printer output of expressions built here, not user text
    np.testing.assert_array_equal(eval(ours, env), eval(plain, env))


def test_sigmoid_of_a_negated_argument_passes_the_sign_to_the_helper():
    assert _print(Sigmoid(-S * Y)) == "_sigmoid(s*y, neg=True)"
    assert _print(Sigmoid(S * Y)) == "_sigmoid(s*y)"


def _huber_psi(c: sp.Expr, strict: bool = False) -> sp.Piecewise:
    r = S - Y
    cond = sp.Abs(r) < c if strict else c >= sp.Abs(r)
    return sp.Piecewise((r, cond), (c * sp.sign(r), True))


@pytest.mark.parametrize("strict", [False, True])
def test_huber_psi_prints_as_a_clip_with_the_same_numbers(strict):
    text = _print(_huber_psi(DELTA, strict))
    assert text == "np.clip(s - y, -p_delta, p_delta)"
    s = np.array([-3.0, -1.5, -1.0, -0.25, 0.0, 0.5, 1.0, 2.0, np.inf, -np.inf, np.nan])
    y = np.zeros_like(s)
    delta = 1.0
    got = eval(text, {"np": np, "s": s, "y": y, "p_delta": delta})  # our own printed code
    r = s - y
    with np.errstate(invalid="ignore"):
        want = np.where(np.abs(r) <= delta, r, delta * np.sign(r))
    np.testing.assert_array_equal(got, want)  # NaN at the same place, ±δ at |r| = δ


def test_piecewise_stays_a_where_unless_it_is_a_clip():
    # a bound of unknown sign: clip(r, -c, c) differs from the Piecewise for c < 0
    c = sp.Symbol("c", real=True)
    assert _print(_huber_psi(c)).startswith("np.where(")
    r = S - Y
    other = sp.Piecewise((r, DELTA >= sp.Abs(r)), (-DELTA * sp.sign(r), True))
    assert _print(other).startswith("np.where(")
    three = sp.Piecewise((r, DELTA >= sp.Abs(r)), (0, r > 5), (DELTA * sp.sign(r), True))
    assert _print(three).startswith("np.where(")


def test_huber_psi_is_a_clip_also_where_cse_shares_its_condition_with_the_loss():
    # in loss_and_grad the condition |r| ≤ δ and |r| are CSE temporaries shared with ℓ
    from gradproof import derive

    f = derive("huber", params={"delta": 0.7}).numpy()
    rows = f.source.split("def _loss_and_grad_rows", 1)[1].split("\ndef ", 1)[0]
    assert "np.clip(" in rows and rows.count("np.where(") == 1  # ℓ's branch only
    rng = np.random.default_rng(3)
    X = rng.standard_normal((3000, 4))
    y = 3 * rng.standard_normal(3000)  # residuals on both sides of ±δ
    w, b, delta = rng.standard_normal(4), 0.2, 0.7
    r = X @ w + b - y
    psi = np.where(np.abs(r) <= delta, r, delta * np.sign(r))  # written here, not printed
    ell = np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))
    for schedule in ("one-pass", "two-pass"):  # the block function above, and the other
        loss, gw, gb = f.with_schedule(schedule, block_bytes=4096).loss_and_grad(X, y, w, b)
        np.testing.assert_allclose(loss, ell.sum(), rtol=1e-12)
        np.testing.assert_allclose(gw, psi @ X, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(gb, psi.sum(), rtol=1e-12, atol=1e-9)


def test_a_clip_is_seen_only_through_the_temporaries_of_the_body_printing():
    t = sp.Symbol("_t9")
    r = S - Y
    pw = sp.Piecewise((r, t), (DELTA * sp.sign(r), True))
    assert _print(pw).startswith("np.where(")  # no table: a temporary is opaque
    p = CoefficientPrinter()
    p.definitions = {t: DELTA >= sp.Abs(r)}
    assert p.doprint(pw) == "np.clip(s - y, -p_delta, p_delta)"
    c = sp.Symbol("c", real=True)
    for cond in (DELTA < sp.Abs(r), DELTA >= sp.Abs(S + Y), c >= sp.Abs(r)):
        p.definitions = {t: cond}  # the other side, another x, a bound of unknown sign
        assert p.doprint(pw).startswith("np.where("), cond


def test_a_body_leaves_no_temporaries_behind_in_its_printer():
    from gradproof.numeric.body import Body
    from gradproof.symbolic.primitives import RegistryError

    p = CoefficientPrinter()
    r = S - Y
    Body(p, [("ell", sp.Abs(r) ** 2), ("cw", sp.Abs(r) * sp.sign(r))])
    assert p.definitions == {}
    with pytest.raises(RegistryError):  # a node no entry prints, after CSE ran
        Body(p, [("ell", sp.gamma(sp.Abs(r)) + sp.Abs(r)), ("cw", sp.Abs(r))])
    assert p.definitions == {}


@pytest.mark.parametrize(
    "expr, text",
    [
        (S**2, "s**2"),
        (S**-2, "_nb_like(zero, 1)/s**2"),
        (1 / S, "_nb_like(zero, 1)/s"),
        ((S + Y) ** -3, "_nb_like(zero, 1)/(s + y)**3"),
        (2 * S - 1, "_nb_like(zero, 2)*s + _nb_like(zero, (-1))"),
        (DELTA * S, "_nb_like(zero, p_delta)*s"),
    ],
)
def test_the_scalar_printer_keeps_integer_exponents_and_types_constants(expr, text):
    # the numba kernel's printer: an integer power keeps its integer exponent (numba makes it
    # products, not a pow call with a float exponent), constants and hyperparameters take
    # X's precision via _nb_like
    from gradproof.numeric.fused import ScalarPrinter

    assert ScalarPrinter().doprint(expr) == text


@pytest.mark.parametrize(
    "expr",
    [S**-2, (S + Y) ** -3, S ** sp.Rational(3, 2), 1 / sp.sqrt(S), sp.pi * S - sp.E, S ** (Y / 2)],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_scalar_printer_prints_the_same_numbers(expr, dtype):
    # the printed scalar code, evaluated with _nb_like as a plain cast, against SymPy's value
    # (that the kernel computes in X's dtype is checked on numba's types, in
    # tests/numeric/test_numba_backend.py)
    from gradproof.numeric.fused import ScalarPrinter

    text = ScalarPrinter().doprint(expr)
    names = {"np": np, "zero": dtype(0), "_nb_like": lambda z, v: type(z)(v)}
    s, y = dtype(1.7), dtype(0.6)
    got = eval(text, names | {"s": s, "y": y})  # our own printed code, not user text
    want = float(expr.subs({S: 1.7, Y: 0.6}))
    assert abs(float(got) - want) <= 4 * np.finfo(dtype).eps * abs(want), text
