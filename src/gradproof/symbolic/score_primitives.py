"""The score functions of the expression language: functions of a model's whole score vector.

Each entry is a :class:`~gradproof.symbolic._registry.Primitive` of the score kind
(``argument="scores"``), registered in the primitive registry beside the scalar functions:
``logsumexp(s)``, ``s[y]`` (the true class's score), ``max(s)`` (the maximum over the
classes) and ``softmax(s)[y]`` (the softmax component of the true class, parser sugar for
exp(s_y − logsumexp(s))); the built-in multi-class hinge also uses max_{k≠y} sₖ. Every entry
holds its atom, its display, ∂atom/∂s with the rule the steps name, the numpy templates of
generated code and the verify layer's own evaluators, side by side.

>>> [e.name for e in ENTRIES]
['logsumexp', 'label_score', 'max_classes', 'max_rivals', 'softmax']
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import sympy as sp

from gradproof.symbolic._registry import Primitive, PrimitiveRule, ScoreRule
from gradproof.symbolic.atoms import LSE, SMAX, SOTHER, SY

__all__ = ["ENTRIES", "HELPERS"]

HELPERS = '''\
def _rows(S):
    """Row numbers of a block of scores."""
    return _numpy.arange(S.shape[0])


def _onehot(idx, K, dt):
    """The n×K matrix with a 1 at (i, idx[i]) in every row i."""
    return (idx[:, None] == np.arange(K)).astype(dt)


def _take(S, y):
    """S[i, y[i]] for every row i."""
    if isinstance(S, _numpy.ndarray):
        return S[_rows(S), y]
    return (S * _onehot(y, S.shape[1], S.dtype)).sum(axis=1)


def _col(c):
    """A per-row coefficient as a column (a constant stays a constant)."""
    return c[:, None] if np.ndim(c) == 1 else c


def _add_at(G, idx, c):
    """G + c·e_idx in every row (in place for a numpy block)."""
    if isinstance(G, _numpy.ndarray):
        G[_rows(G), idx] += c
        return G
    return G + _col(c) * _onehot(idx, G.shape[1], G.dtype)


def _add_rows(G, c, D):
    """G + c·D row by row."""
    return G + _col(c) * D


def _lse_p(S):
    """log Σₖ exp(sₖ) of every row and the softmax P, shifted by the row maximum."""
    m = S.max(axis=1, keepdims=True)
    E = np.exp(S - m)
    z = E.sum(axis=1, keepdims=True)
    return (m + np.log(z))[:, 0], E / z


def _lse_p_inplace(S):
    """_lse_p for a numpy block nothing reads afterwards: S becomes P."""
    m = S.max(axis=1, keepdims=True)
    S -= m
    np.exp(S, out=S)
    z = S.sum(axis=1, keepdims=True)
    S /= z
    return (m + np.log(z))[:, 0], S


def _max_at(S):
    """The maximum of every row and the first class that reaches it."""
    k = S.argmax(axis=1)
    if isinstance(S, _numpy.ndarray):
        return S[_rows(S), k], k
    return S.max(axis=1), k


def _max_other(S, y):
    """The maximum of every row over the classes k ≠ y[i], and the first class reaching it."""
    T = np.where(_onehot(y, S.shape[1], S.dtype) > 0, -np.inf, S)
    return _max_at(T)
'''
"""Numpy helpers the score templates call (numpy only; Dask arrays take the generic path)."""


def _onehot_rows(idx: Any, K: int) -> Any:
    out = np.zeros((len(idx), K))
    out[np.arange(len(idx)), np.asarray(idx, dtype=int)] = 1.0
    return out


# -- the verify layer's evaluators: float64 rows, and one sample in mpmath -------------------
def _r_lse(S: Any, y: Any) -> tuple[Any, Any]:
    m = S.max(axis=1, keepdims=True)
    E = np.exp(S - m)
    z = E.sum(axis=1, keepdims=True)
    return (m + np.log(z))[:, 0], E / z


def _mp_lse(s: list[Any], y: int) -> tuple[Any, list[Any]]:
    m = max(s)
    e = [mpmath.exp(v - m) for v in s]
    z = mpmath.fsum(e)
    return m + mpmath.log(z), [v / z for v in e]


def _r_label(S: Any, y: Any) -> tuple[Any, Any]:
    idx = np.asarray(y, dtype=int)
    return S[np.arange(S.shape[0]), idx], _onehot_rows(idx, S.shape[1])


def _mp_label(s: list[Any], y: int) -> tuple[Any, list[Any]]:
    return s[y], [mpmath.mpf(1 if k == y else 0) for k in range(len(s))]


def _r_max(S: Any, y: Any) -> tuple[Any, Any]:
    k = S.argmax(axis=1)
    return S[np.arange(S.shape[0]), k], _onehot_rows(k, S.shape[1])


def _first_max(s: list[Any], skip: int | None) -> int:
    best = None
    for k, v in enumerate(s):
        if k != skip and (best is None or v > s[best]):
            best = k
    assert best is not None
    return best


def _mp_max(s: list[Any], y: int) -> tuple[Any, list[Any]]:
    k = _first_max(s, None)
    return s[k], [mpmath.mpf(1 if j == k else 0) for j in range(len(s))]


def _r_rival(S: Any, y: Any) -> tuple[Any, Any]:
    idx = np.asarray(y, dtype=int)
    T = np.array(S, dtype=np.float64)
    T[np.arange(S.shape[0]), idx] = -np.inf
    return _r_max(T, y)


def _mp_rival(s: list[Any], y: int) -> tuple[Any, list[Any]]:
    k = _first_max(s, y)
    return s[k], [mpmath.mpf(1 if j == k else 0) for j in range(len(s))]


def _ties(skip_label: bool) -> Any:
    def ties(s: list[Any], y: int, tol: Any) -> list[int]:
        cand = [k for k in range(len(s)) if not (skip_label and k == y)]
        top = max(s[k] for k in cand)
        return [k for k in cand if s[k] >= top - tol]

    return ties


def _softmax_component() -> sp.Expr:
    return sp.exp(SY - LSE)


# fmt: off
ENTRIES = [
    Primitive(
        "logsumexp", arity=1, argument="scores", build=lambda: LSE,
        rule=PrimitiveRule("LOGSUMEXP", "derivative of log-sum-exp (the softmax)"),
        example="logsumexp(s) - s[y]",
        score=ScoreRule(
            atom=LSE,
            text={"scalar": "log Σₗ exp(sₗ)", "index": "log Σₗ exp(sᵢₗ)"},
            latex={"scalar": r"\log \sum_{l} e^{s_{l}}", "index": r"\log \sum_{l} e^{s_{il}}"},
            direction=("p", "P", (
                "pᵢₖ = exp(sᵢₖ) / Σₗ exp(sᵢₗ)",
                r"p_{ik} = \frac{e^{s_{ik}}}{\sum_{l} e^{s_{il}}}",
            )),
            meaning="the log-sum-exp of the scores",
            labels=False, tie=False,
            numpy_value="{v}, {dv} = _lse_p(S)",
            inplace="{v}, {dv} = _lse_p_inplace(S)",
            numpy_add="_add_rows(G, {c}, {dv})",
            numpy_helper=HELPERS,
            real=_r_lse, mp=_mp_lse,
        ),
        notes="computed with the row maximum subtracted (stable for any scores)",
    ),
    Primitive(
        "label_score", arity=1, argument="scores", build=lambda: SY,
        rule=PrimitiveRule("LABEL_SCORE", "derivative of the true class's score"),
        example="logsumexp(s) - s[y]",
        score=ScoreRule(
            atom=SY,
            text={"scalar": "s_y", "index": "sᵢ,yᵢ"},
            latex={"scalar": "s_{y}", "index": "s_{i,y_{i}}"},
            direction=(
                "y",
                "Y",
                ("yᵢₖ = 𝟙[k = yᵢ]", r"y_{ik} = \mathrm{1\!\!1}\left[k = y_{i}\right]"),
            ),
            meaning="the score of the true class",
            labels=True, tie=False,
            numpy_value="{v} = _take(S, y)",
            numpy_add="_add_at(G, y, {c})",
            numpy_helper=HELPERS,
            real=_r_label, mp=_mp_label,
        ),
        notes="written s[y]",
    ),
    Primitive(
        "max_classes", arity=1, argument="scores", build=lambda: SMAX,
        rule=PrimitiveRule("MAX_CLASSES", "subgradient of the maximum over the classes"),
        example="max(s) - s[y]",
        score=ScoreRule(
            atom=SMAX,
            text={"scalar": "maxₗ sₗ", "index": "maxₗ sᵢₗ"},
            latex={"scalar": r"\max_{l} s_{l}", "index": r"\max_{l} s_{il}"},
            direction=("a", "A", (
                "aᵢₖ = 𝟙[k = argmaxₗ sᵢₗ] (the first class with the maximum)",
                r"a_{ik} = \mathrm{1\!\!1}\left[k = \operatorname{argmax}_{l} s_{il}\right]",
            )),
            meaning="the largest score",
            labels=False, tie=True,
            numpy_value="{v}, {dv} = _max_at(S)",
            numpy_add="_add_at(G, {dv}, {c})",
            numpy_helper=HELPERS,
            real=_r_max, mp=_mp_max, ties=_ties(False),
        ),
        notes="written max(s); where classes tie, the first one (lowest label) is taken",
    ),
    Primitive(
        "max_rivals", arity=1, argument="scores", build=lambda: SOTHER,
        rule=PrimitiveRule("MAX_RIVALS", "subgradient of the maximum over the other classes"),
        example="max(0, 1 + max_rivals(s) - s[y])",
        score=ScoreRule(
            atom=SOTHER,
            text={"scalar": "max_{l≠y} sₗ", "index": "max_{l≠yᵢ} sᵢₗ"},
            latex={"scalar": r"\max_{l \neq y} s_{l}", "index": r"\max_{l \neq y_{i}} s_{il}"},
            direction=("r", "R", (
                "rᵢₖ = 𝟙[k = argmax_{l≠yᵢ} sᵢₗ] (the strongest rival class, the first if tied)",
                r"r_{ik} = \mathrm{1\!\!1}\left[k = \operatorname{argmax}_{l \neq y_{i}} s_{il}"
                r"\right]",
            )),
            meaning="the largest score of the other classes",
            labels=True, tie=True,
            numpy_value="{v}, {dv} = _max_other(S, y)",
            numpy_add="_add_at(G, {dv}, {c})",
            numpy_helper=HELPERS,
            real=_r_rival, mp=_mp_rival, ties=_ties(True),
        ),
        notes="the strongest rival of the true class; ties as for max(s)",
    ),
    Primitive(
        "softmax", arity=1, argument="scores", build=_softmax_component,
        example="-log(softmax(s)[y])",
        notes="written softmax(s)[y]: exp(s_y − logsumexp(s)), the probability of the true class",
    ),
]
# fmt: on
