"""Whole documents from a derivation: terminal text, LaTeX, Markdown. One content, three forms.

Each renderer walks the same steps; formulas go through :mod:`printers`, prose through an
escaper for the target format. No renderer computes maths.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gradproof.errors import OptionError
from gradproof.symbolic import sentences as T
from gradproof.symbolic.atoms import hyperparameter
from gradproof.symbolic.losses import LABEL_SETS
from gradproof.symbolic.render.printers import to_latex, to_text
from gradproof.symbolic.render.view import DerivationView
from gradproof.symbolic.sentences import say
from gradproof.symbolic.steps import DerivationStep, Formula, Inline, Rule
from gradproof.text import as_written

__all__ = [
    "render",
    "render_latex_math",
    "render_markdown_jupyter",
    "FORMATS",
    "DETAILS",
    "LATEX_PREAMBLE",
]

FORMATS = ("text", "latex", "markdown")
DETAILS = ("summary", "full")

LATEX_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usepackage[margin=2.5cm]{geometry}
% A double-struck one for indicators: amssymb's \mathbb has no digits.
\makeatletter
\let\gp@mathbb\mathbb
\renewcommand{\mathbb}[1]{\ifx1#1\mathrm{1\!\!1}\else\gp@mathbb{#1}\fi}
\makeatother
\DeclareMathOperator{\softplus}{softplus}
"""

_EXAMPLE_RULES = {
    Rule.EXAMPLE_DATA,
    Rule.EXAMPLE_SCORES,
    Rule.EXAMPLE_ACTIVE,
    Rule.EXAMPLE_LOSS,
    Rule.EXAMPLE_GRADIENT,
    Rule.EXAMPLE_UPDATE,
}

# Unicode that may appear in prose, and how LaTeX writes it.
_TEX_TEXT = {
    "≤": r"$\le$",
    "≥": r"$\ge$",
    "∂": r"$\partial$",
    "Σ": r"$\Sigma$",
    "·": r"$\cdot$",
    "⋅": r"$\cdot$",
    "‖": r"$\Vert$",
    "²": r"$^2$",
    "ᵢ": r"$_i$",
    "λ": r"$\lambda$",
    "δ": r"$\delta$",
    "½": r"$\frac12$",
    "⊙": r"$\odot$",
    "𝟙": r"$\mathbb{1}$",
    "−": "-",
    "—": "---",
    "–": "--",
    "∈": r"$\in$",
    "η": r"$\eta$",
    "←": r"$\leftarrow$",
    "σ": r"$\sigma$",
    "×": r"$\times$",
    "∇": r"$\nabla$",
    "ε": r"$\varepsilon$",
    "≈": r"$\approx$",
}
_TEX_SPECIAL = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
}


def latex_escape(text: str) -> str:
    """Prose made safe for pdflatex (special characters escaped, unicode maths mapped)."""
    out = []
    for ch in text:
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif ch in _TEX_TEXT:
            out.append(_TEX_TEXT[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append("?")
    return "".join(out).replace("$$", "")


def _settings(d: DerivationView, f: Formula) -> dict[str, Any]:
    return {"atoms": f.atoms, "expand_score": f.expand_score, "sets": dict(d.set_names)}


def _visible(d: DerivationView, detail: str) -> list[DerivationStep]:
    if detail not in DETAILS:
        raise OptionError(f"unknown detail level {detail!r}; use summary or full")
    return [s for s in d.steps if detail == "full" or s.detail == "summary"]


def _source(d: DerivationView) -> str:
    """The loss as the user typed it, with its regulariser."""
    return say(
        T.SOURCE[bool(d.reg_expression)],
        expr=as_written(d.expression or ""),
        reg=as_written(d.reg_expression or ""),
    )


def _header_facts(d: DerivationView) -> list[str]:
    facts = [
        say(T.LOSS_FORMULA, formula=d.spec.formula)
        if d.spec.formula and d.expression is None
        else "",
        LABEL_SETS.get(d.spec.labels, d.spec.labels),
    ]
    if d.params:
        values = T.join(f"{to_text(hyperparameter(k))} = {v:g}" for k, v in d.params.items())
        facts.append(say(T.HYPERPARAMETERS, values=values))
    if d.form.switches:
        facts.append(_convention_sentence(d))
    return [f for f in facts if f]


def _convention_sentence(d: DerivationView) -> str:
    kinds = {s.kind for s in d.form.switches}
    parts = []
    if "max" in kinds:
        parts.append(T.CONVENTION[d.kink])
    if "abs" in kinds:
        parts.append(T.ABS_CONVENTION)
    return T.CLAUSE_SEPARATOR.join(parts) if parts else T.NO_KINK


# -- text -------------------------------------------------------------------------------------
def _text_inline(d: DerivationView, parts: tuple[Inline, ...]) -> str:
    return "".join(p if isinstance(p, str) else to_text(p.chain, **_settings(d, p)) for p in parts)


def _render_text(d: DerivationView, detail: str, standalone: bool) -> str:
    lines = [say(T.TITLE_TEXT, title=d.title), ""]
    if d.expression:
        lines.append("  " + say(T.AS_WRITTEN_TEXT, source=_source(d)))
    for fact in _header_facts(d):
        lines.append(f"  {fact}")
    lines.append("")
    example_started = False
    n = 0
    for step in _visible(d, detail):
        if step.rule in _EXAMPLE_RULES and not example_started:
            example_started = True
            lines += [T.WORKED_EXAMPLE, ""]
        n += 1
        lines.append(f"{n:>2}. {step.rule.value}")
        for f in step.formulas:
            lines.append(f"      {to_text(f.chain, **_settings(d, f))}")
        if step.justification:
            lines.append(f"      — {_text_inline(d, step.justification)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# -- markdown ---------------------------------------------------------------------------------
def _md_inline(d: DerivationView, parts: tuple[Inline, ...]) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(p.replace("*", r"\*").replace("_", r"\_"))
        else:
            out.append(f"${to_latex(p.chain, **_settings(d, p))}$")
    return "".join(out)


def _render_markdown(d: DerivationView, detail: str, standalone: bool) -> str:
    lines = ["## " + say(T.TITLE, title=d.title), ""]
    if d.expression:
        written = say(
            T.AS_WRITTEN[bool(d.reg_expression)],
            expr=f"`{as_written(d.expression)}`",
            reg=f"`{as_written(d.reg_expression or '')}`",
        )
        lines += [written, ""]
    for fact in _header_facts(d):
        lines.append("- " + fact.replace("*", r"\*").replace("_", r"\_"))
    lines.append("")
    example_started = False
    n = 0
    for step in _visible(d, detail):
        if step.rule in _EXAMPLE_RULES and not example_started:
            example_started = True
            lines += ["### " + T.WORKED_EXAMPLE, ""]
        n += 1
        lines.append(
            f"**{n}. {step.rule.value[0].upper()}{step.rule.value[1:]}.**"
            + (f" {_md_inline(d, step.justification)}." if step.justification else "")
        )
        lines.append("")
        lines.append("```math")
        formulas = [to_latex(f.chain, **_settings(d, f)) for f in step.formulas]
        if len(formulas) > 1:  # MathJax breaks lines only inside an environment
            lines.append("\\begin{gathered}")
            lines.append(" \\\\\n".join(formulas))
            lines.append("\\end{gathered}")
        else:
            lines += formulas
        lines.append("```")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# -- latex ------------------------------------------------------------------------------------
def _tex_inline(d: DerivationView, parts: tuple[Inline, ...]) -> str:
    return "".join(
        latex_escape(p) if isinstance(p, str) else f"${to_latex(p.chain, **_settings(d, p))}$"
        for p in parts
    )


def _latex_fill(template: str, **markup: str) -> str:
    """A sentence escaped for LaTeX, with placeholders filled by LaTeX markup (not escaped)."""
    marks = {k: f"\x00{i}\x00" for i, k in enumerate(markup)}
    text = latex_escape(say(template, **marks))
    for k, mark in marks.items():
        text = text.replace(mark, markup[k])
    return text


def _render_latex(d: DerivationView, detail: str, standalone: bool) -> str:
    body = [rf"\section*{{{latex_escape(say(T.TITLE, title=d.title))}}}"]
    if d.expression:
        source = rf"\texttt{{{latex_escape(_source(d))}}}"
        body.append(_latex_fill(T.AS_WRITTEN[False], expr=source) + r"\par")
    body.append(r"\begin{itemize}")
    for fact in _header_facts(d):
        body.append(rf"  \item {latex_escape(fact)}")
    body.append(r"\end{itemize}")
    body.append(r"\begin{enumerate}")
    example_started = False
    for step in _visible(d, detail):
        if step.rule in _EXAMPLE_RULES and not example_started:
            example_started = True
            body.append(r"\end{enumerate}")
            body.append(rf"\subsection*{{{latex_escape(T.WORKED_EXAMPLE)}}}")
            body.append(r"\begin{enumerate}")
        rule = latex_escape(step.rule.value[0].upper() + step.rule.value[1:])
        just = f" {_tex_inline(d, step.justification)}." if step.justification else ""
        body.append(rf"  \item \textbf{{{rule}.}}{just}")
        body.append(r"  \begin{gather*}")
        body.append(
            "    "
            + r" \\" "\n    ".join(to_latex(f.chain, **_settings(d, f)) for f in step.formulas)
        )
        body.append(r"  \end{gather*}")
    body.append(r"\end{enumerate}")
    text = "\n".join(body) + "\n"
    if standalone:
        return LATEX_PREAMBLE + r"\begin{document}" + "\n" + text + r"\end{document}" + "\n"
    return text


_RENDERERS: dict[str, Callable[[Any, str, bool], str]] = {
    "text": _render_text,
    "latex": _render_latex,
    "markdown": _render_markdown,
}


def render(
    d: DerivationView, format: str = "text", *, detail: str = "summary", standalone: bool = False
) -> str:
    """The derivation in one of :data:`FORMATS`; ``standalone`` LaTeX compiles on its own."""
    if format not in _RENDERERS:
        raise OptionError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    return _RENDERERS[format](d, detail, standalone)


def render_markdown_jupyter(d: DerivationView) -> str:
    """The Markdown document with $$ blocks, which Jupyter renders (it does not know the
    ```math fences GitHub uses)."""
    return re.sub(r"```math\n(.*?)\n```", r"$$\n\1\n$$", render(d, "markdown"), flags=re.S)


def render_latex_math(d: DerivationView) -> str:
    """The final gradient as one display-math block (what Jupyter shows for the object)."""
    lines = [
        to_latex(f.chain, **_settings(d, f))
        for s in d.steps
        if s.rule == Rule.COLLECT
        for f in s.formulas
    ]
    return "$$\\begin{aligned}" + r" \\ ".join(lines) + "\\end{aligned}$$"
