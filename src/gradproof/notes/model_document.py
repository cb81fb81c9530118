"""The publishable note of a model with K scores per sample (softmax regression, the
multi-class hinges, multi-output least squares): the loss, the derivation with its shapes
(and its worked example, as the derivation renders it), the figures — the decision regions
for 2-d data with class labels and the loss per epoch — and the gradient-descent table with
the parameters it ends at. Written like the linear note (:mod:`gradproof.notes.document`):
the same sections, profiles, languages and atomic files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gradproof.datasets import Dataset, sample_model_dataset, sample_xor_dataset
from gradproof.errors import DataError, OptionError
from gradproof.i18n import N_, _, capitalise, language
from gradproof.io import write_atomic
from gradproof.markup import blocks as B
from gradproof.markup.latex import to_latex
from gradproof.markup.markdown import to_markdown
from gradproof.markup.platforms import Profile, get_profile
from gradproof.notes import document as ND
from gradproof.notes.model_plots import RegionFigure, model_figures
from gradproof.notes.model_train import (
    CORRECT,
    ModelTrainResult,
    model_data,
    model_objective,
    model_table_rows,
    train_model,
)
from gradproof.notes.network_train import is_xor
from gradproof.notes.plots import loss_name, require
from gradproof.notes.train import summary
from gradproof.numeric.derive import derive
from gradproof.numeric.network_example import network_example, sample_data
from gradproof.symbolic.render.document import LATEX_PREAMBLE, derivation_blocks, inline_pieces
from gradproof.symbolic.render.example import fmt
from gradproof.symbolic.sentences import prose_inline
from gradproof.text import check_title

__all__ = ["write_model_notes", "model_note_document", "parameter_tex"]

CAPTION_REGIONS = N_(
    "The decision regions after the last epoch: each point of the plane has the colour of the "
    "class with the largest score {argmax}; the samples are drawn in the colour of their "
    "class."
)
ALT_REGIONS = N_("Decision regions of the {loss}")
DESCENT_INTRO = N_(
    "{method} with learning rate {eta} on {data} ({n} samples, {K} outputs), starting from "
    "{start}, driven by the derived gradient; {summary}."
)
CORRECT_NOTE = N_(
    "The last column counts the samples whose largest score is their own class, {argmax}."
)
FINAL = N_("The parameters after the last epoch:")
ON_BUILT_IN = N_("the built-in 3-class data")
ON_EXAMPLE = N_("the data of the worked example")
ON_GIVEN = N_("the given data ({source})")
ON_XOR = N_("the built-in XOR data")
START_EXAMPLE = N_("the point of the worked example")
XOR_NOTE = N_(
    "These data are XOR: the class is 1 where exactly one coordinate is near 1. No straight "
    "line separates the two classes, so the perceptron and the softmax regression of the "
    "first lesson cannot learn them (a linear model gets at most three of the four corners "
    "right): softmax regression trained the same way ({method}, {eta}, {epochs} epochs, from "
    "zeros) classifies at best {linear} of the {n} samples right at any epoch, and its lowest "
    "loss is {lowest}, where guessing (both classes equally likely) gives {chance}. The hidden "
    "layer bends the boundary: the network classifies {network} of {n} right."
)
_EXAMPLE_SOURCE = "worked example"


NETWORK_LR = 0.03
"""The learning rate of a network's note when its derivation has no worked example."""
NETWORK_NAME = N_("{widths} {activation} network with the {loss}")
NETWORK_SHORT = N_("{widths} {activation} network")


def _name(d: Any, short: bool = False) -> str:
    """What the note is about inside a sentence: the loss, or the network (and its loss,
    unless ``short``: a figure's title has room for the network only)."""
    if not hasattr(d, "widths"):
        return loss_name(d)
    widths = "-".join(map(str, d.widths))
    words = NETWORK_SHORT if short else NETWORK_NAME
    return _(words, widths=widths, activation=d.activation, loss=loss_name(d))


def parameter_tex(name: str) -> str:
    """A parameter's name in LaTeX: W, \\mathbf{b}, W_{1}, \\mathbf{b}_{2}."""
    stem, digits = name.rstrip("0123456789"), name[len(name.rstrip("0123456789")) :]
    base = stem if stem[:1].isupper() else rf"\mathbf{{{stem}}}"
    return base + (f"_{{{digits}}}" if digits else "")


def _matrix_tex(a: Any) -> str:
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 0:
        return fmt(float(arr))
    rows = arr.reshape(1, -1) if arr.ndim == 1 else arr.reshape(arr.shape[0], -1)
    body = r" \\ ".join(" & ".join(fmt(float(v)) for v in row) for row in rows)
    tail = r"^{\top}" if arr.ndim == 1 else ""
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}" + tail


def _point_lines(point: dict[str, Any]) -> tuple[str, ...]:
    return tuple(f"{parameter_tex(k)} &= {_matrix_tex(v)}" for k, v in point.items())


def _data_words(source: str) -> str:
    if source == sample_xor_dataset().source:
        return _(ON_XOR)
    if source == sample_model_dataset().source:
        return _(ON_BUILT_IN)
    if source == _EXAMPLE_SOURCE:
        return _(ON_EXAMPLE)
    return _(ON_GIVEN, source=_(source))


def _argmax() -> B.Math:
    return B.Math(r"\hat{y}_{i} = \operatorname{arg\,max}_{k} s_{ik}")


def _descent_table(result: ModelTrainResult) -> B.Table:
    header: tuple[tuple[B.Inline, ...], ...] = (
        (B.Text(_(ND.EPOCH)),),
        (B.Math("L"),),
        (B.Math(r"\lVert g\rVert"),),
        (B.Text(_(CORRECT)),),
    )
    rows = tuple(
        tuple((B.Text(c.replace("-", "−")),) for c in row)
        for row in model_table_rows(result, ND.TABLE_ROWS)
    )
    return B.Table(header, rows, ("r", "r", "r", "r"))


def _start_pieces(result: ModelTrainResult, network: bool = False) -> B.Inline:
    start = result.start
    if network:  # a network's matrices are too wide for a sentence (its example shows them)
        return B.Text(_(START_EXAMPLE))
    if not any(np.any(v) for v in start.values()):  # every parameter 0: say so briefly
        return B.Math(r",\ ".join(f"{parameter_tex(k)} = 0" for k in start))
    return B.Math(r",\ ".join(f"{parameter_tex(k)} = {_matrix_tex(v)}" for k, v in start.items()))


def model_note_document(
    d: Any,
    result: ModelTrainResult,
    figures: list[Any],
    *,
    title: str,
    date: str,
    tags: tuple[str, ...] = (),
    lang: str | None = None,
    linear: ModelTrainResult | None = None,
) -> B.Document:
    """The note as a document, in the language ``lang`` (default: the current one);
    ``linear`` is softmax regression's run on the same XOR data, for a network's note."""
    with language(lang) as code:
        blocks = _blocks(d, result, figures, title)
        if linear is not None:
            blocks.insert(-2, _xor_paragraph(result, linear, bool(d.form.mean)))
    return B.Document(tuple(blocks), B.FrontMatter(title, date, tags), code)


def _xor_paragraph(result: ModelTrainResult, linear: ModelTrainResult, mean: bool) -> B.Paragraph:
    """What the linear model does on XOR, measured, beside what the network does."""
    # the loss of p = (½, ½) for every sample: n log 2 summed, log 2 averaged
    chance = rf"\log 2 = {fmt(np.log(2))}" if mean else rf"n \log 2 = {fmt(result.n * np.log(2))}"
    return B.Paragraph(
        B.fill(
            _(XOR_NOTE),
            method=result.method,
            eta=B.Math(rf"\eta = {fmt(result.lr)}"),
            epochs=str(linear.epochs_run),
            linear=str(max(c for c in linear.correct if c is not None)),
            lowest=fmt(min(linear.losses)),
            chance=B.Math(chance),
            network=str(result.correct[-1]),
            n=str(result.n),
        )
    )


def linear_on_xor(result: ModelTrainResult, data: Dataset, mean: bool = False) -> ModelTrainResult:
    """Softmax regression (the linear model with K = 2 scores) trained as ``result`` was
    (method, η, epochs), from zeros, on the same data."""
    return train_model(
        derive("softmax", mean=mean, example=False),
        data,
        lr=result.lr,
        epochs=result.epochs_run,
        momentum=result.momentum,
        batch_size=result.batch_size,
        seed=result.seed,
        history=result.epochs_run + 1,
    )


def _blocks(d: Any, result: ModelTrainResult, figures: list[Any], title: str) -> list[B.Block]:
    out: list[B.Block] = [
        B.Heading(1, (B.Text(title),)),
        B.Paragraph((B.Emph((B.Text(_(ND.MADE_WITH, version=ND.gradproof_version())),)),)),
        B.Heading(2, (B.Text(_(ND.H_LOSS)),)),
    ]
    if d.spec.description:
        out.append(
            B.Paragraph(inline_pieces(d, prose_inline(_(d.spec.description)), sentence=True))
        )
    out += derivation_blocks(d, title=False, steps=False)
    out.append(B.Heading(2, (B.Text(_(ND.H_DERIVATION)),)))
    out += derivation_blocks(d, title=False, header=False)
    if figures:
        out.append(B.Heading(2, (B.Text(_(ND.H_FIGURES)),)))
        for fig in figures:
            if isinstance(fig, RegionFigure):
                alt = _(ALT_REGIONS, loss=_name(d))
                out.append(
                    B.Figure(fig.png.name, alt, B.fill(_(CAPTION_REGIONS), argmax=_argmax()))
                )
            else:
                out.append(B.Figure(fig.png.name, _(ND.ALT_LOSS), B.fill(_(ND.CAPTION_LOSS))))
    intro = B.fill(
        _(DESCENT_INTRO),
        method=capitalise(result.method),
        eta=B.Math(rf"\eta = {fmt(result.lr)}"),
        data=_data_words(result.source),
        n=str(result.n),
        K=str(result.K),
        start=_start_pieces(result, hasattr(d, "widths")),
        summary=summary(result),  # type: ignore[arg-type]
    )
    out += [B.Heading(2, (B.Text(_(ND.H_DESCENT)),)), B.Paragraph(intro), _descent_table(result)]
    if result.correct[0] is not None:
        out.append(B.Paragraph(B.fill(_(CORRECT_NOTE), argmax=_argmax())))
    out += [B.Paragraph((B.Text(_(FINAL)),)), B.DisplayMath(_point_lines(result.point))]
    return out


def _example_data(d: Any, ex: Any) -> Dataset:
    """The worked example's data (named as the built-in data when it is that); a network
    trains on its built-in data (XOR for 2 inputs) unless its example was given data."""
    if hasattr(d, "widths") and (
        getattr(ex, "X", None) is None or np.array_equal(ex.X, sample_data(d)[0])
    ):  # the example's four built-in rows are too few to train on: the network's own data
        return model_data(d, None)
    built_in = sample_model_dataset(d.spec.labels)
    if getattr(ex, "X", None) is None:
        return built_in
    if np.array_equal(ex.X, built_in.X) and np.array_equal(ex.y, built_in.y):
        return built_in
    return Dataset(ex.X, ex.y, _EXAMPLE_SOURCE)


def write_model_notes(
    d: Any,
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
    data: Dataset | None = None,
) -> ND.NotesResult:
    """Write the note of a model derivation into ``folder`` (the options are those of
    :func:`gradproof.notes.write_notes`). It trains on ``data``, default the data of the
    worked example, from the example's point with its learning rate."""
    with language(lang) as code:
        return _write(
            d, Path(folder), format, site, title, front_matter, date, tags, assets_url, code,
            epochs, figures, data,
        )  # fmt: skip


def _write(
    d: Any,
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
    data: Dataset | None,
) -> ND.NotesResult:
    # every check first, then the files, atomically (as the linear note)
    if format not in ND.NOTE_FORMATS:
        raise OptionError(
            _("unknown notes format {format!r}; use markdown or latex", format=format)
        )
    profile = get_profile(site)
    if site is not None and format != "markdown":
        raise OptionError(_("--site applies to --format markdown"))
    if d.example is None and hasattr(d, "widths"):  # a network: its example at seed 0, with
        # the step gradproof notes mlp takes by default (its summed loss swings at 0.1)
        d = d.with_example(network_example(d, None, None, None, lr=NETWORK_LR))
    ex = d.example
    if ex is None:
        raise OptionError(
            _(
                "the derivation has no worked example; derive it with data "
                "(X=..., y=...) or example=True for the built-in sample data"
            )
        )
    date = ND._check_date(date)
    title = check_title(title) if title is not None else None
    tags = tuple(check_title(t, "--tags") for t in tags)
    if figures:
        require(lang)
    if out.exists() and not out.is_dir():
        raise DataError(_("{path}: exists and is not a folder; give a folder for -o", path=out))
    if data is None:
        data = _example_data(d, ex)
    at: dict[str, Any] | None = {k: np.asarray(v) for k, v in ex.point.items()}
    if model_objective(d, data).layout != d.layout(ex.d, ex.K):
        at = None  # other data than the example's: start at zeros
    result = train_model(d, data, lr=ex.lr, epochs=epochs, at=at, history=epochs + 1)
    slug = d.name if d.name != "custom" else "custom-model"
    with_front = profile.front_matter if front_matter is None else front_matter
    if format == "markdown":
        doc_path = out / profile.post_path(slug, date, with_front)
        assets = out / profile.assets_path(slug)
    else:
        doc_path, assets = out / f"{slug}.tex", out / ND.LATEX_FIGURES
    out.mkdir(parents=True, exist_ok=True)
    files: list[Any] = []
    if figures:
        assets.mkdir(parents=True, exist_ok=True)
        objective = model_objective(d, data, at)
        files = model_figures(objective, result, data, assets, slug, _name(d, True), lang)
    heading = title or _(ND.TITLE, loss=_name(d))
    linear = None
    if hasattr(d, "widths") and is_xor(data) and d.spec.name == "softmax":
        linear = linear_on_xor(result, data, bool(d.form.mean))
    doc = model_note_document(
        d, result, files, title=heading, date=date, tags=tags, lang=lang, linear=linear
    )
    if format == "markdown":
        text = to_markdown(doc, profile, slug=slug, front_matter_=with_front, assets_url=assets_url)
    else:
        text = to_latex(doc, standalone=True, preamble=LATEX_PREAMBLE, assets=ND.LATEX_FIGURES)
    doc_path.parent.mkdir(parents=True, exist_ok=True)
    written = write_atomic(doc_path, text)
    return ND.NotesResult(written, files, result, doc)  # type: ignore[arg-type]


ND.register_model_notes(write_model_notes)
