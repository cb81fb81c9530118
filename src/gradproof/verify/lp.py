"""A small exact feasibility LP: is there a t ∈ [0, 1]ᴷ with |e − Jᵀt| ≤ tol?

Phase 1 of the dense simplex method with Bland's rule (which cannot cycle), on a form chosen
for accuracy: the unknowns are the *change* δ = t − t₀ from a good guess t₀, split as
δ = p − q with p ∈ [0, 1 − t₀], q ∈ [0, t₀], and each entry's two inequalities are divided by
its tolerance, so the right-hand sides are e′/tol ± 1 with e′ = e − Jᵀt₀ — numbers of the size
of the question, not of the gradient. Either outcome is returned with its certificate, for
the caller to verify in float64 on its own (:mod:`gradproof.verify.subgradient`):

* feasible: t = t₀ + p − q;
* infeasible: the phase-1 duals give λ = z₂ − z₁ (the multipliers of the "≤ +tol" and
  "≥ −tol" rows) with λ·(e′/tol) + Σₚ (t₀ₚ·aₚ − max(0, aₚ)) − ‖λ‖₁ > 0, aₚ = λ·Ĵₚ: Farkas'
  lemma for the box, the certificate of :mod:`gradproof.verify.subgradient` written around t₀.
"""

from __future__ import annotations

import numpy as np

from gradproof._typing import Array

__all__ = ["feasible_box", "MAX_TABLEAU"]

MAX_TABLEAU = 3_000_000
"""Largest tableau (rows × columns) solved this way; larger problems are searched instead."""


def _pivot(T: Array, r: int, c: int) -> None:
    T[r] /= T[r, c]
    col = T[:, c].copy()
    col[r] = 0.0
    T -= np.outer(col, T[r])


def feasible_box(e0: Array, J: Array, tol: Array, t0: Array) -> tuple[str, Array] | None:
    """("feasible", t) or ("infeasible", λ) for the problem of the module docstring, with
    e0 = e − Jᵀt₀ (the caller computes it); None when the tableau would be too large or the
    pivoting did not finish."""
    K, m = J.shape
    Jh = (J / tol[None, :]).T  # m × K, row j divided by tolⱼ
    eh = e0 / tol
    R = 2 * m + 2 * K
    ncols = 2 * K + R  # p, q, then one slack per row
    b = np.concatenate([eh + 1.0, 1.0 - eh, 1.0 - t0, t0])
    flip = b < 0
    n_art = int(flip.sum())
    if R * (ncols + n_art + 1) > MAX_TABLEAU:
        return None
    A = np.zeros((R, ncols))
    A[:m, :K], A[:m, K : 2 * K] = Jh, -Jh
    A[m : 2 * m, :K], A[m : 2 * m, K : 2 * K] = -Jh, Jh
    A[2 * m : 2 * m + K, :K] = np.eye(K)
    A[2 * m + K :, K : 2 * K] = np.eye(K)
    A[:, 2 * K :] = np.eye(R)
    sigma = np.where(flip, -1.0, 1.0)
    A *= sigma[:, None]
    b = b * sigma
    T = np.zeros((R + 1, ncols + n_art + 1))
    T[:R, :ncols] = A
    art_rows = np.flatnonzero(flip)
    T[art_rows, ncols + np.arange(n_art)] = 1.0
    T[:R, -1] = b
    basis = np.where(flip, 0, 2 * K + np.arange(R))
    basis[art_rows] = ncols + np.arange(n_art)
    cost = np.zeros(ncols + n_art)
    cost[ncols:] = 1.0
    T[R, :-1] = cost - T[art_rows, :-1].sum(axis=0)
    T[R, -1] = -T[art_rows, -1].sum()
    eps = 1e-11 * max(1.0, float(np.max(np.abs(T[:R, :-1]))))
    for _ in range(50 * (R + ncols)):
        red = T[R, :-1]
        enter = np.flatnonzero(red < -eps)
        if enter.size == 0:
            break
        c = int(enter[0])  # Bland: the lowest index
        col = T[:R, c]
        rows = np.flatnonzero(col > eps)
        if rows.size == 0:
            return None  # unbounded cannot happen in phase 1: numerical trouble
        ratios = T[rows, -1] / col[rows]
        best = ratios.min()
        tie = rows[ratios <= best + 1e-12 * max(1.0, abs(best))]
        r = int(tie[np.argmin(basis[tie])])
        _pivot(T, r, c)
        basis[r] = c
    else:
        return None
    x = np.zeros(ncols + n_art)
    x[basis] = T[:R, -1]
    if -T[R, -1] <= 1e-9 * max(1.0, float(np.max(np.abs(b)))):
        return "feasible", np.clip(t0 + x[:K] - x[K : 2 * K], 0.0, 1.0)
    # duals of the phase-1 optimum: y = c_B·B⁻¹; B⁻¹ sits where the starting identity was
    start = np.where(flip, ncols + np.cumsum(flip) - 1, 2 * K + np.arange(R))
    Binv = T[:R, start]
    y = cost[basis] @ Binv
    z = -sigma * y  # multipliers of the unflipped rows, ≥ 0 up to rounding
    lam = z[m : 2 * m] - z[:m]
    return "infeasible", lam
