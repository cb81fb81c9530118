"""Stable whatever the spelling: 12 ways of writing stable losses × 10 extreme margins.

Each spelling is compiled from the text a user would type and evaluated at one sample whose
score (or margin, or residual) is extreme; the per-sample loss ℓ and its derivative ∂ℓ/∂s
must match mpmath evaluating the *same spelling* at 1 000 digits (so cancellation and
overflow cannot hide), to 1e-12 relative — or both be below the smallest normal float64.
No floating-point warning may be raised.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from gradproof import derive

mp = mpmath.mp

M = "y*(w·x + b)"  # the margin, for labels ±1
S = "(w·x + b)"

# (id, expression, labels of y, mpmath ℓ(s, y) written as the expression is)
SPELLINGS = [
    ("log1pexp", f"log(1 + exp(-{M}))", "pm1", lambda s, y: mp.log(1 + mp.exp(-y * s))),
    ("neglogsig", f"-log(sigmoid({M}))", "pm1", lambda s, y: -mp.log(1 / (1 + mp.exp(-y * s)))),
    (
        "neglog-recip",
        f"-log(1/(1 + exp(-{M})))",
        "pm1",
        lambda s, y: -mp.log(1 / (1 + mp.exp(-y * s))),
    ),
    (
        "bce01",
        f"-y*log(sigmoid({S})) - (1 - y)*log(1 - sigmoid({S}))",
        "01",
        lambda s, y: -y * mp.log(1 / (1 + mp.exp(-s))) - (1 - y) * mp.log(1 - 1 / (1 + mp.exp(-s))),
    ),
    (
        "bce01-exp",
        f"-y*log(1/(1 + exp(-{S}))) - (1 - y)*log(exp(-{S})/(1 + exp(-{S})))",
        "01",
        lambda s, y: (
            -y * mp.log(1 / (1 + mp.exp(-s))) - (1 - y) * mp.log(mp.exp(-s) / (1 + mp.exp(-s)))
        ),
    ),
    (
        "sigmoid-loss",
        f"exp(-{M})/(1 + exp(-{M}))",
        "pm1",
        lambda s, y: mp.exp(-y * s) / (1 + mp.exp(-y * s)),
    ),
    ("sigmoid-recip", f"1/(1 + exp({M}))", "pm1", lambda s, y: 1 / (1 + mp.exp(y * s))),
    (
        "focal",
        f"-(1 - sigmoid({M}))^2*log(sigmoid({M}))",
        "pm1",
        lambda s, y: -((1 - 1 / (1 + mp.exp(-y * s))) ** 2) * mp.log(1 / (1 + mp.exp(-y * s))),
    ),
    ("logcosh", f"log(cosh({S} - y))", "real", lambda s, y: mp.log(mp.cosh(s - y))),
    (
        "log-2cosh",
        f"log(exp({S} - y) + exp(y - {S}))",
        "real",
        lambda s, y: mp.log(mp.exp(s - y) + mp.exp(y - s)),
    ),
    (
        "softplus-minus-m",
        f"log(1 + exp({M})) - {M}",
        "pm1",
        lambda s, y: mp.log(1 + mp.exp(y * s)) - y * s,
    ),
    (
        "neglog-one-minus",
        f"-log(1 - sigmoid(-{M}))",
        "pm1",
        lambda s, y: -mp.log(1 - 1 / (1 + mp.exp(y * s))),
    ),
]

MARGINS = [-1000.0, -800.0, -710.0, -100.0, -40.0, 0.25, 40.0, 100.0, 710.0, 1000.0]
TINY = np.finfo(np.float64).tiny


def _point(labels: str, m: float) -> tuple[float, float]:
    """(s, y) with margin y·s = m (labels ±1), score s = m (0/1 labels, alternating y), or
    residual s − y = m (real targets)."""
    if labels == "pm1":
        y = -1.0 if m > 0 else 1.0  # both label signs appear across the margins
        return m / y, y
    if labels == "01":
        y = 1.0 if m < 0 else 0.0  # the label whose term is extreme at this score
        return m, y
    return m + 0.5, 0.5


def _reference(fn, s: float, y: float) -> tuple[float, float]:
    with mp.workdps(1000):
        ell = fn(mp.mpf(s), mp.mpf(y))
        d = mp.diff(lambda t: fn(t, mp.mpf(y)), mp.mpf(s))
        return float(ell), float(d)


def _close(got: float, want: float) -> bool:
    if abs(want) < TINY:
        return abs(got) < 2 * TINY
    return abs(got - want) <= 1e-12 * abs(want)


CASES = [(sp_id, m) for sp_id, *_ in SPELLINGS for m in MARGINS]
_BY_ID = {row[0]: row for row in SPELLINGS}


@pytest.mark.parametrize("spelling, m", CASES, ids=[f"{i}@{m:g}" for i, m in CASES])
def test_spelling_is_stable_at_extreme_margin(spelling, m):
    _, expr, labels, fn = _BY_ID[spelling]
    s, y = _point(labels, m)
    f = derive(expr=expr).numpy()
    X, Y, w = np.array([[s]]), np.array([y]), np.ones(1)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        coef = f.coefficients(X, Y, w, 0.0)
        L, gw, gb = f.loss_and_grad(X, Y, w, 0.0)
    want_ell, want_c = _reference(fn, s, y)
    got_ell, got_c = float(coef["ell"][0]), float(coef["cw"][0])
    assert _close(got_ell, want_ell), (expr, s, y, got_ell, want_ell)
    assert _close(got_c, want_c), (expr, s, y, got_c, want_c)
    assert _close(float(L), want_ell) and _close(float(gb), want_c)
    assert _close(float(gw[0]), want_c * s)
