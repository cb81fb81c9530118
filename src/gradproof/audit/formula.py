"""Formula claims: a claimed gradient formula against gradproof's derivation.

``∂L/∂w = −Σ_{i∈M} yᵢ xᵢ`` is evaluated with the audit's evaluator on random data at random
points (off the kinks: random real data never lands on them) and compared with the compiled
derived gradient there; a set name in the formula (M, V, A …) stands for the loss's active
set at that point. ``∂/∂w (λ/2)‖w‖² = λw`` is compared with central differences of its own
left side, and the right formula is derived by gradproof when the left side is a
regulariser it can read. Other unbound names (λ, η …) get random positive values shared by
both sides. A formula whose names cannot all be bound is unchecked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradproof.audit import nodes as N
from gradproof.audit.translate import NoTranslation, expression
from gradproof.audit.values import Scope, Unevaluable, close, evaluate
from gradproof.errors import GradproofError
from gradproof.i18n import lazy
from gradproof.symbolic.conventions import active_mask
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.derive import derive_symbolic

__all__ = ["FormulaVerdict", "check_formula", "is_formula", "POINTS"]

POINTS = 4
"""Random points each formula is compared at."""

_SYMBOLIC_SUBS = {"i", "j", "k", "n"}


def is_formula(node: N.Node) -> bool:
    """Does ``node`` speak of samples in general (Σ, 𝟙, xᵢ, or x, y without a number)?"""
    for n in N.walk(node):
        if isinstance(n, (N.Sum, N.Ind, N.SetBuilder)):
            return True
        if isinstance(n, N.Name) and (
            n.sub in _SYMBOLIC_SUBS or (n.base in ("x", "y", "s") and not n.sub)
        ):
            return True
    return False


@dataclass(frozen=True)
class FormulaVerdict:
    verdict: str  # ok, wrong, unchecked
    expected: str | None = None
    why: str = ""


class _RandomScope(Scope):
    """Random data and a random point, with the derivation's values at it."""

    def __init__(self, d: Derivation, rng: np.random.Generator, n: int, dim: int):
        self.d = d
        self.n = n
        self.X = rng.normal(size=(n, dim))
        self.y = rng.choice([-1.0, 1.0], size=n) if d.spec.labels == "pm1" else rng.normal(size=n)
        self.w, self.b = rng.normal(size=dim), float(rng.normal())
        self.consts: dict[str, float] = {}
        self.rng = rng
        f = d.numpy()
        self.gw, self.gb = (np.asarray(v, float) for v in f.grad(self.X, self.y, self.w, self.b))
        self.s = self.X @ self.w + self.b
        sw = f.switches(self.X, self.y, self.w, self.b)
        self.active = (
            frozenset(int(i) for i in np.flatnonzero(active_mask(sw[0], d.form.at_kink)))
            if len(sw) == 1
            else None
        )

    def name(self, node: N.Name, bound: Mapping[str, int]) -> Any:
        if node.sub and node.sub in bound:
            i = bound[node.sub]
            table = {"x": self.X[i], "y": self.y[i], "s": self.s[i], "z": self.s[i]}
            if node.base in table:
                return np.asarray(table[node.base], float)
        if node.key in bound:
            return np.float64(bound[node.key] + 1)
        n = float(len(self.y))
        fixed = {"w": self.w, "b": self.b, "n": n, "N": n}
        if node.key in fixed:
            return np.asarray(fixed[node.key], float)
        if node.key in ("λ", "lam", "lambda", "δ", "delta"):
            key = "lam" if node.key in ("λ", "lam", "lambda") else "delta"
            if key in self.d.params:
                return np.float64(self.d.params[key])
        if node.key in ("e", "π"):
            return super().name(node, bound)
        if len(node.base) == 1 and not node.sub and node.base.lower() == node.base:
            if node.base not in ("x", "y", "s", "z", "i", "j"):  # another constant: η, c …
                return np.float64(self.consts.setdefault(node.key, self.rng.uniform(0.5, 2)))
        raise Unevaluable(lazy("{name} is not bound in a formula", name=node.key))

    def set_named(self, node: N.Node, bound: Mapping[str, int]) -> frozenset[int]:
        if isinstance(node, N.Name) and not node.sub and node.base[:1].isupper():
            if self.active is None:
                raise Unevaluable(lazy("this loss has no active set"))
            return self.active
        return super().set_named(node, bound)


def _target(head: N.Node) -> str | None:
    if isinstance(head, N.Deriv) and head.of.base in ("L", "J", "E") and not head.of.sub:
        if head.wrt.base in ("w", "b") and not head.wrt.sub:
            return head.wrt.base
    return None


def check_formula(
    head: N.Node, claim: N.Node, d: Derivation | None, dim: int = 3, seed: int = 0
) -> FormulaVerdict:
    """Compare the formula ``claim`` for ``head`` (∂L/∂w, ∂L/∂b or ∂/∂w(…)) with gradproof."""
    if isinstance(head, N.DerivOf):
        return _check_derivative_of(head, claim, d, dim, seed)
    target = _target(head)
    if target is None:
        return FormulaVerdict(
            "unchecked", why=lazy("gradproof checks formulas of ∂L/∂w, ∂L/∂b, ∂/∂w(…)")
        )
    if d is None:
        return FormulaVerdict("unchecked", why=lazy("no recognised loss to compare with"))
    rng = np.random.default_rng(seed)
    expected = d.render_formula(target)
    for _ in range(POINTS):
        scope = _RandomScope(d, rng, 5, dim)
        try:
            got = evaluate(claim, scope)
        except Unevaluable as exc:
            return FormulaVerdict("unchecked", why=exc.args[0] if exc.args else str(exc))
        want = scope.gw if target == "w" else scope.gb
        if not close(got, want, 1e-7 * np.maximum(1, np.abs(want)) + 1e-9):
            return FormulaVerdict("wrong", expected)
    return FormulaVerdict("ok", expected)


def _check_derivative_of(
    head: N.DerivOf, claim: N.Node, d: Derivation | None, dim: int, seed: int
) -> FormulaVerdict:
    wrt = head.wrt.base
    if wrt not in ("w", "b") or head.wrt.sub:
        return FormulaVerdict("unchecked", why=lazy("a derivative by something other than w or b"))
    rng = np.random.default_rng(seed)
    base = d if d is not None else derive_symbolic("perceptron")
    expected = _derived(head.body, wrt)
    for _ in range(POINTS):
        scope = _RandomScope(base, rng, 5, dim)
        try:
            got = np.asarray(evaluate(claim, scope), float)
            numeric = _central(head.body, scope, wrt)
        except Unevaluable as exc:
            return FormulaVerdict("unchecked", why=exc.args[0] if exc.args else str(exc))
        if not close(got, numeric, 1e-5 * np.maximum(1, np.abs(numeric)) + 1e-7):
            return FormulaVerdict("wrong", expected)
    return FormulaVerdict("ok", expected)


def _central(body: N.Node, scope: _RandomScope, wrt: str) -> np.ndarray:
    """Central differences of ``body`` by w (a vector) or b at the scope's point."""
    h = 1e-6
    if wrt == "b":
        b0 = scope.b
        scope.b = b0 + h
        up = float(evaluate(body, scope))
        scope.b = b0 - h
        down = float(evaluate(body, scope))
        scope.b = b0
        return np.float64((up - down) / (2 * h))
    w0 = scope.w.copy()
    out = np.zeros_like(w0)
    for k in range(w0.size):
        for sign in (1, -1):
            scope.w = w0.copy()
            scope.w[k] += sign * h
            out[k] += sign * float(evaluate(body, scope))
    scope.w = w0
    return out / (2 * h)


def _derived(body: N.Node, wrt: str) -> str | None:
    """gradproof's formula for ∂(body)/∂wrt when body is a regulariser it can read."""
    try:
        text, vec = expression(body, data=False)
        if vec:
            return None
        lam = {"lam": 1.0} if "lam" in text else {}
        d = derive_symbolic(expr="0", reg=text, params=lam)
        return d.render_formula(wrt)
    except (NoTranslation, GradproofError):
        return None
