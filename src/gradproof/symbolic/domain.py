"""Refuse a derived loss that is not real, or whose constants are not finite numbers.

Run on the loss, the regulariser and the gradient's coefficients after differentiating, so
that constants which appear only in the derivative are caught too. Two kinds of problem, each
named by the smallest sub-expression that shows it:

- *not real*: a square root, power or log of something SymPy knows to be negative
  (``sqrt(-1-b^2)``, ``(-1)^(w·x)``), or the imaginary unit SymPy wrote for one (``sqrt(-lam)``);
- *degenerate*: with the hyperparameter values put in, a constant that is undefined or beyond
  the float64 range (``1/lam`` at ``lam = 0``, ``lam^2`` at ``lam = 1e308``), or a term that
  divides by a hyperparameter that is 0 (``y/(lam*b)``).

Constants are sized with :func:`gradproof.limits.approx_float` (plain floats, bounded time),
never with SymPy's evalf.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping

import sympy as sp

from gradproof.errors import OptionError, ParseError
from gradproof.limits import approx_float
from gradproof.symbolic import primitives
from gradproof.symbolic.atoms import hyperparameter
from gradproof.symbolic.calculus import GradientForm
from gradproof.symbolic.render.printers import to_text

__all__ = ["check_domain", "check_expressions"]

_UNDEFINED = (sp.zoo, sp.nan, sp.oo, -sp.oo)
_SHOWN = 60  # characters of a sub-expression quoted in a message


def check_domain(form: GradientForm, params: Mapping[str, float]) -> None:
    """Raise :class:`~gradproof.errors.ParseError` when the loss or its gradient is not real,
    :class:`~gradproof.errors.OptionError` when a constant is undefined or not finite with
    these hyperparameter values."""
    parts = [
        ("the loss", form.loss),
        ("the regulariser", form.reg),
        *[("the gradient", c) for c in (form.cw, form.cb, form.cq, form.rw, form.rb)],
    ]
    check_expressions(parts, params)


def check_expressions(parts: Iterable[tuple[str, sp.Expr]], params: Mapping[str, float]) -> None:
    """:func:`check_domain` for any named expressions (a model's loss and coefficients)."""
    parts = list(parts)
    for what, e in parts:
        bad = _not_real(e)
        if bad is not None:
            raise ParseError(
                f"{what} is not real: {_show(bad)} is complex (a square root, power or log of a "
                f"negative number); rewrite the expression so that it stays real"
            )
    values: dict[sp.Basic, float] = {hyperparameter(k): float(v) for k, v in params.items()}
    for what, e in parts:
        _check_constants(e, what, values)
        _check_zero_division(e, what, [s for s, v in values.items() if v == 0])


def _show(e: sp.Basic) -> str:
    text = to_text(e.xreplace({sp.I: sp.Symbol("i")}), atoms="scalar")
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _not_real(e: sp.Basic) -> sp.Basic | None:
    """The smallest sub-expression of ``e`` that is certainly not real, or None."""
    for a in e.args:
        found = _not_real(a)
        if found is not None:
            return e if found is sp.I else found  # show i with what it multiplies
    if e is sp.I:
        return e
    if not isinstance(e, sp.Expr) or e in _UNDEFINED:  # undefined: _check_constants says so
        return None
    if e.is_extended_real is False:
        return e
    # (−1)^(w·x): a negative base to a power that need not be an integer
    if isinstance(e, sp.Pow) and e.base.is_extended_negative and e.exp.is_integer is not True:
        return e
    return None


def _names(symbols: Iterable[sp.Basic]) -> list[str]:
    return sorted(str(s) for s in symbols)


def _check_constants(e: sp.Basic, what: str, values: Mapping[sp.Basic, float]) -> None:
    """Size every constant of ``e`` (hyperparameters set to their values), innermost first."""
    if e.has(*_UNDEFINED):
        raise ParseError(
            f"{what} is undefined: a division by zero or log(0) appears in it; rewrite the "
            f"expression"
        )

    sizing = primitives.active().float_functions()

    def visit(node: sp.Basic) -> sp.Basic | None:
        """``node`` with the hyperparameters set to their values, built without evaluating
        (so no number is computed exactly), when it is a constant; else None."""
        filled_args = [visit(a) for a in node.args]
        if not isinstance(node, sp.Expr) or not node.free_symbols <= values.keys():
            return None
        if node.is_Symbol:
            return sp.Float(values[node])
        if not node.args:
            filled = node  # a number
        else:
            try:
                # evaluate=False per call: the global sp.evaluate(False) clears SymPy's cache
                filled = node.func(*filled_args, evaluate=False)
            except TypeError:  # a node type that cannot be built unevaluated: not sized
                return None
        v = approx_float(filled, sizing)
        if v is None or math.isfinite(v):
            return filled
        given = ", ".join(f"{s} = {values[s]:g}" for s in sorted(node.free_symbols, key=str))
        start = f"with {given}, " if given else ""
        if math.isnan(v):
            raise OptionError(
                f"{start}{what} contains {_show(node)}, which is undefined or not real (a "
                f"division by zero, log(0) or a root of a negative number); choose other values"
            )
        raise OptionError(
            f"{start}{what} contains {_show(node)}, which is beyond the float64 range; use "
            f"smaller values"
        )

    visit(e)


def _check_zero_division(e: sp.Basic, what: str, zeros: Collection[sp.Basic]) -> None:
    """Refuse a sub-expression of ``e`` that becomes undefined when the hyperparameters that
    are 0 are set to 0 (``y/(lam*b)`` at lam = 0)."""

    def filled(node: sp.Basic) -> sp.Basic:
        """``node`` with the zero hyperparameters set to 0 (evaluated: only zeros go in, so no
        number grows); raises at the smallest sub-expression that becomes undefined."""
        if not node.has(*zeros):
            return node
        if not node.args:
            return sp.Integer(0)
        out = node.func(*[filled(a) for a in node.args])
        if out.has(*_UNDEFINED):
            names = _names(z for z in zeros if node.has(z))
            raise OptionError(
                f"with {', '.join(f'{n} = 0' for n in names)}, {what} contains {_show(node)}, "
                f"which is undefined there (a division by zero or log(0)); give "
                f"{' and '.join(names)} a value > 0"
            )
        return out

    if zeros:
        filled(e)
