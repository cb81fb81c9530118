"""What a renderer reads from a derivation.

The renderers are typed against this protocol, not against
:class:`~gradproof.symbolic.derivation.Derivation`, which satisfies it: the derivation module
imports the renderers (for ``Derivation.render``), and nothing in the renderers imports it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import sympy as sp

from gradproof.symbolic.calculus import GradientForm
from gradproof.symbolic.losses import LossSpec
from gradproof.symbolic.steps import DerivationStep

__all__ = ["DerivationView"]


class DerivationView(Protocol):
    """The fields of a derivation that the renderers print (read only)."""

    @property
    def title(self) -> str: ...

    @property
    def spec(self) -> LossSpec: ...

    @property
    def form(self) -> GradientForm: ...

    @property
    def params(self) -> Mapping[str, float]: ...

    @property
    def kink(self) -> str: ...

    @property
    def wrt(self) -> tuple[str, ...]: ...

    @property
    def set_names(self) -> Mapping[sp.Expr, str]: ...

    @property
    def steps(self) -> tuple[DerivationStep, ...]: ...

    @property
    def gradient(self) -> Mapping[str, sp.Expr]: ...

    @property
    def expression(self) -> str | None: ...

    @property
    def reg_expression(self) -> str | None: ...
