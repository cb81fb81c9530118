"""``gradproof lint FILE --site NAME``: what that platform will break in a post (a thin wrapper
of :func:`gradproof.markup.lint.lint_file`)."""

from __future__ import annotations

import json
import sys

import click

from gradproof.cli import cli
from gradproof.i18n import _, ngettext
from gradproof.markup.lint import OUTPUTS, lint_file, report_lines, to_json
from gradproof.markup.platforms import SITES
from gradproof.markup.scan import FORMATS


@cli.command("lint")
@click.argument("file", metavar="FILE")
@click.option(
    "--site",
    type=click.Choice(SITES + ("quarto",)),
    help="The platform the post is published on (default: portable Markdown, which must "
    "survive every engine).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(OUTPUTS)),
    default="text",
    show_default=True,
    help="text: FILE:LINE: warning: … (fix: …); github: GitHub Actions annotations.",
)
@click.option(
    "--input-format",
    type=click.Choice(list(FORMATS)),
    help="The kind of document (default: from the suffix: .md, .tex, .ipynb).",
)
def lint_cmd(file, site, as_json, fmt, input_format):
    """Flag what the platform --site will break in FILE (math it does not read, underscores
    read as emphasis, | in a table or a kramdown paragraph, \\{ on GitHub, align, \\label and
    \\mathbb{1} under KaTeX, blank lines in a display, unbalanced braces), each on its line
    with the fix.

    Exit status: 0 when clean, 1 when something would break, 2 for input errors.
    """
    findings = lint_file(file, site, input_format)
    if as_json:
        click.echo(json.dumps(to_json(findings, site), ensure_ascii=False, indent=2))
    else:
        for line in report_lines(findings, fmt):
            click.echo(line)
        if fmt == "text":
            summary = (
                ngettext("{n} finding", "{n} findings", len(findings))
                if findings
                else _("clean: nothing the platform would break")
            )
            click.echo(f"{file}: {summary}", err=True)
    sys.exit(1 if findings else 0)
