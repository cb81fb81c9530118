"""Options shared by several commands: data, point, hyperparameters, output."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import numpy as np

from gradproof.datasets import Dataset, as_dataset, load_data, parse_matrix, parse_vector
from gradproof.errors import OptionError
from gradproof.i18n import _
from gradproof.io import write_atomic
from gradproof.text import printable

__all__ = [
    "data_options",
    "dataset_from",
    "parse_params",
    "emit",
    "finish_check",
    "loss_options",
    "model_data",
    "json_array",
    "network_options",
]


def data_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--X, --y, --data, --at."""
    decorators = [
        click.option("--X", "X", metavar="JSON", help="Samples as rows, e.g. '[[2,3],[1,-1]]'."),
        click.option("--y", "y", metavar="JSON", help="Labels, e.g. '[1,-1]'."),
        click.option(
            "--data",
            "data_file",
            type=click.Path(dir_okay=False),
            help="A .csv (label in the last column), .npz or .json file with X and y.",
        ),
        click.option(
            "--at",
            "at",
            metavar="JSON",
            help='The point, e.g. \'{"w":[0,0],"b":0}\' (default: all zeros).',
        ),
    ]
    return functools.reduce(lambda acc, dec: dec(acc), reversed(decorators), f)


def loss_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """LOSS argument or --expr/--reg, --param, --kink, --mean, --wrt."""
    decorators = [
        click.argument("loss", required=False),
        click.option("--expr", help="Your own per-sample loss, e.g. 'max(0, 1 - y*dot(w, x))'."),
        click.option("--reg", help="A regulariser outside the sum, e.g. 'lam/2*norm(w)^2'."),
        click.option(
            "--param",
            "params",
            multiple=True,
            metavar="NAME=VALUE",
            help="A hyperparameter value (repeatable), e.g. --param lam=0.1.",
        ),
        click.option(
            "--kink",
            type=click.Choice(["include", "exclude", "average"]),
            help="Subgradient at kinks: indicator 1, 0 or 1/2 at 0 (default per loss).",
        ),
        click.option("--mean", is_flag=True, help="Average over samples instead of summing."),
        click.option(
            "--wrt", default="w,b", show_default=True, help="Parameters to differentiate by."
        ),
    ]
    return functools.reduce(lambda acc, dec: dec(acc), reversed(decorators), f)


def parse_params(items: tuple[str, ...]) -> dict[str, float]:
    """NAME=VALUE pairs into a dict of floats."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise OptionError(_("--param expects NAME=VALUE, got {item!r}", item=item))
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise OptionError(
                _("--param {name}: {value!r} is not a number", name=name.strip(), value=value)
            ) from None
    return out


def dataset_from(X: str | None, y: str | None, data_file: str | None) -> Dataset | None:
    """The dataset named on the command line, if any."""
    if data_file and (X or y):
        raise OptionError(_("give either --data FILE or --X/--y, not both"))
    if data_file:
        return load_data(data_file)
    if X is None and y is None:
        return None
    if X is None or y is None:
        raise OptionError(_("--X and --y go together; give both"))
    return as_dataset(parse_matrix(X, "--X"), parse_vector(y, "--y"), "--X/--y")


def emit(text: str, output: str | None) -> None:
    """Print, or write atomically to ``output``."""
    if output:
        write_atomic(Path(output), text)
        click.echo(
            _("wrote {path}", path=printable(output)), err=True
        )  # one line, whatever the name
    else:
        click.echo(text, nl=not text.endswith("\n"))


def finish_check(report: Any, as_json: bool, output: str | None) -> None:
    """Emit a check's report (text or JSON) and exit with its verdict: 0 agree, 1 mismatch."""
    if as_json:
        emit(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", output)
    else:
        emit(str(report) + "\n", output)
    sys.exit(0 if report.passed else 1)


def json_array(text: str, what: str) -> Any:
    """A JSON vector or matrix of numbers (labels, one-hot rows or targets)."""
    try:
        value = json.loads(text)
    except ValueError:
        raise OptionError(_("{what}: not valid JSON; write e.g. [0, 2, 1]", what=what)) from None
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise OptionError(
            _(
                "{what}: expected a list of numbers (labels 0…K−1) or of equal-length rows",
                what=what,
            )
        ) from None


def model_data(
    X: str | None, y: str | None, data_file: str | None, labels: str | None = None
) -> tuple[Any, Any]:
    """A model's data from --X/--y (JSON; y may be labels 0…K−1, one-hot rows or n×K
    targets) or --data FILE (a .csv whose last column is the class label, .npz or .json);
    (None, None) when none is given."""
    if data_file and (X or y):
        raise OptionError(_("give either --data FILE or --X/--y, not both"))
    if data_file:
        if labels == "targets":
            raise OptionError(
                _(
                    "--data gives one label per row; a loss with K targets per sample needs "
                    "them as --X and --y (an n×K JSON matrix)"
                )
            )
        ds = load_data(data_file)
        return ds.X, ds.y
    if (X is None) != (y is None):
        raise OptionError(_("--X and --y go together; give both"))
    if X is None:
        return None, None
    return parse_matrix(X, "--X"), json_array(y or "", "--y")


def network_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--layers, --activation, --loss: the network of ``LOSS = mlp`` (train, notes)."""
    decorators = [
        click.option(
            "--layers",
            metavar="WIDTHS",
            help="mlp: the network's widths, input first and output last (e.g. 2-8-2).",
        ),
        click.option(
            "--activation",
            help="mlp: the hidden activation, relu (default), sigmoid, tanh or identity.",
        ),
        click.option(
            "--loss",
            "output_loss",
            help="mlp: the loss on the outputs, softmax (default), squared_error or logistic.",
        ),
    ]
    return functools.reduce(lambda acc, dec: dec(acc), reversed(decorators), f)
