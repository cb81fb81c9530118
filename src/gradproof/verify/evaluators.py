"""Evaluate a derivation's scalar expressions independently of the compiled numpy code.

The verify layer must not trust :mod:`gradproof.numeric.compile` (it checks it), so it turns
the symbolic per-sample loss ℓ, the regulariser R, the switching functions and the gradient
coefficients into its own callables, in three arithmetics:

* ``real``: numpy, broadcasting over any shape (used for finite differences);
* ``complex``: numpy on complex arguments, for the complex-step derivative; each non-smooth
  function picks its branch from the real part, which is exact away from a kink;
* ``mp``: mpmath at :data:`MP_DIGITS` digits, one sample at a time (the exact reference).

In the gradient coefficients every indicator ``Step(u, h)`` and ``sign(u)`` is replaced by a
free symbol, so the reference can force either side of a kink (:class:`Indicator`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from gradproof.symbolic import primitives
from gradproof.symbolic.atoms import XX, B, Q, S, Y, Z, hyperparameter
from gradproof.symbolic.calculus import GradientForm
from gradproof.symbolic.rewrite import numeric_rewrite

__all__ = [
    "ATOM_ARGS",
    "MP_DIGITS",
    "Indicator",
    "FormFunctions",
    "form_functions",
    "analytic_functions",
    "slopes",
]

ATOM_ARGS = (S, Z, Q, B, Y, XX)
"""The argument order of every generated callable: atoms, then hyperparameters."""

MP_DIGITS = 50
"""Working precision of the reference, in decimal digits."""

_STRUCTURE = (sp.Add, sp.Mul, sp.Pow)
"""Nodes every arithmetic continues; functions come from the primitive registry."""


def _silent(f: Callable[..., Any]) -> Callable[..., Any]:
    """f with numpy's floating-point rules for every argument: warnings off, and a Python
    float or int (b, q, a hyperparameter) made a numpy float, so that 0.0 to a negative
    power is inf and a negative base to a fractional power is NaN, as in the compiled code,
    instead of a ZeroDivisionError or a complex number from Python's arithmetic."""

    def g(*a: Any) -> Any:
        a = tuple(np.float64(v) if type(v) in (float, int) else v for v in a)
        with np.errstate(all="ignore"):
            return f(*a)

    return g


def _lambdify(args: tuple[sp.Symbol, ...], e: Any, need: str) -> Callable[..., Any]:
    """``e`` as a callable in one arithmetic: ``need`` is the registry piece (``real``,
    ``complex`` or ``mp``) whose evaluator every function node must have; numpy or mpmath
    supply only the arithmetic (sqrt of a power, comparisons of a Piecewise)."""
    for part in e if isinstance(e, list) else [e]:
        primitives.require(part, need)
    base = "mpmath" if need == "mp" else "numpy"
    return sp.lambdify(args, e, modules=[primitives.active().table(need), base])


@dataclass(frozen=True)
class Indicator:
    """An indicator in the gradient coefficients: ``Step(u, h)`` or ``sign(u)``.

    ``below``/``above`` are its values for u < 0 and u > 0, ``at`` its value at u = 0 under
    the derivation's convention.
    """

    symbol: sp.Symbol
    arg: sp.Expr
    kind: str
    below: int
    above: int
    at: sp.Expr


@dataclass(frozen=True)
class FormFunctions:
    """Callables for one form; all take ``(s, z, q, b, y, xx, *param_values)``."""

    params: tuple[float, ...]
    loss: Callable[..., Any]
    reg: Callable[..., Any]
    loss_c: Callable[..., Any] | None
    reg_c: Callable[..., Any] | None
    switches: tuple[Callable[..., Any], ...]
    switch_kinds: tuple[str, ...]
    mp_coef: Callable[..., Any]
    mp_reg: Callable[..., Any]
    mp_loss: Callable[..., Any]
    mp_indicators: tuple[Callable[..., Any], ...]
    indicators: tuple[Indicator, ...]
    np_coef: Callable[..., Any]
    np_indicators: tuple[Callable[..., Any], ...]
    np_dcoef: Callable[..., Any]

    def bind(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """``f`` with the hyperparameter values filled in: ``g(s, z, q, b, y, xx)``."""
        p = self.params
        return lambda s, z, q, b, y, xx: f(s, z, q, b, y, xx, *p)


def analytic_functions(expr: sp.Expr) -> bool:
    """True when ``expr`` is built only from arithmetic and functions whose registry entry
    has a complex continuation (not :data:`~gradproof.symbolic.primitives.NOT_ANALYTIC`)."""
    for node in sp.preorder_traversal(expr):
        if node.is_Atom or isinstance(node, _STRUCTURE):
            continue
        entry = primitives.node_entry(node) if isinstance(node, sp.Function) else None
        if entry is None or entry.complex in (None, primitives.NOT_ANALYTIC):
            return False
    return True


def _indicators(exprs: list[sp.Expr]) -> tuple[list[sp.Expr], list[Indicator]]:
    found: dict[sp.Expr, Indicator] = {}
    for e in exprs:
        for node in sp.preorder_traversal(e):
            if node in found or not isinstance(node, sp.Function):
                continue
            entry = primitives.node_entry(node)
            if entry is not None and entry.indicator is not None:
                kind, below, above, at = entry.indicator(node)
                found[node] = Indicator(
                    sp.Dummy(f"ind{len(found)}"), node.args[0], kind, below, above, at
                )
    subs = {k: v.symbol for k, v in found.items()}
    return [e.xreplace(subs) for e in exprs], list(found.values())


def _switch_expressions(form: GradientForm) -> list[tuple[sp.Expr, str]]:
    """The form's switching functions, plus the argument of every |·|, max(0, ·) and sign
    inside them or in ℓ: a stencil may cross u = δ − |r| twice between two points (through
    r = 0), but never an affine r without a sign change."""
    out: dict[sp.Expr, str] = {sw.expr: sw.kind for sw in form.switches}
    sources = [sw.expr for sw in form.switches] + [form.loss, form.reg]
    for e in sources:
        for node in sp.preorder_traversal(e):
            entry = primitives.node_entry(node) if isinstance(node, sp.Function) else None
            if entry is not None and entry.kink != "none":
                out.setdefault(node.args[0], entry.kink)
            elif isinstance(node, (sp.Max, sp.Min)):
                for a in node.args:
                    for b in node.args:
                        if a is not b:
                            out.setdefault(a - b, "max")
    return [(e, k) for e, k in out.items() if e.free_symbols]


def form_functions(form: GradientForm, params: Mapping[str, float]) -> FormFunctions:
    """Build every callable the checks need for ``form`` with hyperparameters ``params``."""
    names = sorted(params)
    psyms = tuple(hyperparameter(k) for k in names)
    args = ATOM_ARGS + psyms
    values = tuple(float(params[k]) for k in names)

    def real(e: sp.Expr) -> Callable[..., Any]:
        return _lambdify(args, e, "real")

    analytic = analytic_functions(form.loss) and analytic_functions(form.reg)
    coefs = [form.cw, form.cb, form.cq, form.rw, form.rb]
    forced, inds = _indicators(coefs)
    iargs = args + tuple(i.symbol for i in inds)
    mp_coef = _lambdify(iargs, forced, "mp")
    # The float64 evaluations (the reference of large problems, and |∂c/∂s| for the error
    # bounds) use the stable spellings: 1 − tanh²u is exactly 0 in float64 for |u| > 19 and
    # would make both a false reference and a bound blind to the score's rounding. The
    # rewrites are identities (tested at 40 digits); the exact mpmath route does not use them.
    np_coef = _lambdify(iargs, [numeric_rewrite(c) for c in forced], "real")
    dcoef = [numeric_rewrite(sp.diff(c, S) + sp.diff(c, Z)) for c in forced[:3]]
    np_dcoef = _lambdify(iargs, dcoef, "real")
    switch_exprs = _switch_expressions(form)
    kinds = tuple(k for _, k in switch_exprs)
    return FormFunctions(
        params=values,
        loss=_silent(real(form.loss)),
        reg=_silent(real(form.reg)),
        loss_c=_silent(_lambdify(args, form.loss, "complex")) if analytic else None,
        reg_c=_silent(_lambdify(args, form.reg, "complex")) if analytic else None,
        switches=tuple(_silent(real(e)) for e, _ in switch_exprs),
        switch_kinds=kinds,
        mp_coef=mp_coef,
        mp_reg=_lambdify(args, form.reg, "mp"),
        mp_loss=_lambdify(args, form.loss, "mp"),
        mp_indicators=tuple(_lambdify(args, i.arg, "mp") for i in inds),
        indicators=tuple(inds),
        np_coef=_silent(np_coef),
        np_indicators=tuple(_silent(real(i.arg)) for i in inds),
        np_dcoef=_silent(np_dcoef),
    )


def slopes(
    funcs: tuple[Callable[..., Any], ...],
    s: Any,
    z: Any,
    q: Any,
    b: Any,
    y: Any,
    xx: Any,
    p: tuple[float, ...],
) -> list[Any]:
    """|∂u/∂s| of each function u (moving s and z together), per sample, by a central
    difference; the switching functions are smooth where this is used."""
    s = np.asarray(s, dtype=np.float64)
    eta = 2.0**-20 * np.maximum(1.0, np.abs(s))
    out = []
    for f in funcs:
        hi = np.broadcast_to(f(s + eta, z + eta, q, b, y, xx, *p), s.shape)
        lo = np.broadcast_to(f(s - eta, z - eta, q, b, y, xx, *p), s.shape)
        out.append(np.abs(hi - lo) / (2 * eta))
    return out
