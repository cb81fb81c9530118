"""Hypothesis strategies for gradient checks: datasets, points, and points on kinks.

>>> from hypothesis import given, settings
>>> @settings(max_examples=20, database=None, derandomize=True)
... @given(kink_problems("perceptron"))
... def test_sample_0_on_the_kink(problem):
...     X, y, w, b = problem
...     assert X.shape[0] == y.shape[0] and X.shape[1] == w.shape[0]
...     assert -y[0] * (X[0] @ w + b) == 0.0  # exactly on the kink
>>> test_sample_0_on_the_kink()

Values are small dyadic rationals (multiples of 1/4) by default, so a point placed on a kink
is exactly on it in float64 and in exact arithmetic alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from gradproof.symbolic.atoms import S, Y, hyperparameter

__all__ = ["values", "labels", "datasets", "points", "problems", "kink_problems"]


def values(dyadic: bool = True, bound: float = 4.0) -> st.SearchStrategy[float]:
    """Finite numbers in [−bound, bound]: multiples of 1/4, or any floats of moderate size."""
    if dyadic:
        k = int(bound * 4)
        return st.integers(-k, k).map(lambda i: i / 4)
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=64)


def labels(kind: str = "pm1", n: int = 1) -> st.SearchStrategy[np.ndarray]:
    """n labels: ±1 (``pm1``) or real targets (``real``)."""
    elem = st.sampled_from([-1.0, 1.0]) if kind == "pm1" else values(True, 4.0)
    return st.lists(elem, min_size=n, max_size=n).map(lambda v: np.array(v, dtype=np.float64))


@st.composite
def datasets(
    draw: Any,
    kind: str = "pm1",
    n: tuple[int, int] = (1, 8),
    d: tuple[int, int] = (1, 4),
    dyadic: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) with n samples and d features in the given ranges."""
    nn = draw(st.integers(*n))
    dd = draw(st.integers(*d))
    X = np.array(
        draw(st.lists(values(dyadic), min_size=nn * dd, max_size=nn * dd)), dtype=np.float64
    ).reshape(nn, dd)
    return X, draw(labels(kind, nn))


@st.composite
def points(draw: Any, d: int, dyadic: bool = True) -> tuple[np.ndarray, float]:
    """A point (w, b) with d weights."""
    w = np.array(draw(st.lists(values(dyadic, 2.0), min_size=d, max_size=d)), dtype=np.float64)
    return w, float(draw(values(dyadic, 2.0)))


def _spec(loss: Any) -> Any:
    from gradproof.symbolic.derivation import Derivation
    from gradproof.symbolic.losses import get_loss

    return loss.spec if isinstance(loss, Derivation) else get_loss(loss)


@st.composite
def problems(
    draw: Any,
    loss: Any,
    n: tuple[int, int] = (1, 8),
    d: tuple[int, int] = (1, 4),
    dyadic: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(X, y, w, b) for a loss (name or Derivation), with labels of the loss's kind."""
    X, y = draw(datasets(_spec(loss).labels, n, d, dyadic))
    w, b = draw(points(X.shape[1], dyadic))
    return X, y, w, b


_KINK_CACHE: dict[tuple[Any, ...], list[float]] = {}


def _kink_scores(loss: Any, y0: float) -> list[float]:
    """Scores s at which sample with label y0 sits on a kink of the loss (u(s) = 0)."""
    spec = _spec(loss)
    key = (spec.name, str(spec.per_sample), tuple(sorted(spec.params.items())), y0)
    if key not in _KINK_CACHE:
        _KINK_CACHE[key] = _solve_kinks(spec, y0)
    return _KINK_CACHE[key]


_SWITCH_CACHE: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _switches(spec: Any) -> tuple[Any, ...]:
    """The switching functions of a loss (differentiated once per loss)."""
    from gradproof.symbolic.calculus import differentiate

    key = (spec.name, str(spec.per_sample), str(spec.regularizer))
    if key not in _SWITCH_CACHE:
        form = differentiate(spec.per_sample, spec.regularizer, sp.Integer(1), False)
        _SWITCH_CACHE[key] = tuple(form.switches)
    return _SWITCH_CACHE[key]


def _solve_kinks(spec: Any, y0: float) -> list[float]:
    params = {hyperparameter(k): v for k, v in spec.params.items()}
    out = []
    for sw in _switches(spec):
        if sw.kind == "piecewise":
            continue
        u = sw.expr.subs(params).subs(Y, y0)
        if u.free_symbols - {S}:
            continue
        for sol in sp.solve(sp.Eq(u, 0), S):
            if sol.is_real:
                out.append(float(sol))
    return out


@st.composite
def kink_problems(
    draw: Any,
    loss: Any,
    n: tuple[int, int] = (1, 8),
    d: tuple[int, int] = (1, 4),
    everyone: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(X, y, w, b) with sample 0 exactly on a kink: b is chosen so that u(s₀) = 0
    (y·s = 0 for the perceptron, y·s = 1 for the hinge); dyadic values keep it exact.

    With ``everyone``, w = 0, so every sample has the score b and all samples whose label
    puts that score on a kink sit on it at once (all of them for the perceptron).
    """
    X, y, w, b = draw(problems(loss, n, d, True))
    targets = _kink_scores(loss, float(y[0]))
    if not targets:
        return X, y, w, b
    s_star = draw(st.sampled_from(targets))
    if everyone:
        w = np.zeros_like(w)
    b = float(s_star - X[0] @ w)
    return X, y, w, b
