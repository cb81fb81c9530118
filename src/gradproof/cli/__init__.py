"""The ``gradproof`` command: parses arguments, calls the Python API, prints. No maths here.

Every error the user can cause is one line on stderr, ``gradproof: error: ...``, and exit code
2: gradproof's own errors (:class:`~gradproof.errors.GradproofError`), click's usage errors
(unknown option, missing value, bad choice, bad number) and the per-command limits. Each
command runs under the time limit and memory budget of :func:`gradproof.limits.run_command`.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from gradproof.errors import GradproofError
from gradproof.limits import run_command
from gradproof.text import printable

__all__ = ["main", "cli"]

# Each module registers its commands on ``cli``; one line per module.
_COMMAND_MODULES = [
    "gradproof.cli.derive",
    "gradproof.cli.codegen",
    "gradproof.cli.notes",
    "gradproof.cli.check",
    "gradproof.cli.audit",
    "gradproof.cli.lint",
]


def _fail(message: str) -> None:
    click.echo(f"gradproof: error: {printable(message)}", err=True)
    sys.exit(2)


class _UsageLine(click.ClickException):
    """A click usage error, shown as one line instead of click's usage, hint and error."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"gradproof: error: {printable(self.message)}", err=True)


def _usage_line(exc: click.ClickException, command_path: str = "gradproof") -> _UsageLine:
    """Click's message, in gradproof's style, with where to find help."""
    message = exc.format_message().strip().rstrip(".")
    if len(message) > 1 and message[1].islower():
        message = message[0].lower() + message[1:]
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else command_path
    return _UsageLine(f"{message} (see '{path} --help')")


class _Group(click.Group):
    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError:
            raise  # plain ``gradproof``: the help text is the useful answer
        except click.ClickException as exc:  # an unknown option of gradproof itself
            raise _usage_line(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        words = [*getattr(ctx, "_protected_args", []), *ctx.args]
        name = words[0] if words and words[0] in self.commands else "command"
        try:
            return run_command(lambda: super(_Group, self).invoke(ctx), name)
        except _UsageLine:
            raise
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.ClickException as exc:
            path = f"{ctx.command_path} {name}" if name != "command" else ctx.command_path
            raise _usage_line(exc, path) from None
        except GradproofError as exc:
            _fail(str(exc))
        except RecursionError:
            _fail("the input is nested too deeply to process")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gradproof")
def cli() -> None:
    """Derive gradients of machine-learning losses, step by step, and prove them right.

    Each command runs under a time limit (120 s) and a memory budget (4 GiB); set
    GRADPROOF_TIME_LIMIT (seconds) or GRADPROOF_MEMORY_LIMIT (e.g. 8G) to change them, 0 for
    none.
    """


for _mod in _COMMAND_MODULES:
    importlib.import_module(_mod)


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="gradproof")
