"""Name the culprit of a wrong gradient: which entries, which samples, which likely bug.

The loss is a sum over samples, so a gradient error e = candidate − correct is, for most
bugs, a simple function of the correct gradient or of the per-sample terms. Each classic bug
is a *hypothesis* — a gradient gradproof computes the wrong way on purpose — and is named
when the candidate matches it within the rounding bound:

* a factor on everything: −1 (sign flipped), 2, ½, 1/n (the mean where the loss sums), n;
* the sign or a factor on ∂L/∂w alone, or on ∂L/∂b alone; ∂L/∂b hard-coded to 0;
* the regulariser: e = κ·w with e_b = 0 (missing: κ = −λ, half: −λ/2, twice: +λ, extra);
* the active-set filter left out (every indicator 1), reversed, or always off;
* one coordinate wrong; X where Xᵀ belongs;
* otherwise **a sparse fit** (orthogonal matching pursuit) of e by a few per-sample
  directions (xᵢ, 1): when a handful of samples explain the whole error they are named,
  with the coefficient error each would need.

Samples are numbered from 1 and weights w[1] … w[d], as everywhere in gradproof.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gradproof._typing import Array
from gradproof.i18n import N_, Listing, lazy
from gradproof.verify.evaluators import FormFunctions
from gradproof.verify.reference import Reference

__all__ = ["Diagnosis", "diagnose"]


@dataclass
class Diagnosis:
    """Hints (sentences) and the samples (numbered from 1) they point at."""

    hints: list[str] = field(default_factory=list)
    samples: list[int] = field(default_factory=list)


def _close(a: Array, b: Array, tol: Array) -> bool:
    return bool(np.all(np.abs(a - b) <= 2 * tol))


def _g(v: float) -> str:
    return f"{v:.6g}"


def _forced(
    ff: FormFunctions, X: Array, y: Array, ref: Reference, b: float, how: Callable
) -> tuple[Array, Array]:
    """The gradient with every indicator replaced by ``how(natural, indicator, u)``, and its
    per-sample w coefficients (float64; for hypotheses only)."""
    n = X.shape[0]
    s, z, q, w = ref.z + b, ref.z, ref.q, ref.w
    xx = np.einsum("ij,ij->i", X, X)
    vals = []
    for ind, f in zip(ff.indicators, ff.np_indicators, strict=True):
        u = np.broadcast_to(f(s, z, q, b, y, xx, *ff.params), (n,))
        nat = np.where(u > 0, ind.above, np.where(u < 0, ind.below, float(ind.at)))
        vals.append(np.asarray(how(nat, ind, u), dtype=np.float64))
    c = [
        np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))
        for v in ff.np_coef(s, z, q, b, y, xx, *ff.params, *vals)
    ]
    sc = ref.scale
    gw = (c[0] @ X + (c[2].sum() + c[3][0] * sc) * w) / sc
    gb = (c[1].sum() + c[4][0] * sc) / sc
    return np.append(gw, gb), c[0]


_FILTERS = [
    (
        lambda nat, ind, u: np.full(u.shape, float(ind.above)),
        N_(
            "the candidate counts every sample as active, as if the indicator were always 1: the "
            "filter to the active set ({set}) is missing"
        ),
    ),
    (
        lambda nat, ind, u: np.where(u != 0, ind.above + ind.below - nat, nat),
        N_(
            "the filter is reversed: the candidate counts the samples outside the active set "
            "({set}) and leaves out those in it (a comparison the wrong way round)"
        ),
    ),
    (
        lambda nat, ind, u: np.full(u.shape, float(ind.below)),
        N_("the candidate counts no sample as active, as if the indicator were always 0"),
    ),
]
_FACTORS: dict[object, str] = {
    -1.0: N_("{what} is the negative of {correct}: the sign is flipped"),
    2.0: N_("{what} is 2 × {correct}: a factor of 2 (e.g. from the derivative of a square)"),
    0.5: N_("{what} is ½ × {correct}: a factor of ½ too many"),
    "mean": N_(
        "{what} is 1/n × {correct} (n = {n}): the candidate averages over the samples where "
        "the loss sums them (drop the division by n, or check mean=True / --mean)"
    ),
    "sum": N_(
        "{what} is n × {correct} (n = {n}): the candidate sums over the samples where the "
        "loss averages them"
    ),
    -2.0: N_("{what} is −2 × {correct}: the sign is flipped and a factor of 2 is wrong"),
    -0.5: N_("{what} is −½ × {correct}: the sign is flipped and a factor of ½ is wrong"),
}


def _factor_hint(
    g: Array, r: Array, tol: Array, n: int, what: str, correct: str | None = None
) -> str | None:
    """The hint for a candidate that is a constant multiple of the correct ``what``."""
    of = correct if correct is not None else lazy("the correct one")
    named: list[tuple[float, object]] = [
        (-1.0, -1.0),
        (2.0, 2.0),
        (0.5, 0.5),
        (1.0 / n, "mean"),
        (float(n), "sum"),
        (-2.0, -2.0),
        (-0.5, -0.5),
    ]
    if n == 1:
        named = named[:3] + named[5:]
    for lam, key in named:
        if _close(g, lam * r, tol):
            return lazy(_FACTORS[key], what=what, correct=of, n=n)
    rr = float(r @ r)
    lam = float(g @ r) / rr if rr > 0 else 0.0
    if lam != 0 and _close(g, lam * r, tol):
        return lazy(
            "{what} is {lam:.6g} × {correct}: a constant factor is wrong",
            what=what,
            lam=lam,
            correct=of,
        )
    return None


def diagnose(
    g: Array,
    r: Array,
    tol: Array,
    ref: Reference,
    ff: FormFunctions,
    X: Array,
    y: Array,
    b: float,
    *,
    set_name: str = "A",
    unfiltered: FormFunctions | None = None,
) -> Diagnosis:
    """Explain the difference between the candidate ``g`` and the correct gradient ``r``.

    ``unfiltered`` are the callables of the derivation with its max(0, ·) filters removed
    (:mod:`gradproof.verify.hypotheses`), for losses that filter without an indicator.
    """
    # One function on purpose: the hypotheses are tried in order, the first that fits wins,
    # and the order (a global factor before a regulariser before a filter …) is the logic.
    out = Diagnosis()
    n, d = X.shape
    e = g - r
    wrong = np.abs(e) > tol
    if not wrong.any():
        return out
    sig = np.abs(r) > tol
    # a factor on everything: evidence only with at least two clearly nonzero entries
    if int(sig.sum()) >= 2:
        whole = lazy("the whole gradient")
        hint = _factor_hint(g, r, tol, n, whole, lazy("the correct gradient"))
        if hint:
            out.hints.append(hint)
            return out
    reg = np.append(ref.rw * ref.w, ref.rb)
    if np.any(reg != 0) and int((np.abs(r - reg) > tol).sum()) >= 2:
        hint = _factor_hint(g - reg, r - reg, tol, n, lazy("the sum over the samples"))
        if hint:
            out.hints.append(lazy("{hint} (the regulariser's term is right)", hint=hint))
            return out
    if not wrong[-1] and int(sig[:-1].sum()) >= 2:
        hint = _factor_hint(g[:-1], r[:-1], tol[:-1], n, "∂L/∂w")
        if hint:
            out.hints.append(lazy("{hint} (∂L/∂b is right)", hint=hint))
            return out
    if not wrong[:-1].any():
        out.hints.append(_only_b(g[-1], r[-1], tol[-1], n))
        return out
    reg_hint = _regulariser_hint(e, ref, tol)
    if reg_hint:
        out.hints.append(reg_hint)
        return out
    tries = [(ff, how, text) for how, text in _FILTERS if ff.indicators]
    if unfiltered is not None:
        tries.insert(0, (unfiltered, _FILTERS[0][0], _FILTERS[0][1]))
    for fns, how, text in tries:
        forced = _forced(fns, X, y, ref, b, how)
        if _close(g, forced[0], tol):
            changed = np.flatnonzero(np.abs(forced[1] - ref.cw) > 0)
            out.samples = [int(i) + 1 for i in changed]
            out.hints.append(lazy(text, set=set_name) if "{set}" in text else lazy(text))
            return out
    if int(wrong.sum()) == 1 and not wrong[-1]:
        j = int(np.flatnonzero(wrong)[0])
        same = np.flatnonzero(np.abs(r[:-1] - g[j]) <= 2 * tol[:-1])
        fields = dict(j=j + 1, got=_g(g[j]), want=_g(r[j]), off=_g(e[j]))
        if same.size:
            out.hints.append(
                lazy(
                    "only w[{j}] is wrong: {got} where {want} belongs (off by {off}); it holds "
                    "the value of w[{k}] (an index off?)",
                    k=int(same[0]) + 1,
                    **fields,
                )
            )
        else:
            out.hints.append(
                lazy("only w[{j}] is wrong: {got} where {want} belongs (off by {off})", **fields)
            )
        return out
    if n == d:
        gw_t = (X @ ref.cw) / ref.scale + (r[:-1] - (ref.cw @ X) / ref.scale)
        if _close(g[:-1], gw_t, tol[:-1]):
            out.hints.append(
                lazy(
                    "∂L/∂w matches X·c instead of Xᵀ·c: a transposed matrix (use X.T @ c, or c @ X)"
                )
            )
            return out
    _sparse(out, e, X, ref, tol)
    return out


def _only_b(gb: float, rb: float, tol: float, n: int) -> str:
    if rb != 0 and abs(gb + rb) <= 2 * tol:
        return lazy("only ∂L/∂b is wrong, and it has the wrong sign")
    if gb == 0 and rb != 0:
        return lazy("only ∂L/∂b is wrong: it is 0 (hard-coded?) where {want} belongs", want=_g(rb))
    if rb != 0 and n > 1 and abs(gb - rb / n) <= 2 * tol:
        return lazy(
            "only ∂L/∂b is wrong: it is the mean of the coefficients where the loss sums them"
        )
    return lazy(
        "∂L/∂w is right; only ∂L/∂b is wrong ({got} where {want} belongs)",
        got=_g(gb),
        want=_g(rb),
    )


def _regulariser_hint(e: Array, ref: Reference, tol: Array) -> str | None:
    """e = κ·w with e_b = 0: the regulariser's gradient is missing, mis-scaled or extra."""
    w = ref.w
    ww = float(w @ w)
    if ww == 0 or abs(e[-1]) > tol[-1]:
        return None
    kappa = float(e[:-1] @ w) / ww
    if not _close(e[:-1], kappa * w, tol[:-1]):
        return None
    rho = ref.rw + float(ref.cq.sum()) / ref.scale
    if rho != 0:
        for factor, text in (
            (-1.0, N_("the regulariser's gradient is missing: the candidate lacks {rho}·w")),
            (
                -0.5,
                N_(
                    "the regulariser's gradient is half what it should be: ½·{rho}·w where "
                    "{rho}·w belongs (the gradient of (λ/2)‖w‖² is λw)"
                ),
            ),
            (
                1.0,
                N_("the regulariser's gradient is counted twice: 2·{rho}·w where {rho}·w belongs"),
            ),
        ):
            if _close(e[:-1], factor * rho * w, tol[:-1]):
                return lazy(text, rho=_g(rho))
        return lazy(
            "the regulariser's gradient is mis-scaled: the candidate has {got}·w where {want}·w "
            "belongs",
            got=_g(rho + kappa),
            want=_g(rho),
        )
    return lazy("the candidate adds {k}·w: a regulariser term the loss does not have", k=_g(kappa))


def _omp(e: Array, A: Array, tol: Array, max_atoms: int) -> tuple[list[int], Array, bool]:
    """Greedy sparse fit e ≈ A[:, S] @ a, each entry weighted by its tolerance; returns
    (S, a, whether every entry fits within twice its tolerance)."""
    top = float(np.max(tol)) if tol.size else 0.0
    if not (np.all(np.isfinite(e)) and np.all(np.isfinite(A)) and math.isfinite(top)) or top <= 0:
        return [], np.zeros(0), False
    floor = np.maximum(tol, top * 1e-12)
    # Weights in (0, 1] and the error scaled to at most 1: tolerances and errors near the
    # underflow range (a gradient of 1e-48 at large margins) give the same fit, not an SVD of
    # infinities. |eᵢ| ≤ 2·tolᵢ ⇔ |eᵢ·wᵢ| ≤ 2·min(floor) with wᵢ = min(floor)/floorᵢ.
    weight = float(np.min(floor)) / floor
    ew = e * weight
    size = float(np.max(np.abs(ew)))
    if size == 0:
        return [], np.zeros(0), True
    ew = ew / size
    limit = 2.0 * float(np.min(floor)) / size
    Aw = A * weight[:, None]
    norms = np.linalg.norm(Aw, axis=0)
    chosen: list[int] = []
    coef: Array = np.zeros(0)
    r = ew
    for _ in range(max_atoms):
        score = np.abs(Aw.T @ r) / np.where(norms > 0, norms, np.inf)
        score[chosen] = -1
        j = int(np.argmax(score))
        if score[j] <= 0:
            break
        chosen.append(j)
        try:
            coef = np.linalg.lstsq(Aw[:, chosen], ew, rcond=None)[0]
        except np.linalg.LinAlgError:
            break
        r = ew - Aw[:, chosen] @ coef
        if np.all(np.abs(r) <= limit):
            return chosen, coef * size, True
    return chosen, coef * size, False


def _sparse(out: Diagnosis, e: Array, X: Array, ref: Reference, tol: Array) -> None:
    """Name a few samples whose wrong coefficients explain the whole error."""
    n, d = X.shape
    if n * d > 4_000_000:
        return  # the fit needs X as a dense (d + 1) × n matrix
    A = np.vstack([X.T, np.ones((1, n))]) / ref.scale
    chosen, coef, fits = _omp(e, A, tol, min(n, d + 1, 8))
    if not (fits and chosen):
        return
    out.samples = [int(i) + 1 for i in chosen]
    cw = ref.cw
    parts = []
    for i, a in zip(chosen, coef, strict=True):
        fields = dict(i=i + 1, off=f"{a:.6g}")
        if cw[i] != 0 and abs(a + cw[i]) <= 1e-9 * max(1.0, abs(cw[i])):
            parts.append(lazy("sample {i}: coefficient off by {off} (left out)", **fields))
        elif cw[i] == 0:
            parts.append(
                lazy("sample {i}: coefficient off by {off} (should not contribute)", **fields)
            )
        elif abs(a - cw[i]) <= 1e-9 * max(1.0, abs(cw[i])):
            parts.append(lazy("sample {i}: coefficient off by {off} (counted twice)", **fields))
        else:
            parts.append(lazy("sample {i}: coefficient off by {off}", **fields))
    which = Listing(parts, lazy("; "))
    if len(chosen) >= n or n <= d + 1:
        hint = lazy(
            "the error is what wrong per-sample coefficients would give: {parts}", parts=which
        )
    else:
        hint = lazy(
            "the error is what wrong per-sample coefficients would give: {parts} (with more "
            "samples than unknowns other sets could explain it too)",
            parts=which,
        )
    out.hints.append(hint)
