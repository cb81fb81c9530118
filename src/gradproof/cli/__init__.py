"""The ``gradproof`` command: parses arguments, calls the Python API, prints. No maths here.

User errors (:class:`~gradproof.errors.GradproofError`) become one line on stderr and exit
code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from gradproof.errors import GradproofError

__all__ = ["main", "cli"]

# Each module registers its commands on ``cli``; one line per module.
_COMMAND_MODULES = [
    "gradproof.cli.derive",
    "gradproof.cli.codegen",
    "gradproof.cli.notes",
    "gradproof.cli.check",
    "gradproof.cli.audit",
]


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GradproofError as exc:
            click.echo(f"gradproof: error: {exc}", err=True)
            sys.exit(2)
        except RecursionError:
            click.echo("gradproof: error: the input is nested too deeply to process", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gradproof")
def cli() -> None:
    """Derive gradients of machine-learning losses, step by step, and prove them right."""


for _mod in _COMMAND_MODULES:
    importlib.import_module(_mod)


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="gradproof")
