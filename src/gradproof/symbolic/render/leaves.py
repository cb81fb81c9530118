"""The leaves a formula printer supplies to the core (:mod:`gradproof.symbolic.render.core`):
tables of symbols and operators, and the syntax of fractions, powers, sums, indicators and
brackets. Text and LaTeX differ only here."""

from __future__ import annotations

from typing import Any, ClassVar

import sympy as sp

__all__ = ["Leaves"]


class Leaves:
    """What :class:`~gradproof.symbolic.render.core.FormulaPrinter` asks a format for."""

    FORMAT: ClassVar[str]  # "text" or "latex": which registry template the leaves use
    ATOMS: ClassVar[dict[Any, dict[str, str]]]  # atom symbol (or EXPANDED) → mode → leaf
    CONSTANTS: ClassVar[dict[Any, str]]  # π, e, true
    RELATIONS: ClassVar[dict[str, str]]  # rel_op → operator
    JOIN: ClassVar[dict[str, str]]  # kind of juxtaposition (see _join_kind) → separator
    PLUS: ClassVar[str]
    MINUS: ClassVar[str]  # between terms
    MINUS_FIRST: ClassVar[str]  # before a negative first term
    SIGN: ClassVar[str]  # before a negative product
    ONES: ClassVar[str]  # the vector 𝟏

    def _leaf_parens(self, s: str) -> str:
        raise NotImplementedError

    def _leaf_sym(self, name: str) -> str:
        raise NotImplementedError

    def _leaf_name(self, name: str) -> str:
        raise NotImplementedError

    def _leaf_vector(self, name: str) -> str:
        raise NotImplementedError

    def _leaf_integer(self, n: int) -> str:
        raise NotImplementedError

    def _leaf_rational(self, p: int, q: int) -> str:
        raise NotImplementedError

    def _leaf_float(self, x: float) -> str:
        raise NotImplementedError

    def _leaf_coefficient(
        self, head: str | None, bottom: str, bottom_compound: bool, unit: int | None, before: bool
    ) -> str:
        """head/bottom as a coefficient (``unit`` = q for 1/q); ``before``: a product follows."""
        raise NotImplementedError

    def _leaf_coefficient_sep(self, space: bool, body: str) -> str:
        """Between a coefficient and the product ``body`` it scales (``space``: a sum)."""
        raise NotImplementedError

    def _leaf_fraction(
        self, top: str, bottom: str, top_compound: bool, bottom_compound: bool
    ) -> str:
        raise NotImplementedError

    def _leaf_power(self, base: str, exp: sp.Expr) -> str:
        raise NotImplementedError

    def _leaf_norm(self, vector: str, indexed: bool, k: sp.Rational) -> str:
        raise NotImplementedError

    def _leaf_sqrt(self, s: str) -> str:
        raise NotImplementedError

    def _leaf_piecewise(self, pieces: list[tuple[str, str | None]]) -> str:
        raise NotImplementedError

    def _leaf_indicator(self, cond: str) -> str:
        raise NotImplementedError

    def _leaf_indicator_set(self, name: str) -> str:
        raise NotImplementedError

    def _leaf_indicator_average(self, ge: str, gt: str) -> str:
        raise NotImplementedError

    def _leaf_sum(self, where: str | None) -> str:
        raise NotImplementedError

    def _leaf_partial(self, f: str, kind: str, v: str, v_dotted: bool) -> str:
        raise NotImplementedError

    def _leaf_setdef(self, lhs: str, cond: str) -> str:
        raise NotImplementedError

    def _leaf_transpose(self, mat: str | None) -> str:
        raise NotImplementedError

    def _leaf_stack(self, items: list[str]) -> str:
        raise NotImplementedError
