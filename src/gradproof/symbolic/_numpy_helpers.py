"""Source code of the numpy helpers that generated modules call, one per primitive that numpy
lacks (or computes unstably). They are strings: a module gets only those it uses, and it
needs nothing but numpy (``np``). Each is tested against mpmath in
``tests/symbolic/test_numpy_helpers.py``.
"""

from __future__ import annotations

__all__ = ["SIGMOID", "SOFTPLUS", "STEP", "ERF"]

SIGMOID = '''\
import numpy as _np  # numpy itself, also where np is another namespace (f.on(xp))

_SIGMOID_LIM = {}


def _sigmoid(u, neg=False):
    """σ(u) = 1 / (1 + e^(−u)), or σ(−u) when ``neg`` (its printed argument had a minus
    sign, which costs nothing here). A numpy array takes one exponential, in place, of an
    exponent capped at −1 − log(tiny) (tiny: the smallest normal number), so it never
    overflows and 1/(1 + e) stays normal; where the cap applies σ = e^u (e^(−u) for ``neg``)
    instead, to the last digit (subnormal values keep theirs; their underflow is not
    reported). Where σ rounds to 1, e^(−u) may underflow to 0, which ``np.errstate``
    reports as it says (ignored by default). Other arrays (Dask, other namespaces) take
    exponents that are never positive: σ(v) = e^min(v, 0) / (1 + e^−|v|)."""
    if isinstance(u, _np.ndarray) and u.ndim and u.dtype.kind == "f":
        lim = _SIGMOID_LIM.get(u.dtype)
        if lim is None:  # below lim, σ(u) = e^u / (1 + e^u) rounds to e^u
            lim = _SIGMOID_LIM[u.dtype] = float(_np.log(_np.finfo(u.dtype).tiny)) + 1
        if neg:
            e = _np.minimum(u, -lim)
        else:
            e = _np.maximum(u, lim)
            _np.negative(e, out=e)
        _np.exp(e, out=e)
        e += 1
        r = _np.reciprocal(e, out=e)
        if u.size and not (u.max() <= -lim if neg else u.min() >= lim):  # NaN: one by one
            v = _np.negative(u) if neg else u
            small = v < lim
            with _np.errstate(under="ignore"):  # subnormal on purpose
                r[small] = _np.exp(v[small])
        return r
    if neg:
        u = -u
    return np.exp(np.minimum(u, 0)) / (1 + np.exp(-np.abs(u)))
'''

SOFTPLUS = '''\
def _softplus(u):
    """log(1 + e^u) without overflow: max(u, 0) + log1p(e^(−|u|))."""
    return np.maximum(u, 0) + np.log1p(np.exp(-np.abs(u)))
'''

STEP = '''\
def _step(u, at_kink):
    """The indicator 1[u ≥ 0] with the value ``at_kink`` at u = 0."""
    return np.where(u > 0, 1, np.where(u < 0, 0, at_kink))
'''

# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23
# (1969) 631-638, with the coefficients of his CALERF (netlib specfun). Each range is
# evaluated on clipped arguments, so no range warns about values outside it.
ERF = '''\
def _erf(u):
    """erf(u) by W. J. Cody's rational approximations (Math. Comp. 23, 1969), relative error
    below 1e-15 in float64: erf = u·P(u²)/Q(u²) for |u| ≤ 0.46875, else 1 − erfc(|u|) with
    the sign of u, erfc from exp(−u²) times a rational function of |u| (|u| ≤ 4) or of
    1/u² (|u| > 4); exp(−u²) is split in two exact factors to keep its accuracy."""
    y = np.abs(u)
    t = np.minimum(y, 0.46875) ** 2
    num, den = 0.185777706184603153 * t, t
    for a, b in (
        (3.16112374387056560, 23.6012909523441209),
        (113.864154151050156, 244.024637934444173),
        (377.485237685302021, 1282.61652607737228),
    ):
        num, den = (num + a) * t, (den + b) * t
    small = u * (num + 3209.37758913846947) / (den + 2844.23683343917062)
    m = np.clip(y, 0.46875, 4.0)
    num, den = 2.15311535474403846e-8 * m, m
    for c, d in (
        (0.564188496988670089, 15.7449261107098347),
        (8.88314979438837594, 117.693950891312499),
        (66.1191906371416295, 537.181101862009858),
        (298.635138197400131, 1621.38957456669019),
        (881.952221241769090, 3290.79923573345963),
        (1712.04761263407058, 4362.61909014324716),
        (2051.07837782607147, 3439.36767414372164),
    ):
        num, den = (num + c) * m, (den + d) * m
    mid = (num + 1230.33935479799725) / (den + 1230.33935480374942)
    g = np.clip(y, 4.0, 30.0)  # erfc(30) is 0 in float64
    t = 1 / (g * g)
    num, den = 0.0163153871373020978 * t, t
    for p, q in (
        (0.305326634961232344, 2.56852019228982242),
        (0.360344899949804439, 1.87295284992346047),
        (0.125781726111229246, 0.527905102951428412),
        (0.0160837851487422766, 0.0605183413124413191),
    ):
        num, den = (num + p) * t, (den + q) * t
    tail = t * (num + 6.58749161529837803e-4) / (den + 0.00233520497626869185)
    big = (0.564189583547756287 - tail) / g
    h = np.clip(y, 0.46875, 30.0)
    h16 = np.trunc(h * 16) / 16
    erfc = np.exp(-h16 * h16) * np.exp(-(h - h16) * (h + h16)) * np.where(y <= 4.0, mid, big)
    return np.where(y <= 0.46875, small, np.copysign((0.5 - erfc) + 0.5, u))
'''
