"""Checking a candidate gradient of a model with K scores per sample, entry by entry.

:func:`check_model_gradient` is what :func:`gradproof.check_gradient` does for a model
derivation (``check_gradient("softmax", grad=my_grad, X=X, y=y)``). The reference at each
point is the derived gradient, confirmed by central differences of the derived loss
(:func:`~gradproof.verify.model_reference.reference_at`: along every entry, or along random
directions in fast mode); the candidate ``grad(X, y, W, b)`` (returning ``{"W": …, "b": …}``
or ``(dW, db)``) must match it entry by entry, and a failure names the entries (``W[2,1]``,
numbered from 1). Points: the given one (default zeros), then seeded random points, on the
given data or, with none, on generated data. Where ‖W‖₁ is kinked (an entry of W is 0) each
such entry may be anywhere in the L1 term's subgradient interval; at any other kink (a hinge
margin of exactly 0, tied rivals) every subgradient is valid and the point is skipped —
unless a convention is binding (``kink=``), when the declared one is required there.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradproof.datasets import sample_model_dataset
from gradproof.errors import DataError, GradproofError, OptionError
from gradproof.i18n import _, lazy, tr
from gradproof.numeric.model import model_arrays
from gradproof.numeric.network import network_arrays
from gradproof.numeric.network_example import random_point
from gradproof.parameters import NUMBERING, parse_parameters, shape_text
from gradproof.verify.candidate import PRECISIONS
from gradproof.verify.loading import no_hard_exit
from gradproof.verify.model_hints import value_hint
from gradproof.verify.model_reference import FULL_MAX, TOLERANCE, reference_at, tolerance
from gradproof.verify.tolerance import claim_resolution

__all__ = ["ModelCheckReport", "check_model_gradient", "TOLERANCE", "GENERATED"]

NET_NUMBERING = lazy(
    "entries are numbered from 1, as in gradproof derive: W1[3,1] is row 3, column 1 of W1 "
    "(Python's W1[2, 0]), the weight from input 1 to unit 3 of layer 1"
)

GENERATED = ((6, 2, 3), (12, 3, 4))
"""(n, d, K) of the datasets generated when no data is given."""


@dataclass(frozen=True)
class PointResult:
    """One point: its label, the verdict (pass, fail or kink) and the failing entries."""

    label: str
    verdict: str
    culprits: tuple[tuple[str, float, float], ...] = ()  # (entry, candidate, reference)
    error: float = 0.0
    failure: str = ""  # the candidate gave no gradient there: what happened
    kink: str = ""  # "l1" or "kink" where the point is on one, else ""
    hint: str = ""  # the mistake the numbers show (model_hints.value_hint), or ""


@dataclass(frozen=True)
class ModelCheckReport:
    """The outcome of :func:`check_model_gradient` (``str()`` is the printed report)."""

    loss: str
    passed: bool
    points: tuple[PointResult, ...]
    seed: int
    culprits: tuple[str, ...] = field(default=())
    mode: str = "full"
    data: tuple[str, ...] = ()
    binding: bool = False
    network: str = ""  # a network's widths and activation ("2-8-3 relu"), else ""

    def _point_line(self, p: PointResult) -> str:
        if p.verdict == "kink":
            return _("{label}: on a kink, skipped (any subgradient is valid)", label=p.label)
        where = _(" (on the L1 kink: its entries at 0 held to [−λ₁, λ₁])") if p.kink == "l1" else ""
        if p.kink == "kink":
            where = _(" (on a kink: held to the declared convention)")
        if p.verdict == "pass":
            return _(
                "{label}: pass (largest relative difference {error}){where}",
                label=p.label,
                error=f"{p.error:.1e}",
                where=where,
            )
        if p.failure:
            return _("{label}: FAIL — {why}", label=p.label, why=p.failure)
        bad = ", ".join(
            _("{entry} is {got}, should be {want}", entry=n, got=f"{g:.6g}", want=f"{w:.6g}")
            for n, g, w in p.culprits[:5]
        )
        if len(p.culprits) > 5:
            bad += _(" (and {count} more)", count=len(p.culprits) - 5)
        return _("{label}: FAIL — {bad}{where}", label=p.label, bad=bad, where=where)

    def __str__(self) -> str:
        verdict = _("PASS") if self.passed else _("FAIL")
        lines = [
            _(
                "gradproof check: {loss} — {verdict} ({mode} mode)",
                loss=f"{self.loss} {self.network}" if self.network else self.loss,
                verdict=verdict,
                mode=self.mode,
            )
        ]
        failures = [p.failure for p in self.points]
        if all(failures):  # no gradient anywhere: each reason once, not once per point
            for why in dict.fromkeys(failures):
                count = failures.count(why)
                lines.append("  " + _("at {count} point(s): FAIL — {why}", count=count, why=why))
        else:
            lines += ["  " + self._point_line(p) for p in self.points]
        hints = [p.hint for p in self.points if p.hint]
        if hints:
            lines.append("  " + _("hint: {hint}", hint=hints[0]))
        if self.data:
            lines.append("  " + _("data: {data}", data="; ".join(self.data)))
        layers = sorted({c.split("[")[0][1:] for c in self.culprits if c[1:2].isdigit()}, key=int)
        if layers:  # a network's parameters W1, b1, …: which layers the wrong entries are in
            lines.append(
                "  " + _("the wrong entries are in layer {layers}", layers=", ".join(layers))
            )
        numbering = tr(NET_NUMBERING if self.network else NUMBERING)
        lines.append("  " + _("seed {seed}; {numbering}", seed=self.seed, numbering=numbering))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the verdict, the culprits and every point."""
        return {
            "loss": self.loss,
            "passed": self.passed,
            "mode": self.mode,
            "seed": self.seed,
            "binding": self.binding,
            **({"network": self.network} if self.network else {}),
            "data": list(self.data),
            "culprits": list(self.culprits),
            "hint": next((p.hint for p in self.points if p.hint), None),
            "points": [
                {
                    "label": p.label,
                    "verdict": p.verdict,
                    "kink": p.kink or None,
                    "largest_relative_difference": p.error,
                    "failure": p.failure or None,
                    "entries": [{"entry": n, "got": g, "want": w} for n, g, w in p.culprits],
                }
                for p in self.points
            ],
        }


def _own_gradient(compiled: Any, names: tuple[str, ...]) -> Callable[..., Any]:
    """gradproof's own derived gradient as a candidate grad(X, y, W, b) (or a network's
    grad(X, y, W1, b1, …)): the self-test."""

    def grad(X: Any, y: Any, *params: Any) -> Any:
        return compiled.gradient(X, y, **dict(zip(names, params, strict=True)))

    return grad


def _signature(grad: Callable[..., Any], names: tuple[str, ...] = ("W", "b")) -> None:
    """A one-line error when ``grad`` cannot be called as grad(X, y, W, b) (a network's
    grad(X, y, W1, b1, W2, b2, …))."""
    try:
        sig = inspect.signature(grad)
    except (TypeError, ValueError):  # a builtin or C function: the call will tell
        return
    try:
        sig.bind(None, None, *[None] * len(names))
    except TypeError:
        name = getattr(grad, "__name__", "the gradient function")
        if names != ("W", "b"):
            raise OptionError(
                _(
                    "{name}{sig} cannot be called as grad(X, y, {params}); a network's "
                    "gradient function takes the data and every weight and bias and returns "
                    "a dict of their gradients by name",
                    name=name,
                    sig=str(sig),
                    params=", ".join(names),
                )
            ) from None
        raise OptionError(
            _(
                "{name}{sig} cannot be called as grad(X, y, W, b); a model's gradient function "
                'takes the data and the parameters and returns {{"W": …, "b": …}} or (dW, db)',
                name=name,
                sig=str(sig),
            )
        ) from None


def _datasets(
    d: Any, X: Any, y: Any, data: Any, seed: int, at: Any, claim: bool = False
) -> list[tuple[str, Any, Any]]:
    """(label, X, y) to check on: the given data, or generated data of the loss's labels
    (of the point's d and K when the point gives W); a claim, being one value, on the
    built-in data it was computed on."""
    if data is not None:
        if X is not None or y is not None:
            raise OptionError(_("give data= or X= and y=, not both"))
        X, y = data.X, data.y
    if (X is None) != (y is None):
        raise OptionError(_("a model's check needs both X and y (or neither: generated data)"))
    if X is not None:
        return [(_("the given data"), X, y)]
    if claim:
        ds = sample_model_dataset(d.spec.labels)
        y = ds.y if d.spec.labels == "targets" else ds.y.astype(int)
        return [(_(ds.source), ds.X, y)]
    rng = np.random.default_rng(seed)
    out = []
    shape = _shape_of_W(at)
    sizes: tuple[tuple[int, int, int], ...] = GENERATED
    if hasattr(d, "widths"):  # a network: its input and output widths
        sizes = tuple((n, d.widths[0], d.widths[-1]) for n, _d, _K in GENERATED)
    elif shape is not None:  # the point's d and K, two sizes of n
        sizes = tuple((n, shape[1], shape[0]) for n, _d, _K in GENERATED)
    for k, (n, dim, K) in enumerate(sizes, start=1):
        Xg = rng.normal(size=(n, dim))
        if d.spec.labels == "targets":
            yg: Any = rng.normal(size=(n, K))
        elif d.spec.labels == "pm1":  # one output unit, labels ±1 (both present)
            yg = rng.permutation(np.where(np.arange(n) % 2 == 0, 1.0, -1.0))
        else:
            yg = rng.permutation(np.arange(n) % K)  # every class present
        label = _("generated data {k} (n = {n}, d = {dim}, K = {K})", k=k, n=n, dim=dim, K=K)
        out.append((label, Xg, yg))
    return out


def check_model_gradient(
    d: Any,
    *,
    grad: Callable[..., Any] | None,
    X: Any = None,
    y: Any = None,
    data: Any = None,
    at: Mapping[str, Any] | str | None = None,
    points: int | None = None,
    seed: int | None = None,
    mode: str = "auto",
    directions: int = 4,
    binding: bool = False,
    claim: Mapping[str, Any] | None = None,
    precision: str | None = None,
) -> ModelCheckReport:
    """Check ``grad(X, y, W, b)`` (None: gradproof's own derived gradient, a self-test)
    against ``d``'s derived gradient at the given point and at ``points − 1`` seeded random
    points (default 4 in all) on each dataset; ``binding`` requires the declared conventions
    at kinks.

    ``claim`` (``{"W": K×d, "b": K}``) is a claimed gradient value instead of a function:
    checked at the given point only, on the given data (or the built-in data), each number
    held to its last written digit. ``precision`` (``"float16"``/``"float32"``) is the
    candidate's arithmetic when the dtypes of its result do not say (a float32 computation
    returned as float64): the tolerance is that precision's."""
    if claim is not None and grad is not None:
        raise OptionError(_("give grad= or claim=, not both"))
    if precision is not None and precision not in PRECISIONS:
        raise OptionError(
            _(
                "precision must be one of {names}, got {got!r}",
                names=", ".join(PRECISIONS),
                got=precision,
            )
        )
    if set(d.wrt) != set(d.parameters):
        raise OptionError(
            _(
                "check compares the whole gradient; derive {loss} with respect to all of {names}",
                loss=d.name,
                names=", ".join(d.parameters),
            )
        )
    compiled = d.numpy()
    network = hasattr(d, "widths")  # W1, b1, W2, b2, …: its widths fix d and K
    if network and claim is not None:
        raise OptionError(
            _("a claimed value is checked for one-layer models only; for a network give grad=")
        )
    if grad is None and claim is None:
        grad = _own_gradient(compiled, tuple(d.parameters))
    elif grad is not None:
        _signature(grad, tuple(d.parameters))
    seed = 0 if seed is None else int(seed)
    results: list[PointResult] = []
    labels: list[str] = []
    used = "full"
    for name, Xd, yd in _datasets(d, X, y, data, seed, at, claim is not None):
        if network:
            Xa, K = network_arrays(d, Xd, yd)[0], d.widths[-1]
        else:
            Xa, _lab, _T, K = model_arrays(d.spec.labels, Xd, yd, _rows(at))
        wide = _rows(claim) if claim is not None and at is None else None
        if wide is not None and wide > K:  # classes the claim has and the labels do not show
            K = model_arrays(d.spec.labels, Xd, yd, wide)[3]
        Xa = Xa.astype(np.float64)
        lay = d.layout(Xa.shape[1], K)
        resolution = None
        if claim is not None:  # one value: at its own point only
            grad, resolution = _claimed(claim, lay)
            points = 1
        use = mode if mode != "auto" else ("full" if lay.size <= FULL_MAX else "fast")
        used = "fast" if use == "fast" else used
        labels.append(name)
        many = len(labels) > 1 or (X is None and data is None)
        # a network's first point is random_point(d, seed): its own stream for the others
        rng = np.random.default_rng([seed, 1] if network else seed)
        if network and at is None:  # a network at zeros has no hidden gradient
            trials = [(_("the random point of seed {seed}", seed=seed), random_point(d, seed))]
        else:
            trials = [(_("the given point"), parse_parameters(at, lay, "at"))]
        for k in range(1, 4 if points is None else int(points)):
            # weights N(0, 1/fan-in) (a network's units stay in their working range), biases
            # N(0, 1)
            rand = {
                p: rng.standard_normal(s) / (np.sqrt(s[1]) if len(s) == 2 else 1.0)
                for p, s in lay.shapes.items()
            }
            trials.append((_("random point {k}", k=k), rand))
        assert grad is not None  # the derived gradient, the user's, or the claim's
        for label, point in trials:
            where = f"{label}, {name}" if many else label
            one = _one_point(
                d, compiled, grad, lay, Xa, yd, point, K, use, directions, binding, where,
                precision, resolution,
            )  # fmt: skip
            results.append(one)
    names = tuple(dict.fromkeys(c[0] for r in results for c in r.culprits))
    if not any(r.verdict in ("pass", "fail") for r in results):  # every point on a kink
        raise OptionError(
            _(
                "nothing could be checked: every point lies on a kink, where any subgradient "
                "is valid; add --points, or give --kink to hold a convention there"
            )
        )
    passed = all(r.verdict != "fail" for r in results) and any(r.verdict == "pass" for r in results)
    shown = tuple(labels) if (X is None and data is None) else ()
    net = f"{'-'.join(map(str, d.widths))} {d.activation}, {d.spec.name}" if network else ""
    return ModelCheckReport(
        d.name, passed, tuple(results), seed, names, used, shown, binding, network=net
    )


def _one_point(
    d: Any,
    compiled: Any,
    grad: Callable[..., Any],
    lay: Any,
    X: Any,
    y: Any,
    point: dict[str, Any],
    K: int,
    mode: str,
    directions: int,
    binding: bool,
    label: str,
    precision: str | None = None,
    resolution: Any = None,
) -> PointResult:
    """The verdict at one point (see the module docstring); ``resolution`` (flat): how far
    each claimed number may be off by the digits it was written with."""
    ref = reference_at(d, compiled, lay, X, y, point, K, mode, directions)
    kink = "" if ref.kind == "smooth" else ref.kind
    if ref.kind == "kink" and not binding:
        return PointResult(label, "kink", kink=kink)
    got = _candidate(grad, X, y, point, lay)
    if isinstance(got, str):
        return PointResult(label, "fail", failure=got, kink=kink)
    values, dt = got
    if precision is not None and np.finfo(precision).eps > np.finfo(dt).eps:
        dt = np.dtype(precision)  # the candidate's arithmetic, coarser than its result's dtype
    want = ref.want
    tol = tolerance(compiled, lay, X, y, point, K, want, dt, measured=ref.kind == "smooth")
    if resolution is not None:
        tol = tol + resolution
    if ref.kind == "l1" and not binding:
        assert ref.lower is not None and ref.upper is not None
        # inside the interval of valid subgradients (with the rounding allowed at its ends)
        err = np.maximum(ref.lower - values, values - ref.upper).clip(min=0)
        want = np.clip(values, ref.lower, ref.upper)
    else:
        err = np.abs(values - want)
    bad = np.flatnonzero(~(err <= tol))
    rel = float(np.max(err / (np.abs(want) + np.max(np.abs(want)) + 1e-300)))
    culprits = tuple((lay.entry_name(int(i)), float(values[i]), float(want[i])) for i in bad)
    hint = value_hint(d, lay, point, values, ref.want, tol, X.shape[0]) if culprits else ""
    return PointResult(label, "fail" if culprits else "pass", culprits, rel, kink=kink, hint=hint)


def _shape_hint(got: Mapping[str, Any], lay: Any, n: int) -> str:
    """What a wrong shape of the candidate's W or b usually means, or ''."""
    if "W" not in lay.shapes:  # a network: W1, b1, W2, …
        return _network_shape_hint(got, lay, n)
    K, d = lay.shapes["W"]
    W, b = np.shape(got.get("W", ())), np.shape(got.get("b", ()))
    if W == (d, K) and d != K:
        return _(
            "the W part has shape {got}, the transpose of W's {want}: return G.T @ X (GᵀX), "
            "not X.T @ G",
            got=shape_text(W),
            want=shape_text((K, d)),
        )
    if b in ((n, K), (n,)) and n != K:
        return _(
            "the b part has shape {got}, one row per sample: sum G over the samples "
            "(G.sum(axis=0))",
            got=shape_text(b),
        )
    return ""


def _network_shape_hint(got: Mapping[str, Any], lay: Any, n: int) -> str:
    """What a wrong shape of a layer's weight or bias part usually means, or ''."""
    for name, want in lay.shapes.items():
        have = np.shape(got.get(name, ()))
        ly = name[1:]
        if name[0] == "W" and have == want[::-1] and want[0] != want[1]:
            return _(
                "the {name} part has shape {got}, the transpose of {name}'s {want}: return "
                "δ{ly}.T @ A{below} (δₗᵀAₗ₋₁), not A{below}.T @ δ{ly}",
                name=name,
                got=shape_text(have),
                want=shape_text(want),
                ly=ly,
                below=int(ly) - 1,
            ).replace("A0", "X")
        if name[0] == "b" and have in ((n, want[0]), (n,)) and n != want[0]:
            return _(
                "the {name} part has shape {got}, one entry per sample: sum δ{ly} over the "
                "samples (δ{ly}.sum(axis=0))",
                name=name,
                got=shape_text(have),
                ly=ly,
            )
    return ""


def _as_dict(out: Any, names: tuple[str, ...]) -> dict[str, Any]:
    if isinstance(out, Mapping):
        missing = [n for n in names if n not in out]
        if missing:
            raise DataError(_("the candidate's gradient has no {names}", names=", ".join(missing)))
        return {n: out[n] for n in names}
    if isinstance(out, (tuple, list)) and len(out) == len(names):
        return dict(zip(names, out, strict=True))
    raise DataError(
        _(
            "the candidate must return {mapping} or a tuple ({parts}), got {type}",
            mapping="{" + ", ".join(repr(n) for n in names) + "}",
            parts=", ".join("d" + n for n in names),
            type=type(out).__name__,
        )
    )


def _candidate(
    grad: Callable[..., Any], X: Any, y: Any, point: dict[str, Any], lay: Any
) -> tuple[Any, Any] | str:
    """The candidate's gradient at ``point`` as a flat float64 vector and its dtype, or what
    went wrong (whatever the user's function raises is a FAIL, never a crash)."""
    args = [np.array(point[n]) for n in lay.names]  # (W, b), or (W1, b1, W2, b2, …)
    for a in args:
        a.flags.writeable = False
    try:
        with np.errstate(all="ignore"), no_hard_exit():
            out = grad(X, y, *args)
    except GradproofError:
        raise
    except BaseException as exc:  # the user's code, whatever it raises
        return _(
            "your gradient function raised {type}: {exc}", type=type(exc).__name__, exc=str(exc)
        )
    try:
        got_arr = {n: np.asarray(v) for n, v in _as_dict(out, lay.names).items()}
        hint = _shape_hint(got_arr, lay, X.shape[0])
        if hint:
            return hint
        got = lay.flatten(lay.check(got_arr, _("the candidate's gradient")))
    except (DataError, ValueError, TypeError) as exc:
        return str(exc)
    if np.iscomplexobj(got) or not np.all(np.isfinite(got)):
        return _("the candidate's gradient has a complex or non-finite entry")
    dt = np.result_type(*[a.dtype for a in got_arr.values()], np.float32)
    return np.asarray(got, dtype=np.float64), np.dtype(dt)


def _claimed(claim: Any, lay: Any) -> tuple[Callable[..., Any], Any]:
    """A claimed gradient ``{"W": …, "b": …}`` as a candidate that returns it, and the
    resolution of each of its numbers (flat: half a unit in its last written digit)."""
    if not isinstance(claim, Mapping):
        raise OptionError(
            _("a claim must look like {example}", example='{"W": [[…], …], "b": […]}')
        )
    values: dict[str, Any] = {}
    halves: dict[str, Any] = {}
    for name, raw in claim.items():
        entries = np.asarray(raw, dtype=object)
        try:
            values[name] = np.vectorize(float, otypes=[float])(entries)
            halves[name] = np.vectorize(claim_resolution, otypes=[float])(entries)
        except (TypeError, ValueError):
            raise DataError(
                _("the claim's {name} has an entry that is not a number", name=str(name))
            ) from None
    checked = lay.check(values, _("the claim"))
    resolution = lay.flatten(lay.check(halves, _("the claim")))
    return (lambda X, y, W, b: checked), resolution


def _shape_of_W(at: Any) -> tuple[int, int] | None:
    """(K, d) from a point that gives W as a matrix, else None."""
    if isinstance(at, str):
        try:
            at = json.loads(at)
        except ValueError:
            return None
    if isinstance(at, Mapping) and "W" in at and np.ndim(at["W"]) == 2:
        K, dim = np.shape(at["W"])
        return (int(K), int(dim)) if K > 0 and dim > 0 else None
    return None


def _rows(at: Any) -> int | None:
    """K from a point that gives W (its rows), else None."""
    shape = _shape_of_W(at)
    return None if shape is None else shape[0]
