"""Print the scalar coefficients of a :class:`GradientForm` as numpy source code.

Only elementwise work on n numbers is printed; the two passes over X (X @ w and c @ X) are
written once in the template. Stable forms are chosen on purpose: softplus → logaddexp,
σ → an exp(−|u|) form that never overflows.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from gradproof.symbolic.atoms import B, Q, S, XX, Y, Z
from gradproof.symbolic.functions import Ramp, Sigmoid, Softplus, Step

__all__ = ["CoefficientPrinter", "stable_rewrite", "PRELUDE", "ATOM_NAMES"]

ATOM_NAMES = {S: "s", Z: "z", Q: "q", B: "b", Y: "y", XX: "xx"}

PRELUDE = '''\
import numpy as np


def _sigmoid(u):
    """σ(u) without overflow: exp(−|u|) is at most 1."""
    e = np.exp(-np.abs(u))
    return np.where(u >= 0, 1.0, e) / (1.0 + e)


def _vec(v, n, dt):
    """A per-sample array of length n in dtype dt (a constant is broadcast)."""
    if np.ndim(v) == 0:
        return np.full(n, v, dtype=dt)
    return v.astype(dt, copy=False)


def _step(u, at_kink):
    """The indicator 𝟙[u ≥ 0] with the value ``at_kink`` at u = 0, in u's dtype."""
    return np.where(u > 0, 1, np.where(u < 0, 0, at_kink)).astype(np.result_type(u, np.float32))
'''


def stable_rewrite(expr: sp.Expr) -> sp.Expr:
    """Rewrite overflow-prone forms: log(1 + exp(u)) → softplus(u), e^u/(1 + e^u) → σ(u)."""
    w = sp.Wild("w")
    expr = expr.replace(sp.log(1 + sp.exp(w)), lambda w: Softplus(w))
    expr = expr.replace(sp.exp(w) / (1 + sp.exp(w)), lambda w: Sigmoid(w))
    expr = expr.replace(1 / (1 + sp.exp(w)), lambda w: Sigmoid(-w))
    return expr


class CoefficientPrinter(NumPyPrinter):
    """NumPy printer that knows gradproof's functions and atom names."""

    def __init__(self) -> None:
        super().__init__({"fully_qualified_modules": False, "inline": True,
                          "allow_unknown_functions": False})
        self.module_imports.clear()

    def _print_Symbol(self, e: sp.Symbol) -> str:
        if e.name.startswith("_t"):
            return e.name
        return ATOM_NAMES.get(e, f"p_{e.name}")

    def _print_Ramp(self, e: Ramp) -> str:
        return f"np.maximum({self._print(e.args[0])}, 0)"

    def _print_Step(self, e: Step) -> str:
        at = e.at_kink
        if at is None:
            raise ValueError("an indicator without a kink convention cannot be compiled")
        u = self._print(e.args[0])
        if at == 1:
            return f"({u} >= 0)"
        if at == 0:
            return f"({u} > 0)"
        return f"_step({u}, {float(at)!r})"

    def _print_Sigmoid(self, e: Sigmoid) -> str:
        return f"_sigmoid({self._print(e.args[0])})"

    def _print_Softplus(self, e: Softplus) -> str:
        return f"np.logaddexp(0, {self._print(e.args[0])})"

    def _print_sign(self, e: sp.sign) -> str:
        return f"np.sign({self._print(e.args[0])})"

    def _module_format(self, fqn: str, register: bool = True) -> str:
        return "np." + fqn.split(".")[-1]
