"""The numpy helpers written into generated modules, against mpmath at 40 digits: Cody's erf
over the whole real line (relative error, tails included), σ and softplus where the naive
formulas overflow. No warning may escape (RuntimeWarnings are errors in the suite)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from gradproof.symbolic import _numpy_helpers as H


def _load(source: str, name: str):
    ns = {"np": np}
    exec(source, ns)
    return ns[name]


def _rel_err(got, want):
    return np.abs(got - want) / np.maximum(np.abs(want), np.finfo(float).tiny)


# Dense on [-6, 6], the range boundaries 0.46875 and 4 from both sides, tiny and huge
# arguments, and both infinities.
ERF_POINTS = np.concatenate(
    [
        np.linspace(-6, 6, 4001),
        np.geomspace(1e-300, 1e-3, 200),
        -np.geomspace(1e-300, 1e-3, 200),
        np.nextafter(0.46875, [0, 1]),
        np.nextafter(4.0, [0, 8]),
        -np.nextafter(4.0, [0, 8]),
        [0.0, -0.0, 0.46875, 4.0, 5.9, 26.0, 27.0, -27.0, 1e10, 1e300, -1e300, np.inf, -np.inf],
    ]
)


def test_erf_is_accurate_to_a_few_ulps():
    erf = _load(H.ERF, "_erf")
    with mpmath.workdps(40):
        want = np.array([float(mpmath.erf(mpmath.mpf(float(x)))) for x in ERF_POINTS])
    got = erf(ERF_POINTS)
    assert np.max(_rel_err(got, want)) < 2e-15
    assert np.all(np.signbit(got) == np.signbit(ERF_POINTS))  # odd, including erf(−0) = −0


def test_erf_keeps_float32_and_scalars_and_nan():
    erf = _load(H.ERF, "_erf")
    x32 = np.linspace(-3, 3, 7, dtype=np.float32)
    assert erf(x32).dtype == np.float32
    np.testing.assert_allclose(erf(x32), [float(mpmath.erf(float(v))) for v in x32], rtol=2e-6)
    assert float(erf(np.float64(0.5))) == pytest.approx(float(mpmath.erf(0.5)), rel=1e-15)
    assert np.isnan(erf(np.array([np.nan]))).all()


def test_sigmoid_and_softplus_helpers_are_stable():
    sigmoid = _load(H.SIGMOID, "_sigmoid")
    softplus = _load(H.SOFTPLUS, "_softplus")
    x = np.concatenate([np.linspace(-50, 50, 1001), [-800.0, -30.0, 30.0, 800.0]])
    with mpmath.workdps(40):
        s_want = np.array([float(1 / (1 + mpmath.exp(-mpmath.mpf(v)))) for v in x])
        p_want = np.array([float(mpmath.log1p(mpmath.exp(mpmath.mpf(v)))) for v in x])
    assert np.max(_rel_err(sigmoid(x), s_want)) < 1e-14
    assert np.max(_rel_err(softplus(x), p_want)) < 1e-14


@pytest.mark.parametrize("neg", [False, True], ids=["u", "minus-u"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_sigmoid_is_the_same_on_arrays_scalars_and_other_array_types(dtype, neg):
    # numpy arrays take one exponential; scalars and other arrays the two-exponential form;
    # neg=True is σ(−u) on both
    sigmoid = _load(H.SIGMOID, "_sigmoid")
    x = np.concatenate(
        [np.linspace(-120, 120, 2401), [-800.0, -745.0, -720.0, -710.0, -709.0, 0.0, 800.0]]
    )
    x = x.astype(dtype)
    tiny = np.finfo(dtype).tiny
    sign = -1 if neg else 1
    with mpmath.workdps(40):
        want = np.array([float(1 / (1 + mpmath.exp(-sign * mpmath.mpf(float(v))))) for v in x])
    got = sigmoid(x, neg=neg)
    assert got.dtype == dtype
    rel = {np.float64: 1e-14, np.float32: 1e-6}[dtype]
    normal = want >= tiny
    assert np.max(_rel_err(got[normal], want[normal])) < rel
    # subnormal values keep their digits (σ(−710)·x may be normal again): within 2 ulp
    ulp = np.finfo(dtype).smallest_subnormal
    assert np.all(np.abs(got[~normal] - want[~normal].astype(dtype)) <= 2 * ulp)
    scalars = np.array([sigmoid(v, neg=neg) for v in x], dtype=dtype)  # the other branch
    np.testing.assert_allclose(scalars[normal], want[normal], rtol=rel, atol=0)


def test_step_helper_uses_its_value_at_the_kink():
    step = _load(H.STEP, "_step")
    np.testing.assert_array_equal(step(np.array([-1.0, 0.0, 2.0]), 0.25), [0.0, 0.25, 1.0])


def test_sigmoid_keeps_subnormal_digits_beside_a_nan_and_takes_empty_arrays():
    sigmoid = _load(H.SIGMOID, "_sigmoid")
    u = np.array([np.nan, -720.0, -800.0, 3.0])
    got = sigmoid(u)
    assert np.isnan(got[0])
    assert got[1] == np.exp(-720.0) and got[2] == np.exp(-800.0)  # e^u, not e^(−cap)
    assert got[3] == 1 / (1 + np.exp(-3.0))
    assert sigmoid(np.empty(0)).shape == (0,)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_sigmoid_of_a_negated_argument_is_sigma_of_minus_u(dtype):
    # neg=True computes σ(−u) without forming −u; its exponent is capped too (no overflow
    # where σ = 0); random margins and the ends of both dtypes, against mpmath
    sigmoid = _load(H.SIGMOID, "_sigmoid")
    rng = np.random.default_rng(3)
    edge = [-800.0, -745.0, -720.0, -100.0, -88.0, -87.3, -86.3, 0.0, 86.3, 87.3, 88.0, 720.0]
    u = np.concatenate([rng.uniform(-120, 120, 2000), edge]).astype(dtype)
    tiny = np.finfo(dtype).tiny
    ulp = np.finfo(dtype).smallest_subnormal
    rel = {np.float64: 1e-14, np.float32: 1e-6}[dtype]
    with mpmath.workdps(40):
        for neg, sign in ((True, -1), (False, 1)):
            want = np.array([float(1 / (1 + mpmath.exp(-sign * mpmath.mpf(float(v))))) for v in u])
            with np.errstate(over="raise", invalid="raise", divide="raise"):  # capped
                got = sigmoid(u, neg=neg)
            assert got.dtype == dtype
            normal = want >= tiny
            assert np.max(_rel_err(got[normal], want[normal])) < rel
            assert np.all(np.abs(got[~normal] - want[~normal].astype(dtype)) <= 2 * ulp)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_sigmoid_raises_nothing_where_it_is_zero_or_subnormal(dtype):
    # the capped exponent never overflows and the subnormal values are made without an
    # underflow report, under np.errstate(all="raise") too (where σ rounds to 1, e^(−u)
    # may underflow: that is numpy's report to make, as its error state says)
    sigmoid = _load(H.SIGMOID, "_sigmoid")
    u = np.array([-np.inf, np.inf, np.nan, -100.0, -800.0, -90.0], dtype)
    with mpmath.workdps(40):
        want = [float(1 / (1 + mpmath.exp(-mpmath.mpf(float(v))))) for v in u[3:]]
    with np.errstate(all="raise"):
        got = sigmoid(u)
        got_neg = sigmoid(-u, neg=True)
    want = np.array(want)
    rel = {np.float64: 1e-14, np.float32: 1e-6}[dtype]
    ulp = np.finfo(dtype).smallest_subnormal
    for g in (got, got_neg):
        assert g[0] == 0.0 and g[1] == 1.0 and np.isnan(g[2])
        assert np.all(np.abs(g[3:] - want) <= np.maximum(rel * want, 2 * ulp))
    # other array types take the two-exponential form, negated as asked
    for v in (-3.0, 0.5, 40.0):
        want_v = float(1 / (1 + mpmath.exp(mpmath.mpf(v))))
        assert float(sigmoid(np.float64(v), neg=True)) == pytest.approx(want_v, rel=1e-14)
