"""Fast mode: a few random-direction checks, then bisection to find the wrong entries.

For large d, checking every entry by finite differences costs d loss evaluations. Instead
∇L·v is checked along k random unit directions v (seeded, the seed is in the report): the
candidate's g·v against the reference's c·(Xv) and against a finite difference of the loss
along v. All k directions share one pass ``X @ V`` and everything else is O(n·k), so the
number of loss evaluations does not depend on d. A wrong entry j shows up in g·v unless vⱼ
happens to be tiny; k repetitions make that vanishingly unlikely.

On a mismatch the coordinates are split in halves and each half is checked along a random
direction supported on it; halves that fail are split again, so a single wrong entry is
found with O(log d) more checks (one batched pass over X per level).
"""

from __future__ import annotations

import numpy as np

from gradproof._typing import Array
from gradproof.symbolic.derivation import Derivation
from gradproof.verify.candidate import Candidate
from gradproof.verify.evaluators import FormFunctions, slopes
from gradproof.verify.finite_diff import (
    dense_directions,
    directional_fd,
    switch_near_kink,
)
from gradproof.verify.report import CheckReport, DirectionCheck, Entry
from gradproof.verify.tolerance import (
    ELEMENTARY_ULPS,
    digits_agreeing,
    gamma,
    precision_name,
    require_finite,
    underflow,
    unit_roundoff,
)

__all__ = ["fast_check", "MAX_CULPRITS"]

MAX_CULPRITS = 16
"""Bisection follows at most this many failing blocks per level."""

_U64 = unit_roundoff(np.float64)
_ETA = underflow(_U64)


class _Problem:
    """Everything the directional checks share: atoms, coefficients, error-model terms."""

    def __init__(
        self,
        d: Derivation,
        ff: FormFunctions,
        cand: Candidate,
        X: Array,
        y: Array,
        w: Array,
        b: float,
        V: Array,
    ) -> None:
        self.ff, self.X, self.y, self.w, self.b = ff, X, y, w, b
        self.n, self.dim = X.shape
        self.mean = d.form.mean
        self.scale = float(self.n) if self.mean else 1.0
        self.cand = cand
        # one pass over X for the scores and the first directions together
        both = X @ np.column_stack([w, V[:, :-1].T])
        z = both[:, 0]
        self.first_xv = both[:, 1:]
        self.atoms = (z + b, z, float(w @ w), np.einsum("ij,ij->i", X, X))
        s, z, q, xx = self.atoms
        p = ff.params
        self.row_norm = _scaled_norms(X, np.sqrt(xx))
        w_norm = float(_scaled_norms(w[None, :], np.sqrt(np.atleast_1d(q)))[0])
        self.row_abs = self.row_norm * w_norm + abs(b)  # ≥ |xᵢ|·|w| + |b| (Cauchy–Schwarz)
        at = [float(i.at) for i in ff.indicators]
        us = [np.broadcast_to(f(s, z, q, b, y, xx, *p), (self.n,)) for f in ff.np_indicators]
        self.ind = [
            np.where(u > 0, i.above, np.where(u < 0, i.below, h))
            for u, i, h in zip(us, ff.indicators, at, strict=True)
        ]
        c = self._coef(self.ind)
        self.cw, self.cb, self.cq, self.rw, self.rb = c
        dc = ff.np_dcoef(s, z, q, b, y, xx, *p, *self.ind)
        self.dc = np.max([np.abs(np.broadcast_to(v, (self.n,))) for v in dc], axis=0)
        self.near = switch_near_kink(ff, X, y, w, b, cand.u, atoms=self.atoms, row_abs=self.row_abs)
        # kink jumps: coefficient change from the u < 0 side to the u > 0 side
        self.jumps: list[tuple[Array, ...]] = []
        self.kink_abs = 0.0
        # per indicator: a sample near one switch is not near the others (as in reference.py)
        slope = slopes(ff.np_indicators, s, z, q, b, y, xx, p)
        d_feat = X.shape[1]
        for k, (u, ind) in enumerate(zip(us, ff.indicators, strict=True)):
            du = slope[k] * gamma(d_feat + 2, cand.u) * self.row_abs + 4 * cand.u * (
                1 + np.abs(s) * slope[k] + np.abs(u)
            )
            idx = np.flatnonzero(np.abs(u) <= du)
            if idx.size == 0:
                continue
            lo = [v[idx] for v in self.ind]
            hi = [v[idx] for v in self.ind]
            lo[k] = np.full(idx.size, float(ind.below))
            hi[k] = np.full(idx.size, float(ind.above))
            clo = self._coef(lo, idx)
            chi = self._coef(hi, idx)
            nat = [v[idx] for v in c[:3]]
            # (samples, Δcw, Δcb, Δcq, natural − below for cw, cb, cq)
            jump = tuple(h - lw for h, lw in zip(chi[:3], clo[:3], strict=True))
            off = tuple(nn - lw for nn, lw in zip(nat, clo[:3], strict=True))
            self.jumps.append((idx, *jump, *off))
            self.kink_abs += float((np.abs(chi[0] - clo[0]) * self.row_norm[idx]).sum())

    def _coef(self, ind: list, idx: Array | None = None) -> list:
        s, z, q, xx = self.atoms
        y = self.y
        if idx is not None:
            s, z, xx, y = s[idx], z[idx], xx[idx], y[idx]
        m = s.shape[0]
        out = self.ff.np_coef(s, z, q, self.b, y, xx, *self.ff.params, *ind)
        per = [np.broadcast_to(np.asarray(v, dtype=np.float64), (m,)) for v in out[:3]]
        return per + [
            float(np.asarray(out[3]).reshape(-1)[0]),
            float(np.asarray(out[4]).reshape(-1)[0]),
        ]

    def check(
        self,
        V: Array,
        labels: tuple[str, ...],
        blocks: list[tuple[int, int]] | None = None,
        xv: Array | None = None,
    ) -> list[DirectionCheck]:
        """Check g·v for each row v of V (m, d + 1) (supported on ``blocks`` if given;
        ``xv`` = X·v_w when already known)."""
        X, w, b = self.X, self.w, self.b
        ds = dense_directions(X, w, b, V, labels, blocks, xv)
        vw_norm = np.linalg.norm(V[:, :-1], axis=1)
        vb = V[:, -1]
        sc = self.scale
        xv = ds.xv
        ref = (
            self.cw @ xv
            + (self.cq.sum() + self.rw * sc) * ds.wv
            + (self.cb.sum() + self.rb * sc) * vb
        ) / sc
        lo_k = np.zeros(V.shape[0])
        hi_k = np.zeros(V.shape[0])
        for idx, dw, db, dq, ow, ob, oq in self.jumps:
            rate = dw[:, None] * xv[idx] + dq[:, None] * ds.wv[None, :] + db[:, None] * vb
            off = ow[:, None] * xv[idx] + oq[:, None] * ds.wv[None, :] + ob[:, None] * vb
            # the natural value sits at `off` within [0, rate]; the valid set is [0, rate]
            lo_k += (np.minimum(rate, 0) - off).sum(axis=0) / sc
            hi_k += (np.maximum(rate, 0) - off).sum(axis=0) / sc
        u = self.cand.u
        terms = (
            (np.abs(self.cw) * self.row_norm).sum() * vw_norm
            + self.kink_abs * vw_norm
            + (np.abs(self.cq).sum() + abs(self.rw) * sc) * np.sqrt(self.atoms[2]) * vw_norm
            + (np.abs(self.cb).sum() + abs(self.rb) * sc) * np.abs(vb)
        )
        score = (self.dc * self.row_abs * self.row_norm).sum() * vw_norm + (
            self.dc * self.row_abs
        ).sum() * np.abs(vb)
        g = self.cand.values
        gv = V @ g
        cand_b = (
            (gamma(self.n + 2, u) + ELEMENTARY_ULPS * u) * terms + gamma(self.dim + 2, u) * score
        ) / sc
        ref_b = (
            (gamma(self.n + 2, _U64) + ELEMENTARY_ULPS * _U64) * terms
            + gamma(self.dim + 2, _U64) * score
        ) / sc
        dot_b = (
            gamma(self.dim + 1, _U64) * (np.abs(V) @ np.abs(g)) + np.abs(V) @ self.cand.resolution
        )
        dot_b = dot_b + 2 * (self.n + self.dim + ELEMENTARY_ULPS) * (underflow(u) + _ETA)
        tol = cand_b + ref_b + dot_b
        fd = directional_fd(
            self.ff,
            X,
            self.y,
            w,
            b,
            ds,
            mean=self.mean,
            near_kink=self.near,
            curvature=self.dc,
            score_err=gamma(self.dim + 2, _U64) * self.row_abs,
            atoms=self.atoms,
        )
        fd_tol = fd.err + cand_b + dot_b
        self.method = fd.method
        out = []
        for i, lab in enumerate(labels):
            ok_ref = ref[i] + lo_k[i] - tol[i] <= gv[i] <= ref[i] + hi_k[i] + tol[i]
            ok_fd = fd.lo[i] - fd_tol[i] <= gv[i] <= fd.hi[i] + fd_tol[i]
            out.append(
                DirectionCheck(
                    lab,
                    float(gv[i]),
                    float(ref[i]),
                    float(fd.lo[i]),
                    float(fd.hi[i]),
                    float(tol[i]),
                    bool(ok_ref and ok_fd),
                )
            )
        return out

    def entry(self, j: int) -> Entry:
        """The exact-ish check of one entry (used for the localised culprits)."""
        sc = self.scale
        g = self.cand.values[j]
        if j < self.dim:
            col = self.X[:, j]
            r = (self.cw @ col + (self.cq.sum() + self.rw * sc) * self.w[j]) / sc
            terms = (
                np.abs(self.cw) @ np.abs(col) + abs(self.cq.sum() + self.rw * sc) * abs(self.w[j])
            ) / sc
            score = (self.dc * self.row_abs) @ np.abs(col) / sc
            name = f"w[{j}]"
        else:
            r = (self.cb.sum() + self.rb * sc) / sc
            terms = (np.abs(self.cb).sum() + abs(self.rb) * sc) / sc
            score = (self.dc * self.row_abs).sum() / sc
            name = "b"
        u = self.cand.u
        bound = (
            (gamma(self.n + 2, u) + gamma(self.n + 2, _U64) + 2 * ELEMENTARY_ULPS * u) * terms
            + 2 * gamma(self.dim + 2, u) * score
            + self.cand.resolution[j]
            + 2 * (self.n + self.dim + ELEMENTARY_ULPS) * underflow(u)
        )
        err = abs(g - r)
        return Entry(
            name,
            float(g),
            float(r),
            float("nan"),
            float("nan"),
            float(err),
            float(err / abs(r)) if r else float("inf"),
            float(bound),
            float(bound),
            float(digits_agreeing(g, r, bound)),
            False,
            bool(err <= bound),
        )


def _random_on(rng: np.random.Generator, size: int, blocks: list[tuple[int, int]]) -> Array:
    V = np.zeros((len(blocks), size))
    for r, (a, e) in enumerate(blocks):
        v = rng.standard_normal(e - a)
        V[r, a:e] = v / np.linalg.norm(v)
    return V


def fast_check(
    d: Derivation,
    ff: FormFunctions,
    cand: Candidate,
    X: Array,
    y: Array,
    w: Array,
    b: float,
    *,
    seed: int | None = None,
    k: int = 4,
) -> CheckReport:
    """Check ``cand`` along ``k`` random directions; localise wrong entries by bisection."""
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**32))
    rng = np.random.default_rng(seed)
    size = X.shape[1] + 1
    V = rng.standard_normal((k, size))
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    prob = _Problem(d, ff, cand, X, y, w, b, V)
    checks = prob.check(V, tuple(f"direction {i + 1}" for i in range(k)), xv=prob.first_xv)
    require_finite(
        np.array([c.reference for c in checks]), np.array([c.bound for c in checks]), cand.u
    )
    passed = all(c.ok for c in checks)
    report = CheckReport(
        loss=d.name,
        candidate=cand.source,
        mode="fast",
        passed=passed,
        precision=precision_name(cand.u),
        method=prob.method,
        convention=d.kink,
        seed=seed,
        n=prob.n,
        d=prob.dim,
        directions=checks,
    )
    dig = digits_agreeing([c.candidate for c in checks], [c.reference for c in checks], 0.0)
    report.digits = float(np.min(dig))
    floor = [-np.log10(c.bound / abs(c.reference)) for c in checks if c.reference]
    report.noise_floor_digits = float(min(floor)) if floor else 17.0
    smooth = [c for c in checks if c.fd_low == c.fd_high]
    if smooth:
        report.fd_digits = float(
            np.min(digits_agreeing([c.candidate for c in smooth], [c.fd_low for c in smooth], 0.0))
        )
    if int(prob.near.sum()):
        report.notes.append(
            f"{int(prob.near.sum())} sample(s) on or within rounding of a "
            f"kink: checked against the interval of valid subgradients"
        )
    if passed:
        return report
    # bisection over coordinate blocks
    blocks = [(0, size)]
    found: list[int] = []
    n_checks = 0
    while blocks:
        halves = []
        for a, e in blocks:
            if e - a == 1:
                found.append(a)
            else:
                mid = (a + e) // 2
                halves += [(a, mid), (mid, e)]
        if not halves:
            break
        res = prob.check(_random_on(rng, size, halves), tuple(f"{h}" for h in halves), halves)
        n_checks += len(halves)
        blocks = [h for h, c in zip(halves, res, strict=True) if not c.ok][:MAX_CULPRITS]
    entries = [prob.entry(j) for j in sorted(found)]
    report.entries = entries
    report.culprits = [
        e.name for e in sorted(entries, key=lambda e: -e.abs_error / e.bound if e.bound else 0)
    ]
    report.notes.append(
        f"bisection over coordinate blocks: {n_checks} directional checks "
        f"localised {len(found)} wrong entr{'y' if len(found) == 1 else 'ies'}"
        + (
            f" (following at most {MAX_CULPRITS} blocks per level)"
            if len(found) >= MAX_CULPRITS
            else ""
        )
    )
    if not found:
        report.notes.append(
            "no single block failed on its own: the error is spread thinly "
            "over many entries; run mode='full' to see them all"
        )
    return report


def _scaled_norms(M: Array, plain: Array) -> Array:
    """Row norms of M: ``plain`` (√Σx²) where it is finite, else computed with each row
    scaled by its largest entry, so |x| ~ 1e200 does not overflow to inf."""
    bad = ~np.isfinite(plain)
    if not bad.any():
        return plain
    out = np.array(plain, dtype=np.float64)
    rows = M[bad]
    m = np.abs(rows).max(axis=1)
    m[m == 0] = 1.0
    out[bad] = m * np.linalg.norm(rows / m[:, None], axis=1)
    return out
