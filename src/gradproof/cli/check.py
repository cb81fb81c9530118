"""``gradproof check``: is a gradient right? Exit code 0 if it agrees, 1 if not, 2 on bad input."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from gradproof.cli import cli
from gradproof.cli.options import data_options, dataset_from, emit, loss_options, parse_params
from gradproof.errors import OptionError
from gradproof.numeric.derive import derive
from gradproof.verify import check_gradient


def load_function(ref: str, what: str) -> Callable[..., Any]:
    """A function named ``path/to/file.py:func`` or ``package.module:func``.

    Loading runs the user's own file, which they asked for explicitly.
    """
    target, sep, name = ref.rpartition(":")
    if not sep or not target or not name.isidentifier():
        raise OptionError(f"{what} expects FILE.py:FUNCTION or MODULE:FUNCTION, got {ref!r}")
    if target.endswith(".py") or "/" in target or "\\" in target:
        path = Path(target)
        if not path.is_file():
            raise OptionError(f"{what}: no such file {path}")
        spec = importlib.util.spec_from_file_location(f"_gradproof_user_{path.stem}", path)
        if spec is None or spec.loader is None:
            raise OptionError(f"{what}: cannot load {path} as Python")
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(path.resolve().parent))
        sys.modules[spec.name] = module  # dataclasses and typing look the module up by name
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # the user's file
            sys.modules.pop(spec.name, None)
            raise OptionError(
                f"{what}: loading {path} raised {type(exc).__name__}: {exc}"
            ) from None
        finally:
            sys.path.pop(0)
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise OptionError(f"{what}: cannot import {target} ({exc})") from None
    fn = getattr(module, name, None)
    if not callable(fn):
        raise OptionError(f"{what}: {target} has no function {name!r}")
    return fn


def _claim(text: str) -> dict[str, Any]:
    try:
        # numbers stay text, so each is held to the digits it was written with
        raw = json.loads(text, parse_float=str, parse_int=str)
    except json.JSONDecodeError as exc:
        raise OptionError(
            f"--claim: not valid JSON ({exc.msg} at character {exc.pos + 1}); "
            f'write e.g. \'{{"w": [1.5, -2], "b": 0.5}}\''
        ) from None
    if not isinstance(raw, dict):
        raise OptionError('--claim: expected an object like {"w": [1.5, -2], "b": 0.5}')
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
@click.option("--claim", metavar="JSON", help='A claimed gradient, e.g. \'{"w":[1,-2],"b":0}\'.')
@click.option(
    "--labels",
    type=click.Choice(["pm1", "real"]),
    help="Label set of a user expression (default real).",
)
@click.option("--fast", is_flag=True, help="Random-direction checks (for large d).")
@click.option("--seed", type=int, help="Seed of the random directions (fast mode).")
@click.option(
    "--precision",
    type=click.Choice(["float32", "float64"]),
    help="Arithmetic of your gradient when its dtypes do not say.",
)
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
    seed,
    precision,
    as_json,
    output,
):
    """Check a gradient of LOSS: the derived one, yours (--grad) or a claimed value (--claim).

    Compares it with the exact gradient and with finite differences of the loss, kink-aware.
    Exit code 0 if it agrees, 1 if it does not.
    """
    if loss is None and expr is None:
        raise OptionError("name a loss (see 'gradproof losses') or give --expr")
    if sorted(p.strip() for p in wrt.split(",")) != ["b", "w"]:
        raise OptionError("check compares the whole gradient; leave --wrt at w,b")
    if grad_ref and claim:
        raise OptionError("give --grad or --claim, not both")
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
        precision=precision,
    )
    if as_json:
        emit(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", output)
    else:
        emit(str(report) + "\n", output)
    sys.exit(0 if report.passed else 1)
