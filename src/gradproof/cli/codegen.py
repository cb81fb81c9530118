"""``gradproof codegen``: write the compiled loss and gradient as a standalone numpy module."""

from __future__ import annotations

import click

from gradproof.cli import cli
from gradproof.cli.network import is_network, network_derivation, network_options
from gradproof.cli.options import emit, loss_options, parse_params
from gradproof.errors import OptionError
from gradproof.i18n import _
from gradproof.numeric.derive import derive
from gradproof.numeric.export import export_module
from gradproof.symbolic.model_derive import is_model_request


@cli.command("codegen")
@loss_options
@click.option(
    "--labels",
    type=click.Choice(["pm1", "real"]),
    help="Label set of a user expression (default real).",
)
@click.option(
    "--l1",
    type=click.Choice(["zero", "plus", "minus"]),
    help="A model's L1 regulariser: the value of sgn(0) in its subgradient (default zero).",
)
@network_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the module to FILE (default: print it).",
)
def codegen_cmd(
    loss, expr, reg, params, kink, mean, wrt, labels, l1, layers, activation, output_loss, output
):
    """Write LOSS (or --expr) as a Python module needing only numpy.

    The module defines loss(X, y, w, b), grad(X, y, w, b) and loss_and_grad(X, y, w, b)
    (W, b for a loss over K scores per sample, such as softmax; W1, b1, W2, b2, … for a
    network: gradproof codegen mlp --layers 2-16-3), with the derived formula in its
    docstring.
    """
    if loss is None and expr is None:
        raise OptionError(_("name a loss (see 'gradproof losses') or give --expr"))
    if is_network(loss, layers, activation, output_loss):  # mlp --layers …: W1, b1, …
        d = network_derivation(derive, expr, reg, params, kink, mean, wrt, l1, layers,
                               activation, output_loss)  # fmt: skip
        emit(export_module(d), output)
        return
    if is_model_request(loss, expr, None):
        if sorted(p.strip() for p in wrt.split(",")) not in (["b", "w"], ["W", "b"]):
            raise OptionError(_("codegen writes the whole gradient; leave --wrt out"))
        d = derive(loss, expr=expr, reg=reg, params=parse_params(params), kink=kink, mean=mean,
                   l1=l1)  # fmt: skip
        emit(export_module(d), output)
        return
    if l1:
        raise OptionError(_("--l1 applies to a model's L1 regulariser (softmax and the others)"))
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
