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
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.render.printers import to_text
from gradproof.verify.candidate import Candidate
from gradproof.verify.diagnose import diagnose
from gradproof.verify.evaluators import FormFunctions
from gradproof.verify.hypotheses import unfiltered_functions
from gradproof.verify.finite_diff import (
    FDResult,
    coordinate_fd,
    dense_directions,
    directional_fd,
    switch_near_kink,
)
from gradproof.verify.kinks import CONVENTIONS, INEQUALITY, convention_gradient, convention_t
from gradproof.verify.points import CheckPoint
from gradproof.verify.reference import Reference, reference_gradient
from gradproof.verify.report import DirectionCheck, Entry, KinkSample, PointResult
from gradproof.verify.rounding import candidate_bound
from gradproof.verify.subgradient import Membership, decide
from gradproof.verify.tolerance import digits_agreeing, gamma, precision_name, require_finite

__all__ = ["Data", "check_point", "MAX_ENTRIES"]

MAX_ENTRIES = 100
"""Entries listed per point in full; beyond this many weights only the wrong ones are kept."""

_U64 = 2.0**-53


@dataclass(frozen=True)
class Data:
    """One dataset as the checks use it: float64 X and y, ‖xᵢ‖², and its label."""

    X: Array
    y: Array
    xx: Array
    label: str


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
    common = dict(
        mean=d.form.mean,
        near_kink=near,
        curvature=ref.dcw,
        score_err=gamma(X.shape[1] + 2, _U64) * ref.row_abs,
        atoms=atoms,
    )
    g = cand.values
    if mode == "full":
        fd = coordinate_fd(ff, X, y, w, b, **common)
        return fd, g, fd.err + cb + cand.resolution
    assert V is not None
    labels = tuple(f"direction {i + 1}" for i in range(V.shape[0]))
    ds = dense_directions(X, w, b, V, labels, xv=xv)
    fd = directional_fd(ff, X, y, w, b, ds, **common)
    aV = np.abs(V)
    tol = (
        fd.err
        + aV @ (cb + cand.resolution)
        + gamma(V.shape[1] + 1, _U64) * (aV @ np.abs(g))
    )
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
    res = _check_point(d, ff, cand, data, pt, mode=mode, strict=strict, rng=rng,
                       directions=directions)
    if res.passed or cand.alt_u is None:
        return res
    rng.bit_generator.state = state  # the same directions
    low = Candidate(cand.values, cand.alt_u, cand.resolution, cand.source)
    again = _check_point(d, ff, low, data, pt, mode=mode, strict=strict, rng=rng,
                         directions=directions)
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
    V = xv = z = None
    if mode == "fast":
        V = rng.standard_normal((directions, dim + 1))
        V /= np.linalg.norm(V, axis=1, keepdims=True)
        both = X @ np.column_stack([w, V[:, :-1].T])  # one pass: scores and directions
        z, xv = both[:, 0], both[:, 1:]
    ref = reference_gradient(
        ff, X, y, w, b, mean=d.form.mean, u_cand=cand.u, xx=data.xx, z=z
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
        method=_method(fd),
        decided=dec.member.how,
    )
    _entries(res, ref, dec, g, tol, fd, fd_tol, ok_entries)
    if V is not None:
        refv = V @ dec.closest
        res.directions = [
            DirectionCheck(
                f"direction {i + 1}",
                float(gv[i]),
                float(refv[i]),
                float(fd.lo[i]),
                float(fd.hi[i]),
                float(fd_tol[i]),
                bool(fd_ok[i]),
            )
            for i in range(V.shape[0])
        ]
    _kinks(res, ref, ff, dec, g, tol, strict)
    _digits(res, g, dec.closest, tol, fd, mode == "full")
    if not ref.exact:
        res.notes.append(
            "reference evaluated in float64 with a rounding-error bound "
            "(the problem is too large for mpmath)"
        )
    if not passed:
        _explain(res, d, ff, data, ref, dec, g, tol, fd_ok, strict)
    return res


def _method(fd: FDResult) -> str:
    method = fd.method
    if fd.one_sided:
        method += f"; {fd.one_sided} stencil(s) made one-sided to avoid crossing a kink"
    if fd.on_kink:
        method += "; one-sided pairs at samples on a kink"
    return method


def _entries(res: PointResult, ref, dec: _Decision, g, tol, fd, fd_tol, ok) -> None:
    dim = g.size - 1
    kink_cols = ref.kink_abs > 0
    free_lo = np.zeros_like(g)
    free_hi = np.zeros_like(g)
    for k, bnd in zip(ref.kinks, dec.binding, strict=True):
        if not bnd:
            free_lo += np.minimum(k.jump, 0)
            free_hi += np.maximum(k.jump, 0)
    fixed = dec.closest - dec.member.closest  # base + binding part
    lo, hi = fixed + free_lo, fixed + free_hi
    full = res.d + 1 <= MAX_ENTRIES + 1
    keep = range(dim + 1) if full else [int(j) for j in np.flatnonzero(~ok)[:1000]]
    entries = []
    for j in keep:
        r = float(ref.grad[j])
        err = float(abs(g[j] - dec.closest[j]))
        entries.append(
            Entry(
                name=f"w[{j + 1}]" if j < dim else "b",
                candidate=float(g[j]),
                reference=r,
                valid_low=float(lo[j]) if kink_cols[j] else r,
                valid_high=float(hi[j]) if kink_cols[j] else r,
                fd_low=float(fd.lo[j]) if fd.lo.size == g.size else float("nan"),
                fd_high=float(fd.hi[j]) if fd.hi.size == g.size else float("nan"),
                abs_error=err,
                rel_error=err / abs(r) if r != 0 else None,
                bound=float(tol[j]),
                fd_bound=float(fd_tol[j]) if fd_tol.size == g.size else float("nan"),
                digits=float(digits_agreeing(g[j], dec.closest[j], tol[j])),
                kink=bool(kink_cols[j]),
                ok=bool(ok[j]),
            )
        )
    res.entries = entries
    res.wrong_entries = int((~ok).sum())
    res.significant = int(np.sum(np.abs(ref.grad) > tol))
    bad = np.flatnonzero(~ok)
    order = bad[np.argsort(-np.abs(g - dec.closest)[bad] / np.maximum(tol[bad], 1e-300))]
    res.culprits = [f"w[{j + 1}]" if j < dim else "b" for j in order]


def _kinks(res: PointResult, ref, ff: FormFunctions, dec: _Decision, g, tol, strict) -> None:
    if not ref.kinks:
        return
    names = [to_text(ind.arg, atoms="scalar") for ind in ff.indicators]
    res.kinks = [
        KinkSample(k.sample + 1, names[k.indicator], k.u, k.exact, float(t), bool(bnd))
        for k, t, bnd in zip(ref.kinks, dec.t, dec.binding, strict=True)
    ]
    base = ref.base if ref.base is not None else ref.grad
    matched = tuple(
        c
        for c in CONVENTIONS
        if np.all(np.abs(g - convention_gradient(base, ref.kinks, c)) <= tol)
    )
    if all(ff.indicators[k.indicator].kind == "sign" for k in ref.kinks):
        # for |u| the "indicator" is sign(u): ½ ↔ sign(0) = 0, 1 ↔ +1, 0 ↔ −1
        sign = {"include": "sign(0) = +1", "exclude": "sign(0) = −1", "average": "sign(0) = 0"}
        matched = tuple(sign[c] for c in matched)
    res.kink_convention_matched = matched


def _digits(res: PointResult, g, closest, tol, fd: FDResult, coordinate: bool) -> None:
    """Agreeing digits over the entries a correct gradient pins to 3 digits or more (an entry
    as small as its own rounding bound has no digits to agree on)."""
    sig = np.abs(closest) >= 1000 * np.maximum(tol, 1e-300)
    if sig.any():
        res.digits = float(np.min(digits_agreeing(g, closest, 0.0)[sig]))
        res.noise_floor_digits = float(
            np.clip(np.min(-np.log10(np.maximum(tol[sig], 1e-300) / np.abs(closest[sig]))), 0, 17)
        )
    if not coordinate:
        return
    smooth = (fd.lo == fd.hi) & (np.abs(closest) >= 1000 * np.maximum(fd.err, 1e-300))
    if smooth.any():
        res.fd_digits = float(np.min(digits_agreeing(g, fd.lo, 0.0)[smooth]))
        res.fd_noise_floor_digits = float(
            np.clip(
                np.min(-np.log10(np.maximum(fd.err[smooth], 1e-300) / np.abs(closest[smooth]))),
                0,
                17,
            )
        )


def _explain(res, d: Derivation, ff, data: Data, ref, dec: _Decision, g, tol, fd_ok, strict):
    """Hints for a failing point: the convention in strict mode, then the classic bugs."""
    if strict is not None and ref.kinks:
        loose = _decide(ref, ff, g, tol, False)
        if loose.member.member:
            bound = [k for k, bnd in zip(res.kinks, dec.binding, strict=True) if bnd]
            others = [c for c in res.kink_convention_matched if c != strict]
            follows = (
                f"the candidate follows {others[0]} there ({INEQUALITY.get(others[0], '')})"
                if others
                else "the candidate is a valid subgradient there, but not that one"
            )
            res.hints.append(
                f"kink={strict} is binding: at sample(s) "
                + ", ".join(str(k.sample) for k in bound[:10])
                + f", exactly on the kink of {bound[0].switch if bound else 'u'}, "
                f"{strict} means {INEQUALITY[strict]}; {follows} — the wrong inequality at the kink"
            )
            return
    diag = diagnose(
        g, ref.grad if not ref.kinks else dec.closest, tol, ref, ff, data.X, data.y, res.b,
        set_name=f"the {d.spec.set_meaning}, {d.spec.set_name}",
        unfiltered=unfiltered_functions(d.form, dict(d.params)),
    )
    res.hints.extend(diag.hints)
    res.samples = diag.samples
    if not fd_ok.all() and dec.member.member:
        res.hints.append(
            "the exact reference accepts it but finite differences of the "
            "loss do not: the loss and its gradient formula disagree"
        )
    diff = g - ref.grad
    res.correct = {
        "w": [float(v) for v in ref.grad[:-1]],
        "b": float(ref.grad[-1]),
        "difference": {"w": [float(v) for v in diff[:-1]], "b": float(diff[-1])},
    }
