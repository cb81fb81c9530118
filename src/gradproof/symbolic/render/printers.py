"""Formula printers: one expression, printed as unicode text or as LaTeX.

Both printers are the one core of :mod:`gradproof.symbolic.render.core` (dispatch on node
type, recursion only through ``self._print``, one precedence function) with different
leaves. Their settings are one defaults dict; unknown keys are rejected. The ``atoms``
setting decides how per-sample atoms appear:

``scalar``  the loss of one sample: s, y, w·x
``index``   inside Σᵢ: sᵢ, yᵢ, w·xᵢ
``vector``  all samples at once (matrix form): y, Xw + b𝟏, ⊙ between per-sample factors

>>> from gradproof.symbolic.atoms import S, Y
>>> to_text(1 - Y * S), to_latex(1 - Y * S)
('1 − yᵢ sᵢ', '1 - y_{i} s_{i}')
"""

from __future__ import annotations

from typing import Any

from gradproof.symbolic.display import register_printers
from gradproof.symbolic.render._base import readable_relation, step_condition
from gradproof.symbolic.render.latex import TexPrinter
from gradproof.symbolic.render.text import TextPrinter

__all__ = [
    "TextPrinter",
    "TexPrinter",
    "to_text",
    "to_latex",
    "step_condition",
    "readable_relation",
]


def to_text(expr: Any, **settings: Any) -> str:
    """Print a formula (or an equation chain, a tuple) as unicode text."""
    return TextPrinter(settings).print_formula(expr)


def to_latex(expr: Any, **settings: Any) -> str:
    """Print a formula (or an equation chain, a tuple) as LaTeX."""
    return TexPrinter(settings).print_formula(expr)


# Display nodes print themselves with the core wherever SymPy prints them (str, Jupyter), the
# score written out as in a derivation's results (Derivation.render_formula).
register_printers(lambda e: to_text(e, expand_score=True), lambda e: to_latex(e, expand_score=True))
