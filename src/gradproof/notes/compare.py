r"""Derivations side by side: one row per item (loss, active set, ∂L/∂w, ∂L/∂b, matrix form,
convention), one column (or line) per loss, as text, Markdown or a standalone LaTeX document.

Every formula is printed by :mod:`gradproof.symbolic.render.printers` from the derivation
itself; nothing here computes maths.

>>> from gradproof.notes import compare
>>> print(compare(["perceptron", "hinge"]).split("\n\n")[3])
∂L/∂w
  perceptron  −Σ_{i∈M} yᵢ xᵢ
  hinge       λw − Σ_{i∈V} yᵢ xᵢ
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gradproof.errors import OptionError
from gradproof.symbolic import display as D
from gradproof.symbolic import sentences as T
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.derive import derive_symbolic
from gradproof.symbolic.losses import get_loss
from gradproof.symbolic.render.document import LATEX_PREAMBLE, latex_escape
from gradproof.symbolic.render.printers import to_latex, to_text
from gradproof.symbolic.steps import Rule

__all__ = ["compare", "comparison_rows", "COMPARE_FORMATS", "ITEMS", "Plain"]

COMPARE_FORMATS = ("text", "latex", "markdown")
ITEMS = ("loss", "active set", "∂L/∂w", "∂L/∂b", "∂L/∂w (matrix)", "∂L/∂b (matrix)", "convention")
_ITEM_TEX = {
    "∂L/∂w": r"$\partial L/\partial \mathbf{w}$",
    "∂L/∂b": r"$\partial L/\partial b$",
    "∂L/∂w (matrix)": r"$\partial L/\partial \mathbf{w}$ (matrix form)",
    "∂L/∂b (matrix)": r"$\partial L/\partial b$ (matrix form)",
}


class Plain(str):
    """A cell that is prose, not maths (printed as text in every format)."""


def _print(d: Derivation, expr: Any, printer: Callable[..., str], **settings: Any) -> str:
    return printer(expr, sets=dict(d.set_names), **settings)


def _definition(d: Derivation, printer: Callable[..., str]) -> str:
    f = d.steps[0].formulas[0]
    return printer(f.chain, atoms=f.atoms, expand_score=f.expand_score, sets=dict(d.set_names))


def _active_set(d: Derivation, printer: Callable[..., str]) -> str | None:
    for step in d.steps:
        if step.rule != Rule.ACTIVE_SET:
            continue
        for f in step.formulas:
            if isinstance(f.chain[0], D.SetDef):
                return printer(
                    f.chain, atoms=f.atoms, expand_score=f.expand_score, sets=dict(d.set_names)
                )
    return None


def _convention(d: Derivation) -> str:
    kinds = {s.kind for s in d.form.switches}
    parts = []
    if "max" in kinds:
        parts.append(T.CONVENTION_SHORT[d.kink])
    if "abs" in kinds:
        parts.append(T.ABS_CONVENTION_SHORT)
    if not parts:
        return T.NO_CONVENTION_SMOOTH if not kinds else T.NO_CONVENTION_PIECEWISE
    return T.CLAUSE_SEPARATOR.join(parts)


def comparison_rows(
    derivations: Sequence[Derivation], format: str = "text"
) -> list[tuple[str, list[str]]]:
    """(item, one cell per derivation).

    Cells are unicode text (``format="text"``) or LaTeX maths without ``$``; prose cells are
    :class:`Plain` strings in every format.
    """
    printer = to_text if format == "text" else to_latex
    rows: list[tuple[str, list[str]]] = []
    none = T.ALL_SAMPLES

    def cell_text(text: str) -> str:
        return Plain(text)

    rows.append(("loss", [_definition(d, printer) for d in derivations]))
    rows.append(("active set", [_active_set(d, printer) or cell_text(none) for d in derivations]))
    for p in ("w", "b"):
        rows.append(
            (
                f"∂L/∂{p}",
                [
                    d.render_formula(p, "text" if format == "text" else "latex")
                    if p in d.gradient
                    else cell_text("—")
                    for d in derivations
                ],
            )
        )
    for p in ("w", "b"):
        rows.append(
            (
                f"∂L/∂{p} (matrix)",
                [
                    _print(d, d.matrix_form[p], printer) if p in d.matrix_form else cell_text("—")
                    for d in derivations
                ],
            )
        )
    rows.append(("convention", [Plain(_convention(d)) for d in derivations]))
    return rows


def _names(derivations: Sequence[Derivation]) -> list[str]:
    return [d.name if d.name != "custom" else (d.expression or "custom") for d in derivations]


def _render_text(derivations: Sequence[Derivation]) -> str:
    names = _names(derivations)
    width = max(len(n) for n in names)
    lines = [" vs ".join(d.title for d in derivations), ""]
    for item, cells in comparison_rows(derivations, "text"):
        lines.append(item)
        for name, cell in zip(names, cells, strict=True):
            lines.append(f"  {name:<{width}}  {cell}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md_math(tex: str) -> str:
    """LaTeX safe inside a Markdown table cell: no bare pipes."""
    return tex.replace(r"\|", r"\Vert ").replace("|", r"\vert ")


def _render_markdown(derivations: Sequence[Derivation]) -> str:
    names = _names(derivations)
    lines = [
        "## " + " vs ".join(d.title for d in derivations),
        "",
        "| | " + " | ".join(f"**{n}**" for n in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for item, cells in comparison_rows(derivations, "markdown"):
        shown = [
            c.replace("|", r"\|") if isinstance(c, Plain) else f"${_md_math(c)}$" for c in cells
        ]
        lines.append(f"| {item} | " + " | ".join(shown) + " |")
    return "\n".join(lines) + "\n"


def _render_latex(derivations: Sequence[Derivation]) -> str:
    names = _names(derivations)
    body = [
        LATEX_PREAMBLE.rstrip(),
        r"\begin{document}",
        r"\section*{" + latex_escape(" vs ".join(d.title for d in derivations)) + "}",
    ]
    for item, cells in comparison_rows(derivations, "latex"):
        body.append(r"\paragraph{" + _ITEM_TEX.get(item, latex_escape(item.capitalize())) + "}")
        body.append(r"\begin{center}\begin{tabular}{@{}ll@{}}")
        for name, cell in zip(names, cells, strict=True):
            shown = latex_escape(cell) if isinstance(cell, Plain) else rf"$\displaystyle {cell}$"
            body.append(rf"\texttt{{{latex_escape(name)}}} & {shown} \\[4pt]")
        body.append(r"\end{tabular}\end{center}")
    body.append(r"\end{document}")
    return "\n".join(body) + "\n"


_RENDER = {"text": _render_text, "markdown": _render_markdown, "latex": _render_latex}


def compare(
    losses: Sequence[str | Derivation],
    format: str = "text",
    params: Mapping[str, float] | None = None,
) -> str:
    """Compare the derivations of ``losses`` (names or derivations) side by side.

    ``params`` are hyperparameter values, each given to every named loss that has it (e.g.
    ``{"lam": 0.1}`` for the hinge losses); a name none of them has is an error.
    LaTeX output is a complete document that compiles with pdflatex.
    """
    if format not in _RENDER:
        raise OptionError(f"unknown format {format!r}; use one of {', '.join(COMPARE_FORMATS)}")
    if len(losses) < 2:
        raise OptionError(
            f"compare needs at least two losses, got {len(losses)}; e.g. "
            f"gradproof compare perceptron hinge"
        )
    given = dict(params or {})
    specs = {item: get_loss(item) for item in losses if isinstance(item, str)}
    unused = [k for k in given if not any(k in spec.params for spec in specs.values())]
    if unused:
        raise OptionError(
            f"none of {', '.join(specs) or 'the losses'} has a hyperparameter "
            f"{', '.join(map(repr, unused))}"
        )
    derivations = [
        item
        if not isinstance(item, str)
        else derive_symbolic(
            item, params={k: v for k, v in given.items() if k in specs[item].params}
        )
        for item in losses
    ]
    return _RENDER[format](derivations)
