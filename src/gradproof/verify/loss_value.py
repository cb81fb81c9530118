"""The user's loss value, checked at a point against the exact loss (``loss_fn=``).

The exact loss is the symbolic ℓ summed in mpmath (small problems) or float64 with a bound;
a correct value computed in precision u is within γ_{n+d+4}·(Σ|ℓᵢ| + |R| + Σ|ℓ′ᵢ|·(|xᵢ|·|w| +
|b|)) + 8u·|L| of it (the sum, and the rounding of each score it starts from).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np

from gradproof._typing import Array
from gradproof.i18n import lazy
from gradproof.symbolic.derivation import Derivation
from gradproof.verify.candidate import read_only
from gradproof.verify.cases import Case, caller_point
from gradproof.verify.evaluators import MP_DIGITS, FormFunctions
from gradproof.verify.loading import no_hard_exit
from gradproof.verify.points import CheckPoint
from gradproof.verify.reference import EXACT_LIMIT, EXACT_SAMPLES
from gradproof.verify.report import Entry, PointResult
from gradproof.verify.tolerance import digits_agreeing, gamma, unit_roundoff

__all__ = ["check_loss_value", "reference_loss"]

_U64 = unit_roundoff(np.float64)


def reference_loss(
    ff: FormFunctions, X: Array, y: Array, w: Array, b: float, *, mean: bool
) -> tuple[float, float]:
    """The exact loss L(w, b) (rounded to float64) and Σ|terms| for its error bound
    (Σ|ℓᵢ| + |R| + Σ|∂ℓ/∂s|·(|xᵢ|·|w| + |b|))."""
    n, d = X.shape
    p = ff.params
    z = X @ w
    s = z + b
    q = float(w @ w)
    xx = np.einsum("ij,ij->i", X, X)
    ell = np.broadcast_to(np.asarray(ff.loss(s, z, q, b, y, xx, *p), dtype=np.float64), (n,))
    reg = float(np.asarray(ff.reg(s, z, q, b, y, xx, *p)).reshape(-1)[0])
    row_abs = np.abs(X) @ np.abs(w) + abs(b)
    eta = 2.0**-20 * np.maximum(1.0, np.abs(s))
    lp = np.abs(
        np.broadcast_to(
            ff.loss(s + eta, z + eta, q, b, y, xx, *p) - ff.loss(s - eta, z - eta, q, b, y, xx, *p),
            (n,),
        )
    ) / (2 * eta)
    scale = float(n) if mean else 1.0
    terms = np.abs(ell).sum() / scale + abs(reg) + (lp * row_abs).sum() / scale
    if n * d <= EXACT_LIMIT and n <= EXACT_SAMPLES:
        with mpmath.workdps(MP_DIGITS):
            mpf = mpmath.mpf
            wl = [mpf(float(v)) for v in w]
            bm = mpf(float(b))
            qm = mpmath.fdot(wl, wl)
            pm = [mpf(v) for v in p]
            total = mpf(0)
            for i in range(n):
                xl = [mpf(float(v)) for v in X[i]]
                zi = mpmath.fdot(xl, wl)
                total += ff.mp_loss(zi + bm, zi, qm, bm, mpf(float(y[i])), mpmath.fdot(xl, xl), *pm)
            value = float(total / scale + ff.mp_reg(bm, bm, qm, bm, mpf(0), mpf(0), *pm))
        return value, float(terms)
    return float(ell.sum() / scale + reg), float(terms * (1 + gamma(n + d + 4, _U64)))


def check_loss_value(
    res: PointResult,
    d: Derivation,
    ff: FormFunctions,
    loss_fn: Callable[..., Any],
    case: Case,
    pt: CheckPoint,
    dtype: np.dtype,
    w: Any,
    b: Any,
) -> None:
    """Check the user's loss value at the point; a wrong or failing one fails the point."""
    wc, bc = caller_point(pt, dtype, w, b)
    try:
        with np.errstate(all="ignore"), no_hard_exit():
            value = float(loss_fn(case.Xc, case.yc, read_only(np.array(wc)), bc))
    except BaseException as exc:  # the user's code, whatever it raises
        res.passed = False
        res.failure = lazy(
            "your loss function raised {name}: {exc}", name=type(exc).__name__, exc=str(exc)
        )
        return
    X, y = case.ds.X, case.ds.y
    exact, terms = reference_loss(ff, X, y, np.asarray(pt.w), float(pt.b), mean=d.form.mean)
    if not np.isfinite(value):
        if not np.isfinite(exact):
            return  # the loss itself is not finite in float64 here: nothing to compare
        res.passed = False
        res.culprits.insert(0, "L")
        res.failure = lazy(
            "your loss function returned {value} where the exact loss is {exact}",
            value=str(value),
            exact=format(exact, ".6g"),
        )
        res.hints.append(
            lazy(
                "a loss value must be finite: a naive log(1 + exp(u)) overflows once u passes "
                "~709 (float64); np.logaddexp(0, u) is the stable form"
            )
        )
        return
    n, dim = X.shape
    u = max(unit_roundoff(dtype), unit_roundoff(getattr(case.Xc, "dtype", np.float64)))
    bound = gamma(n + dim + 4, u) * terms + 8 * u * abs(exact)
    err = abs(value - exact)
    ok = bool(err <= bound)
    res.entries.append(
        Entry(
            "L",
            value,
            exact,
            exact,
            exact,
            exact,
            exact,
            err,
            err / abs(exact) if exact else None,
            bound,
            bound,
            float(digits_agreeing(value, exact, bound)),
            False,
            ok,
        )
    )
    if not ok:
        res.passed = False
        res.culprits.insert(0, "L")
        res.hints.append(
            lazy(
                "your loss value {value:.17g} differs from the exact loss {exact:.17g} by "
                "{err:.3g} (a correct value is within {bound:.2g})",
                value=value,
                exact=exact,
                err=err,
                bound=bound,
            )
        )
