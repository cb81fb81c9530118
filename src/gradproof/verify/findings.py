"""What a point's check found, as report data: entries, kinks, digits, hints.

Turns the numbers of :mod:`gradproof.verify.pointcheck` (the candidate, the reference, the
valid subgradient closest to the candidate, the finite differences) into the
:class:`~gradproof.verify.report.PointResult` fields a person reads: entries named w[1] …
w[d] and b, kink samples numbered from 1, agreeing digits, the interval each entry may take
at the kink samples, and the hints of :mod:`gradproof.verify.diagnose`.
"""

from __future__ import annotations

import numpy as np

from gradproof._typing import Array
from gradproof.i18n import lazy
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.render.printers import to_text
from gradproof.verify.diagnose import diagnose
from gradproof.verify.evaluators import FormFunctions
from gradproof.verify.finite_diff import FDResult
from gradproof.verify.hypotheses import unfiltered_functions
from gradproof.verify.kinks import CONVENTIONS, INEQUALITY, convention_gradient
from gradproof.verify.reference import Reference
from gradproof.verify.report import DirectionCheck, Entry, KinkSample, PointResult
from gradproof.verify.tolerance import digits_agreeing

__all__ = ["Findings", "method_of", "MAX_ENTRIES"]

MAX_ENTRIES = 100
"""Entries listed per point in full; beyond this many weights only the wrong ones are kept."""


def method_of(fd: FDResult) -> str:
    """How the finite differences were taken, in words."""
    method: str = fd.method
    if fd.one_sided:
        method = lazy(
            "{method}; {k} stencil(s) made one-sided to avoid crossing a kink",
            method=method,
            k=fd.one_sided,
        )
    if fd.on_kink:
        method = lazy("{method}; one-sided pairs at samples on a kink", method=method)
    return method


def _name(j: int, dim: int) -> str:
    return f"w[{j + 1}]" if j < dim else "b"


class Findings:
    """The numbers of one point's check, turned into the fields of its PointResult.

    ``closest`` is the valid subgradient nearest the candidate, ``free_closest`` its part
    from the kink pairs that were free to choose (``binding`` marks those held at a named
    convention), ``t`` one weight per kink pair.
    """

    def __init__(
        self,
        ref: Reference,
        ff: FormFunctions,
        g: Array,
        tol: Array,
        closest: Array,
        free_closest: Array,
        t: Array,
        binding: tuple[bool, ...],
    ) -> None:
        self.ref, self.ff, self.g, self.tol = ref, ff, g, tol
        self.closest, self.free_closest, self.t, self.binding = closest, free_closest, t, binding

    def entries(self, res: PointResult, fd: FDResult, fd_tol: Array, ok: Array) -> None:
        """Every entry (or, beyond MAX_ENTRIES weights, the wrong ones), and the culprits."""
        ref, g, tol, closest = self.ref, self.g, self.tol, self.closest
        dim = g.size - 1
        kink_cols = ref.kink_abs > 0
        free_lo, free_hi = np.zeros_like(g), np.zeros_like(g)
        for k, bnd in zip(ref.kinks, self.binding, strict=True):
            if not bnd:
                free_lo += np.minimum(k.jump, 0)
                free_hi += np.maximum(k.jump, 0)
        fixed = closest - self.free_closest  # base + the binding pairs
        lo, hi = fixed + free_lo, fixed + free_hi
        per_entry = fd.lo.size == g.size
        keep = range(dim + 1) if dim <= MAX_ENTRIES else np.flatnonzero(~ok)[:1000].tolist()
        res.entries = [
            Entry(
                name=_name(j, dim),
                candidate=float(g[j]),
                reference=float(ref.grad[j]),
                valid_low=float(lo[j]) if kink_cols[j] else float(ref.grad[j]),
                valid_high=float(hi[j]) if kink_cols[j] else float(ref.grad[j]),
                fd_low=float(fd.lo[j]) if per_entry else float("nan"),
                fd_high=float(fd.hi[j]) if per_entry else float("nan"),
                abs_error=float(abs(g[j] - closest[j])),
                rel_error=float(abs(g[j] - closest[j]) / abs(ref.grad[j]))
                if ref.grad[j] != 0
                else None,
                bound=float(tol[j]),
                fd_bound=float(fd_tol[j]) if per_entry else float("nan"),
                digits=float(digits_agreeing(g[j], closest[j], tol[j])),
                kink=bool(kink_cols[j]),
                ok=bool(ok[j]),
            )
            for j in keep
        ]
        res.wrong_entries = int((~ok).sum())
        res.significant = int(np.sum(np.abs(ref.grad) > tol))
        bad = np.flatnonzero(~ok)
        order = bad[np.argsort(-np.abs(g - closest)[bad] / np.maximum(tol[bad], 1e-300))]
        res.culprits = [_name(int(j), dim) for j in order]

    def directions(self, res: PointResult, V: Array, gv: Array, fd: FDResult, fd_tol, fd_ok):
        """Fast mode's checks along the random directions."""
        refv = V @ self.closest
        res.directions = [
            DirectionCheck(
                lazy("direction {i}", i=i + 1),
                float(gv[i]),
                float(refv[i]),
                float(fd.lo[i]),
                float(fd.hi[i]),
                float(fd_tol[i]),
                bool(fd_ok[i]),
            )
            for i in range(V.shape[0])
        ]

    def kinks(self, res: PointResult) -> None:
        """The kink samples (numbered from 1) and the named conventions the candidate fits."""
        ref, ff = self.ref, self.ff
        if not ref.kinks:
            return
        names = [to_text(ind.arg, atoms="scalar") for ind in ff.indicators]
        res.kinks = [
            KinkSample(k.sample + 1, names[k.indicator], k.u, k.exact, float(t), bool(bnd))
            for k, t, bnd in zip(ref.kinks, self.t, self.binding, strict=True)
        ]
        base = ref.base if ref.base is not None else ref.grad
        matched = tuple(
            c
            for c in CONVENTIONS
            if np.all(np.abs(self.g - convention_gradient(base, ref.kinks, c)) <= self.tol)
        )
        if all(ff.indicators[k.indicator].kind == "sign" for k in ref.kinks):
            # for |u| the "indicator" is sign(u): ½ ↔ sign(0) = 0, 1 ↔ +1, 0 ↔ −1
            sign = {"include": "sign(0) = +1", "exclude": "sign(0) = −1", "average": "sign(0) = 0"}
            matched = tuple(sign[c] for c in matched)
        res.kink_convention_matched = matched

    def digits(self, res: PointResult, fd: FDResult, coordinate: bool) -> None:
        """Agreeing digits over the entries a correct gradient pins to 3 digits or more (an
        entry as small as its own rounding bound has no digits to agree on)."""
        g, closest, tol = self.g, self.closest, self.tol
        sig = np.abs(closest) >= 1000 * np.maximum(tol, 1e-300)
        if sig.any():
            res.digits = float(np.min(digits_agreeing(g, closest, 0.0)[sig]))
            res.noise_floor_digits = _floor(tol[sig], closest[sig])
        if not coordinate:
            return
        smooth = (fd.lo == fd.hi) & (np.abs(closest) >= 1000 * np.maximum(fd.err, 1e-300))
        if smooth.any():
            res.fd_digits = float(np.min(digits_agreeing(g, fd.lo, 0.0)[smooth]))
            res.fd_noise_floor_digits = _floor(fd.err[smooth], closest[smooth])

    def explain(
        self,
        res: PointResult,
        d: Derivation,
        X: Array,
        y: Array,
        fd_ok: Array,
        member: bool,
        broken: str | None,
    ) -> None:
        """Hints for a failing point. ``broken`` names a binding convention the candidate
        breaks while being a valid subgradient; otherwise the classic bugs are tried."""
        g, ref = self.g, self.ref
        if broken is not None:
            res.hints.append(self._convention_hint(res, broken))
            return
        diag = diagnose(
            g,
            ref.grad if not ref.kinks else self.closest,
            self.tol,
            ref,
            self.ff,
            X,
            y,
            res.b,
            set_name=lazy(
                "the {meaning}, {set}", meaning=lazy(d.spec.set_meaning), set=d.spec.set_name
            ),
            unfiltered=unfiltered_functions(d.form, dict(d.params)),
        )
        res.hints.extend(diag.hints)
        res.samples = diag.samples
        if not fd_ok.all() and member:
            res.hints.append(
                lazy(
                    "the exact reference accepts it but finite differences of the "
                    "loss do not: the loss and its gradient formula disagree"
                )
            )
        diff = g - ref.grad
        res.correct = {
            "w": [float(v) for v in ref.grad[:-1]],
            "b": float(ref.grad[-1]),
            "difference": {"w": [float(v) for v in diff[:-1]], "b": float(diff[-1])},
        }

    def _convention_hint(self, res: PointResult, strict: str) -> str:
        bound = [k for k, bnd in zip(res.kinks, self.binding, strict=True) if bnd]
        others = [c for c in res.kink_convention_matched if c != strict]
        follows = (
            lazy(
                "the candidate follows {other} there ({reads})",
                other=others[0],
                reads=INEQUALITY.get(others[0], ""),
            )
            if others
            else lazy("the candidate is a valid subgradient there, but not that one")
        )
        return lazy(
            "kink={strict} is binding: at sample(s) {samples}, exactly on the kink of {switch}, "
            "{strict} means {reads}; {follows} — the wrong inequality at the kink",
            strict=strict,
            samples=", ".join(str(k.sample) for k in bound[:10]),
            switch=bound[0].switch if bound else "u",
            reads=INEQUALITY[strict],
            follows=follows,
        )


def _floor(tol: Array, value: Array) -> float:
    """Digits a correct gradient is guaranteed: −log₁₀(bound/|value|), within [0, 17]."""
    return float(np.clip(np.min(-np.log10(np.maximum(tol, 1e-300) / np.abs(value))), 0, 17))
