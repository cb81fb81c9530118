"""Audit a post as published: find its claims and point at the wrong lines.

``gradproof.audit(path_or_text)`` reads a Markdown, LaTeX or notebook document
(:mod:`gradproof.markup.scan`), finds its claims (numeric chains, formulas, updates, data
restated, claimed code outputs), recognises its loss and checks every claim with gradproof's
own derivation. A post is untrusted input: its math is read by a whitelist reader that
never evaluates text, its code is only parsed — unless ``run=True``, which runs the post's
Python code blocks in a separate, limited process (:mod:`gradproof.audit.run`).

>>> post = '''x₁ = [1, 2], x₂ = [3, 0], y = [1, −1], w = 0, b = 0, η = 0.1.
...
... ```math
... ∂L/∂w = −(1·[1,2] + (−1)·[3,0]) = −[1,2] + [3,0] = [2, 2]
... ```
... '''
>>> import gradproof
>>> report = gradproof.audit(post, loss="perceptron")
>>> print(report.lines()[0])
<text>:4: wrong: −[1,2] + [3,0] = [2, −2], not [2, 2]
"""

from __future__ import annotations

import sys
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gradproof.audit.engine import audit_document
from gradproof.audit.report import AuditReport, Claim
from gradproof.errors import OptionError
from gradproof.i18n import language
from gradproof.limits import run_with_limit
from gradproof.markup.scan import FORMATS, Document, read_document, scan

__all__ = ["audit", "AuditReport", "Claim", "AUDIT_SECONDS"]

AUDIT_SECONDS = 120.0
"""Wall-clock limit of one audit (the post's code under ``run=True`` has its own limits)."""

_SUFFIXES = (".md", ".markdown", ".mdx", ".qmd", ".rmd", ".tex", ".ltx", ".ipynb")


def audit(
    path_or_text: str | Path,
    *,
    format: str | None = None,
    run: bool = False,
    loss: str | None = None,
    params: Mapping[str, float] | None = None,
    lang: str | None = None,
) -> AuditReport:
    """Audit a post: a path (``Path``, or a string naming a .md/.tex/.ipynb file) or its text.

    Parameters
    ----------
    path_or_text
        The document, or its text (then ``format`` says which kind; default Markdown).
    format
        ``markdown``, ``latex`` or ``notebook``; by default from the file's suffix.
    run
        Run the post's Python code blocks (in one fresh, limited subprocess) and compare
        what they print with the outputs the post shows. Off by default: without it no
        code of the post is executed.
    loss
        The loss, when the post does not say it recognisably: a built-in name or a
        gradproof expression.
    params
        Hyperparameter values the post does not state, e.g. ``{"lam": 0.1}`` (a value the
        post states is overridden).
    lang
        The language of the messages (``en``, ``zh``).

    Raises
    ------
    GradproofError
        A file that cannot be read, an unknown format, a document beyond the limits.
    """
    if format is not None and format not in FORMATS:
        raise OptionError(f"unknown document format {format!r}; use one of {', '.join(FORMATS)}")
    is_path = isinstance(path_or_text, Path) or (
        "\n" not in path_or_text
        and (path_or_text.lower().endswith(_SUFFIXES) or _is_file(path_or_text))
    )
    with language(lang):
        if is_path:
            doc = read_document(path_or_text, format)
        else:
            text = str(path_or_text)
            fmt = format or "markdown"
            doc = Document("<text>", fmt, text, tuple(scan(text, fmt, name="<text>")))

        def work() -> AuditReport:
            return audit_document(doc, run=run, loss=loss, params=params)

        return run_with_limit(
            work, AUDIT_SECONDS, what="auditing the document", hint="split the document"
        )


def _is_file(text: str) -> bool:
    try:
        return len(text) < 4096 and Path(text).is_file()
    except (OSError, ValueError):
        return False


class _CallableModule(types.ModuleType):
    """``gradproof.audit(...)`` calls :func:`audit`, while ``gradproof.audit`` stays the package
    (``gradproof.audit.run``, ``import gradproof.audit as A`` keep working). Typed code may
    prefer ``from gradproof.audit import audit``."""

    def __call__(self, *args: Any, **kwargs: Any) -> AuditReport:
        return audit(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
