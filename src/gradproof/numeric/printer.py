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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import precedence

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
        self.definitions: dict[sp.Symbol, sp.Expr] = {}
        """CSE temporaries → what they stand for, set while a :class:`Body` prints (so
        that a pattern split by CSE, such as Huber's ψ, is still recognised)."""

    @contextmanager
    def defining(self, subs: Iterable[tuple[sp.Symbol, sp.Expr]]) -> Iterator[None]:
        """:attr:`definitions` set to the CSE substitutions ``subs`` while the block runs,
        and empty again after it, whatever happens."""
        self.definitions = dict(subs)
        try:
            yield
        finally:
            self.definitions = {}

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

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        """A sum whose first term has a minus sign and whose second has none is printed with
        the two swapped (``1 - s*y``, not ``-s*y + 1``): one numpy call fewer and the same
        numbers, since only the first addition changes order (a + b = b + a exactly; moving
        a later term to the front would regroup the sum and change its rounding)."""
        terms = list(self._as_ordered_terms(expr, order=order))
        printed = [self._print(t) for t in terms]
        if len(terms) > 1 and printed[0].startswith("-") and not printed[1].startswith("-"):
            terms[:2] = terms[1::-1]
            printed[:2] = printed[1::-1]
        prec = precedence(expr)
        parts: list[str] = []
        for term, text in zip(terms, printed, strict=True):
            sign = "+"
            if text.startswith("-") and not term.is_Add:
                sign, text = "-", text[1:]
            if precedence(term) < prec or term.is_Add:
                text = f"({text})"
            parts += [sign, text]
        head = parts.pop(0)
        return ("" if head == "+" else head) + " ".join(parts)

    def _print_Piecewise(self, e: sp.Piecewise) -> str:
        clipped = _clip_bounds(e, self.definitions)
        if clipped is not None:  # np.where is slow (a branch per element); np.clip is not
            x, c = clipped
            return f"np.clip({self._print(x)}, {self._print(-c)}, {self._print(c)})"
        out = "np.nan"
        for value, cond in reversed(e.args):
            if cond == sp.true:
                out = self._print(value)
            else:
                out = f"np.where({self._print(cond)}, {self._print(value)}, {out})"
        return out

    def _module_format(self, fqn: str, register: bool = True) -> str:
        return "np." + fqn.split(".")[-1]


def _clip_bounds(
    e: sp.Piecewise, definitions: dict[sp.Symbol, sp.Expr] | None = None
) -> tuple[sp.Expr, sp.Expr] | None:
    """(x, c) when ``e`` is x where |x| ≤ c (or < c), else c·sign(x), with c ≥ 0 known: the
    clip of x to [−c, c] (Huber's ψ). The two agree at |x| = c and on NaN. CSE temporaries
    in the condition are looked up in ``definitions`` (the condition and |x| are shared
    with the loss in ``loss_and_grad``)."""
    defs = definitions or {}

    def seen(v: sp.Basic) -> sp.Basic:
        while isinstance(v, sp.Symbol) and v in defs:
            v = defs[v]
        return v

    if len(e.args) != 2 or e.args[1].cond != sp.true:
        return None
    (x, cond), (other, _) = e.args
    cond = seen(cond)
    if not isinstance(cond, (sp.LessThan, sp.StrictLessThan, sp.GreaterThan, sp.StrictGreaterThan)):
        return None
    small, big = (
        (cond.lhs, cond.rhs)
        if isinstance(cond, (sp.LessThan, sp.StrictLessThan))
        else (cond.rhs, cond.lhs)
    )
    if seen(small) != sp.Abs(x) or not seen(big).is_nonnegative:
        return None
    if sp.expand(other - big * sp.sign(x)) != 0:
        return None
    return x, big
