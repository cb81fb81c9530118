"""``gradproof derive`` and ``gradproof losses``."""

from __future__ import annotations

import json
import math

import click

from gradproof.cli import cli
from gradproof.cli.options import data_options, dataset_from, emit, loss_options, parse_params
from gradproof.errors import OptionError
from gradproof.i18n import _, tr
from gradproof.markup.platforms import SITES
from gradproof.numeric.derive import derive
from gradproof.symbolic.losses import LABEL_SETS, list_losses
from gradproof.symbolic.render.printers import to_latex
from gradproof.symbolic.render.records import step_records


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
