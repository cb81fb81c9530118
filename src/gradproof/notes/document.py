"""A publishable note from a derivation: the loss, the derivation with its worked example, the
code a reader would write, the figures and the gradient-descent table, as Markdown for a
platform (``site``) or as LaTeX.

The note is built as a document (:mod:`gradproof.markup.blocks`): the derivation's own blocks
(:func:`~gradproof.symbolic.render.document.derivation_blocks`) with the sections around them;
a profile (:mod:`gradproof.markup.platforms`) only decides delimiters, escapes, where the post
and its images go and the front matter. Every file (the post and its figures) is written
atomically.

Every sentence comes from the message catalog (:func:`gradproof.i18n._`; English is the
source): the whole note, derivation and figures included, is written in ``lang``.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradproof.datasets import Dataset, Point, sample_model_dataset
from gradproof.errors import DataError, OptionError
from gradproof.i18n import N_, _, capitalise, language
from gradproof.io import write_atomic
from gradproof.markup import blocks as B
from gradproof.markup.latex import to_latex
from gradproof.markup.markdown import to_markdown
from gradproof.markup.platforms import Profile, get_profile
from gradproof.notes.code import gradient_code, training_code
from gradproof.notes.plots import FigureFile, loss_name, make_figures, parse_coords, require
from gradproof.notes.train import TrainResult, rows_to_show, summary, table_rows, train
from gradproof.numeric.derive import derive
from gradproof.symbolic.model_derivation import ModelDerivation
from gradproof.symbolic.model_derive import is_model_request
from gradproof.symbolic.render.document import LATEX_PREAMBLE, derivation_blocks, inline_pieces
from gradproof.symbolic.score_losses import get_score_loss
from gradproof.symbolic.sentences import prose_inline
from gradproof.text import check_title, printable

if TYPE_CHECKING:  # pragma: no cover
    from gradproof.symbolic.derivation import Derivation

__all__ = [
    "NotesResult",
    "write_notes",
    "note_document",
    "register_model_notes",
    "NOTE_FORMATS",
    "TABLE_ROWS",
]

NOTE_FORMATS = ("markdown", "latex")
LATEX_FIGURES = "figures"  # the LaTeX document's images, next to it
TABLE_ROWS = 25  # every epoch up to this many rows, else an even spread (first and last kept)

TITLE = N_("The gradient of the {loss}, step by step")
MADE_WITH = N_("Derived, compiled and checked with gradproof {version}.")
H_LOSS, H_DERIVATION, H_CODE, H_FIGURES, H_DESCENT = (
    N_("The loss"),
    N_("Derivation"),
    N_("The code"),
    N_("Figures"),
    N_("Gradient descent"),
)
CODE_INTRO = N_(
    "The derived gradient as you would write it with numpy: the scores {scores}, the "
    "per-sample coefficients {coef}, then {grad}. Run as it stands, it prints the gradient of "
    "the worked example above."
)
DESCENT_INTRO = N_(
    "{method} with learning rate {eta}, starting from {start}, driven by the derived gradient "
    "(the active set is recomputed at every step); {summary}."
)
LOOP_INTRO = N_("The loop that prints this table, run after the code above:")
CAPTION_PLANE = N_(
    "The loss on the plane through the start that holds the descent path, drawn over {axes}; "
    "the other coordinates move with the path across it. Red arrow: the first step {step} "
    "with {eta}; orange: the gradient-descent path; dashed: where a sample changes side."
)
CAPTION_BEST_PLANE = N_(
    "The loss on the plane through the start that best fits the descent path, drawn over "
    "{axes}; the other coordinates move across it, and the path lies within {off} of it. "
    "Red arrow: the first step {step} with {eta}; orange: the gradient-descent path; dashed: "
    "where a sample changes side."
)
CAPTION_FIXED = N_(
    "The loss over {axes} with the other coordinates fixed at the starting point (the descent "
    "does not change them). Red arrow: the first step {step} with {eta}; orange: the "
    "gradient-descent path; dashed: where a sample changes side."
)
CAPTION_FULL = N_(
    "The loss over {axes}. Red arrow: the first step {step} with {eta}; orange: the "
    "gradient-descent path; dashed: where a sample changes side."
)
CAPTION_LOSS = N_(
    "The loss (solid) and the gradient norm (dashed) after each epoch; epoch 0 is the starting "
    "point."
)
ALT_LANDSCAPE = N_("Loss landscape of the {loss}")
ALT_LOSS = N_("Loss per epoch")
EPOCH, ACTIVE = N_("epoch"), N_("active")


def _p(msgid: str, **fields: Any) -> tuple[B.Inline, ...]:
    return B.fill(_(msgid), **fields)


_MODEL_NOTES: list[Callable[..., Any]] = []  # gradproof.notes.model_document registers itself


def register_model_notes(writer: Callable[..., Any]) -> None:
    """Make ``writer`` what :func:`write_notes` calls for a model with K scores per sample."""
    _MODEL_NOTES[:] = [writer]


@dataclass(frozen=True)
class NotesResult:
    """What :func:`write_notes` wrote: the post, its figures, the training run, and the post
    as a document model (``model``, whose math fragments the engine tests look for)."""

    document: Path
    figures: list[FigureFile]
    training: TrainResult
    model: B.Document | None = None


def gradproof_version() -> str:
    """The version the notes say they were made with."""
    from gradproof import __version__

    return __version__


def _check_date(date: str | None) -> str:
    """Today (UTC) for None; else a real calendar date written YYYY-MM-DD."""
    if date is None:
        return _dt.datetime.now(_dt.timezone.utc).date().isoformat()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date):
        raise OptionError(_("--date expects YYYY-MM-DD, got {date!r}", date=printable(date)))
    try:
        return _dt.date.fromisoformat(date).isoformat()
    except ValueError as exc:  # 2025-02-30, month 13, year 0
        raise OptionError(
            _("--date {date} is not a calendar date ({why})", date=date, why=exc)
        ) from None


def _coord_tex(i: int, dim: int) -> str:
    return "b" if i == dim else f"w_{{{i + 1}}}"


def _landscape_caption(
    fig: FigureFile, coords: tuple[int, int], dim: int, lr: float
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
        return _p(CAPTION_FULL, **fields)
    if plane.fixed:
        return _p(CAPTION_FIXED, **fields)
    if plane.off == 0:
        return _p(CAPTION_PLANE, **fields)
    return _p(CAPTION_BEST_PLANE, off=fmt(plane.off), **fields)


def _descent_table(d: Derivation, result: TrainResult) -> B.Table:
    set_name = result.set_name
    header: list[tuple[B.Inline, ...]] = [
        (B.Text(_(EPOCH)),),
        (B.Math("L"),),
        (B.Math(r"\lVert g\rVert"),),
        (B.Math(r"\mathbf{w}"),),
        (B.Math("b"),),
        (B.Math(rf"\lvert {set_name}\rvert"),) if set_name else (B.Text(_(ACTIVE)),),
    ]
    rows: list[tuple[tuple[B.Inline, ...], ...]] = []
    for row in table_rows(result, TABLE_ROWS):  # in the current language ("all" cells)
        cells = [c.replace("-", "−") for c in row]
        rows.append(tuple((B.Text(c),) for c in cells))
    return B.Table(tuple(header), tuple(rows), ("r", "r", "r", "l", "r", "r"))


def _descent_intro(result: TrainResult, start: Point) -> tuple[B.Inline, ...]:
    from gradproof.symbolic.render.example import fmt

    w = ", ".join(fmt(v) for v in start.w)
    start_tex = rf"\mathbf{{w}} = ({w}),\ b = {fmt(start.b)}".replace("-", "-")
    method = capitalise(result.method)
    return _p(
        DESCENT_INTRO,
        method=method,
        eta=B.Math(rf"\eta = {fmt(result.lr)}"),
        start=B.Math(start_tex),
        summary=summary(result),
    )


def _code_intro(d: Derivation) -> tuple[B.Inline, ...]:
    return _p(
        CODE_INTRO,
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
    lang: str | None = None,
    coords: tuple[int, int] = (0, 1),
    epochs: int = 20,
) -> B.Document:
    """The note as a document (see the module docstring) in the language ``lang`` (default:
    the current one); ``epochs`` is how many the run was asked for (the loop of the post stops
    where the run did)."""
    with language(lang) as code:
        blocks = _note_blocks(d, result, figures, title, coords, epochs)
    return B.Document(tuple(blocks), B.FrontMatter(title, date, tags), code)


def _note_blocks(
    d: Derivation,
    result: TrainResult,
    figures: list[FigureFile],
    title: str,
    coords: tuple[int, int],
    epochs: int,
) -> list[B.Block]:
    from gradproof import __version__

    ex = d.example
    assert ex is not None
    out: list[B.Block] = [
        B.Heading(1, (B.Text(title),)),
        B.Paragraph((B.Emph((B.Text(_(MADE_WITH, version=__version__)),)),)),
        B.Heading(2, (B.Text(_(H_LOSS)),)),
    ]
    if d.spec.description:
        described = prose_inline(_(d.spec.description))
        out.append(B.Paragraph(inline_pieces(d, described, sentence=True)))
    out += derivation_blocks(d, title=False, steps=False)
    out.append(B.Heading(2, (B.Text(_(H_DERIVATION)),)))
    out += derivation_blocks(d, title=False, header=False)
    out += [
        B.Heading(2, (B.Text(_(H_CODE)),)),
        B.Paragraph(_code_intro(d)),
        B.CodeBlock("python", gradient_code(d)),
    ]
    if figures:
        out.append(B.Heading(2, (B.Text(_(H_FIGURES)),)))
        for fig in figures:
            if fig.key == "landscape":
                alt = _(ALT_LANDSCAPE, loss=loss_name(d))
                cap = _landscape_caption(fig, coords, ex.d, result.lr)
            else:
                alt, cap = _(ALT_LOSS), _p(CAPTION_LOSS)
            out.append(B.Figure(fig.png.name, alt, cap))
    shown = rows_to_show(len(result.losses), TABLE_ROWS)
    out += [
        B.Heading(2, (B.Text(_(H_DESCENT)),)),
        B.Paragraph(_descent_intro(result, Point(ex.w, ex.b))),
        _descent_table(d, result),
        B.Paragraph(_p(LOOP_INTRO)),
        B.CodeBlock("python", training_code(d, max(epochs, result.epochs_run), shown)),
    ]
    return out


def write_notes(
    d: Derivation | ModelDerivation | str,
    folder: str | Path,
    *,
    format: str = "markdown",
    site: str | Profile | None = None,
    title: str | None = None,
    front_matter: bool | None = None,
    date: str | None = None,
    tags: tuple[str, ...] | list[str] = (),
    assets_url: str | None = None,
    lang: str | None = None,
    epochs: int = 20,
    figures: bool = True,
    coords: tuple[int, int] | None = None,
    data: Dataset | None = None,
) -> NotesResult:
    """Write one note (Markdown for ``site``, or LaTeX) and its figures into ``folder``.

    A note is the derivation, the worked example with every number substituted, the numpy
    code a reader would write (a ``grad`` function and a training loop, which print the note's
    numbers), the figures and the gradient-descent table.

    Parameters
    ----------
    d
        A derivation with a worked example (derive it with data, or ``example=True`` for the
        built-in sample data), or a built-in loss's name (then its worked example on the
        sample data): its data, point and learning rate also drive the figures and the
        gradient-descent table.
    folder
        The output folder; the post and its images go where the profile says.
    format
        ``markdown`` or ``latex`` (a document that compiles with pdflatex; with XeLaTeX in
        Chinese).
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
        The language of every sentence, figures included (``en``, ``zh``; default:
        ``GRADPROOF_LANG``, then the locale, then English).
    epochs
        Epochs of the gradient-descent table (it stops early at a zero gradient).
    figures
        Draw the figures (needs matplotlib: ``pip install 'gradproof[plot]'``).
    coords
        The two weights the loss landscape is drawn over (default: the first two).
    data
        A model with K scores per sample (``derive("softmax", ...)``) only: the data its
        note trains on (default: its worked example's). Its note shows the decision
        regions instead of the landscape (:mod:`gradproof.notes.model_document`).

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
    # long only for its docstring: the work is in _write_notes
    if isinstance(d, str):  # a built-in loss's name: its worked example on the sample data
        with language(lang):  # a model's steps are worded as they are built
            d = _derived(d)
    if isinstance(d, ModelDerivation):  # K scores per sample: the model's note
        if coords is not None:
            raise OptionError(_("--coords applies to the loss landscape of the linear model"))
        return _MODEL_NOTES[0](
            d, folder, format=format, site=site, title=title, front_matter=front_matter,
            date=date, tags=tags, assets_url=assets_url, lang=lang, epochs=epochs,
            figures=figures, data=data,
        )  # fmt: skip
    if data is not None:
        raise OptionError(_("data= is for a model's note; a linear note uses its worked example"))
    with language(lang) as code:  # an unknown language is an error before anything else
        return _write_notes(
            d,
            Path(folder),
            format,
            site,
            title,
            front_matter,
            date,
            tags,
            assets_url,
            code,
            epochs,
            figures,
            coords,
        )


def _write_notes(
    d: Derivation,
    out: Path,
    format: str,
    site: str | Profile | None,
    title: str | None,
    front_matter: bool | None,
    date: str | None,
    tags: tuple[str, ...] | list[str],
    assets_url: str | None,
    lang: str,
    epochs: int,
    figures: bool,
    coords: tuple[int, int] | None,
) -> NotesResult:
    # write_notes inside its language block: every check first, then the files, atomically.
    if format not in NOTE_FORMATS:
        raise OptionError(
            _("unknown notes format {format!r}; use markdown or latex", format=format)
        )
    profile = get_profile(site)
    if site is not None and format != "markdown":
        raise OptionError(_("--site applies to --format markdown"))
    ex = d.example
    if ex is None:
        raise OptionError(
            _(
                "the derivation has no worked example; derive it with data "
                "(X=..., y=...) or example=True for the built-in sample data"
            )
        )
    date = _check_date(date)
    title = check_title(title) if title is not None else None
    tags = tuple(check_title(t, "--tags") for t in tags)
    if figures:
        require(lang)  # before anything is written
    if out.exists() and not out.is_dir():
        raise DataError(_("{path}: exists and is not a folder; give a folder for -o", path=out))
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
    heading = title or _(TITLE, loss=loss_name(d))
    doc = note_document(
        d, result, files, title=heading, date=date, tags=tags, lang=lang, coords=ij, epochs=epochs
    )
    if format == "markdown":
        text = to_markdown(doc, profile, slug=slug, front_matter_=with_front, assets_url=assets_url)
    else:
        text = to_latex(doc, standalone=True, preamble=LATEX_PREAMBLE, assets=LATEX_FIGURES)
    doc_path.parent.mkdir(parents=True, exist_ok=True)
    written = write_atomic(doc_path, text)
    return NotesResult(written, files, result, doc)


def _derived(name: str) -> Derivation:
    """A built-in loss with its worked example on the sample data (a model's on the
    built-in 3-class data)."""
    if is_model_request(name, None, None):
        labels = get_score_loss(name).labels
        model: Derivation = derive(name, data=sample_model_dataset(labels), example=True)
        return model
    d: Derivation = derive(name, example=True)
    return d
