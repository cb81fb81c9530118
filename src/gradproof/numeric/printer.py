"""Print the scalar coefficients of a :class:`GradientForm` as elementwise numpy source code.

Only elementwise work on n numbers is printed here; the two passes over X (``X @ w`` and
``c @ X``) are written once by :mod:`gradproof.numeric.source`. Every construct printed is an
array operation that Dask arrays also implement (ufuncs, ``np.where``, ``astype``), and
numeric constants are printed as Python numbers so float32 inputs stay float32.

Stable forms are chosen on purpose (:func:`stable_rewrite`, :data:`PRELUDE`): softplus and
σ are evaluated with exponents that are never positive, log(1 + u) as ``log1p``.
"""

from __future__ import annotations

import math

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from gradproof.symbolic.atoms import XX, B, Q, S, Y, Z
from gradproof.symbolic.functions import Ramp, Sigmoid, Softplus, Step
from gradproof.symbolic.rewrite import logistic_rewrite as stable_rewrite

__all__ = ["CoefficientPrinter", "stable_rewrite", "PRELUDE", "ATOM_NAMES"]

ATOM_NAMES = {S: "s", Z: "z", Q: "q", B: "b", Y: "y", XX: "xx"}

PRELUDE = '''\
def _sigmoid(u):
    """σ(u) = 1 / (1 + e^(−u)) without overflow: both exponents are ≤ 0."""
    return np.exp(np.minimum(u, 0)) / (1 + np.exp(-np.abs(u)))


def _softplus(u):
    """log(1 + e^u) without overflow: max(u, 0) + log1p(e^(−|u|))."""
    return np.maximum(u, 0) + np.log1p(np.exp(-np.abs(u)))


def _step(u, at_kink):
    """The indicator 1[u ≥ 0] with the value ``at_kink`` at u = 0."""
    return np.where(u > 0, 1, np.where(u < 0, 0, at_kink))

'''
"""Helpers for gradproof's functions that the printed coefficients call; numpy only."""


# -- the printer --------------------------------------------------------------------------
def _comparison(u: sp.Expr, strict: bool) -> tuple[str, sp.Expr, sp.Expr]:
    """u ≥ 0 (u > 0 when strict) as (ufunc, lhs, rhs) with constants moved to the right.

    1 − y·s ≥ 0 becomes y·s ≤ 1: fewer operations, and the same sign as evaluating u, since
    a rounded difference of two floats is zero exactly when they are equal.
    """
    const, rest = u.as_coeff_Add()
    if rest.could_extract_minus_sign():
        return ("less" if strict else "less_equal"), -rest, const
    return ("greater" if strict else "greater_equal"), rest, -const


class CoefficientPrinter(NumPyPrinter):
    """NumPy printer that knows gradproof's functions, atom names and hyperparameters.

    Atom symbols print as ``s``, ``z``, ``q``, ``b``, ``y``, ``xx``; CSE temporaries as
    ``_tN``; any other symbol is a hyperparameter, printed ``p_NAME``. Indicators print as a
    comparison converted to ``dt`` (a local of the generated function).
    """

    def __init__(self) -> None:
        super().__init__(
            {"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": False}
        )
        self.module_imports.clear()

    def _print(self, expr: object, **kwargs: object) -> str:
        if isinstance(expr, sp.Expr) and expr.is_number and not expr.has(sp.Symbol):
            return self._number(expr)
        return super()._print(expr, **kwargs)

    def _number(self, e: sp.Expr) -> str:
        """A constant as a Python literal (a 'weak' scalar: float32 arrays stay float32)."""
        if e.is_Integer:
            text = str(int(e))
        else:
            v = complex(e.evalf(20))
            if v.imag != 0:
                raise ValueError(f"the constant {e} is not real and cannot be compiled")
            x = v.real
            text = (
                repr(x)
                if math.isfinite(x)
                else ("np.nan" if math.isnan(x) else ("np.inf" if x > 0 else "-np.inf"))
            )
        return f"({text})" if text.startswith("-") else text

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
        u = e.args[0]
        if at in (0, 1):
            op, lhs, rhs = _comparison(u, strict=(at == 0))
            return f"np.{op}({self._print(lhs)}, {self._print(rhs)}).astype(dt)"
        if at == sp.Rational(1, 2):
            return f"(0.5 * np.sign({self._print(u)}) + 0.5)"
        return f"_step({self._print(u)}, {self._print(at)})"

    def _print_Sigmoid(self, e: Sigmoid) -> str:
        return f"_sigmoid({self._print(e.args[0])})"

    def _print_Softplus(self, e: Softplus) -> str:
        return f"_softplus({self._print(e.args[0])})"

    def _print_log(self, e: sp.log) -> str:
        const, rest = e.args[0].as_coeff_Add()
        if const == 1 and rest != 0:
            return f"np.log1p({self._print(rest)})"
        return f"np.log({self._print(e.args[0])})"

    def _print_sign(self, e: sp.sign) -> str:
        return f"np.sign({self._print(e.args[0])})"

    def _print_Piecewise(self, e: sp.Piecewise) -> str:
        out = "np.nan"
        for value, cond in reversed(e.args):
            if cond == sp.true:
                out = self._print(value)
            else:
                out = f"np.where({self._print(cond)}, {self._print(value)}, {out})"
        return out

    def _module_format(self, fqn: str, register: bool = True) -> str:
        return "np." + fqn.split(".")[-1]
