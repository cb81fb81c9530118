"""A derivation's steps as plain data (what ``gradproof derive --json`` prints): for each step
its number, rule, formulas as LaTeX and as text, and its justification as text and as LaTeX
pieces. The formulas go through the same printers as every other output, so the JSON says
exactly what the text and the post say.

>>> import gradproof
>>> steps = step_records(gradproof.derive("perceptron", example=False))
>>> steps[-1]["rule"], steps[-1]["formulas"][0]["text"]
('gradient', '∇L = [−Σ_{i∈M} yᵢ xᵢ, −Σ_{i∈M} yᵢ]ᵀ')
"""

from __future__ import annotations

from typing import Any

from gradproof.i18n import _
from gradproof.symbolic.render.document import _settings, _text_inline, _visible
from gradproof.symbolic.render.printers import to_latex, to_text
from gradproof.symbolic.render.view import DerivationView
from gradproof.symbolic.sentences import pieces_of
from gradproof.symbolic.steps import Formula

__all__ = ["step_records"]


def step_records(d: DerivationView, detail: str = "summary") -> list[dict[str, Any]]:
    """The steps shown at ``detail`` (``summary`` or ``full``), numbered as in every format.

    Each record: ``number``; ``rule`` (the rule's name, in English: a stable key) and
    ``title`` (in the current language); ``formulas``, each ``{"latex", "text"}``;
    ``justification`` (text); ``justification_latex`` (text pieces and ``$…$`` formulas).
    """
    out = []
    for n, step in enumerate(_visible(d, detail), start=1):
        said = pieces_of(step.justification)  # in the current language
        formulas = [
            {
                "latex": to_latex(f.chain, **_settings(d, f)),
                "text": to_text(f.chain, **_settings(d, f)),
            }
            for f in step.formulas
        ]
        out.append(
            {
                "number": n,
                "rule": step.rule.value,
                "title": _(step.rule.value),
                "formulas": formulas,
                "justification": _text_inline(d, said),
                "justification_latex": "".join(
                    f"${to_latex(p.chain, **_settings(d, p))}$" if isinstance(p, Formula) else p
                    for p in said
                ),
            }
        )
    return out
