"""The network options of ``gradproof check`` and ``gradproof codegen`` (``mlp --layers …``),
and the network branch of each command."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from gradproof.cli.options import finish_check, model_data, parse_params
from gradproof.errors import OptionError
from gradproof.i18n import _
from gradproof.symbolic.network_derivation import NETWORK_MODELS

__all__ = ["network_options", "is_network", "check_network", "network_derivation"]


def network_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--layers, --activation and --loss (the loss on a network's outputs)."""
    decorators = [
        click.option(
            "--layers",
            metavar="WIDTHS",
            help="A network's widths, input first and output last (mlp --layers 2-8-3).",
        ),
        click.option(
            "--activation",
            help="A network's hidden activation: relu (default), sigmoid, tanh or identity.",
        ),
        click.option(
            "--loss",
            "output_loss",
            help="A network's loss on its outputs: softmax (default), squared_error or "
            "logistic (one output unit, labels ±1).",
        ),
    ]
    return functools.reduce(lambda acc, dec: dec(acc), reversed(decorators), f)


def is_network(loss: str | None, layers: Any, activation: Any, output_loss: Any) -> bool:
    """Whether the command names a network (``mlp``); network options without it are an
    error."""
    network = loss is not None and loss.strip().lower() in NETWORK_MODELS
    if not network and any(v is not None for v in (layers, activation, output_loss)):
        raise OptionError(
            _("--layers, --activation and --loss belong to a network: gradproof {cmd} mlp …",
              cmd=click.get_current_context().info_name)
        )  # fmt: skip
    return network


def network_derivation(
    derive: Callable[..., Any],
    expr: Any,
    reg: Any,
    params: Any,
    kink: Any,
    mean: bool,
    wrt: str,
    l1: Any,
    layers: Any,
    activation: Any,
    output_loss: Any,
) -> Any:
    """The network derivation the options describe (what a network does not take refused)."""
    if expr is not None or sorted(p.strip() for p in wrt.split(",")) != ["b", "w"]:
        raise OptionError(
            _("a network takes --loss softmax, squared_error or logistic, not --expr or --wrt")
        )
    if layers is None:
        raise OptionError(_("a network needs its widths: --layers 2-8-3 (input first)"))
    return derive(
        output_loss,
        model="mlp",
        layers=layers,
        activation=activation,
        reg=reg,
        params=parse_params(params),
        kink=kink,
        mean=mean,
        l1=l1,
    )


def check_network(d: Any, check: Callable[..., Any], opts: dict[str, Any]) -> None:
    """``gradproof check mlp``: the candidate grad(X, y, W1, b1, …) entry by entry; exit 0
    if it agrees everywhere, 1 if not (2 on bad input, raised before anything is printed)."""
    for flag in ("--loss-fn", "--claim", "--precision"):
        if opts.get(flag):
            raise OptionError(_("{flag} is not supported for networks yet", flag=flag))
    X, y = model_data(opts["X"], opts["y"], opts["data_file"], d.spec.labels)
    report = check(
        d,
        grad=opts["grad"],
        X=X,
        y=y,
        at=opts["at"],
        mode="fast" if opts["fast"] else "auto",
        seed=opts["seed"],
        points=opts["points"],
        kink=opts["kink"],
    )
    finish_check(report, opts["as_json"], opts["output"])
