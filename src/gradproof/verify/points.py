"""Where a check looks: generated data when none is given, and points that can tell.

A single point proves little: at w = 0, b = 0 every sample of a margin loss sits on its kink,
where a gradient without its active-set filter, or one that averages, agrees with the
right one. So a check looks at the given (or default) point *and* at seeded random points:

* **data scale**: a random direction, scaled along a grid until every switching function of
  the loss has samples on both sides (so a missing or reversed filter changes the result),
  with a random intercept;
* **large margins**: scores around ±:data:`LARGE_SCORE`, where a naive ``exp`` overflows
  (smaller where the loss itself would overflow there);

each moved off every kink (no sample within rounding of a switching function), so the
reference there is one vector. And one **kink point**: w = 0 with b = s*, a score at which a
label's switching function is 0, so every sample with that label sits *exactly* on its kink
whatever the data (the score is b itself) — where a binding convention is tested. With no
data, the check runs on generated data of the loss's label set at each of
:data:`GENERATED_SIZES`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import sympy as sp

from gradproof._typing import Array
from gradproof.datasets import Dataset
from gradproof.i18n import N_, lazy
from gradproof.symbolic.atoms import S, Y, hyperparameter
from gradproof.symbolic.calculus import GradientForm
from gradproof.verify.evaluators import FormFunctions
from gradproof.verify.finite_diff import switch_near_kink

__all__ = [
    "GENERATED_SIZES",
    "DEFAULT_POINTS",
    "LARGE_SCORE",
    "CheckPoint",
    "generated_datasets",
    "kink_scores",
    "plan_points",
    "random_points",
]

GENERATED_SIZES = ((6, 2), (10, 3), (20, 5))
"""(n, d) of the datasets generated when a check is given no data."""

DEFAULT_POINTS = 5
"""Points per dataset by default: the given one, two at the data's scale, one at large
margins and the kink point."""

LARGE_SCORE = 1000.0
"""Typical |score| at the large-margin point: beyond exp's float64 range (709)."""

_SCALES = 2.0 ** np.arange(-4, 9)  # the grid searched for a point at the data's scale


@dataclass(frozen=True)
class CheckPoint:
    """A point (w, b) and how it was chosen (``kind``: given, default, data scale, large)."""

    w: Array
    b: float
    kind: str
    label: str


def generated_datasets(labels: str, seed: int, d: int | None = None) -> list[Dataset]:
    """Datasets of :data:`GENERATED_SIZES` (d features each when ``d`` is given), seeded.

    Features are standard normal; labels are ±1 (half of each, shuffled) or real targets
    of a random linear model plus noise.
    """
    out = []
    for k, (n, dd) in enumerate(GENERATED_SIZES):
        dd = dd if d is None else d
        rng = np.random.default_rng([seed, 7919, k])
        X = rng.standard_normal((n, dd))
        if labels == "pm1":
            y = np.where(rng.permutation(n) % 2 == 0, 1.0, -1.0)
        else:
            y = X @ rng.standard_normal(dd) + rng.standard_normal(n)
        out.append(Dataset(X, y, lazy("generated data {k} (n = {n}, d = {d})", k=k + 1, n=n, d=dd)))
    return out


class _Ray:
    """The points (f·v, b) along one random direction v, sized without touching X again:
    the scores are f·(X·v) + b and ‖w‖² = f²·‖v‖², with X·v computed once."""

    def __init__(self, ff: FormFunctions, X: Array, y: Array, xx: Array, v: Array) -> None:
        self.ff, self.X, self.y, self.xx, self.v = ff, X, y, xx, v
        self.xv = X @ v
        self.vv = float(v @ v)
        top = float(np.max(np.abs(self.xv))) if self.xv.size else 0.0
        # rms of X·v without overflow
        self.rms = top * float(np.sqrt(np.mean((self.xv / top) ** 2))) if top > 0 else 0.0

    def factor(self, alpha: float) -> float:
        """The multiple of v whose scores have rms alpha (weights stay below 10¹⁰⁰ even for
        data near 0, where no multiple reaches the scores)."""
        return min(alpha / self.rms, 1e100) if self.rms > 0 else alpha

    def atoms(self, f: float, b: float) -> tuple[Array, Array, float, Array]:
        z = f * self.xv
        return z + b, z, f * f * self.vv, self.xx

    def balance(self, f: float, b: float) -> int:
        """Samples on the smaller side of the least balanced switching function."""
        s, z, q, xx = self.atoms(f, b)
        n = s.shape[0]
        worst = n
        for g in self.ff.switches:
            u = np.broadcast_to(g(s, z, q, b, self.y, xx, *self.ff.params), (n,))
            worst = min(worst, int(min(np.sum(u > 0), np.sum(u < 0))))
        return worst

    def tame(self, f: float, b: float) -> bool:
        """Whether the loss and its coefficients stay far from float64 overflow."""
        ff, y = self.ff, self.y
        s, z, q, xx = self.atoms(f, b)
        n = s.shape[0]
        p = ff.params
        vals = []
        for ind, g in zip(ff.indicators, ff.np_indicators, strict=True):
            u = np.broadcast_to(g(s, z, q, b, y, xx, *p), (n,))
            vals.append(np.where(u > 0, ind.above, np.where(u < 0, ind.below, float(ind.at))))
        c = ff.np_coef(s, z, q, b, y, xx, *p, *vals)
        cw = np.broadcast_to(np.asarray(c[0], dtype=np.float64), (n,))
        ell = np.broadcast_to(np.asarray(ff.loss(s, z, q, b, y, xx, *p), dtype=np.float64), (n,))
        reg = np.asarray(ff.reg(s, z, q, b, y, xx, *p), dtype=np.float64)
        size = float(
            np.sum(np.abs(cw) * np.sqrt(xx))
            + np.sum(np.abs(ell))
            + np.abs(reg).max()
            + np.abs(s).max()
            + q
        )
        return bool(np.isfinite(size) and size < 1e200)

    def off_kinks(self, f: float, b: float, u: float) -> bool:
        """No sample within rounding of a switching function (Cauchy–Schwarz sizes |x|·|w|)."""
        s, z, q, xx = self.atoms(f, b)
        row_abs = np.sqrt(xx) * np.sqrt(q) + abs(b)
        return not switch_near_kink(
            self.ff, self.X, self.y, f * self.v, b, u, atoms=(s, z, q, xx), row_abs=row_abs
        ).any()


def random_points(
    ds: Dataset,
    ff: FormFunctions,
    count: int,
    seed: int,
    index: int,
    dtype: np.dtype,
    u: float,
    xx: Array | None = None,
) -> list[CheckPoint]:
    """``count`` random points for dataset number ``index``: the first at the data's scale,
    the second at large margins, the rest at the data's scale again; off every kink. Each
    try costs one pass over X (X·v); ``xx`` = ‖xᵢ‖² when the caller has it."""
    X, y = ds.X, ds.y
    if xx is None:
        xx = np.einsum("ij,ij->i", X, X)
    rng = np.random.default_rng([seed, index])
    out: list[CheckPoint] = []
    for r in range(count):
        large = r == 1
        for _ in range(20):
            ray = _Ray(ff, X, y, xx, rng.standard_normal(ds.d))
            b0 = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.5))  # b matters
            if large:
                alpha = LARGE_SCORE
                while alpha > 4 and not ray.tame(ray.factor(alpha), b0 * alpha):
                    alpha /= 4  # the loss itself would overflow there (e.g. exp(−y·s))
                f, b = ray.factor(alpha), b0 * alpha
            else:
                best = None
                for alpha in _SCALES * (1 + 0.25 * rng.random()):
                    f, b = ray.factor(float(alpha)), b0 * float(alpha)
                    if not ray.tame(f, b):
                        continue
                    score = (ray.balance(f, b), -abs(np.log2(alpha)))
                    if best is None or score > best[0]:
                        best = (score, f, b)
                # nothing tame on the grid: unit weights, unit intercept
                f, b = (best[1], best[2]) if best else (1 / max(np.sqrt(ray.vv), 1e-300), b0)
            w = np.asarray(f * ray.v, dtype=dtype).astype(np.float64)
            b = float(np.asarray(b, dtype=dtype))
            f_eff = float(np.linalg.norm(w)) / max(np.sqrt(ray.vv), 1e-300)
            if ray.off_kinks(f_eff, b, max(u, 2.0**-24)):
                break
        kind = N_("large margins") if large else N_("data scale")
        out.append(
            CheckPoint(w, b, kind, lazy("random point {r} ({kind})", r=r + 1, kind=lazy(kind)))
        )
    return out


@functools.lru_cache(maxsize=256)
def _kink_scores(form: GradientForm, params: tuple[tuple[str, float], ...], y0: float) -> tuple:
    values = {hyperparameter(k): sp.Float(v) for k, v in params}
    out: list[float] = []
    for sw in form.switches:
        if sw.kind == "piecewise":
            continue
        u = sw.expr.xreplace(values).xreplace({Y: sp.Float(y0)})
        if u.free_symbols != {S} or sp.count_ops(u) > 40:
            continue
        for sol in sp.solve(sp.Eq(u, 0), S):
            if sol.is_real and sol.is_number:
                v = float(sol)
                if np.isfinite(v) and v not in out:
                    out.append(v)
    return tuple(out)


def kink_scores(form: GradientForm, params: dict[str, float], y0: float) -> list[float]:
    """Scores s at which a sample with label y0 sits exactly on a kink (u(s, y0) = 0), for
    the switching functions of s and y alone."""
    return list(_kink_scores(form, tuple(sorted(params.items())), float(y0)))


def _kink_point(ds: Dataset, form: GradientForm, params: dict[str, float]) -> CheckPoint | None:
    """w = 0, b = s*: the samples whose label has its kink at s* sit exactly on it."""
    pm1 = bool(np.all(np.isin(ds.y, (-1.0, 1.0))))
    for y0 in [1.0, -1.0] if pm1 else [float(ds.y[0])]:
        scores = kink_scores(form, params, y0)
        if scores:
            return CheckPoint(np.zeros(ds.d), float(scores[0]), "kink", lazy("kink point"))
    return None


def plan_points(
    ds: Dataset,
    ff: FormFunctions,
    form: GradientForm,
    params: dict[str, float],
    given: CheckPoint,
    count: int,
    seed: int,
    index: int,
    dtype: np.dtype,
    u: float,
    xx: Array | None = None,
) -> list[CheckPoint]:
    """``count`` points: the given one, a random one at the data's scale, one at large
    margins, the kink point (unless the given point is it), then more at the data's scale."""
    if count <= 1:
        return [given]
    kink = _kink_point(ds, form, params)
    if kink is not None and not np.any(given.w) and given.b == kink.b:
        kink = None
    extra = 0 if kink is None or count < 4 else 1
    rand = random_points(ds, ff, count - 1 - extra, seed, index, dtype, u, xx)
    pts = [given, *rand[:2], *([kink] if kink is not None and extra else []), *rand[2:]]
    return pts[:count]
