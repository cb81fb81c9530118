"""The compiled backend (``backend="numba"``) against the numpy backend and the oracles.

Skipped where numba is not installed (``pip install 'gradproof[fast]'``); each loss compiles
once per dtype (about a second), so the tests share compiled objects."""

from __future__ import annotations

import importlib.util
import re
import threading
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from gradproof import DataError, OptionError, derive
from gradproof.numeric import compile_derivation
from gradproof.symbolic.losses import LOSSES

numba = pytest.importorskip("numba")

_spec = importlib.util.spec_from_file_location(
    "oracles_numpy", Path(__file__).with_name("oracles_numpy.py")
)
oracles = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(oracles)


def _close(got, want, rtol):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


@pytest.mark.parametrize(
    "dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-5)], ids=["f64", "f32"]
)
@pytest.mark.parametrize("name", list(LOSSES))
def test_numba_matches_the_oracle_and_numpy(name, dtype, rtol):
    X, y, w, b = oracles.make_data(7_000, 5, LOSSES[name].labels, seed=8, dtype=dtype)
    fast = compile_derivation(derive(name), backend="numba")
    assert fast.backend == "numba" and "_fused_kernel" in fast.source
    want = oracles.oracle(name)(*(a.astype(np.float64) for a in (X, y, w)), b)
    slow = derive(name).numpy().loss_and_grad(X, y, w, b)
    got = fast.loss_and_grad(X, y, w, b)
    for g, ref, other in zip(got, want, slow, strict=True):
        assert g.dtype == dtype
        _close(g, ref, rtol)
        _close(g, other, rtol)
    _close(fast.loss(X, y, w, b), want[0], rtol)
    gw, gb = fast.grad(X, y, w, b)
    assert gw.dtype == gb.dtype == dtype
    _close(gw, want[1], rtol)
    _close(gb, want[2], rtol)


USER = [
    ("y*tanh(w·x) + b^2 + dot(x, x)*b", None, {}),
    ("(w·x)^2 / (1 + dot(w, w))", "lam*norm(w)", {"lam": 0.3}),
    ("-y*log(sigmoid(w·x + b)) - (1 - y)*log(1 - sigmoid(w·x + b))", None, {}),
    ("log(cosh(w·x + b - y)) + max(0, -y*(w·x + b))^3", None, {}),
    ("exp(w·x + b)", None, {}),
    ("(w·x)^2 + b", None, {}),  # ∂ℓ/∂b = 1 for every row: summed as m × 1 per mini-block
]


@pytest.mark.parametrize("expr, reg, params", USER, ids=[u[0] for u in USER])
def test_numba_matches_numpy_on_user_expressions(expr, reg, params):
    X, y, w, b = oracles.make_data(3_000, 4, "real", seed=9)
    X = X / 3
    d = derive(expr=expr, reg=reg, params=params)
    fast, slow = d.numpy().with_backend("numba"), d.numpy()
    for point in (w, np.zeros_like(w)):  # w = 0: the norm takes its subgradient 0
        pairs = zip(
            fast.loss_and_grad(X, y, point, b), slow.loss_and_grad(X, y, point, b), strict=True
        )
        pairs = [*pairs, *zip(fast.grad(X, y, point, b), slow.grad(X, y, point, b), strict=True)]
        for g, e in pairs:
            _close(g, e, 1e-11)
        _close(fast.loss(X, y, point, b), slow.loss(X, y, point, b), 1e-11)


_ROW_VARIABLE = re.compile(r"(z|s|y|xx|q|_t\d+_\d+|(ell|cw|cb|cq)_\d+)(\.\d+)?")
"""The kernel's per-row variables (numba's names for them): the atoms, CSE temporaries
and coefficients of the printed scalar code."""


@pytest.mark.parametrize(
    "expr, reg, params",
    [(n, None, {}) for n in LOSSES] + USER,
    ids=[*LOSSES, *(u[0] for u in USER)],
)
def test_float32_data_is_computed_in_float32(expr, reg, params):
    # float32 data: every per-row variable of the kernel is float32 (a Python constant would
    # make it float64, half as many numbers per vector instruction), and the results agree
    # with the numpy backend, which computes in float32 too
    d = derive(expr) if expr in LOSSES else derive(expr=expr, reg=reg, params=params)
    labels = LOSSES[expr].labels if expr in LOSSES else "real"
    X, y, w, b = oracles.make_data(3_000, 4, labels, seed=12, dtype=np.float32)
    X = X / 3
    fast, slow = d.numpy().with_backend("numba"), d.numpy()
    for g, e in zip(fast.loss_and_grad(X, y, w, b), slow.loss_and_grad(X, y, w, b), strict=True):
        assert g.dtype == np.float32
        _close(g, e, 2e-5)
    for g, e in zip(fast.grad(X, y, w, b), slow.grad(X, y, w, b), strict=True):
        _close(g, e, 2e-5)
    _close(fast.loss(X, y, w, b), slow.loss(X, y, w, b), 2e-5)
    kernel = fast.namespace["_fused_kernel"]
    (sig,) = [sig for sig in kernel.signatures if sig[0].dtype == numba.float32]
    types = kernel.overloads[sig].type_annotation.typemap
    rows = {v: str(t) for v, t in types.items() if _ROW_VARIABLE.fullmatch(v)}
    assert any(v.startswith("ell_") for v in rows), rows  # the names are numba's: still found
    assert {v: t for v, t in rows.items() if t not in ("float32", "bool")} == {}
    for buffer in ("zbuf", "cbuf", "gb"):  # scores, coefficients, each block's Σ cw·x
        assert str(types[buffer].dtype) == "float32", (buffer, types[buffer])


def test_numba_checks_labels_and_falls_back_for_other_arrays():
    fast = derive("logistic").numpy().with_backend("numba")
    with pytest.raises(DataError, match="label 2 in row 2"):
        fast.grad(np.ones((2, 3)), [1, 2], np.zeros(3), 0.0)
    da = pytest.importorskip("dask.array")
    X, y, w, b = oracles.make_data(4_000, 3, "pm1", seed=10)
    lazy = fast.grad(da.from_array(X, chunks=(1_000, 3)), y, w, b)
    _close(lazy[0].compute(), fast.grad(X, y, w, b)[0], 1e-12)


def test_numba_concurrent_calls_agree():
    X, y, w, b = oracles.make_data(30_000, 6, "pm1", seed=11)
    fast = derive("hinge").numpy().with_backend("numba")
    want = fast.grad(X, y, w, b)
    got = [None] * 4

    def run(i):
        got[i] = fast.grad(X, y, w, b)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for g in got:
        np.testing.assert_array_equal(g[0], want[0])  # fixed chunks, fixed order


def test_backend_errors_are_one_line():
    with pytest.raises(OptionError, match="unknown backend 'cuda'"):
        compile_derivation(derive("logistic"), backend="cuda")
    from gradproof.numeric.fused import _check_supported

    with pytest.raises(OptionError, match="numba backend cannot compile erf"):
        _check_supported([sp.erf(sp.Symbol("s"))])


def _scalar_runner(f):
    """A compiled loop out[i] = f(a[i]) (f: one of the kernel's scalar helpers)."""

    @numba.njit
    def run(a, out):
        for i in range(a.shape[0]):
            out[i] = f(a[i])

    return run


def _assert_returns(f, dtype):
    """f, compiled for an argument of ``dtype``, returns that dtype (a float64 result stored
    in a float32 buffer would pass the ulp checks: it is within half an ulp there)."""
    call = numba.njit(lambda v: f(v))
    call(dtype(0.5))
    assert call.nopython_signatures[-1].return_type == numba.from_dtype(np.dtype(dtype))


def _ulps(got, want):
    """|got − want| in units of want's last place (in want's dtype)."""
    got, want = np.asarray(got), np.asarray(want)
    return np.abs(got.astype(np.float64) - want) / np.spacing(np.abs(want)).astype(np.float64)


def _mp(f, x, dtype, dps=40):
    """f(x) for each x by mpmath, rounded to dtype."""
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(dps):
        return np.array([float(f(mpmath.mpf(float(v)))) for v in x]).astype(dtype)


def _assert_helper(name, x, exact, bound, special=(), dps=40):
    """The kernel's scalar helper ``name`` on x, in x's dtype: it compiles to a result of
    that dtype, is within ``bound`` ulp of ``exact`` (an mpmath function) rounded to it, and
    maps each (input, output) of ``special`` as given (NaN to NaN)."""
    f = compile_derivation(derive("logistic"), backend="numba").namespace[name]
    _assert_returns(f, x.dtype.type)
    run = _scalar_runner(f)
    got = np.empty_like(x)
    run(x, got)
    ulps = _ulps(got, _mp(exact, x, x.dtype.type, dps))
    assert ulps.max() <= bound, (name, ulps.max(), x[np.argmax(ulps)])
    if special:
        inputs = np.array([a for a, _ in special], x.dtype)
        out = np.empty_like(inputs)
        run(inputs, out)
        np.testing.assert_array_equal(out, np.array([b for _, b in special], x.dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_the_fused_exponential_is_within_one_ulp_and_keeps_nan(dtype):
    # the kernel's own e^x (x ≤ 0), which vectorises where the library's exp does not, in
    # the precision of x: against mpmath rounded to that dtype, subnormal results and the
    # ends of the range included
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(5)
    if dtype == np.float64:
        ends = [0.0, -0.0, -1e-300, -708.39, -708.4, -709.8, -744.4, -745.1, -745.2, -800.0]
        x = np.concatenate([-rng.uniform(0, 750, 6000), -rng.uniform(0, 5, 6000), ends])
    else:  # −20.447023: the worst of 9·10⁵ points (1 ulp); from −87.34 = ln(FLT_MIN): subnormal
        ends = [0.0, -0.0, -1e-40, -20.447023, -87.33655, -87.34, -103.27, -103.9, -104.0, -200.0]
        x = np.concatenate([-rng.uniform(0, 105, 4000), -rng.uniform(0, 5, 3000), ends])
    special = [(-np.inf, 0.0), (np.nan, np.nan)]
    _assert_helper("_nb_exp_neg", x.astype(dtype), mpmath.exp, 1, special, dps=30)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_the_fused_log1p_and_softplus_keep_their_digits_and_nan(dtype):
    # the kernel's own log(1 + x) on [0, 1] (a series: it vectorises where the library's
    # log1p does not) within 1 ulp, and softplus(u) = max(u, 0) + log1p(e^−|u|) over u up to
    # ±1000 within 2 (1 ulp from exp's result, then 1 from log1p's), in the precision of the
    # argument, against mpmath rounded to that dtype
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(6)
    if dtype == np.float64:
        # the two points were 3 ulp off when 2t was computed as 2·t (a reviewer's search)
        worst = [0.6416200925555191, 0.28231536663972956]
        ends = [0.0, 5e-324, 1e-300, 1e-17, 1e-8, 0.5, np.nextafter(1.0, 0.0), 1.0, *worst]
        x = np.concatenate([rng.uniform(0, 1, 20_000), 10 ** -rng.uniform(0, 20, 3000), ends])
        u_ends = [0.0, -745.5, 745.5]
    else:  # the worst points of 9·10⁵ in float32 (1 ulp, and 2 for softplus)
        ends = [0.0, 1e-45, 1e-30, 1e-8, 0.5, np.nextafter(np.float32(1), 0), 1.0, 0.83664906]
        x = np.concatenate([rng.uniform(0, 1, 6000), 10 ** -rng.uniform(0, 20, 2000), ends])
        u_ends = [0.0, -0.527775, -104.5, 104.5, 89.0]
    _assert_helper("_nb_log1p_unit", x.astype(dtype), mpmath.log1p, 1, [(np.nan, np.nan)])
    u = np.concatenate([rng.uniform(-40, 40, 4000), rng.uniform(-1000, 1000, 2000), u_ends])
    special = [(np.nan, np.nan), (np.inf, np.inf), (-np.inf, 0.0)]
    exact = lambda v: mpmath.log1p(mpmath.exp(v))  # noqa: E731
    _assert_helper("_nb_softplus", u.astype(dtype), exact, 2, special)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_the_fused_sigmoid_keeps_its_digits(dtype):
    # σ(u) = 1/(1 + e^−|u|) (or e^−|u| times that) in the precision of u: within 1 ulp from
    # the exponential and 1 or 2 from the division and product: at most 2 ulp in float64
    # and 3 in float32 (measured on 4·10⁵ points: −1.9888019780271122 gives 2, −1.1329037
    # gives 3), against mpmath rounded to the dtype; subnormal results and NaN included
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(7)
    if dtype == np.float64:
        ends = [0.0, -1.9888019780271122, -708.0, -745.0, 36.0, 40.0, 800.0]
        bound, lo = 2, -750
    else:
        ends = [0.0, -1.1329037, -87.0, -103.9, 16.0, 18.0, 200.0]
        bound, lo = 3, -105
    u = np.concatenate([rng.uniform(-60, 60, 3000), rng.uniform(lo, 0, 1000), ends])
    exact = lambda v: 1 / (1 + mpmath.exp(-v))  # noqa: E731
    _assert_helper("_nb_sigmoid", u.astype(dtype), exact, bound, [(np.nan, np.nan)])


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_numba_logistic_gradient_keeps_its_digits_at_extreme_margins(dtype):
    # one sample per call, margins y·s up to ±1000 (σ(−m) subnormal or 0 when m > 708 in
    # float64, m > 87 in float32), both labels: ∂L/∂b = −y σ(−y s) and ∂L/∂w = x ∂L/∂b
    # against mpmath, rounded to the dtype, within 2 ulp of it
    mpmath = pytest.importorskip("mpmath")
    f = compile_derivation(derive("logistic"), backend="numba")
    scores = np.concatenate([np.linspace(-1000, 1000, 401), np.linspace(-100, 100, 401)])
    rel = 1e-13 if dtype == np.float64 else 2e-6
    for label in (1.0, -1.0):
        for s in scores.astype(dtype):
            X, y = np.array([[s]], dtype), np.array([label], dtype)
            gw, gb = f.grad(X, y, np.ones(1, dtype), 0.0)
            with mpmath.workdps(40):
                m = mpmath.mpf(label) * mpmath.mpf(float(s))
                exact = -label / (1 + mpmath.exp(m))
            want_b = dtype(float(exact))
            tol_b = max(rel * abs(float(want_b)), 2 * abs(float(np.spacing(want_b))))
            assert abs(float(gb) - float(want_b)) <= tol_b, (label, s, gb, want_b)
            # ∂L/∂w = x·∂L/∂b: the error of a subnormal ∂L/∂b is scaled by |x| with it
            want_w = dtype(float(exact * mpmath.mpf(float(s))))
            tol_w = abs(float(s)) * tol_b + 2 * abs(float(np.spacing(want_w)))
            assert abs(float(gw[0]) - float(want_w)) <= tol_w, (label, s, gw, want_w)


def test_numba_matches_numpy_over_one_chunk_of_ragged_mini_blocks():
    # 3·1024 + 7 rows: three chunks of 1026 or 1027 rows, each a full mini-block of 1024 rows
    # and a short one; every built-in loss, all three calls
    for name in LOSSES:
        X, y, w, b = oracles.make_data(3 * 1024 + 7, 3, LOSSES[name].labels, seed=4)
        fast = compile_derivation(derive(name), backend="numba")
        want = oracles.oracle(name)(X, y, w, b)
        for g, ref in zip(fast.loss_and_grad(X, y, w, b), want, strict=True):
            _close(g, ref, 1e-12)
        _close(fast.loss(X, y, w, b), want[0], 1e-12)
        for g, ref in zip(fast.grad(X, y, w, b), want[1:], strict=True):
            _close(g, ref, 1e-12)


def test_the_schedule_of_a_numba_loss_is_the_fused_loop():
    f = compile_derivation(derive("hinge"), backend="numba")
    for dtype in (np.float64, np.float32, np.float16, np.int64):
        assert f.schedule(np.zeros((300_000, 4), dtype=dtype)) == "fused"
    assert f.with_backend("numpy").schedule(np.zeros((300_000, 4))) == "one-pass"
    da = pytest.importorskip("dask.array")
    assert f.schedule(da.zeros((300_000, 4), chunks=100_000)) == "two-pass"  # numpy code
