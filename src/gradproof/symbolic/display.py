"""Display-only SymPy nodes: what derivation steps are written with.

These never get differentiated or compiled; they exist so that one formula can be printed as
unicode text, LaTeX or Markdown by printers that dispatch on node type. Per-sample atoms are
shown with the sample index i (``s`` → sᵢ, ``y`` → yᵢ) by the printers themselves.

They also print themselves readably wherever SymPy prints them (``str``, ``repr``, Jupyter's
``_repr_latex_``, ``pprint``), through gradproof's printer core, which
:mod:`gradproof.symbolic.render.printers` registers (:func:`register_printers`): so
``d.gradient["w"]`` shows as -Σ_{i∈M} yᵢ xᵢ, not as ``-SampleSum(y*x_i, M)``. SymPy still
prints the nodes around them (the leading sign of a product, a regulariser's λ·w);
:meth:`gradproof.symbolic.derivation.Derivation.render_formula` prints a whole formula.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    "Mat",
    "Tr",
    "Diag",
    "Sgn",
    "Entry",
    "IndexSum",
    "Delta",
    "InSpace",
    "Shapes",
    "Indicator",
    "NormOf",
    "register_printers",
]

_PRINTERS: dict[str, Callable[[sp.Basic], str]] = {}  # "text", "latex": the printer core's


def register_printers(text: Callable[[sp.Basic], str], latex: Callable[[sp.Basic], str]) -> None:
    """Make ``text`` and ``latex`` what display nodes print themselves with inside SymPy's
    printers (the render layer does this when it is imported; the symbolic layer never
    imports it)."""
    _PRINTERS.update(text=text, latex=latex)


class _Shown:
    """SymPy's printing hooks, answered by the printer core (SymPy's own form before it is
    registered)."""

    def _sympystr(self, printer: Any) -> str:
        return _show("text", self, printer)

    def _latex(self, printer: Any) -> str:
        return _show("latex", self, printer)

    def _pretty(self, printer: Any) -> Any:
        from sympy.printing.pretty.stringpict import prettyForm

        return prettyForm(self._sympystr(printer))


def _show(kind: str, node: Any, printer: Any) -> str:
    show = _PRINTERS.get(kind)
    if show is not None:
        return show(node)
    own = printer._print_Function if isinstance(node, sp.Function) else printer._print_Symbol
    return str(own(node))


class VecSymbol(sp.Symbol):
    """A vector (w, xᵢ, X): non-commutative, so products keep scalars first, vectors last."""

    def __new__(cls, name: str):
        return super().__new__(cls, name, commutative=False)

    def _latex(self, printer: Any) -> str:  # bold, as in every formula (str stays the name)
        return _show("latex", self, printer)


W = VecSymbol("w")
XI = VecSymbol("x_i")
X_MAT = VecSymbol("X")

ALL = sp.Symbol("ALL")
"""The set name meaning 'all samples' in :class:`SampleSum`."""


class _Display(_Shown, sp.Function):
    is_commutative = True

    def _eval_derivative(self, s):  # pragma: no cover - a display node is never differentiated
        raise TypeError("display nodes cannot be differentiated")


class Sym(_Shown, sp.Symbol):
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


# -- matrices, entries and shapes (models with K scores per sample) -------------------------
class _Printed:
    """A symbol that carries its own text and LaTeX (``_text``, ``_tex``)."""

    _text: str
    _tex: str

    @property
    def text(self) -> str:
        return self._text

    @property
    def tex(self) -> str:
        return self._tex


class Mat(_Printed, _Shown, VecSymbol):
    """A matrix or vector of a model's derivation (X, W, b, S, P, Y, G, 𝟏): non-commutative,
    so products keep their order. ``Mat("b", bold=True)`` is a vector, printed bold in
    LaTeX; ``Mat("1_n", bold=True, text="𝟏", tex=r"\\mathbf{1}")`` the vector of ones."""

    def __new__(
        cls, name: str, bold: bool = False, text: str | None = None, tex: str | None = None
    ):
        obj = super().__new__(cls, name)
        # SymPy caches symbols by name: a plain Mat("W1") made later (a regulariser's) must
        # not undo the printed form a network gave its W₁
        if text is None and tex is None and not bold and getattr(obj, "_custom", False):
            return obj
        obj._custom = text is not None or tex is not None
        obj._text = text if text is not None else name
        obj._tex = tex if tex is not None else (rf"\mathbf{{{name}}}" if bold else name)
        return obj


class _MatFunction(_Shown, sp.Function):
    is_commutative = False

    def _eval_derivative(self, s):  # pragma: no cover - a display node is never differentiated
        raise TypeError("display nodes cannot be differentiated")


class Tr(_MatFunction):
    """The transpose Aᵀ."""

    nargs = 1


class Diag(_MatFunction):
    """diag(c): the n×n diagonal matrix of a per-sample vector c (printed in vector form)."""

    nargs = 1


class Hadamard(_MatFunction):
    """A ⊙ B, the entrywise (Hadamard) product of two matrices of the same shape."""

    nargs = 2


class Sgn(_MatFunction):
    """sgn(W), elementwise, with the L1 convention's value at 0 (the second argument)."""

    nargs = 2


class Entry(_Shown, sp.Symbol):
    """One entry of a matrix or vector, p_ik: ``Entry("p", "ik")``, printed pᵢₖ / p_{ik}.

    The index letters are i (sample), j (feature), k (class) and l (a class summed over).
    """

    def __new__(cls, base: str, index: str):
        obj = super().__new__(cls, f"{base}_{index}", real=True)
        obj._base = base
        obj._index = index
        return obj

    @property
    def base(self) -> str:
        return self._base

    @property
    def index(self) -> str:
        return self._index


class LayerEntry(_Printed, Entry):
    """An entry of a network layer's matrix, printed as given (δ⁽²⁾ᵢₖ, (W₂)ₖⱼ): its base
    names the array it is read from in an index form's value (``"δ2"``, ``"W2"``)."""

    def __new__(cls, base: str, index: str, text: str, tex: str):
        obj = super().__new__(cls, base, index)
        obj._text, obj._tex = text, tex
        return obj


class IndexSum(_Display):
    """Σ over the index ``args[1]`` (a Symbol named i, j, k or l) of ``args[0]``; the third
    argument leaves one value out: ``IndexSum(body, l, y_i)`` is Σ_{l≠yᵢ}, ALL none."""

    nargs = 3


class Delta(_Display):
    """The Kronecker delta δ_lk (its arguments are index Symbols)."""

    nargs = 2


class Indicator(_Display):
    """𝟙[condition] for a condition between indices and labels (k = yᵢ, k ≠ yᵢ)."""

    nargs = 1


class InSpace(_Display):
    """``expr ∈ ℝ^{dims}`` for a tuple of size names (ℝⁿˣᴷ); no dims is ℝ (a scalar)."""

    nargs = 2


class Shapes(_Display):
    """A line of shapes: its arguments are :class:`InSpace` nodes, printed one after another."""


class NormOf(_Shown, sp.Symbol):
    """‖W‖²_F (``p`` = 2) or ‖W‖₁ (``p`` = 1) of the weight ``weight``: one scalar atom."""

    def __new__(cls, weight: str, p: int):
        obj = super().__new__(cls, f"{'q' if p == 2 else 'a1'}_{weight}", nonnegative=True)
        obj._weight = weight
        obj._p = p
        return obj

    @property
    def weight(self) -> str:
        return self._weight

    @property
    def p(self) -> int:
        return self._p
