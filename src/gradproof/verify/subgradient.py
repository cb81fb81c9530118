"""Is a candidate a valid subgradient of the sum? Decided with a certificate either way.

The valid subgradients at a point with kink pairs p = 1…K form the zonotope
Z = {base + Σₚ tₚ·Jₚ : t ∈ [0, 1]ᴷ} (:mod:`gradproof.verify.kinks`). A candidate g passes when
some z ∈ Z is within the rounding bound of it in every entry: |gⱼ − zⱼ| ≤ tolⱼ. That is a
linear feasibility problem, and each answer comes with a certificate that is checked on its
own:

* **member**: a t ∈ [0, 1]ᴷ with |g − base − Jᵀt| ≤ tol (checked entry by entry);
* **not a member**: a direction λ that separates g from Z widened by the bound,
  λ·(g − base) > Σₚ max(0, λ·Jₚ) + Σⱼ tolⱼ|λⱼ| (Farkas' lemma for the box; the right side
  is the support function of the widened zonotope, so no point of it reaches g along λ).

Either is found by the exact phase-1 simplex of :mod:`gradproof.verify.lp` when the problem
is small enough for a dense tableau (kink samples × entries up to about a million); beyond,
by accelerated projected gradient (FISTA with restarts) on
F(t) = ½‖max(|W(g − base − Jᵀt)| − 1, 0)‖², W = diag(1/tol): F = 0 exactly at the members,
and at a minimiser of F the overshoot o = W·(excess) is a separating direction, so the dual
certificate is read off the iterates for free. Only there, and only for a candidate within a
hair of the boundary of the widened set, can the search exhaust its budget; the candidate is
then judged by its smallest overshoot, within :data:`BOUNDARY_SLACK` of the bound, and the
result says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradproof._typing import Array
from gradproof.verify.lp import feasible_box

__all__ = ["Membership", "decide", "BOUNDARY_SLACK"]

BOUNDARY_SLACK = 0.01
"""Relative slack on the bound for the rare case neither certificate is found."""

_WORK = 4e8  # multiply-adds the iterative search may spend


@dataclass(frozen=True)
class Membership:
    """The decision: ``member``, the weights ``t`` found (one per pair), the valid
    subgradient ``closest`` to the candidate, ``residual`` = candidate − closest, and
    ``how`` it was decided (``"point"``, ``"primal certificate"``, ``"dual certificate"``
    or ``"within 1% of the bound"``); for a dual certificate, ``certificate`` is the
    separating direction λ (λ·e > Σₚ max(0, λ·Jₚ) + Σⱼ tolⱼ|λⱼ|)."""

    member: bool
    t: Array
    closest: Array
    residual: Array
    how: str
    iterations: int = 0
    certificate: Array | None = None


def _spectral_sq(M: Array, iters: int = 30) -> float:
    """‖M‖₂² by power iteration (an upper estimate after a 10% margin)."""
    if M.size == 0 or not np.any(M):
        return 0.0
    # a fixed pseudo-random start: a constant one can be orthogonal to every row sum
    v = np.random.default_rng(12345).standard_normal(M.shape[0])
    v /= np.linalg.norm(v)
    est = 0.0
    for _ in range(iters):
        u = v @ M
        v2 = M @ u
        est = float(np.linalg.norm(v2))
        if est == 0:
            v = np.roll(v, 1) + 1.0 / M.shape[0]  # landed in the null space: move off it
            v /= np.linalg.norm(v)
            continue
        v = v2 / est
    return 1.1 * est


def _polish(t: Array, Jh: Array, eh: Array) -> Array:
    """Snap weights near a bound onto it and solve for the rest by least squares: an
    active-set step that lands exactly on a vertex the gradient steps only approach."""
    snapped = np.where(t < 1e-3, 0.0, np.where(t > 1 - 1e-3, 1.0, t))
    free = (snapped > 0) & (snapped < 1)
    out = snapped.copy()
    if free.any():
        rhs = eh - snapped[~free] @ Jh[~free]
        out[free] = np.clip(np.linalg.lstsq(Jh[free].T, rhs, rcond=None)[0], 0.0, 1.0)
    return out


def _exact(
    e: Array, J: Array, tol: Array, t0: Array
) -> tuple[bool, Array, str, Array | None] | None:
    """The simplex's answer around t₀, once its certificate is verified here."""
    got = feasible_box(e - t0 @ J, J, tol, t0)
    if got is None:
        return None
    kind, v = got
    if kind == "feasible":
        if np.all(np.abs(e - v @ J) <= tol * (1 + 1e-9)):
            return True, v, "primal certificate", None
        return None
    a = (J / tol[None, :]) @ v  # λ·Ĵₚ
    eh0 = (e - t0 @ J) / tol
    phi = float(v @ eh0) + float(np.sum(t0 * a - np.maximum(a, 0))) - float(np.abs(v).sum())
    scale = float(np.abs(v) @ np.abs(eh0)) + float(np.abs(a).sum()) + float(np.abs(v).sum())
    if phi > 1e-9 * scale:
        return False, t0, "dual certificate", v / tol
    return None


def decide(
    e: Array,
    J: Array,
    tol: Array,
    starts: list[Array],
) -> Membership:
    """Decide whether e ∈ {Jᵀt : t ∈ [0, 1]ᴷ} + [−tol, tol] (J is K × m, e and tol m long).

    ``starts`` are weight vectors to try first (named conventions, the derivation's own);
    the ``closest`` and ``residual`` of the result are relative to ``e``'s origin (the
    caller adds its base back).
    """
    K, m = J.shape
    tol = np.maximum(np.asarray(tol, dtype=np.float64), 1e-300)  # 1/tol stays finite

    def result(t: Array, member: bool, how: str, it: int, lam: Array | None = None) -> Membership:
        z = t @ J
        return Membership(member, t, z, e - z, how, it, lam)

    if K == 0:
        ok = bool(np.all(np.abs(e) <= tol))
        return result(np.zeros(0), ok, "point", 0)
    cands = [np.clip(np.asarray(s, dtype=np.float64), 0.0, 1.0) for s in starts]
    for t in cands:  # the common case, before any weighted copy of J is made
        if np.all(np.abs(e - t @ J) <= tol):
            return result(t, True, "primal certificate", 0)
    W = 1.0 / tol
    Jh = J * W[None, :]
    eh = e * W

    def excess(t: Array) -> tuple[Array, Array]:
        r = eh - t @ Jh
        return r, np.sign(r) * np.maximum(np.abs(r) - 1.0, 0.0)

    if K * m * min(K, m) <= 4e7:
        sol = np.linalg.lstsq(Jh.T, eh, rcond=None)[0]
        cands.append(np.clip(sol, 0.0, 1.0))
    best_t, best_o = None, np.inf
    for t in cands:
        _, o = excess(t)
        if not o.any():
            return result(t, True, "primal certificate", 0)
        f = float(o @ o)
        if f < best_o:
            best_t, best_o = t, f
    t = best_t if best_t is not None else np.full(K, 0.5)
    exact = _exact(e, J, tol, t)
    if exact is not None:
        return result(exact[1], exact[0], exact[2], 0, exact[3])
    L = _spectral_sq(Jh)
    if L == 0:  # no jumps at all: the valid set is the point itself
        return result(t, bool(np.all(np.abs(e) <= tol)), "point", 0)
    member, t, how, it, lam = _search(Jh, eh, t, L, K * m * min(K, m) <= 4e7)
    return result(t, member, how, it, None if lam is None else lam / tol)


def _search(
    Jh: Array, eh: Array, t: Array, L: float, polish: bool
) -> tuple[bool, Array, str, int, Array | None]:
    """FISTA with adaptive restarts on the overshoot F of the module docstring, in the
    weighted coordinates (tol = 1): (member, t, how, iterations, weighted λ or None)."""
    K, m = Jh.shape
    max_iter = int(min(20_000, max(300, _WORK / (2 * K * m))))
    yk, tk = t.copy(), 1.0
    f_prev = np.inf
    least = (np.inf, t)
    for it in range(1, max_iter + 1):
        r = eh - yk @ Jh
        o = np.sign(r) * np.maximum(np.abs(r) - 1.0, 0.0)
        worst = float(np.max(np.abs(r)))
        if worst < least[0]:
            least = (worst, yk.copy())
        if not o.any():
            return True, yk, "primal certificate", it, None
        proj = Jh @ o  # λ·Ĵₚ for λ = o, and (negated) the gradient of F
        phi = float(o @ eh) - float(np.maximum(proj, 0).sum()) - float(np.abs(o).sum())
        scale = float(np.abs(o) @ np.abs(eh)) + float(np.abs(proj).sum()) + float(np.abs(o).sum())
        if phi > 1e-9 * scale:
            return False, yk, "dual certificate", it, o
        if polish and it % 25 == 0:
            polished = _polish(yk, Jh, eh)
            if np.all(np.abs(eh - polished @ Jh) <= 1.0):
                return True, polished, "primal certificate", it, None
        t_new = np.clip(yk + proj / L, 0.0, 1.0)
        f = float(o @ o)
        if f > f_prev:  # adaptive restart: momentum overshot
            tk, yk = 1.0, t.copy()
            f_prev = np.inf
            continue
        f_prev = f
        tk_new = (1 + np.sqrt(1 + 4 * tk * tk)) / 2
        yk = np.clip(t_new + (tk - 1) / tk_new * (t_new - t), 0.0, 1.0)
        t, tk = t_new, tk_new
    worst, tbest = least
    ok = worst <= 1.0 + BOUNDARY_SLACK
    return (
        ok,
        tbest,
        f"within {BOUNDARY_SLACK:.0%} of the bound" if ok else "closest",
        max_iter,
        None,
    )
