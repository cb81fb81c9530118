"""The compiled backend (``backend="numba"``, ``pip install 'gradproof[fast]'``): one fused loop.

The same scalar coefficients that the numpy backend prints as array expressions are printed
here as scalar code (:class:`ScalarPrinter`) inside one loop over the samples, compiled by
numba: for each row xᵢ, the score w·xᵢ + b, the per-sample loss and coefficients, and the
update Σ cwᵢ xᵢ while the row is still in cache. X is read once and no temporary of n
numbers is made. The rows are split into a fixed number of contiguous chunks that the
threads of the one-pass schedule take in turn (the kernel releases the GIL), each with its
own partial sums in float64, added in chunk order at the end, so the result does not depend
on the number of threads. float32 data is computed in float32 from the score to the
coefficients (constants print in X's precision, and σ, softplus and their exponential and
logarithm have float32 versions), as the numpy backend computes it; the results are float32.

The generated source (appended to the numpy module, so ``print(f.source)`` shows both) falls
back to the numpy functions for anything but numpy arrays (Dask, other namespaces) and at
w = 0 where the form divides by ‖w‖. Compiled code follows numpy's error model (inf and NaN,
never an exception) but does not see ``np.errstate``: use the numpy backend to trap overflow.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence

import sympy as sp
from sympy.printing.precedence import precedence

from gradproof.errors import OptionError
from gradproof.numeric.body import PER_SAMPLE, compiled_form, prepare
from gradproof.numeric.printer import CoefficientPrinter
from gradproof.symbolic.atoms import XX, Q, S, Y, Z
from gradproof.symbolic.calculus import GradientForm
from gradproof.symbolic.functions import Ramp, Sigmoid, Softplus, Step

__all__ = ["ScalarPrinter", "fused_source", "numba_available", "FUSED_FUNCTIONS"]

FUSED_FUNCTIONS = {"_loss": "_fused_loss", "_grad": "_fused_grad", "_loss_and_grad": "_fused_lg"}
"""The numpy function each fused function replaces (and falls back to)."""

_SUPPORTED = (
    sp.Add,
    sp.Mul,
    sp.Pow,
    sp.exp,
    sp.log,
    sp.tanh,
    sp.cosh,
    sp.sinh,
    sp.Abs,
    sp.sign,
    sp.Piecewise,
    sp.functions.elementary.piecewise.ExprCondPair,
    Sigmoid,
    Softplus,
    Ramp,
    Step,
)
"""Node types the scalar printer compiles (plus symbols, numbers and comparisons)."""


def numba_available() -> bool:
    """True when numba can be imported (``pip install 'gradproof[fast]'``)."""
    return importlib.util.find_spec("numba") is not None


class ScalarPrinter(CoefficientPrinter):
    """The coefficient printer for scalar code inside a numba loop: comparisons and
    branches are Python conditionals, σ/softplus/𝟙 are the scalar helpers of
    :data:`FUSED_PRELUDE`; everything else (np.exp, np.log1p, np.tanh, ...) is numpy's
    scalar form, which numba compiles.

    Constants and hyperparameters print as ``_nb_like(zero, c)``: in the precision of X
    (``zero`` is the kernel's 0 in X's dtype), since numba makes float32 × a Python number
    float64; so float32 data is computed in float32 from the score to the coefficient, as
    the numpy backend computes it. Integer powers keep their integer exponent, which numba
    computes by products (x**2 is x·x, not a call of pow; x**(−2) prints as 1/x**2, whose
    x² may lose digits to underflow where x**(−2.0) would not: |x| below about 10⁻¹⁹ in
    float32, 10⁻¹⁵⁴ in float64)."""

    _SCALAR_FORMS = ("Sigmoid", "Softplus", "Ramp", "Step")
    """Primitives whose scalar form differs from their numpy form (printed by the methods
    below, before the registry's numpy printing is consulted)."""

    def _print(self, expr: object, **kwargs: object) -> str:
        name = type(expr).__name__
        if name in self._SCALAR_FORMS and isinstance(expr, (Sigmoid, Softplus, Ramp, Step)):
            return str(getattr(self, f"_print_{name}")(expr))
        return super()._print(expr, **kwargs)

    def _print_Sigmoid(self, e: Sigmoid) -> str:
        return f"_nb_sigmoid({self._print(e.args[0])})"

    def _print_Softplus(self, e: Softplus) -> str:
        return f"_nb_softplus({self._print(e.args[0])})"

    def _print_Ramp(self, e: Ramp) -> str:
        return f"max({self._print(e.args[0])}, {self._number(sp.S.Zero)})"

    def _number(self, e: sp.Expr) -> str:
        return f"_nb_like(zero, {super()._number(e)})"

    def _print_Symbol(self, e: sp.Symbol) -> str:
        text = super()._print_Symbol(e)
        return f"_nb_like(zero, {text})" if text.startswith("p_") else text

    def _print_Pow(self, e: sp.Pow, rational: bool = False) -> str:
        n = e.exp
        if n.is_Integer and n != 0:
            base = self.parenthesize(e.base, precedence(e), strict=False)
            if n > 0:
                return f"{base}**{int(n)}"
            power = base if n == -1 else f"{base}**{-int(n)}"
            return f"{self._number(sp.S.One)}/{power}"
        return str(super()._print_Pow(e, rational=rational))

    def _print_Step(self, e: Step) -> str:
        at = e.at_kink
        if at is None:
            raise ValueError("an indicator without a kink convention cannot be compiled")
        return f"_nb_step({self._print(e.args[0])}, {self._print(sp.Float(at))})"

    def _print_Relational(self, e: sp.core.relational.Relational) -> str:
        return f"({self._print(e.lhs)} {e.rel_op} {self._print(e.rhs)})"

    def _print_And(self, e: sp.And) -> str:
        return "(" + " and ".join(self._print(a) for a in e.args) + ")"

    def _print_Or(self, e: sp.Or) -> str:
        return "(" + " or ".join(self._print(a) for a in e.args) + ")"

    def _print_Piecewise(self, e: sp.Piecewise) -> str:
        out = "_nb_like(zero, np.nan)"
        for value, cond in reversed(e.args):
            if cond == sp.true:
                out = self._print(value)
            else:
                out = f"({self._print(value)} if {self._print(cond)} else {out})"
        return out


FUSED_PRELUDE = '''\
import math as _math

import numba as _numba
from llvmlite import ir as _ir
from numba.extending import intrinsic as _intrinsic
from numba.extending import overload as _overload


def _nb_like(z, v):
    """v in the floating type of z (compiled code: a constant of the kernel's precision, so
    that float32 data is computed in float32; a Python number would make it float64)."""
    return type(z)(v)


@_overload(_nb_like, inline="always")
def _nb_like_typed(z, v):
    if z == _numba.types.float32:
        return lambda z, v: _numba.float32(v)
    return lambda z, v: _numba.float64(v)


@_intrinsic
def _nb_f64_from_bits(typingctx, bits):
    """The float64 whose IEEE 754 bits are the int64 ``bits`` (a bit cast: it vectorises)."""
    if bits != _numba.types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], _ir.DoubleType())

    return _numba.types.float64(_numba.types.int64), codegen


@_intrinsic
def _nb_f32_from_bits(typingctx, bits):
    """The float32 whose IEEE 754 bits are the low 32 bits of the int64 ``bits``."""
    if bits != _numba.types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(builder.trunc(args[0], _ir.IntType(32)), _ir.FloatType())

    return _numba.types.float32(_numba.types.int64), codegen


def _nb_exp_neg64(x):
    """e^x for float64 x ≤ 0 within 1 ulp (NaN stays NaN, below −746 it is 0), with no call
    and no branch, so a loop over it vectorises (the library's exp is one call per number):
    x = k·ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 in two parts, Cody and Waite), e^r by its
    Taylor polynomial of degree 13, times 2^k as two normal powers of two (a subnormal
    result is rounded once)."""
    xc = x if x > -746.0 else -746.0
    k = _math.floor(xc * 1.4426950408889634 + 0.5)
    r = (xc - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    ki = _numba.int64(k)
    k1 = ki // 2
    k2 = ki - k1
    e = p * _nb_f64_from_bits((k1 + 1023) << 52) * _nb_f64_from_bits((k2 + 1023) << 52)
    return e if x == x else x


_F = _numba.float32


def _nb_exp_neg32(x):
    """e^x for float32 x ≤ 0 in float32 arithmetic (8 numbers per AVX2 instruction, not
    4), within 1 ulp of the correctly rounded value (measured on 2·10⁶ points and on every
    float32 in [−104.5, −80]), as _nb_exp_neg64 with float32 constants: ln 2 split after 9
    bits (k·ln2_hi is exact for |k| ≤ 150), Taylor polynomial of degree 7 (its first
    omitted term, r⁸/8!, is below 2⁻²⁷), 0 below −104, where e^x is under half the
    smallest subnormal."""
    xc = x if x > _F(-104.0) else _F(-104.0)
    k = np.floor(xc * _F(1.4426950408889634) + _F(0.5))
    r = (xc - k * _F(0.693359375)) - k * _F(-2.12194440054690582e-4)
    p = _F(1.0 / 5040.0)
    p = p * r + _F(1.0 / 720.0)
    p = p * r + _F(1.0 / 120.0)
    p = p * r + _F(1.0 / 24.0)
    p = p * r + _F(1.0 / 6.0)
    p = p * r + _F(0.5)
    p = p * r + _F(1.0)
    p = p * r + _F(1.0)
    ki = _numba.int64(k)
    k1 = ki // 2
    k2 = ki - k1
    e = p * _nb_f32_from_bits((k1 + 127) << 23) * _nb_f32_from_bits((k2 + 127) << 23)
    return e if x == x else x


def _nb_exp_neg(x):
    """e^x for x ≤ 0 in x's precision, with no call and no branch (compiled code only:
    _nb_exp_neg64 for float64, _nb_exp_neg32 for float32)."""
    raise NotImplementedError("_nb_exp_neg runs in compiled code only")


@_overload(_nb_exp_neg)
def _nb_exp_neg_typed(x):
    return _nb_exp_neg32 if x == _numba.types.float32 else _nb_exp_neg64


def _nb_log1p_unit64(x):
    """log(1 + x) for float64 0 ≤ x ≤ 1 within 1 ulp (measured against mpmath on 10⁶
    points; NaN stays NaN), with no call and no branch, so a loop over it vectorises (the
    library's log1p is one call per number): log(1 + x) = 2·atanh(t) with
    t = x / (2 + x) ≤ 1/3, whose series 2t + 2t·Σ t^(2k)/(2k + 1) is summed by Horner's rule
    in t² up to t³¹/31 (the first term left out, 2·t³³/33, is below 2⁻⁵⁵ of the sum), and 2t
    is written x − t·x (equal in exact arithmetic), so that t's rounding error is scaled by
    x/2."""
    t = x / (2.0 + x)
    u = t * t
    p = 1.0 / 31.0
    p = p * u + 1.0 / 29.0
    p = p * u + 1.0 / 27.0
    p = p * u + 1.0 / 25.0
    p = p * u + 1.0 / 23.0
    p = p * u + 1.0 / 21.0
    p = p * u + 1.0 / 19.0
    p = p * u + 1.0 / 17.0
    p = p * u + 1.0 / 15.0
    p = p * u + 1.0 / 13.0
    p = p * u + 1.0 / 11.0
    p = p * u + 1.0 / 9.0
    p = p * u + 1.0 / 7.0
    p = p * u + 1.0 / 5.0
    p = p * u + 1.0 / 3.0
    return x - t * (x - 2.0 * u * p)


def _nb_log1p_unit32(x):
    """log(1 + x) for float32 0 ≤ x ≤ 1 in float32 arithmetic, as _nb_log1p_unit64 with
    the series up to t¹⁵/15 (the first term left out, 2·t¹⁷/17, is below 2⁻²⁹ of the
    sum)."""
    t = x / (_F(2.0) + x)
    u = t * t
    p = _F(1.0 / 15.0)
    p = p * u + _F(1.0 / 13.0)
    p = p * u + _F(1.0 / 11.0)
    p = p * u + _F(1.0 / 9.0)
    p = p * u + _F(1.0 / 7.0)
    p = p * u + _F(1.0 / 5.0)
    p = p * u + _F(1.0 / 3.0)
    return x - t * (x - _F(2.0) * u * p)


def _nb_log1p_unit(x):
    """log(1 + x) for 0 ≤ x ≤ 1 in x's precision, with no call and no branch (compiled
    code only: _nb_log1p_unit64 for float64, _nb_log1p_unit32 for float32)."""
    raise NotImplementedError("_nb_log1p_unit runs in compiled code only")


@_overload(_nb_log1p_unit)
def _nb_log1p_unit_typed(x):
    return _nb_log1p_unit32 if x == _numba.types.float32 else _nb_log1p_unit64


@_numba.njit(cache=False, error_model="numpy", inline="always")
def _nb_sigmoid(u):
    """σ(u) in u's precision without overflow (the exponent is never positive) and without
    a branch."""
    one = _nb_like(u, 1.0)
    e = _nb_exp_neg(-abs(u))
    r = one / (one + e)
    return r if u >= 0 else e * r


@_numba.njit(cache=False, error_model="numpy", inline="always")
def _nb_softplus(u):
    """log(1 + e^u) in u's precision without overflow: max(u, 0) + log1p(e^(−|u|)), with
    no call (within 2 ulp: 1 from the exponential, 1 from the logarithm)."""
    return max(u, _nb_like(u, 0.0)) + _nb_log1p_unit(_nb_exp_neg(-abs(u)))


_FUSED_ROWS = 1024
"""Rows per mini-block of the fused loop at most (fewer where that is over 256 KiB). The dot
products and the update of a plain loop over 4·10⁶ rows, d = 10, float32, on one thread
(best of 7, measured once): 65 ms in mini-blocks of 256 rows, 46 ms in blocks of 1024 to
8192; at d = 100, float64, 128 to 1024 rows made no difference beyond noise."""


@_numba.njit(cache=False, nogil=True, error_model="numpy", fastmath={"reassoc"})
def _nb_sum(a, m):
    """a[0] + ... + a[m − 1], reassociated so that it vectorises."""
    t = 0.0
    for k in range(m):
        t += a[k]
    return t


@_numba.njit(cache=False, error_model="numpy")
def _nb_step(u, at_kink):
    """The indicator 1[u ≥ 0] with the value ``at_kink`` at u = 0 (no branch), in u's
    precision."""
    return (u > 0) * _nb_like(u, 1.0) + (u == 0) * at_kink


@_numba.njit(cache=False, nogil=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _nb_dots(X, W, i0, m, out, zero):
    """out[k] = X[i0 + k] · W for k < m, accumulated in X's dtype as BLAS does
    (``zero`` is 0 in that dtype; reassociated, so it vectorises)."""
    d = X.shape[1]
    for k in range(m):
        t = zero
        for j in range(d):
            t += X[i0 + k, j] * W[j]
        out[k] = t


@_numba.njit(cache=False, nogil=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _nb_squares(X, i0, m, out, zero):
    """out[k] = X[i0 + k] · X[i0 + k] for k < m."""
    d = X.shape[1]
    for k in range(m):
        t = zero
        for j in range(d):
            t += X[i0 + k, j] * X[i0 + k, j]
        out[k] = t


@_numba.njit(cache=False, nogil=True, error_model="numpy")
def _nb_axpy(X, i0, m, c, g, gb):
    """g += Σ_k c[k] X[i0 + k] for k < m: summed in X's dtype over the mini-block (``c``,
    ``gb`` are buffers in that dtype; the rows are still in cache from _nb_dots), then
    added to the float64 total g."""
    d = X.shape[1]
    for j in range(d):
        gb[j] = 0
    for k in range(m):
        ck = c[k]
        for j in range(d):
            gb[j] += ck * X[i0 + k, j]
    for j in range(d):
        g[j] += gb[j]


FUSED_CHUNKS = 64
"""Chunks of rows the fused loop is split into (fewer for short X): the unit of parallel
work, and of the summation order, which therefore does not depend on the thread count."""


def _fused_ok(X, y, w):
    """True when the fused kernel can take these arrays (numpy, float32 or float64)."""
    return (
        isinstance(X, _numpy.ndarray)
        and isinstance(y, _numpy.ndarray)
        and isinstance(w, _numpy.ndarray)
        and X.dtype in (_numpy.float32, _numpy.float64)
    )


def _fused_chunks(X, y, w, b, mode, edges, G, T, state):
    """Run the kernel on chunks until none is left: state = (next-chunk counter, count)."""
    counter, count = state
    for k in counter:
        if k >= count:
            return
        _fused_kernel(X, y, w, b, mode, edges[k], edges[k + 1], G[k], T[k])


def _fused_run(X, y, w, b, mode):
    """(Σ cw·x per chunk, [Σ ℓ, Σ cb, Σ cq, R, rw, rb] per chunk) from the kernel, whose
    chunks the calling thread and WORKERS − 1 pool threads take in turn (it releases the
    GIL); the caller adds them in chunk order."""
    n, d = X.shape
    nc = max(1, min(FUSED_CHUNKS, n // 1024))
    edges = [n * i // nc for i in range(nc + 1)]
    G = _numpy.zeros((nc, d))
    T = _numpy.zeros((nc, 6))
    state = (itertools.count(), nc)
    b = X.dtype.type(b)  # float32 data: the kernel computes in float32
    futures = []
    if WORKERS > 1 and nc > 1:
        pool = _pool()
        futures = [
            pool.submit(_fused_chunks, X, y, w, b, mode, edges, G, T, state)
            for _ in range(min(WORKERS, nc) - 1)
        ]
    try:
        _fused_chunks(X, y, w, b, mode, edges, G, T, state)
    finally:
        _wait_all(futures)
    for fut in futures:
        fut.result()
    return G, T
'''
"""Scalar helpers and the kernel driver of the fused backend (numba, numpy, stdlib)."""


def _check_supported(exprs: Sequence[sp.Expr]) -> None:
    for e in exprs:
        for node in sp.preorder_traversal(e):
            if isinstance(node, (sp.Symbol, sp.Number, sp.NumberSymbol)) or node.is_Relational:
                continue
            if isinstance(node, (sp.And, sp.Or)) or node in (sp.true, sp.false):
                continue
            if not isinstance(node, _SUPPORTED):
                raise OptionError(
                    f"the numba backend cannot compile {type(node).__name__} (in {e}); "
                    f"use backend='numpy'"
                )


_MODES = {
    0: ("ell",),
    1: ("cw", "cb", "cq"),
    2: ("ell", "cw", "cb", "cq"),
}
"""Kernel mode → the per-sample outputs it accumulates (0: loss, 1: grad, 2: both)."""


def _mode_block(
    mode: int, outputs: Mapping[str, sp.Expr], printer: ScalarPrinter
) -> tuple[list[str], list[str], list[str], set[sp.Symbol]]:
    """(lines before the loop, lines per row of a mini-block, lines after it, atoms used) of
    one mode. The loop over the rows of a mini-block only writes buffers (no running sum),
    so that it vectorises; the buffers are summed after it."""
    named = [(k, outputs[k]) for k in _MODES[mode]]
    subs, reduced = sp.cse(
        [e for _, e in named], symbols=sp.numbered_symbols(f"_t{mode}_"), optimizations=None
    )
    per_sample = set(PER_SAMPLE)
    before: list[str] = []
    row: list[str] = []
    for sym, e in subs:
        target = before
        if e.free_symbols & per_sample:
            per_sample.add(sym)
            target = row
        target.append(f"{sym} = {printer.doprint(e)}")
    var: dict[str, str] = {}
    for (name, _), r in zip(named, reduced, strict=True):
        var[name] = f"{name}_{mode}"
        target = row if r.free_symbols & per_sample else before
        target.append(f"{var[name]} = {printer.doprint(r)}")
    used = set().union(*(e.free_symbols for _, e in named))
    acc = {"ell": "0", "cb": "1", "cq": "2"}
    after: list[str] = []
    for k in _MODES[mode]:
        if k not in acc:
            continue
        if any(ln.startswith(f"{var[k]} = ") for ln in row):
            row.append(f"abuf{acc[k]}[k] = {var[k]}")
            after.append(f"acc{acc[k]} += _nb_sum(abuf{acc[k]}, m)")
        elif outputs[k] != 0:
            after.append(f"acc{acc[k]} += m * {var[k]}")
    if "cw" in var and outputs["cw"] != 0:
        row.append(f"cbuf[k] = {var['cw']}")
    return before, row, after, used


def _kernel(outputs: Mapping[str, sp.Expr], printer: ScalarPrinter) -> str:
    """The source of ``_fused_kernel(X, Y, W, b, mode, lo, hi, g, t)``: rows lo..hi of X in
    mini-blocks of at most ``_FUSED_ROWS`` rows and 256 KiB (dot products, then the scalar
    coefficients, then the update of g, so each row is read from memory once), Σ cw·x into
    g and [Σ ℓ, Σ cb, Σ cq, R, rw, rb] into t."""
    blocks = {m: _mode_block(m, outputs, printer) for m in _MODES}
    used = set().union(*(u for _, _, _, u in blocks.values()))
    lines = [
        "acc0 = 0.0",
        "acc1 = 0.0",
        "acc2 = 0.0",
        "zero = np.zeros(1, X.dtype)[0]",
        "zbuf = np.empty(_FUSED_ROWS, X.dtype)",
        "cbuf = np.empty(_FUSED_ROWS, X.dtype)",
        "abuf0 = np.empty(_FUSED_ROWS)",
        "abuf1 = np.empty(_FUSED_ROWS)",
        "abuf2 = np.empty(_FUSED_ROWS)",
        "xbuf = np.empty(_FUSED_ROWS, X.dtype)",
        "gb = np.empty(X.shape[1], X.dtype)",
        "rows = max(4, min(_FUSED_ROWS, 262144 // max(1, X.shape[1] * X.itemsize)))",
    ]
    if Q in used or any(outputs[k].has(Q) for k in ("reg", "rw", "rb")):
        lines.append("q = zero")
        lines += ["for j in range(W.shape[0]):", "    q += W[j] * W[j]"]
    lines += ["for i0 in range(lo, hi, rows):", "    m = min(rows, hi - i0)"]
    loop: list[str] = []
    if Z in used or S in used:
        loop.append("_nb_dots(X, W, i0, m, zbuf, zero)")
    if XX in used:
        loop.append("_nb_squares(X, i0, m, xbuf, zero)")
    for mode, (before, row, after, u) in blocks.items():
        loop.append(f"{'if' if mode == 0 else 'elif'} mode == {mode}:" if mode < 2 else "else:")
        atoms = []
        if Z in u or S in u:
            atoms.append("z = zbuf[k]")
        if S in u:
            atoms.append("s = z + b")
        if Y in u:
            atoms.append("y = Y[i0 + k]")
        if XX in u:
            atoms.append("xx = xbuf[k]")
        body = [*before, "for k in range(m):", *("    " + ln for ln in atoms + row), *after]
        if any(ln.startswith("cbuf[k]") for ln in row):
            body.append("_nb_axpy(X, i0, m, cbuf, g, gb)")
        loop += ["    " + ln for ln in body]
    lines += ["    " + ln for ln in loop]
    for k, i in {"reg": 3, "rw": 4, "rb": 5}.items():
        lines.append(f"t[{i}] = {printer.doprint(outputs[k])}")
    lines += ["t[0] = acc0", "t[1] = acc1", "t[2] = acc2"]
    text = '@_numba.njit(cache=False, nogil=True, error_model="numpy")\n'
    text += "def _fused_kernel(X, Y, W, b, mode, lo, hi, g, t):\n"
    text += '    """The fused loop over rows lo..hi (mode 0: loss, 1: gradient, 2: both)."""\n'
    return text + "\n".join("    " + ln for ln in lines) + "\n"


def _driver(fname: str, mode: int, form: GradientForm, zero_guard: bool) -> str:
    scale = " / n" if form.mean else ""
    parts = [f"def {FUSED_FUNCTIONS[fname]}(X, y, w, b):"]
    parts.append(f'    """{fname} by the fused loop (numpy arrays), else by the numpy code."""')
    cond = "not _fused_ok(X, y, w)" + (" or not w.any()" if zero_guard else "")
    parts += [f"    if {cond}:", f"        return {fname}(X, y, w, b)"]
    parts += [
        "    dt = X.dtype",
        "    n = X.shape[0]",
        f"    G, T = _fused_run(X, y, w, b, {mode})",
        "    sums = T.sum(axis=0)",
        "    R = T[0, 3:]",
    ]
    loss = f"_cast(sums[0]{scale} + R[0], dt)"
    grad_w = f"_cast(G.sum(axis=0){scale} + (sums[2]{scale} + R[1]) * w, dt)"
    grad = f"{grad_w}, _cast(sums[1]{scale} + R[2], dt)"
    returns = {0: loss, 1: grad, 2: f"{loss}, {grad}"}[mode]
    parts.append(f"    return {returns}")
    return "\n".join(parts) + "\n"


def fused_source(
    form: GradientForm, params: Mapping[str, float], zero_guards: Mapping[str, bool]
) -> str:
    """The numba section appended to a generated numpy module: helpers, the kernel and
    ``_fused_loss``/``_fused_grad``/``_fused_lg``.

    ``zero_guards[fname]`` says whether ``fname`` needs the numpy path at w = 0.
    """
    form = compiled_form(form)
    outputs = {
        "ell": prepare(form.loss),
        "reg": prepare(form.reg),
        "cw": prepare(form.cw),
        "cb": prepare(form.cb),
        "cq": prepare(form.cq),
        "rw": prepare(form.rw),
        "rb": prepare(form.rb),
    }
    _check_supported(list(outputs.values()))
    printer = ScalarPrinter()
    parts = [
        "# -- the fused backend (numba) " + "-" * 60,
        FUSED_PRELUDE,
        "",
        _kernel(outputs, printer),
    ]
    for (fname, _), mode in zip(FUSED_FUNCTIONS.items(), (0, 1, 2), strict=True):
        parts += ["", _driver(fname, mode, form, zero_guards.get(fname, False))]
    return "\n".join(parts)
