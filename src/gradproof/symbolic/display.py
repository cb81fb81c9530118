"""Display-only SymPy nodes: what derivation steps are written with.

These never get differentiated or compiled; they exist so that one formula can be printed as
unicode text, LaTeX or Markdown by printers that dispatch on node type. Per-sample atoms are
shown with the sample index i (``s`` → sᵢ, ``y`` → yᵢ) by the printers themselves.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "VecSymbol",
    "W",
    "XI",
    "X_MAT",
    "SampleSum",
    "Partial",
    "SetDef",
    "MatTVec",
    "ALL",
    "StackedGradient",
    "Sym",
    "Expanded",
    "Lit",
]


class VecSymbol(sp.Symbol):
    """A vector (w, xᵢ, X): non-commutative, so products keep scalars first, vectors last."""

    def __new__(cls, name: str):
        return super().__new__(cls, name, commutative=False)


W = VecSymbol("w")
XI = VecSymbol("x_i")
X_MAT = VecSymbol("X")

ALL = sp.Symbol("ALL")
"""The set name meaning 'all samples' in :class:`SampleSum`."""


class _Display(sp.Function):
    is_commutative = True

    def _eval_derivative(self, s):  # pragma: no cover - a display node is never differentiated
        raise TypeError("display nodes cannot be differentiated")


class Sym(sp.Symbol):
    """A symbol printed exactly as named (L, ℓ, M), never given a sample index."""


class SampleSum(_Display):
    """Σ over the samples of ``body``; ``SampleSum(body, M)`` sums over the set M only."""

    nargs = 2


class Partial(_Display):
    """∂f/∂v."""

    nargs = 2


class SetDef(_Display):
    """M = {i : condition}."""

    nargs = 2


class MatTVec(_Display):
    """Xᵀc for a per-sample coefficient vector c (``MatTVec(c, X)``; ``MatTVec(c, 1)`` is 𝟏ᵀc)."""

    nargs = 2


class Expanded(_Display):
    """The score sᵢ written out as w·xᵢ + b (used in sets and final results)."""

    nargs = 1


class StackedGradient(_Display):
    """∇L = [∂L/∂w, ∂L/∂b]ᵀ."""


class Lit(_Display):
    """A pre-printed piece (numbers of a worked example): its text and its LaTeX."""

    nargs = 1

    def __new__(cls, text: str, tex: str):
        obj = super().__new__(cls, sp.Symbol(text))
        obj._tex = tex
        return obj

    @property
    def text(self) -> str:
        return self.args[0].name

    @property
    def tex(self) -> str:
        return self._tex
