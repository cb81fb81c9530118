"""``gradproof derive`` and ``gradproof losses``."""

from __future__ import annotations

import json
import math

import click

from gradproof.cli import cli
from gradproof.cli.options import (
    data_options,
    dataset_from,
    emit,
    loss_options,
    model_data,
    parse_params,
)
from gradproof.errors import OptionError
from gradproof.i18n import _, tr
from gradproof.markup.platforms import SITES
from gradproof.numeric.derive import derive
from gradproof.symbolic.losses import LABEL_SETS, list_losses
from gradproof.symbolic.model_derive import is_model_request
from gradproof.symbolic.network_derivation import NETWORK_MODELS
from gradproof.symbolic.render.printers import to_latex
from gradproof.symbolic.render.records import step_records
from gradproof.symbolic.score_losses import SCORE_LOSSES


@cli.command("derive")
@loss_options
@data_options
@click.option(
    "--lr",
    type=float,
    default=0.1,
    show_default=True,
    help="Learning rate of the update step in the worked example.",
)
@click.option(
    "--labels",
    type=click.Choice(["pm1", "real"]),
    help="Label set of a user expression (default real).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "latex", "markdown"]),
    default="text",
    show_default=True,
)
@click.option(
    "--detail",
    type=click.Choice(["summary", "full"]),
    default="summary",
    show_default=True,
    help="full also shows each rule of the scalar derivative.",
)
@click.option("--standalone", is_flag=True, help="LaTeX: a complete document for pdflatex.")
@click.option(
    "--site",
    type=click.Choice(SITES + ("quarto",)),
    help="Markdown for this platform: its math delimiters and escapes (default: portable "
    "Markdown with $…$ and $$ blocks).",
)
@click.option("--no-example", is_flag=True, help="Skip the worked example.")
@click.option(
    "--model",
    help="linear (one score) or multiclass_linear (K scores: softmax and the other losses "
    "over K scores imply it).",
)
@click.option(
    "--l1",
    type=click.Choice(["zero", "plus", "minus"]),
    help="A model's L1 regulariser: the value of sgn(0) in its subgradient (default zero).",
)
@click.option(
    "--layers",
    metavar="WIDTHS",
    help="A network's widths, input first and output last (gradproof derive mlp --layers 2-16-3).",
)
@click.option(
    "--activation",
    help="A network's hidden activation: relu (default; relu′(0) is --kink, default exclude "
    "→ 0), sigmoid, tanh or identity.",
)
@click.option(
    "--loss",
    "output_loss",
    help="A network's loss on its outputs: softmax (default), squared_error or logistic "
    "(one output unit, labels ±1).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    help="A network's example point: the random point of this seed (default: seed 0; a "
    "network at zeros has zero hidden gradients).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable result.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
def derive_cmd(
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
    labels,
    fmt,
    detail,
    standalone,
    site,
    no_example,
    model,
    l1,
    layers,
    activation,
    output_loss,
    seed,
    as_json,
    output,
):
    """Derive the gradient of LOSS (or of --expr) step by step, with a worked example.

    Without data, the worked example uses built-in sample data.
    """
    if loss is None and expr is None:
        raise OptionError(_("name a loss (see 'gradproof losses') or give --expr"))
    if standalone and fmt != "latex":
        raise OptionError(_("--standalone applies to --format latex"))
    if site and fmt != "markdown":
        raise OptionError(_("--site applies to --format markdown"))
    if not no_example and not (math.isfinite(lr) and lr > 0):
        raise OptionError(_("--lr must be a positive number, got {lr}", lr=lr))
    network = (loss or "").strip().lower() in NETWORK_MODELS or (
        model is not None and model.strip().lower() in NETWORK_MODELS
    )
    if not network and any(v is not None for v in (layers, activation, output_loss, seed)):
        raise OptionError(
            _("--layers, --activation, --loss and --seed belong to a network: gradproof derive mlp")
        )
    if network or is_model_request(loss, expr, model):
        if network:
            _network_only(loss, expr, wrt)
            call = _derive_model(
                None, None, reg, params, kink, mean, "w,b", X, y, data_file, at, lr
            )
            d = call(
                name="mlp",
                loss=output_loss,
                layers=layers,
                activation=activation,
                seed=seed,
                l1=l1,
                example=not no_example,
            )
        else:
            call = _derive_model(loss, expr, reg, params, kink, mean, wrt, X, y, data_file, at, lr)
            d = call(model=model, l1=l1, example=not no_example)
        if as_json:
            emit(json.dumps(_model_json(d, detail), indent=2, ensure_ascii=False) + "\n", output)
        else:
            emit(d.render(fmt, detail=detail, standalone=standalone, site=site), output)
        return
    ds = dataset_from(X, y, data_file)
    d = derive(
        loss,
        expr=expr,
        reg=reg,
        params=parse_params(params),
        kink=kink,
        mean=mean,
        wrt=[p.strip() for p in wrt.split(",") if p.strip()],
        labels=labels,
        data=ds,
        at=at,
        lr=lr,
        example=not no_example,
    )
    if as_json:
        out = {
            "loss": d.name,
            "title": d.title,
            "formula": d.spec.formula,
            "kink": d.kink,
            "params": dict(d.params),
            "gradient": {
                p: {
                    "latex": to_latex(e, expand_score=True, sets=dict(d.set_names)),
                    "text": str(d.render_formula(p)),
                }
                for p, e in d.gradient.items()
            },
            "example": d.example.to_dict() if d.example is not None else None,
            "steps": step_records(d, detail),
        }
        emit(json.dumps(out, indent=2, ensure_ascii=False) + "\n", output)
        return
    emit(d.render(fmt, detail=detail, standalone=standalone, site=site), output)


def _derive_model(loss, expr, reg, params, kink, mean, wrt, X, y, data_file, at, lr):
    """A call of derive() for a model with K scores: X and y are read as JSON arrays (y may
    be labels 0…K−1, one-hot rows or n×K targets) or from --data FILE (the class label in
    the last column), --at as {"W": [[…]], "b": […]}."""
    Xa, ya = model_data(X, y, data_file)
    names = [p.strip() for p in wrt.split(",") if p.strip()]

    def call(name=None, **extra):
        if name is None:
            extra["loss"] = loss
        return derive(
            name,
            expr=expr,
            reg=reg,
            params=parse_params(params),
            kink=kink,
            mean=mean,
            wrt=None if names == ["w", "b"] else names,  # the default: every parameter
            X=Xa,
            y=ya,
            at=at,
            lr=lr,
            **extra,
        )

    return call


def _network_only(loss, expr, wrt):
    """Refuse what a network does not take (a loss name in LOSS's place, --expr, --wrt)."""
    if expr is not None or [p.strip() for p in wrt.split(",")] != ["w", "b"]:
        raise OptionError(
            _("a network takes --loss softmax, squared_error or logistic, not --expr or --wrt")
        )
    if loss is not None and loss.strip().lower() not in NETWORK_MODELS:
        raise OptionError(_("give a network's loss as --loss {loss}", loss=loss))


def _model_json(d, detail):
    """The --json result of a model derivation (a network's adds its widths, activation and
    relu′(0))."""
    network = (
        {"layers": list(d.widths), "activation": d.activation, "relu_prime0": d.relu_prime0}
        if hasattr(d, "widths")
        else {}
    )
    return network | {
        "loss": d.name,
        "title": d.title,
        "model": d.model.name,
        "formula": d.spec.formula,
        "kink": d.kink,
        "l1": d.l1,
        "params": dict(d.params),
        "shapes": {k: list(v) for k, v in d.shapes.items()},
        "gradient": {
            p: {"latex": d.render_formula(p, "latex"), "text": d.render_formula(p)}
            for p in d.matrix_form
        },
        "example": d.example.to_dict() if d.example is not None else None,
        "steps": step_records(d, detail),
    }


@cli.command("losses")
def losses_cmd():
    """List the built-in losses with their formulas."""
    for spec in list_losses():
        click.echo(f"{spec.name:<14} {_(spec.formula)}")
        extra = tr(LABEL_SETS[spec.labels])
        if spec.params:
            values = ", ".join(f"{k} = {v:g}" for k, v in spec.params.items())
            extra = _("{labels}; {values}", labels=extra, values=values)
        described = _("{description} ({extra})", description=_(spec.description), extra=extra)
        click.echo(f"{'':<14} {described}")
    click.echo(
        "\n" + _("over K scores per sample (the multi-class linear model, {S}):", S="S = XWᵀ + 𝟏bᵀ")
    )
    for s in SCORE_LOSSES.values():
        labels = _("labels 0…K−1") if s.labels == "classes" else _("targets Y ∈ ℝⁿˣᴷ")
        regs = _("{labels}; --reg l2, l1 or elastic_net", labels=labels)
        click.echo(f"{s.name:<20} {_(s.formula)}")
        click.echo(
            f"{'':<20} " + _("{description} ({extra})", description=_(s.description), extra=regs)
        )
