"""A publishable note from a derivation: the loss, the derivation with its worked example, the
code a reader would write, the figures and the gradient-descent table, as Markdown for a
platform (``site``) or as LaTeX.

The note is built as a document (:mod:`gradproof.markup.blocks`): the derivation's own blocks
(:func:`~gradproof.symbolic.render.document.derivation_blocks`) with the sections around them;
a profile (:mod:`gradproof.markup.platforms`) only decides delimiters, escapes, where the post
and its images go and the front matter. Every file (the post and its figures) is written
atomically.

Prose is English through :func:`gradproof.i18n._` (the catalog gives other languages); the
Chinese sentences that predate the catalog are in :data:`_ZH` until it takes them over.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradproof.datasets import Dataset, Point
from gradproof.errors import DataError, OptionError
from gradproof.i18n import _, language
from gradproof.io import write_atomic
from gradproof.markup import blocks as B
from gradproof.markup.latex import to_latex
from gradproof.markup.markdown import to_markdown
from gradproof.markup.platforms import Profile, get_profile
from gradproof.notes.code import gradient_code, training_code
from gradproof.notes.plots import FigureFile, loss_name, make_figures, parse_coords, require
from gradproof.notes.train import TrainResult, rows_to_show, summary, table_rows, train
from gradproof.symbolic.model_derivation import refuse_model
from gradproof.symbolic.render.document import LATEX_PREAMBLE, derivation_blocks, inline_pieces
from gradproof.symbolic.sentences import prose_inline
from gradproof.text import check_title, printable

if TYPE_CHECKING:  # pragma: no cover
    from gradproof.symbolic.derivation import Derivation

__all__ = ["NotesResult", "write_notes", "note_document", "NOTE_FORMATS", "TABLE_ROWS"]

NOTE_FORMATS = ("markdown", "latex")
LATEX_FIGURES = "figures"  # the LaTeX document's images, next to it
TABLE_ROWS = 25  # every epoch up to this many rows, else an even spread (first and last kept)

TITLE = "The gradient of the {loss}, step by step"
MADE_WITH = "Derived, compiled and checked with gradproof {version}."
H_LOSS, H_DERIVATION, H_CODE, H_FIGURES, H_DESCENT = (
    "The loss",
    "Derivation",
    "The code",
    "Figures",
    "Gradient descent",
)
CODE_INTRO = (
    "The derived gradient as you would write it with numpy: the scores {scores}, the "
    "per-sample coefficients {coef}, then {grad}. Run as it stands, it prints the gradient of "
    "the worked example above."
)
DESCENT_INTRO = (
    "{method} with learning rate {eta}, starting from {start}, driven by the derived gradient "
    "(the active set is recomputed at every step); {summary}."
)
LOOP_INTRO = "The loop that prints this table, run after the code above:"
CAPTION_PLANE = (
    "The loss on the plane through the start that holds the descent path, drawn over {axes}; "
    "the other coordinates move with the path across it. Red arrow: the first step {step} "
    "with {eta}; orange: the gradient-descent path; dashed: where a sample changes side."
)
CAPTION_BEST_PLANE = (
    "The loss on the plane through the start that best fits the descent path, drawn over "
    "{axes}; the other coordinates move across it, and the path lies within {off} of it. "
    "Red arrow: the first step {step} with {eta}; orange: the gradient-descent path; dashed: "
    "where a sample changes side."
)
CAPTION_FIXED = (
    "The loss over {axes} with the other coordinates fixed at the starting point (the descent "
    "does not change them). Red arrow: the first step {step} with {eta}; orange: the "
    "gradient-descent path; dashed: where a sample changes side."
)
CAPTION_FULL = (
    "The loss over {axes}. Red arrow: the first step {step} with {eta}; orange: the "
    "gradient-descent path; dashed: where a sample changes side."
)
CAPTION_LOSS = (
    "The loss (solid) and the gradient norm (dashed) after each epoch; epoch 0 is the starting "
    "point."
)
ALT_LANDSCAPE = "Loss landscape of the {loss}"
ALT_LOSS = "Loss per epoch"
EPOCH, ACTIVE, ALL = "epoch", "active", "all"

_ZH = {
    TITLE: "{loss}的梯度：逐步推导",
    MADE_WITH: "由 gradproof {version} 推导、编译并验证。",
    H_LOSS: "损失函数",
    H_DERIVATION: "推导",
    H_CODE: "代码",
    H_FIGURES: "图",
    H_DESCENT: "梯度下降",
    CAPTION_LOSS: "每轮结束时的损失（实线）与梯度范数（虚线）；第 0 轮为起点。",
    ALT_LANDSCAPE: "{loss}的损失曲面",
    ALT_LOSS: "每轮的损失",
    EPOCH: "轮次",
    ACTIVE: "活动样本",
    "lang_note": "（推导步骤由 gradproof 以英文生成。）",
}
"""Chinese for the sentences that had it before the message catalog."""


def _t(msgid: str, lang: str, **fields: Any) -> str:
    text = _ZH[msgid] if lang == "zh" and msgid in _ZH else _(msgid)
    return text.format(**fields) if fields else text


def _p(msgid: str, lang: str, **fields: Any) -> tuple[B.Inline, ...]:
    text = _ZH[msgid] if lang == "zh" and msgid in _ZH else _(msgid)
    return B.fill(text, **fields)


@dataclass(frozen=True)
class NotesResult:
    """What :func:`write_notes` wrote: the post, its figures, the training run, and the post
    as a document model (``model``, whose math fragments the engine tests look for)."""

    document: Path
    figures: list[FigureFile]
    training: TrainResult
    model: B.Document | None = None


def _check_date(date: str | None) -> str:
    """Today (UTC) for None; else a real calendar date written YYYY-MM-DD."""
    if date is None:
        return _dt.datetime.now(_dt.timezone.utc).date().isoformat()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date):
        raise OptionError(f"--date expects YYYY-MM-DD, got {printable(date)!r}")
    try:
        return _dt.date.fromisoformat(date).isoformat()
    except ValueError as exc:  # 2025-02-30, month 13, year 0
        raise OptionError(f"--date {date} is not a calendar date ({exc})") from None


def _coord_tex(i: int, dim: int) -> str:
    return "b" if i == dim else f"w_{{{i + 1}}}"


def _landscape_caption(
    fig: FigureFile, coords: tuple[int, int], dim: int, lr: float, lang: str
) -> tuple[B.Inline, ...]:
    from gradproof.symbolic.render.example import fmt

    axes = B.Math(f"({_coord_tex(coords[0], dim)}, {_coord_tex(coords[1], dim)})")
    fields: dict[str, Any] = {
        "axes": axes,
        "step": B.Math(r"-\eta\nabla L"),
        "eta": B.Math(rf"\eta = {fmt(lr)}"),
    }
    plane = fig.plane
    if plane is None or not plane.others:
        return _p(CAPTION_FULL, lang, **fields)
    if plane.fixed:
        return _p(CAPTION_FIXED, lang, **fields)
    if plane.off == 0:
        return _p(CAPTION_PLANE, lang, **fields)
    return _p(CAPTION_BEST_PLANE, lang, off=fmt(plane.off), **fields)


def _descent_table(d: Derivation, result: TrainResult, lang: str) -> B.Table:
    set_name = result.set_name
    header: list[tuple[B.Inline, ...]] = [
        (B.Text(_t(EPOCH, lang)),),
        (B.Math("L"),),
        (B.Math(r"\lVert g\rVert"),),
        (B.Math(r"\mathbf{w}"),),
        (B.Math("b"),),
        (B.Math(rf"\lvert {set_name}\rvert"),) if set_name else (B.Text(_t(ACTIVE, lang)),),
    ]
    rows: list[tuple[tuple[B.Inline, ...], ...]] = []
    for row in table_rows(result, TABLE_ROWS):
        cells = [c.replace("-", "−") for c in row]
        if cells[-1] == "all":
            cells[-1] = _t(ALL, lang)
        rows.append(tuple((B.Text(c),) for c in cells))
    return B.Table(tuple(header), tuple(rows), ("r", "r", "r", "l", "r", "r"))


def _descent_intro(result: TrainResult, start: Point, lang: str) -> tuple[B.Inline, ...]:
    from gradproof.symbolic.render.example import fmt

    w = ", ".join(fmt(v) for v in start.w)
    start_tex = rf"\mathbf{{w}} = ({w}),\ b = {fmt(start.b)}".replace("-", "-")
    method = result.method[0].upper() + result.method[1:]
    return _p(
        DESCENT_INTRO,
        lang,
        method=method,
        eta=B.Math(rf"\eta = {fmt(result.lr)}"),
        start=B.Math(start_tex),
        summary=summary(result),
    )


def _code_intro(d: Derivation, lang: str) -> tuple[B.Inline, ...]:
    return _p(
        CODE_INTRO,
        lang,
        scores=B.Code("s = X @ w + b"),
        coef=B.Code("c"),
        grad=B.Code("grad_w = X.T @ c"),
    )


def note_document(
    d: Derivation,
    result: TrainResult,
    figures: list[FigureFile],
    *,
    title: str,
    date: str,
    tags: tuple[str, ...] = (),
    lang: str = "en",
    coords: tuple[int, int] = (0, 1),
    epochs: int = 20,
) -> B.Document:
    """The note as a document (see the module docstring); ``epochs`` is how many the run was
    asked for (the loop of the post stops where the run did)."""
    from gradproof import __version__

    ex = d.example
    assert ex is not None
    out: list[B.Block] = [
        B.Heading(1, (B.Text(title),)),
        B.Paragraph((B.Emph((B.Text(_t(MADE_WITH, lang, version=__version__)),)),)),
        B.Heading(2, (B.Text(_t(H_LOSS, lang)),)),
    ]
    if d.spec.description:
        out.append(B.Paragraph(inline_pieces(d, prose_inline(d.spec.description), sentence=True)))
    out += derivation_blocks(d, title=False, steps=False)
    out.append(B.Heading(2, (B.Text(_t(H_DERIVATION, lang)),)))
    if lang == "zh":
        out.append(B.Paragraph((B.Text(_ZH["lang_note"]),)))
    out += derivation_blocks(d, title=False, header=False)
    out += [
        B.Heading(2, (B.Text(_t(H_CODE, lang)),)),
        B.Paragraph(_code_intro(d, lang)),
        B.CodeBlock("python", gradient_code(d)),
    ]
    if figures:
        out.append(B.Heading(2, (B.Text(_t(H_FIGURES, lang)),)))
        for fig in figures:
            if fig.key == "landscape":
                alt = _t(ALT_LANDSCAPE, lang, loss=loss_name(d, lang))
                cap = _landscape_caption(fig, coords, ex.d, result.lr, lang)
            else:
                alt, cap = _t(ALT_LOSS, lang), _p(CAPTION_LOSS, lang)
            out.append(B.Figure(fig.png.name, alt, cap))
    shown = rows_to_show(len(result.losses), TABLE_ROWS)
    out += [
        B.Heading(2, (B.Text(_t(H_DESCENT, lang)),)),
        B.Paragraph(_descent_intro(result, Point(ex.w, ex.b), lang)),
        _descent_table(d, result, lang),
        B.Paragraph(_p(LOOP_INTRO, lang)),
        B.CodeBlock("python", training_code(d, max(epochs, result.epochs_run), shown)),
    ]
    return B.Document(tuple(out), B.FrontMatter(title, date, tags), lang)


def write_notes(
    d: Derivation,
    folder: str | Path,
    *,
    format: str = "markdown",
    site: str | Profile | None = None,
    title: str | None = None,
    front_matter: bool | None = None,
    date: str | None = None,
    tags: tuple[str, ...] | list[str] = (),
    assets_url: str | None = None,
    lang: str = "en",
    epochs: int = 20,
    figures: bool = True,
    coords: tuple[int, int] | None = None,
) -> NotesResult:
    """Write one note (Markdown for ``site``, or LaTeX) and its figures into ``folder``.

    A note is the derivation, the worked example with every number substituted, the numpy
    code a reader would write (a ``grad`` function and a training loop, which print the note's
    numbers), the figures and the gradient-descent table.

    Parameters
    ----------
    d
        A derivation with a worked example (derive it with data, or ``example=True`` for the
        built-in sample data): its data, point and learning rate also drive the figures and the
        gradient-descent table.
    folder
        The output folder; the post and its images go where the profile says.
    format
        ``markdown`` or ``latex`` (a document that compiles with pdflatex).
    site
        The platform profile of Markdown (:mod:`gradproof.markup.platforms`): its math
        delimiters and escapes, where the post and its images go, its front matter.
    title, date, tags
        The post's title (default from the loss), date (YYYY-MM-DD, default today) and tags.
    front_matter
        Force front matter on or off (None: the profile's choice).
    assets_url
        Replaces the images' link prefix (Jekyll with a ``baseurl``, images on a CDN).
    lang
        The language of the prose (``en``, ``zh``).
    epochs
        Epochs of the gradient-descent table (it stops early at a zero gradient).
    figures
        Draw the figures (needs matplotlib: ``pip install 'gradproof[plot]'``).
    coords
        The two weights the loss landscape is drawn over (default: the first two).

    Returns
    -------
    NotesResult
        The post's path, the figures, the training run and the post as a document model.

    Examples
    --------
    >>> import tempfile
    >>> from gradproof import derive, write_notes
    >>> d = derive("perceptron", X=[[2, 3], [1, -1]], y=[1, -1])
    >>> note = write_notes(d, tempfile.mkdtemp(), site="jekyll", date="2026-01-02", figures=False)
    >>> note.document.parent.name, note.document.name
    ('_posts', '2026-01-02-perceptron.md')
    >>> note.training.converged
    True
    """
    refuse_model(d, "notes")
    if format not in NOTE_FORMATS:
        raise OptionError(f"unknown notes format {format!r}; use markdown or latex")
    with language(lang):
        pass  # an unknown language is an error before anything else
    profile = get_profile(site)
    if site is not None and format != "markdown":
        raise OptionError("--site applies to --format markdown")
    ex = d.example
    if ex is None:
        raise OptionError(
            "the derivation has no worked example; derive it with data "
            "(X=..., y=...) or example=True for the built-in sample data"
        )
    date = _check_date(date)
    title = check_title(title) if title is not None else None
    tags = tuple(check_title(t, "--tags") for t in tags)
    if figures:
        require(lang)  # before anything is written
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: exists and is not a folder; give a folder for -o")
    data = Dataset(ex.X, ex.y, "worked example")
    start = Point(ex.w, ex.b)
    result = train(d, data, lr=ex.lr, epochs=epochs, at=start, history=epochs + 1)  # all rows
    ij = coords if coords is not None else parse_coords(None, data.d)
    slug = d.name
    with_front = profile.front_matter if front_matter is None else front_matter
    if format == "markdown":
        doc_path = out / profile.post_path(slug, date, with_front)
        assets = out / profile.assets_path(slug)
    else:
        doc_path, assets = out / f"{slug}.tex", out / LATEX_FIGURES
    out.mkdir(parents=True, exist_ok=True)
    files: list[FigureFile] = []
    if figures:
        assets.mkdir(parents=True, exist_ok=True)
        files = make_figures(d, data, start, result, assets, slug, lang, ij)
    with language(lang):
        heading = title or _t(TITLE, lang, loss=loss_name(d, lang))
        doc = note_document(
            d,
            result,
            files,
            title=heading,
            date=date,
            tags=tags,
            lang=lang,
            coords=ij,
            epochs=epochs,
        )
        if format == "markdown":
            text = to_markdown(
                doc, profile, slug=slug, front_matter_=with_front, assets_url=assets_url
            )
        else:
            text = to_latex(doc, standalone=True, preamble=LATEX_PREAMBLE, assets=LATEX_FIGURES)
    doc_path.parent.mkdir(parents=True, exist_ok=True)
    written = write_atomic(doc_path, text)
    return NotesResult(written, files, result, doc)
