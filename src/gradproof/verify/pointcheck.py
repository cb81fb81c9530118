"""The check at one point: reference, subgradient membership, finite differences, entries.

Both modes compare every entry of the candidate with the reference
(:mod:`gradproof.verify.reference`) and decide, with a certificate, whether it is a valid
subgradient of the sum (:mod:`gradproof.verify.subgradient`). They differ in the finite
differences of the loss, the independent second opinion: ``full`` differentiates along all
d + 1 coordinates, ``fast`` along a few seeded random directions v (∇L·v against g·v), so
its cost does not grow with the number of stencils per entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradproof._typing import Array
from gradproof.i18n import lazy
from gradproof.symbolic.derivation import Derivation
from gradproof.verify.candidate import Candidate
from gradproof.verify.evaluators import FormFunctions
from gradproof.verify.findings import Findings, method_of
from gradproof.verify.finite_diff import (
    FDResult,
    coordinate_fd,
    dense_directions,
    directional_fd,
    switch_near_kink,
)
from gradproof.verify.kinks import CONVENTIONS, convention_t
from gradproof.verify.points import CheckPoint
from gradproof.verify.reference import Reference, reference_gradient
from gradproof.verify.report import PointResult
from gradproof.verify.rounding import candidate_bound
from gradproof.verify.subgradient import Membership, decide
from gradproof.verify.tolerance import gamma, precision_name, require_finite

__all__ = ["Data", "check_point", "FAST_SUPPORT"]

_U64 = 2.0**-53


@dataclass(frozen=True)
class Data:
    """One dataset as the checks use it: float64 X and y, ‖xᵢ‖², its label, and for a
    large problem the column norms ‖X[:, j]‖ (computed once, for the error model)."""

    X: Array
    y: Array
    xx: Array
    label: str
    col_norms: Array | None = None


FAST_SUPPORT = 256
"""Fast mode's random directions share one support: a random block of this many consecutive
weights, and b. X·v then reads a small part of each row (no copy of X), while every entry is
still compared with the reference."""


def _random_directions(X: Array, rng: np.random.Generator, k: int) -> tuple[Array, Array]:
    """k random unit directions (rows of V, w part then b) and X·v_w for each."""
    n, dim = X.shape
    V = np.zeros((k, dim + 1))
    if dim <= FAST_SUPPORT:
        V[:] = rng.standard_normal((k, dim + 1))
        V /= np.linalg.norm(V, axis=1, keepdims=True)
        return V, X @ V[:, :-1].T
    a = int(rng.integers(0, dim - FAST_SUPPORT + 1))
    block = slice(a, a + FAST_SUPPORT)
    V[:, block] = rng.standard_normal((k, FAST_SUPPORT))
    V[:, -1] = rng.standard_normal(k)
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    return V, X[:, block] @ V[:, block].T


def _t_at(ff: FormFunctions, k: int) -> float:
    ind = ff.indicators[k]
    return (float(ind.at) - ind.below) / (ind.above - ind.below)


@dataclass(frozen=True)
class _Decision:
    member: Membership
    t: Array  # one weight per kink pair
    closest: Array
    binding: tuple[bool, ...]


def _decide(ref: Reference, ff: FormFunctions, g: Array, tol: Array, strict: bool) -> _Decision:
    """Membership in the valid set; in strict mode the robust kink pairs are held at the
    convention's value and only the others may choose."""
    kinks = ref.kinks
    base = ref.base if ref.base is not None else ref.grad
    binding = tuple(strict and k.robust for k in kinks)
    fixed = np.zeros_like(g)
    for k, bnd in zip(kinks, binding, strict=True):
        if bnd:
            fixed = fixed + _t_at(ff, k.indicator) * k.jump
    free = [k for k, bnd in zip(kinks, binding, strict=True) if not bnd]
    J = np.array([k.jump for k in free]).reshape(len(free), g.size)
    starts = [np.array([k.t for k in free])]
    starts += [np.array([convention_t(k, c) for k in free]) for c in CONVENTIONS]
    e = g - base - fixed
    mem = decide(e, J, tol, starts)
    if not mem.member and len(free):
        # name as few entries as possible: of the named choices and the search's best, the
        # one that leaves the fewest entries outside their bound
        def wrong(tf: Array) -> tuple[int, float]:
            over = np.maximum(np.abs(e - tf @ J) - tol, 0)
            return int(np.count_nonzero(over)), float(over.sum())

        best = min([np.clip(s, 0, 1) for s in starts] + [mem.t], key=wrong)
        z = best @ J
        mem = Membership(False, best, z, e - z, mem.how, mem.iterations)
    t = np.empty(len(kinks))
    it = iter(mem.t)
    for p, (k, bnd) in enumerate(zip(kinks, binding, strict=True)):
        t[p] = _t_at(ff, k.indicator) if bnd else next(it)
    return _Decision(mem, t, base + fixed + mem.closest, binding)


def _fd(
    d: Derivation,
    ff: FormFunctions,
    data: Data,
    ref: Reference,
    cand: Candidate,
    cb: Array,
    b: float,
    mode: str,
    V: Array | None,
    xv: Array | None,
) -> tuple[FDResult, Array, Array]:
    """Finite differences: (result, the candidate's value along each direction, tolerance)."""
    X, y = data.X, data.y
    w = ref.w
    atoms = (ref.z + b, ref.z, ref.q, data.xx)
    near = switch_near_kink(ff, X, y, w, b, cand.u, atoms=atoms, row_abs=ref.row_abs)
    score_err = gamma(X.shape[1] + 2, _U64) * ref.row_abs
    mean = d.form.mean
    g = cand.values
    if mode == "full":
        fd = coordinate_fd(
            ff,
            X,
            y,
            w,
            b,
            mean=mean,
            near_kink=near,
            curvature=ref.dcw,
            score_err=score_err,
            atoms=atoms,
        )
        return fd, g, fd.err + cb + cand.resolution
    assert V is not None
    labels = tuple(f"direction {i + 1}" for i in range(V.shape[0]))
    ds = dense_directions(X, w, b, V, labels, xv=xv)
    fd = directional_fd(
        ff,
        X,
        y,
        w,
        b,
        ds,
        mean=mean,
        near_kink=near,
        curvature=ref.dcw,
        score_err=score_err,
        atoms=atoms,
    )
    aV = np.abs(V)
    tol = fd.err + aV @ (cb + cand.resolution) + gamma(V.shape[1] + 1, _U64) * (aV @ np.abs(g))
    return fd, V @ g, tol


def check_point(
    d: Derivation,
    ff: FormFunctions,
    cand: Candidate,
    data: Data,
    pt: CheckPoint,
    *,
    mode: str,
    strict: str | None,
    rng: np.random.Generator,
    directions: int = 4,
) -> PointResult:
    """Check ``cand`` at ``pt`` on ``data`` (``strict``: the binding convention, or None).

    A candidate whose float64 result holds only float32 (float16) numbers and fails at
    float64 is judged again at the precision it was evidently rounded to.
    """
    state = rng.bit_generator.state
    res = _check_point(
        d, ff, cand, data, pt, mode=mode, strict=strict, rng=rng, directions=directions
    )
    if res.passed or cand.alt_u is None:
        return res
    rng.bit_generator.state = state  # the same directions
    low = Candidate(cand.values, cand.alt_u, cand.resolution, cand.source)
    again = _check_point(
        d, ff, low, data, pt, mode=mode, strict=strict, rng=rng, directions=directions
    )
    if again.passed:
        again.notes.append(cand.inferred)
        return again
    return res


def _check_point(
    d: Derivation,
    ff: FormFunctions,
    cand: Candidate,
    data: Data,
    pt: CheckPoint,
    *,
    mode: str,
    strict: str | None,
    rng: np.random.Generator,
    directions: int = 4,
) -> PointResult:
    X, y = data.X, data.y
    w, b = np.asarray(pt.w, dtype=np.float64), float(pt.b)
    n, dim = X.shape
    V = xv = None
    if mode == "fast":
        V, xv = _random_directions(X, rng, directions)
    ref = reference_gradient(
        ff,
        X,
        y,
        w,
        b,
        mean=d.form.mean,
        u_cand=cand.u,
        xx=data.xx,
        col_norms=data.col_norms if cand.u <= _U64 else None,
    )
    cb = candidate_bound(ref, X, cand.u)
    tol = cb + ref.bound + cand.resolution
    require_finite(ref.grad, tol, cand.u)
    g = cand.values
    dec = _decide(ref, ff, g, tol, strict is not None)
    residual = g - dec.closest
    fd, gv, fd_tol = _fd(d, ff, data, ref, cand, cb, b, mode, V, xv)
    fd_ok = (gv >= fd.lo - fd_tol) & (gv <= fd.hi + fd_tol)
    ok_entries = np.abs(residual) <= tol if not dec.member.member else np.ones(dim + 1, bool)
    if mode == "full":
        ok_entries = ok_entries & fd_ok
    passed = bool(dec.member.member and fd_ok.all())
    res = PointResult(
        mode=mode,
        label=pt.label,
        kind=pt.kind,
        dataset=data.label,
        n=n,
        d=dim,
        w=[float(v) for v in w[:20]],
        b=b,
        passed=passed,
        precision=precision_name(cand.u),
        method=method_of(fd),
        decided=dec.member.how,
    )
    found = Findings(ref, ff, g, tol, dec.closest, dec.member.closest, dec.t, dec.binding)
    found.entries(res, fd, fd_tol, ok_entries)
    if V is not None:
        found.directions(res, V, gv, fd, fd_tol, fd_ok)
    found.kinks(res)
    found.digits(res, fd, mode == "full")
    if not ref.exact:
        res.notes.append(
            lazy(
                "reference evaluated in float64 with a rounding-error bound "
                "(the problem is too large for mpmath)"
            )
        )
    if not passed:
        # a valid subgradient that breaks a binding convention fails for that reason alone
        loose = (
            strict is not None and bool(ref.kinks) and _decide(ref, ff, g, tol, False).member.member
        )
        found.explain(res, d, data.X, data.y, fd_ok, dec.member.member, strict if loose else None)
    return res
