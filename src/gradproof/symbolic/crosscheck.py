"""The cross-check every model derivation passes before anything is printed.

gradproof derives a model's gradient by its own rules (score atoms, the dense layer's row of
the layer table), not by SymPy's matrix calculus (which differentiates softmax
cross-entropy with respect to a ``MatrixSymbol`` to a silent 0). The rules are checked on a
small explicit instance (K = 3 classes, d = 2 features, n = 3 samples, exact rational data
and point away from every kink and tie):

* the **index route, expanded by scalar SymPy**: every score sᵢₖ = Σⱼ Wₖⱼ xᵢⱼ + bₖ written out
  in scalar symbols, the loss of every sample written out (log Σ exp, the maxima, the class
  sums), the regulariser entry by entry, and ∂L/∂Wₖⱼ, ∂L/∂bₖ by ``sympy.diff``;
* against the derivation's own **matrix form** ((P − Y)ᵀX + λW) and **index form**
  (Σᵢ (pᵢₖ − yᵢₖ) xᵢⱼ + λWₖⱼ), evaluated with numpy from the printed expressions
  (:mod:`gradproof.symbolic.tensor`).

A disagreement, or a shape that does not fit, is a :class:`DerivationCheckError`: an
internal error, never output.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from gradproof.symbolic import display as D
from gradproof.symbolic import primitives
from gradproof.symbolic.atoms import LSE, SK, SMAX, SOTHER, SY, YK, N, hyperparameter
from gradproof.symbolic.functions import ClassSum
from gradproof.symbolic.model_context import K_IDX, ModelContext
from gradproof.symbolic.tensor import IndexContext, evaluate_index, evaluate_matrix

__all__ = ["DerivationCheckError", "cross_check", "Instance", "INSTANCE"]

INSTANCE = {"K": 3, "d": 2, "n": 3}
"""The size of the instance the derivation is checked on."""

TOLERANCE = 1e-9
"""Largest relative difference between the routes (both are float64 evaluations of exact
formulas on the same small instance: they agree to ~1e-15 when the formulas are equal)."""

MARGIN = 1e-3
"""An instance is redrawn while a switching function or a tie is within this of 0."""


class DerivationCheckError(AssertionError):
    """The derived gradient disagrees with scalar SymPy on the check instance: a bug in
    gradproof, never the user's."""


class Instance:
    """Exact rational data and point: X (n×d), W (K×d), b (K), labels or targets."""

    def __init__(self, rng: random.Random, ctx: ModelContext) -> None:
        K, d, n = INSTANCE["K"], INSTANCE["d"], INSTANCE["n"]

        def q() -> Fraction:
            return Fraction(rng.choice([-1, 1]) * rng.randint(1, 19), rng.randint(2, 9))

        self.K, self.d, self.n = K, d, n
        self.X = [[q() for _ in range(d)] for _ in range(n)]
        self.W = [[q() for _ in range(d)] for _ in range(K)]
        self.b = [q() for _ in range(K)]
        self.labels = (
            [0, 2, 1][:n] if ctx.form.needs_labels or ctx.loss.labels == "classes" else None
        )
        self.targets = (
            None if self.labels is not None else [[q() for _ in range(K)] for _ in range(n)]
        )
        self.S = [
            [
                sum((self.W[k][j] * self.X[i][j] for j in range(d)), Fraction(0)) + self.b[k]
                for k in range(K)
            ]
            for i in range(n)
        ]

    def array(self, rows: Any) -> Any:
        return (
            np.array([[float(v) for v in r] for r in rows])
            if isinstance(rows[0], list)
            else np.array([float(v) for v in rows])
        )

    @property
    def Y(self) -> Any:
        if self.targets is not None:
            return self.array(self.targets)
        out = np.zeros((self.n, self.K))
        out[np.arange(self.n), self.labels] = 1.0
        return out


def _atoms(ctx: ModelContext, S: Any, labels: Any) -> dict[sp.Symbol, Any]:
    """Per-sample values of every score atom, and each direction matrix by its letter."""
    out: dict[Any, Any] = {}
    y = labels if labels is not None else np.zeros(S.shape[0], dtype=int)
    for atom in (LSE, SY, SMAX, SOTHER):
        rule = primitives.score_rule(atom)
        value, direction = rule.real(S, y)
        out[atom] = value
        out[rule.direction[1]] = direction
    return out


def _safe(ctx: ModelContext, inst: Instance) -> bool:
    """Whether every switching function is at least MARGIN from 0 and no maximum ties."""
    S = inst.array(inst.S)
    atoms = _atoms(ctx, S, inst.labels)
    for sw in ctx.form.switches:
        if sw.kind == "tie":
            exclude = sw.expr == SOTHER
            labels = inst.labels or [-1] * inst.n
            for i in range(inst.n):
                vals = sorted(
                    (S[i, k] for k in range(inst.K) if not (exclude and k == labels[i])),
                    reverse=True,
                )
                if len(vals) > 1 and vals[0] - vals[1] < MARGIN:
                    return False
            continue
        ictx = _index_context(ctx, inst, atoms)
        free = ("i", "k") if sw.per_class else ("i",)
        u = evaluate_index(sw.expr, ictx, free) if sw.expr.free_symbols else np.ones(1)
        if sw.per_class and inst.labels is not None:
            u = np.where(np.arange(inst.K)[None, :] == np.asarray(inst.labels)[:, None], 1.0, u)
        if np.any(np.abs(u) < MARGIN):
            return False
    W = inst.array(inst.W)
    return bool(np.all(np.abs(W) >= MARGIN))


def _index_context(ctx: ModelContext, inst: Instance, atoms: Mapping[Any, Any]) -> IndexContext:
    lay = ctx.layer
    tensors: dict[str, Any] = {
        "x": inst.array(inst.X),
        lay.weight: inst.array(inst.W),
        lay.bias: inst.array(inst.b),
        "s": inst.array(inst.S),
        "y": inst.Y,
    }
    for atom in ctx.form.coefficients:
        rule = primitives.score_rule(atom)
        tensors[rule.direction[0]] = atoms[rule.direction[1]]
    ictx = IndexContext(
        tensors=tensors,
        scores=inst.array(inst.S),
        labels=None if inst.labels is None else np.asarray(inst.labels),
        targets=None if inst.targets is None else inst.Y,
        atoms={a: atoms[a] for a in (LSE, SY, SMAX, SOTHER)},
        scalars={},
        K=inst.K,
    )
    return ictx


def _expand_class_sums(e: Any, s: list[Any], yk: list[Any], y: int | None) -> Any:
    """``e`` with every class sum written out over the K classes of one sample."""
    return e.replace(
        lambda x: isinstance(x, ClassSum),
        lambda x: sp.Add(
            *[
                x.body.xreplace({SK: s[k], YK: yk[k]})
                for k in range(len(s))
                if not (x.exclude_y and k == y)
            ]
        ),
    )


def _sympy_gradient(
    ctx: ModelContext, inst: Instance, params: Mapping[str, float]
) -> dict[str, Any]:
    """∂L/∂(each parameter) by scalar SymPy on the written-out instance."""
    lay = ctx.layer
    K, d, n = inst.K, inst.d, inst.n
    w = [[sp.Symbol(f"w_{k}_{j}", real=True) for j in range(d)] for k in range(K)]
    bs = [sp.Symbol(f"b_{k}", real=True) for k in range(K)]
    hyper = {hyperparameter(k): sp.Rational(v) for k, v in params.items()}
    maxb = primitives.parser_entry("max")
    assert maxb is not None and maxb.build is not None
    total = sp.Integer(0)
    for i in range(n):
        s = [sum(w[k][j] * sp.Rational(inst.X[i][j]) for j in range(d)) + bs[k] for k in range(K)]
        y = inst.labels[i] if inst.labels is not None else None
        yk = (
            [sp.Integer(1 if k == y else 0) for k in range(K)]
            if y is not None
            else [
                sp.Rational(v)
                for v in inst.targets[i]  # type: ignore[index]
            ]
        )
        rivals = [s[k] for k in range(K) if k != y]
        subs: dict[Any, Any] = {LSE: sp.log(sp.Add(*[sp.exp(v) for v in s])), SMAX: maxb.build(*s)}
        if y is not None:
            subs[SY] = s[y]
            subs[SOTHER] = maxb.build(*rivals) if len(rivals) > 1 else rivals[0]

        total += _expand_class_sums(ctx.form.loss, s, yk, y).xreplace(subs)
    if ctx.mean:
        total = total / n
    for t in ctx.regs:
        flat = [v for row in w for v in row] if t.weight == lay.weight else []
        q, a = D.NormOf(t.weight, 2), D.NormOf(t.weight, 1)
        total += t.expr.xreplace(
            {q: sp.Add(*[v**2 for v in flat]), a: sp.Add(*[sp.Abs(v) for v in flat])}
        )
    total = total.xreplace(hyper)
    point = {w[k][j]: sp.Rational(inst.W[k][j]) for k in range(K) for j in range(d)}
    point.update({bs[k]: sp.Rational(inst.b[k]) for k in range(K)})
    out: dict[str, Any] = {}
    if lay.weight in ctx.wrt:
        out[lay.weight] = np.array(
            [
                [float(sp.diff(total, w[k][j]).xreplace(point).evalf(30)) for j in range(d)]
                for k in range(K)
            ]
        )
    if lay.bias in ctx.wrt:
        out[lay.bias] = np.array(
            [float(sp.diff(total, bs[k]).xreplace(point).evalf(30)) for k in range(K)]
        )
    return out


def cross_check(ctx: ModelContext, params: Mapping[str, float], seed: int = 0) -> None:
    """Raise :class:`DerivationCheckError` unless the derivation's matrix and index forms
    both agree with scalar SymPy on a small instance (see the module docstring)."""
    rng = random.Random(seed)
    for _ in range(50):
        inst = Instance(rng, ctx)
        if _safe(ctx, inst):
            break
    else:  # pragma: no cover - 50 draws of rationals all on a kink
        raise DerivationCheckError("internal error: no check instance away from the kinks")
    expected = _sympy_gradient(ctx, inst, params)
    S = inst.array(inst.S)
    atoms = _atoms(ctx, S, inst.labels)
    ictx = _index_context(ctx, inst, atoms)
    scalars = {hyperparameter(k): float(v) for k, v in params.items()}
    scalars[N] = float(inst.n)
    ictx.scalars = scalars
    lay = ctx.layer
    env: dict[str, Any] = {
        "X": ictx.tensors["x"],
        lay.weight: ictx.tensors[lay.weight],
        lay.bias: ictx.tensors[lay.bias],
        "S": S,
        "Y": inst.Y,
        "1_n": np.ones(inst.n),
        "1_K": np.ones(inst.K),
    }
    for atom in ctx.form.coefficients:
        rule = primitives.score_rule(atom)
        env[rule.direction[1]] = atoms[rule.direction[1]]
    for dfn in ctx.definitions:
        free = ("i", "k") if len(dfn.entry.index) == 2 else ("i",)
        value = evaluate_index(dfn.value, ictx, free)
        env[dfn.matrix.name] = value
        ictx.tensors[dfn.entry.base] = value
    if ctx.row_sum is not None:  # the invariant Σₖ gᵢₖ = 0 that the derivation prints
        rows = evaluate_index(D.IndexSum(ctx.g_index, K_IDX, D.ALL), ictx, ("i",))
        if not float(np.max(np.abs(rows))) <= TOLERANCE:
            raise DerivationCheckError(
                "internal error: the rows of ∂L/∂S do not sum to 0 on the check instance, "
                "though the derivation says so; the derivation is not printed"
            )
    for name, want in expected.items():
        letters = "kj" if want.ndim == 2 else "k"
        routes = {
            "matrix form": evaluate_matrix(ctx.matrix[name], env, scalars).reshape(want.shape),
            "index form": evaluate_index(ctx.gradient[name], ictx, tuple(letters)),
        }
        for route, got in routes.items():
            err = float(np.max(np.abs(got - want) / (1.0 + np.abs(want))))
            if not err <= TOLERANCE:
                raise DerivationCheckError(
                    f"internal error: the {route} of ∂L/∂{name} disagrees with scalar SymPy on "
                    f"the check instance (largest relative difference {err:.3g}); the derivation "
                    f"is not printed"
                )
