"""``gradproof lint``: what a platform will break in a post, on its line, with the fix.

The math is found by the one reader of documents, :func:`gradproof.markup.scan.scan` (the
audit reads posts through it too); what breaks is what the platform's profile declares
(:attr:`gradproof.markup.platforms.Profile.hazards`): each hazard names a check of
:mod:`gradproof.markup.lint_checks` and its message and fix. A LaTeX document has no platform:
pdflatex reads it, and :data:`~gradproof.markup.platforms.LATEX_DOCUMENT` lists what it checks.

>>> [f.rule for f in lint("Let $x$ be a number.", "zhihu")]
['not-math']
>>> print(lint("A sum $x_i$ and $$\\\\mathbb{1}$$", "default")[0])
<text>:1: warning: KaTeX draws \\mathbb{1} as a plain 1 (its blackboard font has no digits) (fix: write \\mathrm{1\\!\\!1}, which KaTeX, MathJax and pdflatex draw alike)
>>> lint("Every formula is fine: $a_{i} = b$.", "github")
[]
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gradproof.errors import OptionError
from gradproof.i18n import _
from gradproof.markup.lint_checks import CHECKS, Context
from gradproof.markup.platforms import LATEX_DOCUMENT, Profile, get_profile
from gradproof.markup.scan import FORMATS, read_document, scan

__all__ = ["Finding", "lint", "lint_file", "report_lines", "to_json", "OUTPUTS"]

OUTPUTS = ("text", "github")
"""How findings are printed: one line each like a compiler, or GitHub Actions annotations."""


@dataclass(frozen=True)
class Finding:
    """One thing the platform will break: where, which rule, what happens, how to mend it."""

    line: int
    rule: str
    message: str
    fix: str
    path: str = "<text>"

    def __str__(self) -> str:
        return _(
            "{path}:{line}: warning: {message} (fix: {fix})",
            path=self.path,
            line=self.line,
            message=self.message,
            fix=self.fix,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "file": self.path,
            "line": self.line,
            "rule": self.rule,
            "message": self.message,
            "fix": self.fix,
        }

    def github(self) -> str:
        """A GitHub Actions ``::warning`` annotation."""
        props = f"file={_escape(self.path, True)},line={self.line},title=gradproof lint {self.rule}"
        return f"::warning {props}::{_escape(self.message + ' (fix: ' + self.fix + ')')}"


def _escape(text: str, prop: bool = False) -> str:
    """GitHub workflow-command escaping (data, or a property value)."""
    out = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out


def lint(
    text: str,
    site: str | Profile | None = None,
    format: str = "markdown",
    *,
    name: str = "<text>",
) -> list[Finding]:
    """What the platform ``site`` (default: portable Markdown) breaks in ``text``.

    ``format`` is ``markdown``, ``notebook`` (its markdown cells) or ``latex`` (no site: what
    pdflatex refuses). Findings come in line order, one per rule and line.

    Raises :class:`~gradproof.errors.OptionError` for an unknown site or format, or a site
    given for a LaTeX document; the errors of :func:`~gradproof.markup.scan.scan` otherwise.
    """
    if format not in FORMATS:
        raise OptionError(f"unknown document format {format!r}; use one of {', '.join(FORMATS)}")
    if format == "latex" and site is not None:
        raise OptionError("--site applies to Markdown posts and notebooks, not LaTeX documents")
    profile = get_profile(site)
    reads = None if format == "latex" else profile.reads
    spans = scan(text, format, name=name, delimiters=reads)  # the math as the engine reads it
    loose = scan(text, format, name=name) if reads is not None else spans  # and as written
    ctx = Context(text, spans, loose, profile, format)
    hazards = LATEX_DOCUMENT if format == "latex" else profile.hazards
    found: dict[tuple[int, str, str], Finding] = {}
    for hazard in hazards:
        for line, fields in CHECKS[hazard.check](hazard, ctx):
            fields = {"site": ctx.site_name, **fields}
            message, fix = _(hazard.message, **fields), _(hazard.fix, **fields)
            found.setdefault((line, hazard.id, message), Finding(line, hazard.id, message, fix))
    return [
        Finding(f.line, f.rule, f.message, f.fix, name)
        for f in sorted(found.values(), key=lambda f: (f.line, f.rule, f.message))
    ]


def lint_file(
    path: str | Path, site: str | Profile | None = None, format: str | None = None
) -> list[Finding]:
    """:func:`lint` of a file (its format from the suffix: .md, .tex, .ipynb, unless given).

    Raises the one-line errors of :func:`~gradproof.markup.scan.read_document` for a file
    that cannot be read, decoded or is too large.
    """
    doc = read_document(path, format)
    return lint(doc.text, site, doc.format, name=doc.path)


def report_lines(findings: Iterable[Finding], output: str = "text") -> list[str]:
    """The findings as lines: ``text`` (``FILE:LINE: warning: … (fix: …)``) or ``github``."""
    if output not in OUTPUTS:
        raise OptionError(f"unknown output {output!r}; use one of {', '.join(OUTPUTS)}")
    return [f.github() if output == "github" else str(f) for f in findings]


def to_json(findings: Iterable[Finding], site: str | Profile | None = None) -> dict[str, Any]:
    """The findings as a JSON-ready dict: the site and one entry per finding."""
    items = [f.to_dict() for f in findings]
    return {"site": get_profile(site).name, "clean": not items, "findings": items}
