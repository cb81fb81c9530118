"""``gradproof notes``, ``gradproof train`` and ``gradproof compare``."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import click
import numpy as np

from gradproof.cli import cli
from gradproof.cli.options import (
    data_options,
    dataset_from,
    emit,
    loss_options,
    network_options,
    parse_params,
)
from gradproof.datasets import Dataset, load_data, parse_matrix, sample_dataset
from gradproof.errors import OptionError
from gradproof.i18n import _
from gradproof.markup.platforms import SITES
from gradproof.numeric.derive import derive
from gradproof.numeric.model_example import model_example
from gradproof.symbolic.model_derive import is_model_request
from gradproof.symbolic.network_derivation import NETWORK_MODELS
from gradproof.text import printable

PROGRESS_FROM = 200  # epochs; shorter runs finish before a bar would help


def _wrt(wrt: str) -> list[str]:
    return [p.strip() for p in wrt.split(",") if p.strip()]


def _need_loss(loss: str | None, expr: str | None) -> None:
    if loss is None and expr is None:
        raise OptionError(_("name a loss (see 'gradproof losses') or give --expr"))


def _model_wrt(wrt: str) -> list[str] | None:
    """A model's parameters to differentiate by: every one unless named (the option's
    default, w,b, is the linear model's)."""
    names = _wrt(wrt)
    return None if names == ["w", "b"] else names


def model_dataset_from(X: str | None, y: str | None, data_file: str | None) -> Dataset | None:
    """A model's data from the command line: --data (labels 0…K−1 in the last column), or
    --X and --y as JSON, y being labels, one-hot rows or n×K targets."""
    if data_file and (X or y):
        raise OptionError(_("give either --data FILE or --X/--y, not both"))
    if data_file:
        return load_data(data_file)
    if X is None and y is None:
        return None
    if X is None or y is None:
        raise OptionError(_("--X and --y go together; give both"))
    Xa = parse_matrix(X, "--X")
    try:
        ya = np.asarray(json.loads(y), dtype=np.float64)
    except ValueError:  # bad JSON, ragged rows or text
        raise OptionError(
            _("--y: not valid JSON numbers; write e.g. [0, 2, 1] or rows [[1, 0], [0, 1]]")
        ) from None
    except (TypeError, OverflowError, RecursionError):
        raise OptionError(_("--y: expected a list of numbers or of equal-length rows")) from None
    return Dataset(Xa, ya, "--X/--y")


def _network(loss: str | None, layers: Any, activation: Any, output_loss: Any) -> bool:
    """Whether LOSS names a network (mlp); the network options refused for anything else."""
    network = (loss or "").strip().lower() in NETWORK_MODELS
    if not network and any(v is not None for v in (layers, activation, output_loss)):
        raise OptionError(
            _("--layers, --activation and --loss belong to a network: LOSS is mlp, e.g. "
              "gradproof train mlp --layers 2-8-2")
        )  # fmt: skip
    return network


def _default_lr(lr: float | None, network: bool) -> float:
    """--lr, or its default: 0.1, or 0.03 for a network (its loss is summed over the samples;
    at 0.1 a 2-8-2 network's loss on XOR first climbs eightfold before it falls)."""
    if lr is not None:
        return lr
    return 0.03 if network else 0.1


def _derive_network(layers, activation, output_loss, reg, params, kink, mean, expr, wrt, **kw):
    """derive('mlp', …) from the command line (--expr and --wrt do not apply to a network)."""
    if expr is not None or _wrt(wrt) != ["w", "b"]:
        raise OptionError(
            _("a network takes --loss softmax, squared_error or logistic, not --expr or --wrt")
        )
    return derive(
        "mlp", layers=layers, activation=activation, loss=output_loss, reg=reg,
        params=parse_params(params), kink=kink, mean=mean, **kw,
    )  # fmt: skip


def _interactive() -> bool:
    """A progress bar only for a person at a terminal: in a log it is one more line."""
    return sys.stderr.isatty()


def _train_with_bar(train: Any, d: Any, data: Any, epochs: int, kwargs: dict[str, Any]) -> Any:
    """``train`` with a progress bar that appears at the end of the first epoch, once every
    option has been checked (a refusal stays one line)."""
    bars: list[Any] = []

    def tick(_epoch: int) -> None:
        if not bars:
            bars.append(click.progressbar(length=epochs, label=_("training"), file=sys.stderr))
            bars[0].__enter__()
        bars[0].update(1)

    try:
        return train(d, data, callback=tick, **kwargs)
    finally:
        if bars:
            bars[0].__exit__(None, None, None)


@cli.command("notes")
@loss_options
@data_options
@click.option(
    "--lr",
    type=float,
    help="Learning rate of the update step and of the gradient-descent table (default 0.1; "
    "0.03 for a network, whose summed loss swings at 0.1).",
)
@click.option(
    "--epochs",
    type=int,
    help="Epochs of gradient descent shown in the table and the figures (default 20; 100 for "
    "a network).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "latex"]),
    default="markdown",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="The folder to write the document and figures/ into.",
)
@click.option(
    "--title", help="The document's title (default: 'The gradient of the ..., step by step')."
)
@click.option(
    "--site",
    type=click.Choice(SITES + ("quarto",)),
    help="Markdown for this platform: math delimiters and escapes, where the post and its "
    "images go (jekyll: _posts/ and assets/ under -o, the site's root), front matter that "
    "turns math on. Default: portable Markdown, figures/ next to the post.",
)
@click.option(
    "--assets-url",
    metavar="URL",
    help="The URL prefix the post links its images with (default per site, e.g. "
    "/assets/gradproof/LOSS for jekyll; give /BASEURL/assets/gradproof/LOSS for a "
    "project site).",
)
@click.option(
    "--front-matter",
    is_flag=True,
    help="Markdown: start with front matter (title, date, tags) even where the site does not "
    "use it; the default site's file is then named DATE-LOSS.md as Jekyll posts are.",
)
@click.option("--date", metavar="YYYY-MM-DD", help="The document's date (default: today).")
@click.option("--tags", metavar="A,B", help="Tags for the front matter, comma-separated.")
@click.option(
    "--coords",
    metavar="A,B",
    help="The two coordinates of the landscape figure, e.g. w1,w2 (default) or w1,b.",
)
@click.option("--no-figures", is_flag=True, help="Leave the figures out (no matplotlib needed).")
@network_options
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    help="mlp: the seed of the network's random start (default 0; at zeros a network has no "
    "hidden gradient).",
)
def notes_cmd(
    loss,
    expr,
    reg,
    params,
    kink,
    mean,
    wrt,
    X,
    y,
    data_file,
    at,
    lr,
    epochs,
    fmt,
    output,
    title,
    site,
    assets_url,
    front_matter,
    date,
    tags,
    coords,
    no_figures,
    layers,
    activation,
    output_loss,
    seed,
):
    """Write a publishable note on LOSS: derivation, worked example, code, figures, descent.

    Without data, the built-in sample data is used.
    """
    from gradproof.notes import write_notes
    from gradproof.notes.plots import parse_coords

    _need_loss(loss, expr)
    network = _network(loss, layers, activation, output_loss)
    lr = _default_lr(lr, network)
    if seed is not None and not network:
        raise OptionError(_("--seed draws a network's random start: it applies to mlp"))
    if epochs is None:
        epochs = 100 if network else 20  # a network needs more epochs to learn XOR
    for flag, value in (("--front-matter", front_matter), ("--site", site)):
        if value and fmt != "markdown":
            raise OptionError(_("{flag} applies to --format markdown", flag=flag))
    if assets_url is not None and fmt != "markdown":
        raise OptionError(_("--assets-url applies to --format markdown"))
    options = dict(
        format=fmt,
        site=site,
        title=title,
        front_matter=True if front_matter else None,
        date=date,
        tags=[t for t in (tags or "").split(",") if t.strip()],
        assets_url=assets_url,
        epochs=epochs,
        figures=not no_figures,
    )
    if network:
        if coords:
            raise OptionError(_("--coords applies to the loss landscape of the linear model"))
        from gradproof.notes.model_train import model_data

        ds = model_dataset_from(X, y, data_file)
        d = _derive_network(
            layers, activation, output_loss, reg, params, kink, mean, expr, wrt,
            X=None if ds is None else ds.X, y=None if ds is None else ds.y, at=at, seed=seed,
            lr=lr, example=True,
        )  # fmt: skip
        data = None if ds is None else model_data(d, ds)
        result = write_notes(d, output, data=data, **options)
    elif is_model_request(loss, expr, None):
        if coords:
            raise OptionError(_("--coords applies to the loss landscape of the linear model"))
        d, data = _model_example(loss, expr, reg, params, kink, mean, wrt, X, y, data_file, at, lr)
        result = write_notes(d, output, data=data, **options)
    else:
        ds = dataset_from(X, y, data_file)
        d = derive(
            loss,
            expr=expr,
            reg=reg,
            params=parse_params(params),
            kink=kink,
            mean=mean,
            wrt=_wrt(wrt),
            data=ds,
            at=at,
            lr=lr,
            example=True,
        )
        ij = parse_coords(coords, d.example.X.shape[1]) if coords else None
        result = write_notes(d, output, coords=ij, **options)
    click.echo(_("wrote {path}", path=printable(str(result.document))), err=True)
    for fig in result.figures:
        png, svg = printable(str(fig.png)), printable(fig.svg.name)
        click.echo(_("wrote {png} and {svg}", png=png, svg=svg), err=True)


def _model_example(loss, expr, reg, params, kink, mean, wrt, X, y, data_file, at, lr):
    """A model's derivation with its worked example on the given data (default the
    built-in 3-class data), and that data."""
    from gradproof.datasets import sample_model_dataset
    from gradproof.notes.model_train import model_data

    d = derive(
        loss, expr=expr, reg=reg, params=parse_params(params), kink=kink, mean=mean,
        wrt=_model_wrt(wrt),
    )  # fmt: skip
    ds = model_dataset_from(X, y, data_file)
    data = model_data(d, ds) if ds is not None else sample_model_dataset(d.spec.labels)
    if not (math.isfinite(lr) and lr > 0):
        raise OptionError(_("--lr must be a positive number, got {lr}", lr=lr))
    return d.with_example(model_example(d, data.X, data.y, at, lr)), data


@cli.command("train")
@loss_options
@data_options
@click.option(
    "--lr",
    type=float,
    help="Learning rate η (default 0.1; 0.03 for a network, whose summed loss swings at 0.1).",
)
@click.option(
    "--epochs",
    type=int,
    default=100,
    show_default=True,
    help="Passes over the data, at most 100000 (fewer when the gradient reaches zero).",
)
@click.option(
    "--momentum",
    type=float,
    default=0.0,
    show_default=True,
    help="Heavy-ball momentum β in [0, 1): v ← βv + g, θ ← θ − ηv.",
)
@click.option(
    "--batch-size",
    type=int,
    help="Minibatch SGD with batches of this size (default: full-batch gradient descent).",
)
@click.option(
    "--seed",
    type=int,
    help="Seed (a whole number ≥ 0) of the sample order of SGD (reproducible runs) and of a "
    "network's random start (default 0).",
)
@click.option(
    "--rows",
    type=int,
    default=25,
    show_default=True,
    help="At most this many epochs are listed (an even spread, first and last kept).",
)
@network_options
def train_cmd(
    loss,
    expr,
    reg,
    params,
    kink,
    mean,
    wrt,
    X,
    y,
    data_file,
    at,
    lr,
    epochs,
    momentum,
    batch_size,
    seed,
    rows,
    layers,
    activation,
    output_loss,
):
    """Train a linear model on LOSS with its derived gradient; print a per-epoch table.

    Without data, the built-in sample data is used.
    """
    from gradproof.notes.train import format_table, sparkline, summary, train

    _need_loss(loss, expr)
    if rows < 2:
        raise OptionError(_("--rows must be at least 2, got {rows}", rows=rows))
    network = _network(loss, layers, activation, output_loss)
    lr = _default_lr(lr, network)
    kwargs = dict(lr=lr, epochs=epochs, momentum=momentum, batch_size=batch_size, seed=seed, at=at)
    if network:
        d = _derive_network(layers, activation, output_loss, reg, params, kink, mean, expr, wrt)
        _train_model(d, model_dataset_from(X, y, data_file), epochs, rows, kwargs)
        return
    if is_model_request(loss, expr, None):
        d = derive(
            loss, expr=expr, reg=reg, params=parse_params(params), kink=kink, mean=mean,
            wrt=_model_wrt(wrt),
        )  # fmt: skip
        _train_model(d, model_dataset_from(X, y, data_file), epochs, rows, kwargs)
        return
    ds = dataset_from(X, y, data_file)
    d = derive(
        loss, expr=expr, reg=reg, params=parse_params(params), kink=kink, mean=mean, wrt=_wrt(wrt)
    )
    data = ds if ds is not None else sample_dataset(d.spec.labels)
    if epochs >= PROGRESS_FROM and _interactive():
        result = _train_with_bar(train, d, data, epochs, kwargs)
    else:
        result = train(d, data, **kwargs)
    click.echo(
        _(
            "{title} · {method}, η = {lr:g} · n = {n} samples ({source})",
            title=_(d.title),
            method=result.method,
            lr=lr,
            n=data.n,
            source=_(data.source),
        )
    )
    click.echo("")
    click.echo(format_table(result, rows))
    click.echo("")
    spark = sparkline(result.losses)
    click.echo(_("loss  {spark}  (epochs 0–{last})", spark=spark, last=result.epochs_run))
    click.echo(f"‖g‖   {sparkline(result.grad_norms)}")
    click.echo(summary(result))


def _train_model(d: Any, ds: Dataset | None, epochs: int, rows: int, kwargs: Any) -> None:
    """``gradproof train`` for a model with K scores per sample."""
    from gradproof.notes.model_train import format_model_table, format_point, model_data
    from gradproof.notes.train import sparkline, summary, train

    data = model_data(d, ds)
    if epochs >= PROGRESS_FROM and _interactive():
        result = _train_with_bar(train, d, data, epochs, kwargs)
    else:
        result = train(d, data, **kwargs)
    click.echo(
        _(
            "{title} · {method}, η = {lr:g} · n = {n} samples ({source})",
            title=_(d.title),
            method=result.method,
            lr=kwargs["lr"],
            n=data.n,
            source=_(data.source),
        )
    )
    click.echo("")
    click.echo(format_model_table(result, rows))
    click.echo("")
    spark = sparkline(result.losses)
    click.echo(_("loss  {spark}  (epochs 0–{last})", spark=spark, last=result.epochs_run))
    click.echo(f"‖g‖   {sparkline(result.grad_norms)}")
    click.echo(summary(result))
    click.echo(_("final parameters:"))
    for line in format_point(result.point):
        click.echo(f"  {line}")


@cli.command("compare")
@click.argument("losses", nargs=-1, required=True)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A hyperparameter value, given to every loss that has it (repeatable).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "latex", "markdown"]),
    default="text",
    show_default=True,
    help="latex is a complete document for pdflatex.",
)
@click.option(
    "--site",
    type=click.Choice(SITES + ("quarto",)),
    help="Markdown for this platform (see gradproof notes --help).",
)
@data_options
@click.option(
    "--lr",
    type=float,
    help="Learning rate of the one step and of the training runs (default 0.1; 0.03 when a "
    "network is compared).",
)
@click.option(
    "--epochs",
    type=int,
    default=50,
    show_default=True,
    help="Losses over K scores (softmax, multiclass_hinge, …): epochs of gradient descent "
    "each is trained for on the same data.",
)
@click.option(
    "--figure",
    type=click.Path(dir_okay=False),
    metavar="FILE.png",
    help="Also draw each loss against the margin into FILE.png (and FILE.svg).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@network_options
def compare_cmd(
    losses, params, fmt, site, X, y, data_file, at, lr, epochs, figure, output, layers,
    activation, output_loss,
):  # fmt: skip
    """Show the derivations of two or more LOSSES side by side, with the differences.

    With data (--X/--y or --data, and --at), also the numbers on it: loss, gradient, active
    sets and one gradient-descent step of each loss. Losses over K scores per sample are each
    trained on the same data (default: the built-in 3-class data) and tabulated.
    """
    from gradproof.notes.compare import compare

    if site and fmt != "markdown":
        raise OptionError(_("--site applies to --format markdown"))
    if at is not None and X is None and data_file is None:
        raise OptionError(_("--at needs data: give --X/--y or --data"))
    ds = dataset_from(X, y, data_file)
    lr = _default_lr(lr, any(_network(item, None, None, None) for item in losses))
    if ds is not None and not (math.isfinite(lr) and lr > 0):
        raise OptionError(_("--lr must be a positive number, got {lr}", lr=lr))
    items: list[Any] = list(losses)
    if any(_network(item, None, None, None) for item in items):  # mlp: built from the options
        net = _derive_network(layers, activation, output_loss, None, (), None, False, None, "w,b")
        items = [net if _network(item, None, None, None) else item for item in items]
    elif any(v is not None for v in (layers, activation, output_loss)):
        _network(None, layers, activation, output_loss)  # the one-line refusal
    text = compare(
        items,
        fmt,
        parse_params(params),
        data=ds,
        at=at,
        lr=lr,
        site=site,
        figure=figure,
        epochs=epochs,
    )
    emit(text, output)
    if figure:
        click.echo(_("wrote {path}", path=figure), err=True)
