"""Shapes and values of the matrix and index forms that a model's derivation prints.

The steps of a model derivation are display expressions (:mod:`gradproof.symbolic.display`):
matrix forms such as (P − Y)ᵀX + λW, and index forms such as Σᵢ (pᵢₖ − yᵢₖ) xᵢⱼ. Both are
*checked*, not trusted:

* :func:`shape_of` works out the shape of a matrix form from the shapes of its letters and
  raises :class:`DimensionError` when a product's inner sizes or a sum's terms do not match
  (every step is checked as it is built);
* :func:`evaluate_matrix` and :func:`evaluate_index` compute a form's numbers on a small
  instance, so the derivation can be cross-checked against SymPy before it is printed
  (:mod:`gradproof.symbolic.crosscheck`). Index forms are evaluated with named axes (i
  samples, k and l classes, j features): a free index that should not be there, or one that
  is missing, is a :class:`DimensionError` too.

Vectors are columns: b ∈ ℝᴷ is K×1, 𝟏ᵀ is 1×n.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from gradproof.symbolic import display as D
from gradproof.symbolic import primitives
from gradproof.symbolic.atoms import SCORE_ATOMS, SK, YK, Y
from gradproof.symbolic.functions import ClassSum

__all__ = [
    "DimensionError",
    "Shape",
    "shape_of",
    "check_shape",
    "evaluate_matrix",
    "IndexContext",
    "evaluate_index",
    "AXES",
]

Shape = tuple[str, ...]
"""A shape in size names: ("K", "d"), ("K",), () for a scalar."""

AXES = ("i", "k", "l", "j")
"""Index letters in their canonical order, and the sizes they run over."""
_SIZE = {"i": "n", "k": "K", "l": "K", "j": "d"}


class DimensionError(AssertionError):
    """A step whose shapes do not fit together: a bug in gradproof, never the user's."""


def _two(shape: Shape) -> tuple[str, str]:
    if len(shape) == 0:
        return ("1", "1")
    if len(shape) == 1:
        return (shape[0], "1")
    return (shape[0], shape[1])


def _one(shape: tuple[str, str]) -> Shape:
    if shape == ("1", "1"):
        return ()
    if shape[1] == "1":
        return (shape[0],)
    return shape


def _scalar(e: sp.Basic) -> bool:
    return bool(e.is_commutative) and not e.has(D.Mat)


def _shape2(e: sp.Basic, shapes: Mapping[str, Shape]) -> tuple[str, str]:
    if isinstance(e, D.Mat):
        if e.name not in shapes:
            raise DimensionError(f"internal error: no shape is known for {e.name}")
        return _two(shapes[e.name])
    if _scalar(e):
        return ("1", "1")
    if isinstance(e, D.Tr):
        r, c = _shape2(e.args[0], shapes)
        return (c, r)
    if isinstance(e, D.Diag):
        return ("n", "n")
    if isinstance(e, D.Sgn):
        return _shape2(e.args[0], shapes)
    if isinstance(e, D.Hadamard):
        a, b = (_shape2(x, shapes) for x in e.args)
        if a != b:
            raise DimensionError(
                f"internal error: in {e}, a {a[0]}×{a[1]} matrix is multiplied entrywise by "
                f"a {b[0]}×{b[1]} one"
            )
        return a
    if isinstance(e, sp.Add):
        found = {_shape2(t, shapes) for t in e.args}
        if len(found) != 1:
            raise DimensionError(
                f"internal error: the terms of {e} have shapes "
                + ", ".join("×".join(s) for s in sorted(found))
            )
        return found.pop()
    if isinstance(e, sp.Mul):
        chain = [f for f in e.args if not _scalar(f)]
        shape = _shape2(chain[0], shapes)
        for f in chain[1:]:
            nxt = _shape2(f, shapes)
            if shape[1] != nxt[0]:
                raise DimensionError(
                    f"internal error: in {e}, a {shape[0]}×{shape[1]} matrix is multiplied "
                    f"by a {nxt[0]}×{nxt[1]} one ({f})"
                )
            shape = (shape[0], nxt[1])
        return shape
    raise DimensionError(f"internal error: no shape rule for {type(e).__name__} ({e})")


def shape_of(expr: sp.Basic, shapes: Mapping[str, Shape]) -> Shape:
    """The shape of a matrix form, from the shapes of its letters (``{"W": ("K", "d")}``)."""
    return _one(_shape2(expr, shapes))


def check_shape(expr: sp.Basic, expected: Shape, shapes: Mapping[str, Shape], what: str) -> None:
    """Raise :class:`DimensionError` unless ``expr`` has the shape ``expected``."""
    got = shape_of(expr, shapes)
    if got != tuple(expected):
        raise DimensionError(
            f"internal error: {what} has shape {'×'.join(got) or 'scalar'} but should have "
            f"{'×'.join(expected) or 'scalar'}"
        )


# -- values of matrix forms -------------------------------------------------------------------
def evaluate_matrix(
    expr: sp.Basic, env: Mapping[str, Any], scalars: Mapping[sp.Symbol, float]
) -> Any:
    """The value of a matrix form: ``env`` maps letters to arrays (vectors 1-d), ``scalars``
    hyperparameter symbols to numbers. The result is 2-d (a vector is a column)."""

    def ev(e: sp.Basic) -> Any:
        if isinstance(e, D.Mat):
            a = np.asarray(env[e.name], dtype=np.float64)
            return a.reshape(-1, 1) if a.ndim == 1 else a.reshape(1, 1) if a.ndim == 0 else a
        if _scalar(e):
            return np.array([[float(e.xreplace(dict(scalars)))]])
        if isinstance(e, D.Tr):
            return ev(e.args[0]).T
        if isinstance(e, D.Diag):
            return np.diag(ev(e.args[0])[:, 0])
        if isinstance(e, D.Hadamard):
            return ev(e.args[0]) * ev(e.args[1])
        if isinstance(e, D.Sgn):
            a = ev(e.args[0])
            return np.where(a > 0, 1.0, np.where(a < 0, -1.0, float(e.args[1])))
        if isinstance(e, sp.Add):
            return sum((ev(t) for t in e.args[1:]), ev(e.args[0]))
        if isinstance(e, sp.Mul):
            scale = [f for f in e.args if _scalar(f)]
            chain = [f for f in e.args if not _scalar(f)]
            out = ev(chain[0])
            for f in chain[1:]:
                out = out @ ev(f)
            c = float(sp.Mul(*scale).xreplace(dict(scalars))) if scale else 1.0
            return c * out
        raise DimensionError(f"internal error: cannot evaluate {type(e).__name__} ({e})")

    return ev(expr)


# -- values of index forms --------------------------------------------------------------------
@dataclass(frozen=True)
class _Named:
    """An array whose axes are named by index letters (in canonical order)."""

    axes: tuple[str, ...]
    values: Any


@dataclass
class IndexContext:
    """What an index form's letters stand for on one instance.

    ``tensors`` maps an entry's letter to an array whose axes are the entry's index letters
    in the order written (x_ij → X, W_kj → W, p_ik → P, b_k → b, y_ik → one-hot Y);
    ``labels`` are the class labels yᵢ (or None for real targets, then ``targets`` is Y);
    ``atoms`` per-sample values of the score atoms; ``scores`` the n×K scores; ``scalars``
    hyperparameter values.
    """

    tensors: dict[str, Any]
    scores: Any
    labels: Any
    targets: Any
    atoms: Mapping[sp.Symbol, Any]
    scalars: Mapping[sp.Symbol, float]
    K: int


def _align(parts: list[_Named]) -> tuple[tuple[str, ...], list[Any]]:
    axes = tuple(a for a in AXES if any(a in p.axes for p in parts))
    out = []
    for p in parts:
        shape = [np.shape(p.values)[p.axes.index(a)] if a in p.axes else 1 for a in axes]
        out.append(np.reshape(p.values, shape))
    return axes, out


def _combine(parts: list[_Named], op: Callable[..., Any]) -> _Named:
    axes, vals = _align(parts)
    return _Named(axes, op(*vals))


def _canonical(axes: str, values: Any) -> _Named:
    order = sorted(range(len(axes)), key=lambda i: AXES.index(axes[i]))
    return _Named(tuple(axes[i] for i in order), np.transpose(values, order))


def evaluate_index(expr: sp.Basic, ctx: IndexContext, free: tuple[str, ...]) -> Any:
    """The value of an index form as an array over its free indices ``free`` (in that order);
    a :class:`DimensionError` when its free indices are not exactly those."""
    out = _eval(expr, ctx, in_sum=False)
    if set(out.axes) != set(free):
        raise DimensionError(
            f"internal error: {expr} has free indices {''.join(out.axes) or 'none'} but should "
            f"have {''.join(free) or 'none'}"
        )
    order = [out.axes.index(a) for a in free]
    return np.transpose(np.asarray(out.values, dtype=np.float64), order)


def _eval(e: sp.Basic, ctx: IndexContext, in_sum: bool) -> _Named:
    cls = "l" if in_sum else "k"
    if isinstance(e, D.Entry):
        return _canonical(e.index, np.asarray(ctx.tensors[e.base], dtype=np.float64))
    if e in SCORE_ATOMS:
        return _Named(("i",), np.asarray(ctx.atoms[e], dtype=np.float64))
    if e == SK:
        return _Named(("i", cls), np.asarray(ctx.scores, dtype=np.float64))
    if e == YK:
        return _Named(("i", cls), _targets(ctx))
    if e == Y:
        return _Named(("i",), np.asarray(ctx.labels, dtype=np.float64))
    if e.is_Number:
        return _Named((), float(e))
    if isinstance(e, sp.Symbol):
        return _Named((), float(ctx.scalars[e]))
    if isinstance(e, sp.Add):
        return _combine([_eval(a, ctx, in_sum) for a in e.args], lambda *v: sum(v[1:], v[0]))
    if isinstance(e, sp.Mul):
        return _combine([_eval(a, ctx, in_sum) for a in e.args], _product)
    if isinstance(e, sp.Pow):
        return _combine([_eval(a, ctx, in_sum) for a in e.args], np.power)
    if isinstance(e, D.SampleSum):
        body = _eval(e.args[0], ctx, in_sum)
        return _sum_axis(body, "i", None)
    if isinstance(e, D.IndexSum):
        inner = {"l": True, "k": False}.get(str(e.args[1]), in_sum)  # as the printers do
        body = _eval(e.args[0], ctx, in_sum=inner)
        skip = ctx.labels if e.args[2] != D.ALL else None
        return _sum_axis(body, str(e.args[1]), skip)
    if isinstance(e, ClassSum):
        body = _eval(e.body, ctx, in_sum=True)
        return _sum_axis(body, "l", ctx.labels if e.exclude_y else None)
    if isinstance(e, D.Delta):
        a, b = str(e.args[0]), str(e.args[1])
        return _canonical(a + b, np.eye(ctx.K))
    if isinstance(e, D.Indicator):
        return _indicator(e.args[0], ctx)
    if isinstance(e, D.Sgn):
        arg = _eval(e.args[0], ctx, in_sum)
        h = float(e.args[1])
        return _Named(arg.axes, np.where(arg.values > 0, 1.0, np.where(arg.values < 0, -1.0, h)))
    if isinstance(e, sp.Function):
        entry = primitives.node_entry(e, "real")
        assert entry is not None and entry.real is not None
        real = entry.real
        parts = [_eval(arg, ctx, in_sum) for arg in e.args]
        return _combine(parts, lambda *v: np.asarray(real(*v), dtype=np.float64))
    raise DimensionError(f"internal error: cannot evaluate {type(e).__name__} ({e}) by index")


def _product(*values: Any) -> Any:
    out = values[0]
    for v in values[1:]:
        out = out * v
    return out


def _targets(ctx: IndexContext) -> Any:
    if ctx.targets is not None:
        return np.asarray(ctx.targets, dtype=np.float64)
    n = len(ctx.labels)
    out = np.zeros((n, ctx.K))
    out[np.arange(n), np.asarray(ctx.labels, dtype=int)] = 1.0
    return out


def _sum_axis(body: _Named, axis: str, skip: Any) -> _Named:
    if axis not in body.axes:  # Σ over an index the body does not use: a multiple
        raise DimensionError(f"internal error: a sum over {axis} of a term without {axis}")
    vals = np.asarray(body.values, dtype=np.float64)
    if skip is not None:
        n_ax = body.axes.index("i") if "i" in body.axes else None
        if n_ax is None:
            raise DimensionError("internal error: a sum leaving out yᵢ outside a sample sum")
        mask_shape = [1] * vals.ndim
        mask_shape[n_ax] = vals.shape[n_ax]
        mask_shape[body.axes.index(axis)] = vals.shape[body.axes.index(axis)]
        K = vals.shape[body.axes.index(axis)]
        labels = np.asarray(skip, dtype=int)
        keep = labels[:, None] != np.arange(K)[None, :]
        if n_ax > body.axes.index(axis):
            keep = keep.T
        vals = vals * keep.reshape(mask_shape)
    k = body.axes.index(axis)
    return _Named(tuple(a for a in body.axes if a != axis), vals.sum(axis=k))


def _indicator(cond: sp.Basic, ctx: IndexContext) -> _Named:
    """𝟙[k = yᵢ] or 𝟙[k ≠ yᵢ] (its sides are an index Symbol and the label y)."""
    if not isinstance(cond, (sp.Eq, sp.Ne)):
        raise DimensionError(f"internal error: no indicator rule for {cond}")
    idx = cond.lhs if cond.rhs == Y else cond.rhs
    axis = str(idx)
    labels = np.asarray(ctx.labels, dtype=int)
    eq = (labels[:, None] == np.arange(ctx.K)[None, :]).astype(np.float64)
    return _Named(("i", axis), eq if isinstance(cond, sp.Eq) else 1.0 - eq)
