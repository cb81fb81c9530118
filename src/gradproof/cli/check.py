"""``gradproof check``: is a gradient right? Exit code 0 if it agrees, 1 if not, 2 on bad input."""

from __future__ import annotations

import json
from typing import Any

import click

from gradproof.cli import cli
from gradproof.cli.network import check_network, is_network, network_derivation, network_options
from gradproof.cli.options import (
    data_options,
    dataset_from,
    finish_check,
    loss_options,
    model_data,
    parse_params,
)
from gradproof.errors import OptionError
from gradproof.i18n import _
from gradproof.symbolic.derive import derive_symbolic as derive
from gradproof.symbolic.model_derive import is_model_request
from gradproof.verify import check_gradient, load_function


def _claim(text: str) -> dict[str, Any]:
    try:
        # numbers stay text, so each is held to the digits it was written with
        raw = json.loads(text, parse_float=str, parse_int=str)
    except json.JSONDecodeError as exc:
        raise OptionError(
            _(
                "--claim: not valid JSON ({why} at character {at}); write e.g. {example}",
                why=exc.msg,
                at=exc.pos + 1,
                example='\'{"w": [1.5, -2], "b": 0.5}\'',
            )
        ) from None
    if not isinstance(raw, dict):
        raise OptionError(
            _("--claim: expected an object like {example}", example='{"w": [1.5, -2], "b": 0.5}')
        )
    return raw


@cli.command("check")
@loss_options
@data_options
@click.option(
    "--grad",
    "grad_ref",
    metavar="FILE.py:FUNC",
    help="Your gradient function grad(X, y, w, b) -> (grad_w, grad_b).",
)
@click.option(
    "--loss-fn",
    "loss_ref",
    metavar="FILE.py:FUNC",
    help="Your loss function loss(X, y, w, b) -> float, whose value is checked too.",
)
@click.option(
    "--claim",
    metavar="JSON",
    help='A claimed gradient, e.g. \'{"w":[1,-2],"b":0}\' (a model\'s: \'{"W":[[1,0]],"b":[0]}\').',
)
@click.option(
    "--labels",
    type=click.Choice(["pm1", "real"]),
    help="Label set of a user expression (default real).",
)
@click.option("--fast", is_flag=True, help="Random-direction checks (for large d).")
@click.option(
    "--points",
    type=int,
    help="Points per dataset: the given one and random ones off every kink (default 4).",
)
@click.option("--seed", type=int, help="Seed of the random points and directions (default 0).")
@click.option(
    "--precision",
    type=click.Choice(["float16", "float32", "float64"]),
    help="Arithmetic of your gradient when its dtypes do not say.",
)
@click.option(
    "--l1",
    type=click.Choice(["zero", "plus", "minus"]),
    help="A model's L1 regulariser: the value of sgn(0) in its subgradient (binding with --kink).",
)
@network_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
def check_cmd(
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
    grad_ref,
    loss_ref,
    claim,
    labels,
    fast,
    points,
    seed,
    precision,
    l1,
    layers,
    activation,
    output_loss,
    as_json,
    output,
):
    """Check a gradient of LOSS: yours (--grad), a claimed value (--claim), or (with neither)
    gradproof's own derived gradient, as a self-test.

    Compares it with the exact gradient and with finite differences of the loss at the given
    point (--at, default zeros) and at seeded random points off every kink; with no data, on
    generated data. --kink makes a convention binding at kinks; without it any valid
    subgradient passes. Exit code 0 if it agrees everywhere, 1 if not, 2 on bad input.
    """
    if loss is None and expr is None:
        raise OptionError(_("name a loss (see 'gradproof losses') or give --expr"))
    if is_network(loss, layers, activation, output_loss):  # mlp --layers …: W1, b1, …
        d = network_derivation(derive, expr, reg, params, kink, mean, wrt, l1, layers,
                               activation, output_loss)  # fmt: skip
        grad = load_function(grad_ref, "--grad") if grad_ref else None
        refused = {"--loss-fn": loss_ref, "--claim": claim, "--precision": precision}
        check_network(d, check_gradient, refused | dict(
            grad=grad, X=X, y=y, data_file=data_file, at=at, fast=fast, seed=seed,
            points=points, kink=kink, as_json=as_json, output=output,
        ))  # fmt: skip
    if is_model_request(loss, expr, None):
        _check_model(
            loss, expr, reg, params, kink, mean, wrt, X, y, data_file, at, grad_ref, loss_ref,
            claim, fast, points, seed, precision, l1, as_json, output,
        )  # fmt: skip
        return
    if l1:
        raise OptionError(_("--l1 applies to a model's L1 regulariser (softmax and the others)"))
    if sorted(p.strip() for p in wrt.split(",")) != ["b", "w"]:
        raise OptionError(_("check compares the whole gradient; leave --wrt at w,b"))
    if grad_ref and claim:
        raise OptionError(_("give --grad or --claim, not both"))
    d = derive(
        loss, expr=expr, reg=reg, params=parse_params(params), kink=kink, mean=mean, labels=labels
    )
    ds = dataset_from(X, y, data_file)
    grad = load_function(grad_ref, "--grad") if grad_ref else None
    loss_fn = load_function(loss_ref, "--loss-fn") if loss_ref else None
    report = check_gradient(
        d,
        grad=grad,
        claim=_claim(claim) if claim else None,
        loss_fn=loss_fn,
        data=ds,
        at=at,
        mode="fast" if fast else "auto",
        seed=seed,
        points=points,
        kink=kink,
        precision=precision,
    )
    finish_check(report, as_json, output)


def _check_model(
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
    grad_ref,
    loss_ref,
    claim,
    fast,
    points,
    seed,
    precision,
    l1,
    as_json,
    output,
):
    """``gradproof check`` for a model with K scores per sample (softmax, …): the candidate
    grad(X, y, W, b) entry by entry; exit 0 if it agrees everywhere, 1 if not."""
    if loss_ref:
        raise OptionError(
            _("{flag} is not supported for models with K scores per sample yet", flag="--loss-fn")
        )
    if grad_ref and claim:
        raise OptionError(_("give --grad or --claim, not both"))
    if sorted(p.strip() for p in wrt.split(",")) not in (["b", "w"], ["W", "b"]):
        raise OptionError(_("check compares the whole gradient; leave --wrt out"))
    d = derive(loss, expr=expr, reg=reg, params=parse_params(params), kink=kink, mean=mean, l1=l1)
    Xa, ya = model_data(X, y, data_file, d.spec.labels)
    grad = load_function(grad_ref, "--grad") if grad_ref else None
    report = check_gradient(
        d,
        grad=grad,
        claim=_claim(claim) if claim else None,
        X=Xa,
        y=ya,
        at=at,
        mode="fast" if fast else "auto",
        seed=seed,
        points=points,
        kink=kink,
        precision=precision,
    )
    finish_check(report, as_json, output)
