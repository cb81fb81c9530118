r"""Derivations side by side: one row per item (loss, active set, ∂L/∂w, ∂L/∂b, matrix form,
convention), one column (or line) per loss, then a sentence per difference (the margin each
counts from, the regulariser, the convention at the kink); with data, the same comparison in
numbers (loss, gradient, active sets, one step each) and a loss-versus-margin figure. As text,
Markdown for a platform profile, or a standalone LaTeX document.

Every formula is printed by :mod:`gradproof.symbolic.render.printers` from the derivation
itself and every number comes from the derived functions; nothing here computes maths.

>>> from gradproof.notes import compare
>>> print(compare(["perceptron", "hinge"]).split("\n\n")[3])
∂L/∂w
  perceptron  −Σ_{i∈M} yᵢ xᵢ
  hinge       λw − Σ_{i∈V} yᵢ xᵢ
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from gradproof.datasets import Dataset, Point
from gradproof.errors import OptionError
from gradproof.i18n import N_, _, language
from gradproof.markup import blocks as B
from gradproof.markup.latex import to_latex as emit_latex
from gradproof.markup.markdown import to_markdown
from gradproof.markup.platforms import Profile
from gradproof.notes import compare_data as CD
from gradproof.symbolic import display as D
from gradproof.symbolic import sentences as T
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.derive import derive_symbolic
from gradproof.symbolic.losses import get_loss
from gradproof.symbolic.model_derivation import ModelDerivation
from gradproof.symbolic.network_derivation import NETWORK_MODELS
from gradproof.symbolic.render.document import LATEX_PREAMBLE, inline_pieces
from gradproof.symbolic.render.printers import to_latex, to_text
from gradproof.symbolic.score_losses import get_score_loss, is_score_loss
from gradproof.symbolic.sentences import say_inline
from gradproof.symbolic.steps import Formula, Rule

__all__ = ["compare", "comparison_rows", "COMPARE_FORMATS", "ITEMS", "Plain"]

COMPARE_FORMATS = ("text", "latex", "markdown")
ITEMS = (
    N_("loss"),
    N_("active set"),
    "∂L/∂w",
    "∂L/∂b",
    N_("∂L/∂w (matrix)"),
    N_("∂L/∂b (matrix)"),
    N_("convention"),
)
"""The rows of a comparison (message ids: :func:`comparison_rows` gives them in English, the
documents in their language)."""
_ITEM_MATH = {
    "∂L/∂w": (r"\partial L/\partial \mathbf{w}", ""),
    "∂L/∂b": (r"\partial L/\partial b", ""),
    "∂L/∂w (matrix)": (r"\partial L/\partial \mathbf{w}", N_(" (matrix form)")),
    "∂L/∂b (matrix)": (r"\partial L/\partial b", N_(" (matrix form)")),
}
TITLE = N_("{losses}")  # the loss titles joined by SEPARATOR
SEPARATOR = N_(" vs ")


class Plain(str):
    """A cell that is prose, not maths (printed as text in every format)."""


def _definition(d: Derivation) -> Formula:
    return d.steps[0].formulas[0]


def _active_set(d: Derivation) -> Formula | None:
    for step in d.steps:
        if step.rule != Rule.ACTIVE_SET:
            continue
        for f in step.formulas:
            if isinstance(f.chain[0], D.SetDef):
                return f
    return None


def _convention(d: Derivation) -> tuple[Any, ...]:
    kinds = {s.kind for s in d.form.switches}
    parts = []
    if "max" in kinds:
        parts.append(say_inline(T.CONVENTION_SHORT[d.kink]))
    if "abs" in kinds:
        parts.append(say_inline(T.ABS_CONVENTION_SHORT))
    if not parts:
        return (_(T.NO_CONVENTION_SMOOTH) if not kinds else _(T.NO_CONVENTION_PIECEWISE),)
    out: list[Any] = []
    for i, p in enumerate(parts):
        out += [_(T.CLAUSE_SEPARATOR), *p] if i else list(p)
    return tuple(out)


def _cells(d: Derivation) -> list[Formula | tuple[Any, ...]]:
    """One cell per item of :data:`ITEMS`: a formula, or sentence pieces."""
    cells: list[Formula | tuple[Any, ...]] = [_definition(d)]
    cells.append(_active_set(d) or (_(T.ALL_SAMPLES),))
    for p in ("w", "b"):
        cells.append(Formula((d.gradient[p],), expand_score=True) if p in d.gradient else ("—",))
    for p in ("w", "b"):
        cells.append(Formula((d.matrix_form[p],)) if p in d.matrix_form else ("—",))
    cells.append(_convention(d))
    return cells


def _settings(d: Derivation, f: Formula) -> dict[str, Any]:
    return {"atoms": f.atoms, "expand_score": f.expand_score, "sets": dict(d.set_names)}


def _text(d: Derivation, cell: Formula | tuple[Any, ...]) -> str:
    if isinstance(cell, Formula):
        return to_text(cell.chain, **_settings(d, cell))
    return "".join(p if isinstance(p, str) else to_text(p.chain, **_settings(d, p)) for p in cell)


def comparison_rows(
    derivations: Sequence[Derivation], format: str = "text"
) -> list[tuple[str, list[str]]]:
    """(item, one cell per derivation).

    Cells are unicode text (``format="text"``) or LaTeX maths without ``$``; prose cells are
    :class:`Plain` strings in every format.
    """
    rows = []
    cells = [_cells(d) for d in derivations]
    for k, item in enumerate(ITEMS):
        out = []
        for d, cs in zip(derivations, cells, strict=True):
            cell = cs[k]
            if isinstance(cell, Formula) and format != "text":
                out.append(to_latex(cell.chain, **_settings(d, cell)))
            elif isinstance(cell, Formula):
                out.append(_text(d, cell))
            else:
                out.append(Plain(_text(d, cell)))
        rows.append((item, out))
    return rows


def _names(derivations: Sequence[Derivation]) -> list[str]:
    return [d.name if d.name != "custom" else (d.expression or "custom") for d in derivations]


def _title(derivations: Sequence[Derivation]) -> str:
    return _(TITLE, losses=_(SEPARATOR).join(_(d.title) for d in derivations))


# -- text -------------------------------------------------------------------------------------
def _render_text(derivations: Sequence[Derivation], numbers: CD.Numbers | None) -> str:
    names = _names(derivations)
    width = max(len(n) for n in names)  # the loss names are identifiers (ASCII)
    lines = [_title(derivations), ""]
    for item, cells in comparison_rows(derivations, "text"):
        lines.append(_(item))
        for name, cell in zip(names, cells, strict=True):
            lines.append(f"  {name:<{width}}  {cell}")
        lines.append("")
    diffs = CD.differences(derivations, numbers)
    if diffs:
        lines.append(_(CD.H_DIFFERENCES))
        lines += [f"  - {_text(derivations[0], pieces)}" for pieces in diffs]
        lines.append("")
    if numbers is not None:
        lines += [CD.data_heading_text(numbers), ""]
        for label, values in CD.number_rows(numbers):  # in the current language
            lines.append(label.text)
            for name, value in zip(names, values, strict=True):
                lines.append(f"  {name:<{width}}  {value.text}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# -- blocks (Markdown, LaTeX) -------------------------------------------------------------------
def _item_pieces(item: str) -> tuple[B.Inline, ...]:
    if item in _ITEM_MATH:
        tex, rest = _ITEM_MATH[item]
        return (B.Math(tex),) + ((B.Text(_(rest)),) if rest else ())
    return (B.Text(_(item)),)


def _blocks(
    derivations: Sequence[Derivation], numbers: CD.Numbers | None, figure: str | None
) -> list[B.Block]:
    names = _names(derivations)
    d0 = derivations[0]
    out: list[B.Block] = [B.Heading(2, (B.Text(_title(derivations)),))]
    header: tuple[tuple[B.Inline, ...], ...] = (
        (B.Text(""),),
        *((B.Strong((B.Text(n),)),) for n in names),
    )
    rows: list[tuple[tuple[B.Inline, ...], ...]] = []
    cells = [_cells(d) for d in derivations]
    for k, item in enumerate(ITEMS):
        row: list[tuple[B.Inline, ...]] = [_item_pieces(item)]
        for d, cs in zip(derivations, cells, strict=True):
            cell = cs[k]
            row.append(
                (B.Math(to_latex(cell.chain, **_settings(d, cell))),)
                if isinstance(cell, Formula)
                else inline_pieces(d, cell)
            )
        rows.append(tuple(row))
    out.append(B.Table(header, tuple(rows), ("l",) * (1 + len(names))))
    diffs = CD.differences(derivations, numbers)
    if diffs:
        out.append(B.Heading(3, (B.Text(_(CD.H_DIFFERENCES)),)))
        out.append(B.BulletList(tuple(inline_pieces(d0, p, sentence=True) for p in diffs)))
    if numbers is not None:
        out.append(B.Heading(3, CD.data_heading(numbers)))
        num_rows: tuple[tuple[tuple[B.Inline, ...], ...], ...] = tuple(
            (label.pieces, *(c.pieces for c in values)) for label, values in CD.number_rows(numbers)
        )
        out.append(B.Table(header, num_rows, ("l",) * (1 + len(names))))
    if figure is not None:
        out.append(B.Figure(figure, _(CD.ALT_MARGIN), B.fill(_(CD.CAPTION_MARGIN))))
    return out


def _render_markdown(
    derivations: Sequence[Derivation],
    numbers: CD.Numbers | None,
    site: str | Profile | None,
    figure: str | None,
    lang: str,
) -> str:
    doc = B.Document(tuple(_blocks(derivations, numbers, figure)), lang=lang)
    return to_markdown(doc, site, slug="compare", assets_url="" if figure else None)


def _render_latex(
    derivations: Sequence[Derivation], numbers: CD.Numbers | None, figure: str | None, lang: str
) -> str:
    doc = B.Document(tuple(_blocks(derivations, numbers, figure)), lang=lang)
    return emit_latex(doc, standalone=True, preamble=LATEX_PREAMBLE, assets="")


_Renderer = Callable[..., str]


def _is_model(item: str | Derivation | ModelDerivation) -> bool:
    """A loss over K scores per sample (a name, an expression over s, or its derivation)?"""
    if isinstance(item, ModelDerivation):
        return True
    return isinstance(item, str) and (item.strip().lower() in NETWORK_MODELS or is_score_loss(item))


def _label(item: str | Derivation | ModelDerivation) -> str:
    return item if isinstance(item, str) else item.name


def _compare_models(
    losses: Sequence[str | Derivation | ModelDerivation],
    format: str,
    given: dict[str, float],
    data: Dataset | None,
    at: Any,
    lr: float,
    epochs: int,
    site: str | Profile | None,
    figure: str | Path | None,
    lang: str,
) -> str:
    """compare for models with K scores per sample: derive the named ones, then
    :func:`gradproof.notes.model_compare.compare_models`."""
    from gradproof.notes.model_compare import compare_models

    named = [x for x in losses if isinstance(x, str) and x.strip().lower() not in NETWORK_MODELS]
    specs = {item: get_score_loss(item) for item in named}
    unused = [k for k in given if not any(k in spec.params for spec in specs.values())]
    if unused:
        raise OptionError(
            _(
                "none of {losses} has a hyperparameter {names}",
                losses=", ".join(specs) or _("the losses"),
                names=", ".join(map(repr, unused)),
            )
        )
    if isinstance(at, Point):
        raise OptionError(_("a model's point is a mapping such as {{'W': [[…]], 'b': […]}}"))
    if len(named) < sum(isinstance(x, str) for x in losses):  # "mlp": its widths are needed
        raise OptionError(
            _(
                "a network has no default widths: compare its derivation, e.g. "
                "compare([derive('mlp', layers='2-8-2'), 'softmax']), or run gradproof compare "
                "mlp softmax --layers 2-8-2"
            )
        )
    derivations = [
        item
        if not isinstance(item, str)
        else derive_symbolic(
            item, params={k: v for k, v in given.items() if k in specs[item].params}
        )
        for item in losses
    ]
    return compare_models(
        derivations, format, data=data, at=at, lr=lr, epochs=epochs, site=site, figure=figure,
        lang=lang,
    )  # fmt: skip


def compare(
    losses: Sequence[str | Derivation | ModelDerivation],
    format: str = "text",
    params: Mapping[str, float] | None = None,
    *,
    data: Dataset | None = None,
    at: Point | Mapping[str, Any] | str | None = None,
    lr: float = 0.1,
    site: str | Profile | None = None,
    figure: str | Path | None = None,
    lang: str | None = None,
    epochs: int = 50,
) -> str:
    """Compare the derivations of ``losses`` (names or derivations) side by side.

    Parameters
    ----------
    losses
        Two or more loss names (``"hinge"``) or derivations.
    format
        ``text``, ``markdown`` or ``latex`` (a complete document that compiles with pdflatex,
        with XeLaTeX in Chinese).
    params
        Hyperparameter values, each given to every named loss that has it (e.g.
        ``{"lam": 0.1}`` for the hinge losses); a name none of them has is an error.
    data, at, lr
        With ``data`` (a :class:`~gradproof.Dataset`), the point ``at`` (default zeros) and the
        learning rate ``lr``, the comparison adds the numbers on that data: loss, gradient,
        active sets and one gradient-descent step of each.
    site
        The Markdown platform profile (:mod:`gradproof.markup.platforms`).
    figure
        A PNG path for a loss-versus-margin figure (also written as SVG beside it), which
        Markdown and LaTeX output link by its file name.
    lang
        The language of the prose and the figure (default: ``GRADPROOF_LANG``, then the
        locale, then English).
    epochs
        Losses over K scores per sample (``softmax``, ``multiclass_hinge``, …; all of them or
        none) are each trained for this many epochs of gradient descent with ``lr`` on
        ``data`` (default: the built-in 3-class data) from ``at`` (JSON or a mapping
        ``{"W": …, "b": …}``, default zeros); ``figure`` then shows their decision regions and
        loss curves (:mod:`gradproof.notes.model_compare`).

    Returns
    -------
    str
        The comparison, with a sentence per difference (margin, regulariser, convention).

    Examples
    --------
    >>> from gradproof import compare
    >>> text = compare(["perceptron", "hinge"])
    >>> print("\\n".join(text.splitlines()[10:13]))
    ∂L/∂w
      perceptron  −Σ_{i∈M} yᵢ xᵢ
      hinge       λw − Σ_{i∈V} yᵢ xᵢ
    """
    with language(lang) as code:
        return _compare(losses, format, params, data, at, lr, site, figure, code, epochs)


def _compare(
    losses: Sequence[str | Derivation | ModelDerivation],
    format: str,
    params: Mapping[str, float] | None,
    data: Dataset | None,
    at: Point | Mapping[str, Any] | str | None,
    lr: float,
    site: str | Profile | None,
    figure: str | Path | None,
    lang: str,
    epochs: int = 50,
) -> str:
    if format not in COMPARE_FORMATS:
        raise OptionError(
            _(
                "unknown format {format!r}; use one of {formats}",
                format=format,
                formats=", ".join(COMPARE_FORMATS),
            )
        )
    if site is not None and format != "markdown":
        raise OptionError(_("a site profile (--site) applies to --format markdown"))
    if len(losses) < 2:
        raise OptionError(
            _(
                "compare needs at least two losses, got {n}; e.g. gradproof compare perceptron "
                "hinge",
                n=len(losses),
            )
        )
    given = dict(params or {})
    models = [item for item in losses if _is_model(item)]
    if models and len(models) != len(losses):
        one = next(item for item in losses if not _is_model(item))
        raise OptionError(
            _(
                "compare cannot mix a loss over one score per sample ({linear}) with losses "
                "over K scores per sample ({models}); compare each kind on its own",
                linear=_label(one),
                models=", ".join(_label(m) for m in models),
            )
        )
    if models:
        return _compare_models(losses, format, given, data, at, lr, epochs, site, figure, lang)
    specs = {item: get_loss(item) for item in losses if isinstance(item, str)}
    unused = [k for k in given if not any(k in spec.params for spec in specs.values())]
    if unused:
        raise OptionError(
            _(
                "none of {losses} has a hyperparameter {names}",
                losses=", ".join(specs) or _("the losses"),
                names=", ".join(map(repr, unused)),
            )
        )
    derivations: list[Derivation] = [
        cast(Derivation, item)
        if not isinstance(item, str)
        else derive_symbolic(
            item, params={k: v for k, v in given.items() if k in specs[item].params}
        )
        for item in losses
    ]
    numbers = CD.numbers_on(derivations, data, at, lr) if data is not None else None
    if figure is not None:
        path = CD.margin_figure(derivations, Path(figure), numbers)
        figure = path.name
    if format == "text":
        return _render_text(derivations, numbers)
    if format == "markdown":
        return _render_markdown(derivations, numbers, site, figure, lang)
    return _render_latex(derivations, numbers, figure, lang)
