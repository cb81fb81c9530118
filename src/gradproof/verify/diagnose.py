"""Name the culprit of a wrong gradient: which entries, which samples, which likely bug.

The loss is a sum over samples, so a gradient error e = candidate − reference is, for most
bugs, the sum of wrong per-sample contributions Δcᵢ·(xᵢ, 1). Two kinds of evidence:

* **hypotheses** tested against the reference: a scale factor (×2, ×½, sign), ∂L/∂b alone
  with the wrong sign, an active-set filter left out (every indicator forced to 1), X used
  where Xᵀ belongs; each names the samples it involves;
* **a sparse fit** (orthogonal matching pursuit) of e by a few per-sample directions
  (xᵢ, 1): when a handful of samples explain the whole error they are named, with the
  coefficient error each would need. With more samples than d + 1 unknowns the fit is not
  unique, and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gradproof._typing import Array
from gradproof.verify.evaluators import FormFunctions

__all__ = ["Diagnosis", "diagnose"]


@dataclass
class Diagnosis:
    """Hints (sentences) and the samples they point at."""

    hints: list[str] = field(default_factory=list)
    samples: list[int] = field(default_factory=list)


def _close(a: Array, b: Array, tol: Array) -> bool:
    return bool(np.all(np.abs(a - b) <= 2 * tol))


def _forced_gradient(
    ff: FormFunctions, X: Array, y: Array, w: Array, b: float, mean: bool, side: str
) -> tuple[Array, Array] | None:
    """The gradient with every indicator forced to one side, and the per-sample coefficients
    (float64; for hypotheses only)."""
    if not ff.indicators:
        return None
    n = X.shape[0]
    z = X @ w
    s = z + b
    q = float(w @ w)
    xx = np.einsum("ij,ij->i", X, X)
    vals = [np.full(n, float(getattr(i, side))) for i in ff.indicators]
    c = [
        np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))
        for v in ff.np_coef(s, z, q, b, y, xx, *ff.params, *vals)
    ]
    scale = float(n) if mean else 1.0
    gw = (c[0] @ X + (c[2].sum() + c[3][0] * scale) * w) / scale
    gb = (c[1].sum() + c[4][0] * scale) / scale
    return np.append(gw, gb), c[0]


def _omp(e: Array, A: Array, tol: Array, max_atoms: int) -> tuple[list[int], Array, bool]:
    """Greedy sparse fit e ≈ A[:, S] @ a; returns (S, a, fits within tol)."""
    weight = 1.0 / np.maximum(tol, np.max(tol) * 1e-12)
    Aw = A * weight[:, None]
    ew = e * weight
    norms = np.linalg.norm(Aw, axis=0)
    chosen: list[int] = []
    coef = np.zeros(0)
    r = ew
    for _ in range(max_atoms):
        score = np.abs(Aw.T @ r) / np.where(norms > 0, norms, np.inf)
        score[chosen] = -1
        j = int(np.argmax(score))
        if score[j] <= 0:
            break
        chosen.append(j)
        coef = np.linalg.lstsq(Aw[:, chosen], ew, rcond=None)[0]
        r = ew - Aw[:, chosen] @ coef
        if np.all(np.abs(r) <= 2.0):
            return chosen, coef, True
    return chosen, coef, False


def diagnose(
    candidate: Array,
    reference: Array,
    tol: Array,
    ff: FormFunctions,
    X: Array,
    y: Array,
    w: Array,
    b: float,
    *,
    mean: bool,
    cw: Array,
    natural_side: Array | None = None,
) -> Diagnosis:
    """Explain the difference between ``candidate`` and ``reference`` (both (d + 1,))."""
    out = Diagnosis()
    n, d = X.shape
    e = candidate - reference
    wrong = np.abs(e) > tol
    if not wrong.any():
        return out
    # a scale factor
    rr = float(reference @ reference)
    # a factor is only evidence when at least two entries are clearly nonzero: with one,
    # any wrong value is "a multiple" of the gradient
    if rr > 0 and int(np.sum(np.abs(reference) > tol)) >= 2:
        lam = float(candidate @ reference) / rr
        if _close(candidate, lam * reference, tol) and abs(lam - 1) > 1e-6:
            if abs(lam + 1) < 1e-6:
                out.hints.append(
                    "the candidate is the negative of the gradient: the sign is flipped everywhere"
                )
            else:
                out.hints.append(
                    f"the candidate is {lam:.6g} × the correct gradient: a "
                    f"constant factor is wrong"
                    + (
                        " (a factor of 2 or ½ often comes from the derivative of "
                        "a square or a ½ in front)"
                        if abs(abs(lam) - 2) < 1e-6 or abs(abs(lam) - 0.5) < 1e-6
                        else ""
                    )
                )
            return out
    if not wrong[:-1].any():
        if abs(e[-1] + 2 * reference[-1]) <= 2 * tol[-1] and reference[-1] != 0:
            out.hints.append("only ∂L/∂b is wrong, and it has the wrong sign")
        else:
            out.hints.append("∂L/∂w is right; only ∂L/∂b is wrong")
        return out
    scale = float(n) if mean else 1.0
    # the active-set filter left out
    forced = _forced_gradient(ff, X, y, w, b, mean, "above")
    if forced is not None and _close(candidate, forced[0], tol):
        extra = np.flatnonzero(np.abs(forced[1] - cw) > 0)
        out.samples = [int(i) for i in extra]
        out.hints.append(
            "the candidate counts every sample as active, as if the indicator "
            "𝟙[u ≥ 0] were always 1: the filter to the active set "
            "(e.g. the misclassified samples) is missing; samples "
            + ", ".join(map(str, out.samples[:10]))
            + " should not contribute"
        )
        return out
    # X where Xᵀ belongs
    if n == d:
        gw_t = (X @ cw) / scale + (reference[:-1] - (cw @ X) / scale)
        if _close(candidate[:-1], gw_t, tol[:-1]):
            out.hints.append(
                "∂L/∂w matches X·c instead of Xᵀ·c: a transposed matrix (use X.T @ c, or c @ X)"
            )
            return out
    # a sparse per-sample explanation
    A = np.vstack([X.T, np.ones((1, n))]) / scale
    chosen, coef, fits = _omp(e, A, tol, min(n, d + 1, 8))
    if fits and chosen:
        out.samples = [int(i) for i in chosen]
        parts = []
        for i, a in zip(chosen, coef, strict=True):
            what = ""
            if cw[i] != 0 and abs(a + cw[i]) <= 1e-9 * max(1.0, abs(cw[i])):
                what = " (left out)"
            elif cw[i] == 0:
                what = " (should not contribute)"
            elif abs(a - cw[i]) <= 1e-9 * max(1.0, abs(cw[i])):
                what = " (counted twice)"
            parts.append(f"sample {i}: coefficient off by {a:.6g}{what}")
        unique = (
            ""
            if len(chosen) >= n or n <= d + 1
            else " (with more samples than unknowns other sets could explain it too)"
        )
        out.hints.append(
            "the error is what wrong per-sample coefficients would give: "
            + "; ".join(parts)
            + unique
        )
    return out
