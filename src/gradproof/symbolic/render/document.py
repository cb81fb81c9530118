"""Whole documents from a derivation: terminal text, and blocks for LaTeX and Markdown.

One content, every form: :func:`derivation_blocks` writes the derivation as a document
(:mod:`gradproof.markup.blocks`: headings, paragraphs whose formulas are inline math, one
display per step); the markup emitters turn it into LaTeX or into Markdown for a platform
profile (``site``). The terminal text walks the same steps. Formulas go through
:mod:`printers`, prose through the sentence templates. No renderer computes maths.
"""

from __future__ import annotations

import re
from typing import Any

from gradproof.errors import OptionError
from gradproof.i18n import _, capitalise, current_language, language
from gradproof.markup import blocks as B
from gradproof.markup.latex import BASE_PREAMBLE, latex_escape
from gradproof.markup.latex import to_latex as emit_latex
from gradproof.markup.markdown import to_markdown
from gradproof.markup.platforms import Profile
from gradproof.symbolic import sentences as T
from gradproof.symbolic.atoms import hyperparameter
from gradproof.symbolic.display import Lit
from gradproof.symbolic.render.printers import to_latex, to_text
from gradproof.symbolic.render.view import DerivationView
from gradproof.symbolic.sentences import pieces_of, say, say_inline
from gradproof.symbolic.steps import DerivationStep, Formula, Rule
from gradproof.text import as_written

__all__ = [
    "render",
    "render_latex_math",
    "render_markdown_jupyter",
    "derivation_blocks",
    "inline_pieces",
    "display_lines",
    "latex_escape",
    "FORMATS",
    "DETAILS",
    "LATEX_PREAMBLE",
]

FORMATS = ("text", "latex", "markdown")
DETAILS = ("summary", "full")

LATEX_PREAMBLE = BASE_PREAMBLE
"""The preamble of a standalone derivation (the indicator needs no macro: see
:data:`~gradproof.symbolic.notation.INDICATOR`)."""

_EXAMPLE_RULES = {
    Rule.EXAMPLE_DATA,
    Rule.EXAMPLE_SCORES,
    Rule.EXAMPLE_ACTIVE,
    Rule.EXAMPLE_LOSS,
    Rule.EXAMPLE_GRADIENT,
    Rule.EXAMPLE_UPDATE,
}


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


def _convention(d: DerivationView) -> tuple[Any, ...]:
    kinds = {s.kind for s in d.form.switches}
    parts = []
    if "max" in kinds:
        parts.append(say_inline(T.CONVENTION[d.kink]))
    if "abs" in kinds:
        parts.append(say_inline(T.ABS_CONVENTION))
    if not parts:
        return say_inline(T.NO_KINK)
    out: list[Any] = []
    for i, p in enumerate(parts):
        out += [_(T.CLAUSE_SEPARATOR), *p] if i else list(p)
    return tuple(out)


def _header_facts(d: DerivationView, with_formula: bool) -> list[tuple[Any, ...]]:
    """The facts under the title, as sentence pieces: the loss (text only: step 1 shows it in
    LaTeX and Markdown), the labels, the hyperparameters, the convention at the kinks."""
    facts: list[tuple[Any, ...]] = []
    if with_formula and d.spec.formula and d.expression is None:
        facts.append((say(T.LOSS_FORMULA, formula=_(d.spec.formula)),))
    labels = T.LABEL_SETS.get(d.spec.labels)
    facts.append(say_inline(labels) if labels else (d.spec.labels,))
    if d.params:
        values = T.join_inline(
            Formula((hyperparameter(k), _number(v))) for k, v in d.params.items()
        )
        facts.append(say_inline(T.HYPERPARAMETERS, values=values))
    if any(sw.kind != "tie" for sw in d.form.switches):  # ties: a model's own fact below
        facts.append(_convention(d))
    # a model's own facts: the layout convention, the L1 and tie conventions (sentences,
    # said in the language of this rendering)
    facts += [tuple(pieces_of(f)) for f in getattr(d, "extra_facts", ())]
    return facts


def _number(v: float) -> Lit:
    text = f"{v:g}"
    return Lit(text.replace("-", "−"), text)


# -- text -------------------------------------------------------------------------------------
def _text_inline(d: DerivationView, parts: tuple[Any, ...]) -> str:
    return "".join(p if isinstance(p, str) else to_text(p.chain, **_settings(d, p)) for p in parts)


def _render_text(d: DerivationView, detail: str, standalone: bool, site: Any) -> str:
    lines = [say(T.TITLE_TEXT, title=_(d.title)), ""]
    if d.expression:
        lines.append("  " + say(T.AS_WRITTEN_TEXT, source=_source(d)))
    for fact in _header_facts(d, with_formula=True):
        lines.append(f"  {_text_inline(d, fact)}")
    lines.append("")
    example_started = False
    for n, step in enumerate(_visible(d, detail), start=1):
        if step.rule in _EXAMPLE_RULES and not example_started:
            example_started = True
            lines += [_(T.WORKED_EXAMPLE), ""]
        lines.append(f"{n:>2}. {_(step.rule.value)}")
        for f in step.formulas:
            lines.append(f"      {to_text(f.chain, **_settings(d, f))}")
        if step.justification:
            lines.append(f"      — {_text_inline(d, pieces_of(step.justification))}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# -- blocks (LaTeX and Markdown) ------------------------------------------------------------
def inline_pieces(
    d: DerivationView, parts: tuple[Any, ...], sentence: bool = False
) -> tuple[B.Inline, ...]:
    """Sentence pieces as inline markup: text, and formulas as inline math. ``sentence``:
    start with a capital letter and end with a full stop."""
    out: list[B.Inline] = []
    for p in parts:
        if isinstance(p, str):
            out.append(B.Text(p))
        elif isinstance(p, Formula):
            out.append(B.Math(to_latex(p.chain, **_settings(d, p))))
        else:
            out.append(p)  # markup the caller built (code)
    if sentence and out:
        first = out[0]
        if isinstance(first, B.Text) and first.text[:1].islower():
            out[0] = B.Text(capitalise(first.text))
        out.append(B.Text(_(T.SENTENCE_END)))
    return tuple(out)


_RELATION = re.compile(r" (=|\\leftarrow) ")


def _align(tex: str) -> str:
    """``tex`` with an alignment mark before its first relation outside any group."""
    depth = 0
    i = 0
    while i < len(tex):
        ch = tex[i]
        if tex.startswith(r"\left", i) and not tex.startswith(r"\leftarrow", i):
            depth += 1
        elif tex.startswith(r"\right", i) and not tex.startswith(r"\rightarrow", i):
            depth -= 1
        elif ch == "\\" and i + 1 < len(tex) and tex[i + 1] in "{}":
            i += 2
            continue
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and _RELATION.match(tex, i):
            return tex[:i] + " &" + tex[i + 1 :]
        i += 1
    return "&" + tex


def display_lines(d: DerivationView, formulas: tuple[Formula, ...]) -> tuple[str, ...]:
    """A step's formulas as the lines of one display (aligned at their first relation)."""
    lines = tuple(to_latex(f.chain, **_settings(d, f)) for f in formulas)
    return lines if len(lines) == 1 else tuple(_align(x) for x in lines)


def derivation_blocks(
    d: DerivationView,
    detail: str = "summary",
    *,
    title: bool = True,
    header: bool = True,
    steps: bool = True,
) -> list[B.Block]:
    """The derivation as document blocks: title, header facts, then for every step its
    numbered label and justification (one paragraph, formulas as inline math) and its formulas
    (one display); the worked example under its own heading. Steps are numbered once, in
    order, whatever the output format. ``title``, ``header`` and ``steps`` choose the parts."""
    out: list[B.Block] = []
    if title:
        out.append(B.Heading(2, (B.Text(say(T.TITLE, title=_(d.title))),)))
    if header:
        if d.expression:
            written = say_inline(
                T.AS_WRITTEN[bool(d.reg_expression)],
                expr=B.Code(as_written(d.expression)),
                reg=B.Code(as_written(d.reg_expression or "")),
            )
            out.append(B.Paragraph(inline_pieces(d, written)))
        facts = [inline_pieces(d, f) for f in _header_facts(d, with_formula=False)]
        out.append(B.BulletList(tuple(facts)))
    example_started = False
    for n, step in enumerate(_visible(d, detail) if steps else [], start=1):
        if step.rule in _EXAMPLE_RULES and not example_started:
            example_started = True
            out.append(B.Heading(3, (B.Text(_(T.WORKED_EXAMPLE)),)))
        rule = _(step.rule.value)
        label = say(T.STEP_LABEL, number=n, rule=capitalise(rule))
        pieces: list[B.Inline] = [B.Strong((B.Text(label),))]
        if step.justification:
            said = pieces_of(step.justification)
            pieces += [B.Text(" "), *inline_pieces(d, said, sentence=True)]
        out.append(B.Paragraph(tuple(pieces)))
        if step.formulas:
            out.append(B.DisplayMath(display_lines(d, step.formulas)))
    return out


def _render_markdown(d: DerivationView, detail: str, standalone: bool, site: Any) -> str:
    slug = getattr(d, "name", "derivation")  # images of a derivation: none, so any slug
    doc = B.Document(tuple(derivation_blocks(d, detail)), lang=current_language())
    return to_markdown(doc, site, slug=slug)


def _render_latex(d: DerivationView, detail: str, standalone: bool, site: Any) -> str:
    doc = B.Document(tuple(derivation_blocks(d, detail)), lang=current_language())
    return emit_latex(doc, standalone=standalone, preamble=LATEX_PREAMBLE)


_RENDERERS = {"text": _render_text, "latex": _render_latex, "markdown": _render_markdown}


def render(
    d: DerivationView,
    format: str = "text",
    *,
    detail: str = "summary",
    standalone: bool = False,
    site: str | Profile | None = None,
    lang: str | None = None,
) -> str:
    """The derivation in one of :data:`FORMATS`; ``standalone`` LaTeX compiles on its own
    (with XeLaTeX and ctex for Chinese); ``site`` is the platform profile of Markdown (see
    :mod:`gradproof.markup.platforms`); ``lang`` the language of its prose (default: the
    current one, :func:`gradproof.i18n.resolve_language`)."""
    with language(lang):
        if format not in _RENDERERS:
            raise OptionError(
                _(
                    "unknown format {format!r}; use one of {formats}",
                    format=format,
                    formats=", ".join(FORMATS),
                )
            )
        if site is not None and format != "markdown":
            raise OptionError(_("a site profile (--site) applies to --format markdown"))
        return _RENDERERS[format](d, detail, standalone, site)


def render_markdown_jupyter(d: DerivationView) -> str:
    """The Markdown document in the default profile, whose $…$ and $$ Jupyter renders."""
    return render(d, "markdown")


def render_latex_math(d: DerivationView) -> str:
    """The final gradient as one display-math block (what Jupyter shows for the object)."""
    lines = [
        to_latex(f.chain, **_settings(d, f))
        for s in d.steps
        if s.rule == Rule.COLLECT
        for f in s.formulas
    ]
    return "$$\\begin{aligned}" + r" \\ ".join(lines) + "\\end{aligned}$$"
