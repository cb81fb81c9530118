"""The ``gradproof`` command: parses arguments, calls the Python API, prints. No maths here.

Every error the user can cause is one line on stderr, ``gradproof: error: ...``, and exit code
2: gradproof's own errors (:class:`~gradproof.errors.GradproofError`), click's usage errors
(unknown option, missing value, bad choice, bad number) and the per-command limits. Each
command runs under the time limit and memory budget of :func:`gradproof.limits.run_command`.
Anything else is a bug and keeps its traceback.

Every command has ``--lang`` (added by :class:`_Command`; default ``GRADPROOF_LANG``, then the
locale, then English): the command runs in that language (:func:`gradproof.i18n.language`),
and its help is printed in it, the help texts looked up in the catalog where click prints them.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from gradproof.errors import GradproofError
from gradproof.i18n import LANGUAGES, N_, _, language
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
    return _UsageLine(_("{message} (see '{path} --help')", message=message, path=path))


N_("Show this message and exit.")  # click's help option, printed in the current language


def _set_language(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """--lang: the rest of the command (its help, its output, its errors) in that language."""
    ctx.with_resource(language(value))


def _lang_option() -> click.Option:
    return click.Option(
        ["--lang"],
        type=click.Choice(list(LANGUAGES)),
        is_eager=True,  # before the other options, so that their errors are in it too
        expose_value=False,
        callback=_set_language,
        help="Language of the output and of this help (default: GRADPROOF_LANG, then the "
        "locale, then English).",
    )


@contextmanager
def _translated(params: list[click.Parameter]) -> Iterator[None]:
    """The help texts of ``params`` in the current language while the help is written."""
    saved = [(p, getattr(p, "help", None)) for p in params]
    try:
        for p, text in saved:
            if text:
                p.help = _(inspect.cleandoc(text))
        yield
    finally:
        for p, text in saved:
            p.help = text


class _Help:
    """Help in the current language: the command's help text, its options' and the headings
    (click's own words, such as the default values, stay English)."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        text = getattr(self, "help", None)
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(_(inspect.cleandoc(text)).partition("\f")[0])

    def get_short_help_str(self, limit: int = 45) -> str:
        text = getattr(self, "help", None)
        if not text:
            return ""
        first = _(inspect.cleandoc(text)).split("\n\n")[0].replace("\n", " ")
        return first if len(first) <= limit else first[: limit - 3].rstrip() + "..."

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        params = self.get_params(ctx)  # type: ignore[attr-defined]
        with _translated(params):
            opts = [rv for p in params if (rv := p.get_help_record(ctx)) is not None]
        if opts:
            with formatter.section(_("Options")):
                formatter.write_dl(opts)
        if isinstance(self, click.Group):
            rows = [
                (name, cmd.get_short_help_str(formatter.width - 6 - len(name)))
                for name in self.list_commands(ctx)
                if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden
            ]
            if rows:
                with formatter.section(_("Commands")):
                    formatter.write_dl(rows)


class _Command(_Help, click.Command):
    """A gradproof command: help in the current language, and ``--lang``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not any(p.name == "lang" for p in self.params):
            self.params.append(_lang_option())

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return _parse_in_language(ctx, args, super().parse_args)


def _parse_in_language(
    ctx: click.Context, args: list[str], parse: Callable[[click.Context, list[str]], list[str]]
) -> list[str]:
    """``parse(ctx, args)`` in the language of a --lang anywhere on the line, also after
    --help (click acts on eager options in the order given, so `--help --lang zh` would print
    the help before --lang took effect). When parsing ends early (--help, a usage error) click
    never closes ``ctx``: close it here, or the language would outlive the command."""
    code = _lang_in(args)
    if code in LANGUAGES:
        ctx.with_resource(language(code))
    try:
        return parse(ctx, args)
    except BaseException:
        ctx.close()
        raise


def _lang_in(args: list[str]) -> str | None:
    """The value of the last --lang in ``args`` (before a ``--``), if any."""
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    return found


class _Group(_Help, click.Group):
    command_class = _Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(_lang_option())  # `gradproof --help --lang zh`, `gradproof --lang zh …`

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return _parse_in_language(ctx, args, super().parse_args)

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
