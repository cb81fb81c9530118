"""Where a check looks: generated data when none is given, and points that can tell.

A single point proves little: at w = 0, b = 0 every sample of a margin loss sits on its kink,
where a gradient without its active-set filter, or one that averages, agrees with the
right one. So a check looks at the given (or default) point *and* at seeded random points:

* **data scale**: a random direction, scaled along a grid until every switching function of
  the loss has samples on both sides (so a missing or reversed filter changes the result),
  with a random intercept;
* **large margins**: scores around ±:data:`LARGE_SCORE`, where a naive ``exp`` overflows
  (smaller where the loss itself would overflow there);
* **medium margins**: one sample's margin :data:`MEDIUM_SCORE`, the others spread below it, so
  a gradient cut off or saturated in the tail (``c = 0`` once the margin passes 5) differs
  from the right one at that sample at least — the data-scale points rarely reach margins
  past 3 and the large-margin point saturates every sample;
* **beside a kink**: w small and b = s* (see below), so the samples of that label sit on
  both sides of their kink, within :data:`BESIDE` (relative) of it but off it by far more than
  rounding: a filter with the wrong threshold (``y·s < 1.1`` for ``< 1``) counts some of them
  wrongly; and the same **mirrored** (w → −w), which puts each of those samples on the other
  side;

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

DEFAULT_POINTS = 6
"""Points per dataset by default: the given one, one at the data's scale, one at large
margins, then for a loss with a kink point the kink point (unless it is the given one), two
beside it and one at medium margins, or else one at medium margins and more at the data's
scale (the first six of these)."""

LARGE_SCORE = 1000.0
"""Typical |score| at the large-margin point: beyond exp's float64 range (709)."""

DATA_SCALE = N_("data scale")
LARGE = N_("large margins")
MEDIUM = N_("medium margins")
BESIDE_KINK = N_("beside a kink")
MIRRORED = N_("beside a kink, mirrored")
"""The point beside a kink along −v for the previous one's v: each sample of the kink's
label that was on one side of it there is on the other side here, so together the two
points see every such sample active once (a gradient that skips one sample cannot pass)."""

MEDIUM_SCORE = 20.0
"""The margin of one sample at the medium-margin point (the others spread below it): there
σ(−20) = 2·10⁻⁹ is still far above a float64 gradient's rounding, so a gradient that drops
or saturates the terms past any margin below 20 differs from the right one."""

BESIDE = 1e-3
"""How far (relative to max(1, |s*|)) the samples beside a kink sit from it, at most about
three times this (at least 1024 unit roundoffs, for low-precision candidates)."""

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
    kinds: list[str],
    seed: int,
    index: int,
    dtype: np.dtype,
    u: float,
    xx: Array | None = None,
    kink_b: float | None = None,
) -> list[CheckPoint]:
    """One random point of each of ``kinds`` ("data scale", "large margins", "medium
    margins", "beside a kink" — the last with b = ``kink_b``) for dataset number ``index``,
    off every kink. Each try costs one pass over X (X·v); ``xx`` = ‖xᵢ‖² when the caller
    has it."""
    X, y = ds.X, ds.y
    if xx is None:
        xx = np.einsum("ij,ij->i", X, X)
    rng = np.random.default_rng([seed, index])
    out: list[CheckPoint] = []
    beside: Array | None = None  # the direction of the last point beside a kink
    for r, kind in enumerate(kinds):
        for _ in range(20):
            mirrored = kind == MIRRORED and beside is not None
            v = -beside if mirrored else rng.standard_normal(ds.d)  # type: ignore[operator]
            ray = _Ray(ff, X, y, xx, v)
            b0 = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.5))  # b matters
            f, b = _place(ray, kind, b0, rng, u, kink_b)
            w = np.asarray(f * ray.v, dtype=dtype).astype(np.float64)
            b = float(np.asarray(b, dtype=dtype))
            f_eff = float(w @ ray.v) / max(ray.vv, 1e-300)  # after rounding to dtype; signed
            if ray.off_kinks(f_eff, b, max(u, 2.0**-24)) or mirrored:
                break
        if kind == BESIDE_KINK:
            beside = ray.v
        out.append(
            CheckPoint(w, b, kind, lazy("random point {r} ({kind})", r=r + 1, kind=lazy(kind)))
        )
    return out


def _place(
    ray: _Ray, kind: str, b0: float, rng: np.random.Generator, u: float, kink_b: float | None
) -> tuple[float, float]:
    """The multiple f of the ray's direction and the intercept b for a point of ``kind``."""
    if kind in (BESIDE_KINK, MIRRORED) and kink_b is not None:
        # scores s* + f·(X·v) with rms BESIDE·max(1, |s*|): both sides of the kink, close
        spread = max(BESIDE, 1024 * u) * max(1.0, abs(kink_b)) * (1 + 0.25 * rng.random())
        return ray.factor(spread), kink_b
    if kind == MEDIUM:
        # one sample's margin y·s (its score, for real targets) is MEDIUM_SCORE, the others
        # spread below: that sample is past any cut-off under it
        pm1 = bool(np.all(np.isin(ray.y, (-1.0, 1.0))))
        a = ray.y * ray.xv if pm1 else ray.xv
        k = int(np.argmax(np.abs(a))) if a.size else 0
        if a.size and a[k] != 0:
            target = MEDIUM_SCORE * (1 + 0.25 * rng.random())
            f = (target - (ray.y[k] * b0 if pm1 else b0)) / float(a[k])
            f = float(np.clip(f, -1e100, 1e100))
            if ray.tame(f, b0):
                return f, b0
    if kind in (LARGE, MEDIUM):
        alpha = LARGE_SCORE if kind == LARGE else MEDIUM_SCORE
        alpha *= 1 + 0.25 * rng.random()
        while alpha > 4 and not ray.tame(ray.factor(alpha), b0 * alpha):
            alpha /= 4  # the loss itself would overflow there (e.g. exp(−y·s))
        return ray.factor(alpha), b0 * alpha
    best = None
    for alpha in _SCALES * (1 + 0.25 * rng.random()):
        f, b = ray.factor(float(alpha)), b0 * float(alpha)
        if not ray.tame(f, b):
            continue
        score = (ray.balance(f, b), -abs(np.log2(alpha)))
        if best is None or score > best[0]:
            best = (score, f, b)
    if best is None:  # nothing tame on the grid (huge data): the smallest scale of the grid
        alpha = float(_SCALES[0])
        return ray.factor(alpha), b0 * alpha
    return best[1], best[2]


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
    margins, then the kink point (unless the given point is it) and two beside it (mirrored)
    when the loss has one, medium margins, and more at the data's scale."""
    if count <= 1:
        return [given]
    kink = _kink_point(ds, form, params)
    kink_b = None if kink is None else kink.b
    if kink is not None and not np.any(given.w) and given.b == kink.b:
        kink = None  # the given point is the kink point
    kinds = [DATA_SCALE, LARGE]
    kinds += [BESIDE_KINK, MIRRORED, MEDIUM] if kink_b is not None else [MEDIUM]
    extra = 0 if kink is None or count < 4 else 1
    more = max(0, count - 1 - extra - len(kinds))
    kinds = (kinds + [DATA_SCALE] * more)[: max(0, count - 1 - extra)]
    rand = random_points(ds, ff, kinds, seed, index, dtype, u, xx, kink_b)
    pts = [given, *rand[:2], *([kink] if kink is not None and extra else []), *rand[2:]]
    return pts[:count]
