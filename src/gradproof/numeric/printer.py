"""Print the scalar coefficients of a :class:`GradientForm` as elementwise numpy source code.

Only elementwise work on n numbers is printed here; the two passes over X (``X @ w`` and
``c @ X``) are written once by :mod:`gradproof.numeric.source`. Every construct printed is an
array operation that Dask arrays also implement (ufuncs, ``np.where``, ``astype``), and
numeric constants are printed as Python numbers so float32 inputs stay float32.

Functions are printed by their entries in the primitive registry
(:mod:`gradproof.symbolic.primitives`), in their stable forms (:func:`stable_rewrite`, and the
helpers of :data:`PRELUDE`: softplus and σ are evaluated with exponents that are never
positive, log(1 + u) as ``log1p``). A node no entry claims is a
:class:`~gradproof.symbolic.primitives.RegistryError`: nothing falls through to ``np.<name>``.
"""

from __future__ import annotations

import math
from typing import Any

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from gradproof.symbolic import primitives
from gradproof.symbolic.atoms import XX, B, Q, S, Y, Z
from gradproof.symbolic.rewrite import logistic_rewrite as stable_rewrite

__all__ = ["CoefficientPrinter", "stable_rewrite", "PRELUDE", "ATOM_NAMES", "prelude"]

ATOM_NAMES = {S: "s", Z: "z", Q: "q", B: "b", Y: "y", XX: "xx"}

# Nodes printed by NumPyPrinter itself: arithmetic, comparisons, and the Piecewise below.
_STRUCTURE = (
    sp.Add,
    sp.Mul,
    sp.Pow,
    sp.Symbol,
    sp.core.relational.Relational,
    sp.logic.boolalg.BooleanAtom,
    sp.And,
    sp.Or,
    sp.Not,
)


def prelude(helpers: set[str] | None = None) -> str:
    """The source of the numpy helpers named in ``helpers`` (all of them for None), in
    registry order, two blank lines apart (empty when there are none)."""
    sources = [
        entry.numpy_helper
        for entry in primitives.entries()
        if entry.helper_names and (helpers is None or set(entry.helper_names) & helpers)
    ]
    return "\n\n".join(sources) + "\n" if sources else ""


PRELUDE = prelude()
"""Every helper a printed coefficient may call; numpy only (a module gets those it uses,
:meth:`CoefficientPrinter.prelude`)."""


class CoefficientPrinter(NumPyPrinter):
    """NumPy printer that knows gradproof's primitives, atom names and hyperparameters.

    Atom symbols print as ``s``, ``z``, ``q``, ``b``, ``y``, ``xx``; CSE temporaries as
    ``_tN``; any other symbol is a hyperparameter, printed ``p_NAME``. Functions print as
    their registry entries say (indicators as a comparison converted to ``dt``, a local of
    the generated function); :attr:`helpers` collects the helper functions they call.
    """

    def __init__(self) -> None:
        super().__init__(
            {"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": False}
        )
        self.module_imports.clear()
        self.helpers: set[str] = set()

    def prelude(self) -> str:
        """The source of the helpers the expressions printed so far call."""
        return prelude(self.helpers)

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Expr) and expr.is_number and not expr.has(sp.Symbol):
            return self._number(expr)
        if isinstance(expr, sp.Function) and not isinstance(expr, sp.Piecewise):
            entry = primitives.node_entry(expr, "numpy")
            assert entry is not None  # node_entry raises for a node without numpy printing
            text = entry.print_numpy(self._print, expr)
            self.helpers.update(h for h in entry.helper_names if h + "(" in text)
            return text
        if not isinstance(expr, (*_STRUCTURE, sp.Piecewise)):
            raise primitives.RegistryError(
                f"the numpy printer has no rule for the SymPy node {type(expr).__name__} "
                f"({expr}); register it in gradproof/symbolic/primitives.py"
            )
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
