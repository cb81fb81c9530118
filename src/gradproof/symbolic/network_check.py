"""The cross-check every network derivation passes before anything is printed.

The staged matrix forms of :mod:`gradproof.symbolic.network` are written in size names
(d, h1, …, K), so they can be checked on a small explicit network of the same depth,
activation, loss and regulariser: d = 2 inputs, hidden widths 3, K = min(K, 3) outputs,
n = 3 samples, rational data and point drawn away from every kink (no pre-activation of a
ReLU network and no L1-regularised weight within :data:`MARGIN` of 0).

* **scalar SymPy**: every pre-activation written out in scalar symbols (one per weight and
  bias), the activation applied, the loss of every sample and the regulariser written out,
  and every ∂L/∂θ by ``sympy.diff``, evaluated to 30 digits;
* **the staged matrix route**: the forward forms, G, then each δₗ, ∂L/∂Wₗ and ∂L/∂bₗ
  evaluated from the printed matrix forms (:func:`~gradproof.symbolic.tensor.evaluate_matrix`);
* **the index route**: the same stages from the printed index forms (Σᵢ δ⁽ˡ⁾ᵢₖ a⁽ˡ⁻¹⁾ᵢⱼ,
  Σₖ δ⁽ˡ⁾ᵢₖ (Wₗ)ₖⱼ, …) with named axes (:func:`~gradproof.symbolic.tensor.evaluate_index`).

A disagreement is a :class:`~gradproof.symbolic.crosscheck.DerivationCheckError`: an
internal error, never output.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from gradproof.symbolic import display as D
from gradproof.symbolic import primitives
from gradproof.symbolic.atoms import N, hyperparameter
from gradproof.symbolic.crosscheck import TOLERANCE, DerivationCheckError, _atoms
from gradproof.symbolic.model_context import ModelContext
from gradproof.symbolic.network import NetworkContext
from gradproof.symbolic.tensor import IndexContext, evaluate_index, evaluate_matrix

__all__ = ["cross_check_network", "MARGIN"]

MARGIN = 1e-2
"""A check instance is redrawn while a pre-activation (ReLU) or an L1 weight is this near 0."""


def _q(rng: random.Random) -> Fraction:
    return Fraction(rng.choice([-1, 1]) * rng.randint(1, 19), rng.randint(2, 9))


def _sizes(ctx: NetworkContext, out: ModelContext) -> tuple[int, ...]:
    K = ctx.widths[-1] if out.loss.name == "logistic" else min(ctx.widths[-1], 3)
    return (2, *[2] * (ctx.depth - 1), K)


def _draw(rng: random.Random, sizes: tuple[int, ...], n: int, out: ModelContext) -> dict:
    inst: dict[str, Any] = {"X": [[_q(rng) for _ in range(sizes[0])] for _ in range(n)]}
    for ly in range(1, len(sizes)):
        inst[f"W{ly}"] = [[_q(rng) for _ in range(sizes[ly - 1])] for _ in range(sizes[ly])]
        inst[f"b{ly}"] = [_q(rng) for _ in range(sizes[ly])]
    K = sizes[-1]
    if out.loss.name == "logistic":
        inst["Y"] = [[Fraction(rng.choice([-1, 1]))] for _ in range(n)]
    elif out.loss.labels == "classes":
        inst["labels"] = [i % K for i in range(n)]
        inst["Y"] = [[Fraction(int(k == i % K)) for k in range(K)] for i in range(n)]
    else:
        inst["Y"] = [[_q(rng) for _ in range(K)] for _ in range(n)]
    return inst


def _array(rows: Any) -> Any:
    if isinstance(rows[0], list):
        return np.array([[float(v) for v in r] for r in rows])
    return np.array([float(v) for v in rows])


def _forward(ctx: NetworkContext, env: dict[str, Any], h0: float) -> None:
    """Z, A and f′ of every layer from the printed forward forms, into ``env``."""
    act = ctx.activation
    for ly in range(1, ctx.depth + 1):
        Z = evaluate_matrix(ctx.forward[ly], env, {})
        if ly == ctx.depth:
            env["S"] = Z
        else:
            env[f"Z{ly}"] = Z
            env[f"A{ly}"] = act.reference(Z)
            env[f"{act.name}'{ly}"] = act.reference_prime(Z, h0)


def _safe(ctx: NetworkContext, out: ModelContext, inst: dict, h0: float) -> bool:
    env = {k: _array(v) for k, v in inst.items() if k != "labels"}
    env["1_n"] = np.ones(len(inst["X"]))
    _forward(ctx, env, h0)
    if ctx.activation.kinked:
        if any(np.any(np.abs(env[f"Z{ly}"]) < MARGIN) for ly in range(1, ctx.depth)):
            return False
    if any(t.r1 != 0 for t in out.regs):
        return all(np.all(np.abs(env[f"W{ly}"]) >= MARGIN) for ly in range(1, ctx.depth + 1))
    return True


def _loss_terms(out: ModelContext, s: list[sp.Expr], y: list[sp.Expr], label: int | None) -> Any:
    """ℓ of one sample in scalar SymPy: the output loss written out over its K scores."""
    name = out.loss.name
    if name == "softmax":
        assert label is not None
        return sp.log(sp.Add(*[sp.exp(v) for v in s])) - s[label]
    if name == "logistic":
        return sp.log(1 + sp.exp(-y[0] * s[0]))
    return sp.Add(*[(a - b) ** 2 for a, b in zip(s, y, strict=True)]) / 2


def _activate(ctx: NetworkContext, z: sp.Expr, point: Mapping[Any, Any]) -> sp.Expr:
    """f(z) in scalar SymPy. max(0, z) is written as the branch it is on at the check point
    (z or 0, decided exactly: the instance is rational and at least MARGIN from every kink),
    which is max(0, z) near the point; SymPy's derivative of Max through three layers takes
    seconds."""
    if not ctx.activation.kinked:
        return ctx.activation.sympy(z)
    return z if z.xreplace(dict(point)) > 0 else sp.Integer(0)


def _sympy_gradient(
    ctx: NetworkContext, out: ModelContext, inst: dict, params: Mapping[str, float]
) -> dict[str, Any]:
    """∂L/∂(each parameter) by scalar SymPy on the written-out instance."""
    depth = ctx.depth
    sizes = [len(inst["X"][0])] + [len(inst[f"b{ly}"]) for ly in range(1, depth + 1)]
    sym: dict[str, Any] = {}
    point: dict[Any, Any] = {}
    for ly in range(1, depth + 1):
        W = [
            [sp.Symbol(f"w{ly}_{k}_{j}", real=True) for j in range(sizes[ly - 1])]
            for k in range(sizes[ly])
        ]
        b = [sp.Symbol(f"b{ly}_{k}", real=True) for k in range(sizes[ly])]
        sym[f"W{ly}"], sym[f"b{ly}"] = W, b
        for k in range(sizes[ly]):
            point[b[k]] = sp.Rational(inst[f"b{ly}"][k])
            for j in range(sizes[ly - 1]):
                point[W[k][j]] = sp.Rational(inst[f"W{ly}"][k][j])
    total = sp.Integer(0)
    n = len(inst["X"])
    for i in range(n):
        a = [sp.Rational(v) for v in inst["X"][i]]
        for ly in range(1, depth + 1):
            W, b = sym[f"W{ly}"], sym[f"b{ly}"]
            z = [sp.Add(*[W[k][j] * a[j] for j in range(len(a))]) + b[k] for k in range(len(b))]
            a = z if ly == depth else [_activate(ctx, v, point) for v in z]
        y = [sp.Rational(v) for v in inst["Y"][i]]
        total += _loss_terms(out, a, y, inst["labels"][i] if "labels" in inst else None)
    if out.mean:
        total = total / n
    for t in out.regs:
        flat = [v for row in sym[t.weight] for v in row]
        q, a1 = D.NormOf(t.weight, 2), D.NormOf(t.weight, 1)
        total += t.expr.xreplace(
            {q: sp.Add(*[v**2 for v in flat]), a1: sp.Add(*[sp.Abs(v) for v in flat])}
        )
    total = total.xreplace({hyperparameter(k): sp.Rational(v) for k, v in params.items()})

    # every derivative by sympy.diff, evaluated at the point in 30-digit mpmath (SymPy's
    # evalf of these nested expressions is ~100× slower)
    order = list(point)
    derivs = [sp.diff(total, v) for v in order]
    with mpmath.workdps(30):
        fn = sp.lambdify(order, derivs, modules="mpmath", cse=True)
        values = dict(zip(order, (float(v) for v in fn(*[point[v] for v in order])), strict=True))
    grads: dict[str, Any] = {}
    for name, entries in sym.items():
        if isinstance(entries[0], list):
            grads[name] = np.array([[values[v] for v in row] for row in entries])
        else:
            grads[name] = np.array([values[v] for v in entries])
    return grads


def _g(out: ModelContext, env: dict[str, Any], inst: dict, params: Mapping[str, float]) -> Any:
    """G = ∂L/∂S from the output loss's printed matrix form (its letters evaluated)."""
    S = env["S"]
    labels = np.asarray(inst["labels"]) if "labels" in inst else None
    atoms = _atoms(out, S, labels)
    for atom in out.form.coefficients:
        letter = primitives.score_rule(atom).direction[1]
        env[letter] = atoms[letter]
    ictx = IndexContext(
        tensors={"s": S, "y": env["Y"]},
        scores=S,
        labels=labels,
        targets=None if labels is not None else env["Y"],
        atoms=atoms,
        scalars={hyperparameter(k): float(v) for k, v in params.items()},
        K=S.shape[1],
    )
    for dfn in out.definitions:
        free = ("i", "k") if len(dfn.entry.index) == 2 else ("i",)
        env[dfn.matrix.name] = evaluate_index(dfn.value, ictx, free)
    return evaluate_matrix(out.g_matrix, env, ictx.scalars)


def cross_check_network(
    ctx: NetworkContext, out: ModelContext, params: Mapping[str, float], h0: float, seed: int = 0
) -> None:
    """Raise :class:`DerivationCheckError` unless every staged matrix form agrees with
    scalar SymPy on a small network of the same kind (see the module docstring)."""
    rng = random.Random(seed)
    sizes = _sizes(ctx, out)
    for _ in range(50):
        inst = _draw(rng, sizes, 2, out)
        if _safe(ctx, out, inst, h0):
            break
    else:  # pragma: no cover - 50 draws of rationals all near a kink
        raise DerivationCheckError("internal error: no check instance away from the kinks")
    expected = _sympy_gradient(ctx, out, inst, params)
    env = {k: _array(v) for k, v in inst.items() if k != "labels"}
    env["1_n"] = np.ones(len(inst["X"]))
    _forward(ctx, env, h0)
    scalars = {hyperparameter(k): float(v) for k, v in params.items()}
    scalars[N] = float(len(inst["X"]))
    env["G"] = _g(out, env, inst, params)
    got: dict[str, Any] = {}
    for ly in range(ctx.depth, 0, -1):
        got[f"W{ly}"] = evaluate_matrix(ctx.weight[ly], env, scalars)
        got[f"b{ly}"] = evaluate_matrix(ctx.bias[ly], env, scalars)[:, 0]
        if ly > 1:
            env[f"δ{ly - 1}"] = evaluate_matrix(ctx.delta[ly - 1], env, scalars)
    routes = {"staged matrix form": got, "index form": _index_route(ctx, env, scalars)}
    for route, values in routes.items():
        for name, want in expected.items():
            err = float(np.max(np.abs(values[name] - want) / (1.0 + np.abs(want))))
            if not err <= TOLERANCE:
                raise DerivationCheckError(
                    f"internal error: the {route} of ∂L/∂{name} disagrees with scalar SymPy on "
                    f"the check instance (largest relative difference {err:.3g}); the "
                    f"derivation is not printed"
                )


def _index_route(ctx: NetworkContext, env: Mapping[str, Any], scalars: Any) -> dict[str, Any]:
    """Every gradient from the printed index forms alone, top layer down: each δ⁽ˡ⁾ᵢⱼ from
    its own index form, not from the matrix route."""
    act = ctx.activation
    tensors: dict[str, Any] = {"x": env["X"], "g": env["G"]}
    for ly in range(1, ctx.depth + 1):
        tensors[f"W{ly}"] = env[f"W{ly}"]
        if ly < ctx.depth:
            tensors[f"a{ly}"] = env[f"A{ly}"]
            tensors[f"{act.name}'{ly}"] = env[f"{act.name}'{ly}"]
    ictx = IndexContext(tensors, env["S"], None, None, {}, scalars, env["S"].shape[1])
    out: dict[str, Any] = {}
    for ly in range(ctx.depth, 0, -1):
        out[f"W{ly}"] = evaluate_index(ctx.index[f"W{ly}"], ictx, ("k", "j"))
        out[f"b{ly}"] = evaluate_index(ctx.index[f"b{ly}"], ictx, ("k",))
        if ly > 1:
            below = ly - 1
            tensors[f"dA{below}"] = evaluate_index(ctx.index[f"A{below}"], ictx, ("i", "j"))
            tensors[f"δ{below}"] = evaluate_index(ctx.index[f"δ{below}"], ictx, ("i", "j"))
    return out
