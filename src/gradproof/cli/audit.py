"""``gradproof audit FILE``: point at the wrong lines of a post (a thin wrapper of
:func:`gradproof.audit.audit`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from gradproof.audit import audit
from gradproof.cli import cli
from gradproof.cli.options import parse_params
from gradproof.errors import OptionError
from gradproof.i18n import _
from gradproof.io import write_atomic
from gradproof.markup.scan import FORMATS


@cli.command("audit")
@click.argument("file", metavar="FILE")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    help="text: one line per finding, like a linter; github: GitHub Actions annotations.",
)
@click.option(
    "--run",
    is_flag=True,
    help="RUN THE POST'S PYTHON CODE: its code blocks are executed, in order, in one separate "
    "process (isolated, in a temporary folder, with time and memory limits), and what they "
    "print is compared with the outputs the post shows. Off by default: without --run no "
    "code of the post is executed.",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Print a unified diff that replaces the wrong values with the right ones; with -o, "
    "write the corrected copy to that file instead.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="With --fix: write the corrected document here (atomically).",
)
@click.option(
    "--loss",
    help="The loss, if the post does not name it recognisably: a built-in name (see "
    "'gradproof losses') or an expression such as 'max(0, -y*(w·x + b))'.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A hyperparameter value the post does not state (repeatable), e.g. --param lam=0.1.",
)
@click.option(
    "--input-format",
    type=click.Choice(list(FORMATS)),
    help="The kind of document (default: from the suffix: .md, .tex, .ipynb).",
)
@click.option("-v", "--verbose", is_flag=True, help="List every claim, not only the wrong ones.")
def audit_cmd(file, as_json, fmt, run, fix, output, loss, params, input_format, verbose):
    """Check the claims of a post (Markdown, LaTeX or Jupyter notebook) and point at the
    wrong lines: numeric chains, gradient formulas, update steps, restated data and (with
    --run) printed outputs, checked with gradproof's own derivation of the post's loss.

    Exit status: 0 when nothing is wrong, 1 when something is, 2 for input errors.
    """
    if output and not fix:
        raise OptionError(_("-o/--output writes the corrected document; use it with --fix"))
    report = audit(  # in --lang (every command has it)
        Path(file), format=input_format, run=run, loss=loss, params=parse_params(params)
    )
    if fix:
        if not report.fixable:
            raise OptionError(_("--fix works on Markdown and LaTeX files, not notebooks"))
        if output:
            write_atomic(Path(output), report.fixed())
            click.echo(_("wrote {path}", path=output), err=True)
        else:
            click.echo(report.diff(), nl=False)
        for line in report.unfixed():  # what the copy still gets wrong (exit 1 says so too)
            click.echo(line, err=True)
    elif as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(report.lines(fmt, verbose=verbose)))
    sys.exit(report.exit_code)
