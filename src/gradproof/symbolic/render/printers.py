"""Formula printers: one expression, printed as unicode text or as LaTeX.

Both printers dispatch on node type (``_print_Ramp``, ``_print_SampleSum``, ...) and recurse
only through ``self._print``. Their settings are one defaults dict; unknown keys are rejected
by SymPy's Printer. The ``atoms`` setting decides how per-sample atoms appear:

``scalar``  the loss of one sample: s, y, w·x
``index``   inside Σᵢ: sᵢ, yᵢ, w·xᵢ
``vector``  all samples at once (matrix form): y, Xw + b𝟏, ⊙ between per-sample factors
"""

from __future__ import annotations

from typing import Any

from gradproof.symbolic import display as D
from gradproof.symbolic.atoms import B, S, Z
from gradproof.symbolic.render._base import step_condition
from gradproof.symbolic.render.latex import TexPrinter
from gradproof.symbolic.render.text import TextPrinter

__all__ = ["TextPrinter", "TexPrinter", "to_text", "to_latex", "step_condition"]


def _doprint(p: Any, expr: Any) -> str:
    sets = dict(p._settings["sets"])
    p._settings["sets"] = {
        **sets,
        **{k.subs(S, Z + B): v for k, v in sets.items()},
        **{k.subs(S, D.Expanded(S)): v for k, v in sets.items()},
    }
    if isinstance(expr, tuple):
        return " = ".join(p.doprint(p._prepare(e)) for e in expr)
    return p.doprint(p._prepare(expr))


def to_text(expr: Any, **settings: Any) -> str:
    """Print a formula (or an equation chain, a tuple) as unicode text."""
    return _doprint(TextPrinter(settings), expr)


def to_latex(expr: Any, **settings: Any) -> str:
    """Print a formula (or an equation chain, a tuple) as LaTeX."""
    return _doprint(TexPrinter(settings), expr)
