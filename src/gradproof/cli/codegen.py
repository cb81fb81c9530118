"""``gradproof codegen``: write the compiled loss and gradient as a standalone numpy module."""

from __future__ import annotations

import click

from gradproof.cli import cli
from gradproof.cli.options import emit, loss_options, parse_params, refuse_models
from gradproof.errors import OptionError
from gradproof.i18n import _
from gradproof.numeric.derive import derive
from gradproof.numeric.export import export_module


@cli.command("codegen")
@loss_options
@click.option(
    "--labels",
    type=click.Choice(["pm1", "real"]),
    help="Label set of a user expression (default real).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the module to FILE (default: print it).",
)
def codegen_cmd(loss, expr, reg, params, kink, mean, wrt, labels, output):
    """Write LOSS (or --expr) as a Python module needing only numpy.

    The module defines loss(X, y, w, b), grad(X, y, w, b) and loss_and_grad(X, y, w, b),
    with the derived formula in its docstring.
    """
    if loss is None and expr is None:
        raise OptionError(_("name a loss (see 'gradproof losses') or give --expr"))
    refuse_models(loss, expr, "codegen")
    d = derive(
        loss,
        expr=expr,
        reg=reg,
        params=parse_params(params),
        kink=kink,
        mean=mean,
        wrt=[p.strip() for p in wrt.split(",") if p.strip()],
        labels=labels,
    )
    emit(export_module(d), output)
