"""The printer core's rules for models with K scores per sample: matrices and their
transposes, entries with index letters (pᵢₖ), sums over classes, shapes (S ∈ ℝⁿˣᴷ), norms of
weights, and the score atoms (log Σₗ exp(sᵢₗ), sᵢ,yᵢ) as their registry entries write them.

A mixin of :class:`~gradproof.symbolic.render.core.FormulaPrinter`: layout is decided here,
the text and LaTeX syntax comes from the leaves (``_leaf_*``) of
:mod:`~gradproof.symbolic.render.text` and :mod:`~gradproof.symbolic.render.latex`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import sympy as sp

from gradproof.symbolic import display as D
from gradproof.symbolic import primitives
from gradproof.symbolic.atoms import SK, YK, Y
from gradproof.symbolic.functions import ClassSum

__all__ = ["MatrixPrinting"]


class MatrixPrinting:
    """``_print_*`` rules for the display nodes of model derivations (see the module doc)."""

    FORMAT: ClassVar[str]
    _settings: dict[str, Any]

    SHAPES_SEP: ClassVar[str]

    if TYPE_CHECKING:  # supplied by the core and by the leaves of each format

        def _print(self, expr: Any, **kwargs: Any) -> str: ...
        def _leaf_parens(self, s: str) -> str: ...
        def _leaf_indicator(self, cond: str) -> str: ...
        def _leaf_transposed(self, inner: str) -> str: ...
        def _leaf_operator(self, name: str, inner: str) -> str: ...
        def _leaf_entry(self, base: str, index: str) -> str: ...
        def _leaf_index_sum(self, index: str, skip: str | None) -> str: ...
        def _leaf_delta(self, a: str, b: str) -> str: ...
        def _leaf_in_space(self, expr: str, dims: list[str]) -> str: ...
        def _leaf_norm_of(self, weight: str, p: int) -> str: ...

    # -- score atoms and class-sum symbols -----------------------------------------------
    def _score_symbol(self, e: sp.Symbol) -> str | None:
        """A score atom (its registry text in this mode), s_k/y_k, or None for others."""
        mode = "scalar" if self._settings["atoms"] == "scalar" else "index"
        if e in (SK, YK):
            cls = "l" if getattr(self, "_in_class_sum", False) else "k"
            return self._leaf_entry(e.name[0], cls if mode == "scalar" else "i" + cls)
        rule = primitives.score_rule(e)
        if rule is None:
            return None
        return str(getattr(rule, self.FORMAT)[mode])

    def _print_ClassSum(self, e: ClassSum) -> str:
        saved = getattr(self, "_in_class_sum", False)
        self._in_class_sum = True
        try:
            body = self._print(e.body)
        finally:
            self._in_class_sum = saved
        skip = self._print(Y) if e.exclude_y else None
        head = self._leaf_index_sum("l", skip)
        compound = isinstance(e.body, (sp.Add,)) or e.body.could_extract_minus_sign()
        return f"{head} {self._leaf_parens(body) if compound else body}"

    # -- matrices ----------------------------------------------------------------------
    def _print_Mat(self, e: D.Mat) -> str:
        return e.text if self.FORMAT == "text" else e.tex

    def _print_Tr(self, e: D.Tr) -> str:
        inner = e.args[0]
        text = self._print(inner)
        if not isinstance(inner, D.Mat):
            text = self._leaf_parens(text)
        return self._leaf_transposed(text)

    def _print_Diag(self, e: D.Diag) -> str:
        return self._leaf_operator("diag", self._print(e.args[0]))

    def _print_Hadamard(self, e: D.Hadamard) -> str:
        sides = []
        for a in e.args:
            text = self._print(a)
            sides.append(text if isinstance(a, (D.Mat, D.Tr)) else self._leaf_parens(text))
        return (" ⊙ " if self.FORMAT == "text" else r" \odot ").join(sides)

    def _print_Sgn(self, e: D.Sgn) -> str:
        return self._leaf_operator("sgn", self._print(e.args[0]))

    def _print_NormOf(self, e: D.NormOf) -> str:
        return self._leaf_norm_of(e.weight, e.p)

    # -- entries and index sums -----------------------------------------------------------
    def _print_Entry(self, e: D.Entry) -> str:
        return self._leaf_entry(e.base, e.index)

    def _print_LayerEntry(self, e: D.LayerEntry) -> str:
        return e.text if self.FORMAT == "text" else e.tex

    def _print_IndexSum(self, e: D.IndexSum) -> str:
        body, index, skip = e.args
        saved = getattr(self, "_in_class_sum", False)
        # a class sum's own class is l; inside Σₖ (a row sum) it stays k
        self._in_class_sum = {"l": True, "k": False}.get(str(index), saved)
        try:
            text = self._print(body)
        finally:
            self._in_class_sum = saved
        head = self._leaf_index_sum(str(index), None if skip == D.ALL else self._print(skip))
        compound = isinstance(body, sp.Add) or body.could_extract_minus_sign()
        return f"{head} {self._leaf_parens(text) if compound else text}"

    def _print_Delta(self, e: D.Delta) -> str:
        return self._leaf_delta(str(e.args[0]), str(e.args[1]))

    def _print_Indicator(self, e: D.Indicator) -> str:
        return self._leaf_indicator(self._print(e.args[0]))

    # -- shapes -------------------------------------------------------------------------
    def _print_InSpace(self, e: D.InSpace) -> str:
        expr, dims = e.args
        return self._leaf_in_space(self._print(expr), [str(d) for d in dims])

    def _print_Shapes(self, e: D.Shapes) -> str:
        return self.SHAPES_SEP.join(self._print(a) for a in e.args)
