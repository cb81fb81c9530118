"""Where the math is in a document: math, code, prose and stored outputs, with their lines.

:func:`scan` cuts a Markdown, LaTeX or Jupyter-notebook text into :class:`Span` objects, in
document order. Every span knows the 1-based line of the file that holds each of its lines,
so a finding can point at the right place; in Markdown and LaTeX the span's text is also the
exact slice ``text[span.start : span.start + len(span.text)]`` of the file.

Markdown (the rules of the usual renderers: GitHub, pandoc, kramdown, markdown-it dollarmath)
    ```` ```math ```` fences and ``$$ … $$`` (display), ``\\[ … \\]`` and ``\\\\[ … \\\\]``
    (display), ``\\( … \\)`` and ``$ … $`` (inline); an inline ``$`` opens only before a
    non-space and closes only after a non-space and not before a digit (so ``$5 and $6`` is
    prose), never across a blank line, and ``\\$`` is a dollar sign. Nothing inside a code
    span, a code fence (```` ``` ```` or ``~~~``, with its language) or an HTML comment is
    math. A YAML/TOML front matter block is its own span. Indented code blocks are read as
    prose (they cannot be told from list continuations without a full Markdown parser).
LaTeX
    the ``equation``, ``align``, ``gather``, ``multline``, ``eqnarray``, ``flalign``,
    ``alignat``, ``displaymath`` and ``math`` environments and their starred forms,
    ``$$ … $$``, ``\\[ … \\]``, ``\\( … \\)``, ``$ … $``; ``verbatim``, ``lstlisting`` and
    ``minted`` are code (with the language of ``[language=…]`` or ``{python}``), ``\\verb``
    and ``\\lstinline`` inline code, ``%`` comments are comment spans. With a
    ``\\begin{document}``, only the body is scanned.
Jupyter notebooks (nbformat 4)
    markdown cells are scanned as Markdown; code cells are code spans (``delimiter="cell"``,
    the notebook's language) and their stored outputs (stream text and ``text/plain``
    results) are ``output`` spans. **A notebook line is the line of the ``.ipynb`` JSON file
    where that source line's string sits**: in the usual one-string-per-line layout that is
    the line an editor shows for it; a cell stored as one string maps all its lines to that
    string's line. Notebook spans have ``start=None`` (their text is decoded from JSON).

The readers, one module each, share the span types of :mod:`~gradproof.markup.scan.spans`:
:mod:`~gradproof.markup.scan.markdown`, :mod:`~gradproof.markup.scan.latex` and
:mod:`~gradproof.markup.scan.notebook`. ``gradproof audit`` and ``gradproof lint`` both find
the math through :func:`scan`.

>>> [(s.kind, s.text, s.line) for s in scan("Let $x = 1$.\\n\\n$$\\ny = 2\\n$$\\n")]
[('prose', 'Let', 1), ('math', 'x = 1', 1), ('prose', '.', 1), ('math', '\\ny = 2\\n', 3)]
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from gradproof.errors import DataError, LimitError, OptionError
from gradproof.markup.scan.latex import read_latex
from gradproof.markup.scan.markdown import DELIMITERS, read_markdown
from gradproof.markup.scan.notebook import read_notebook
from gradproof.markup.scan.spans import FORMATS, LIMITS, Document, Span, finish

__all__ = [
    "Span",
    "Document",
    "FORMATS",
    "LIMITS",
    "scan",
    "format_for",
    "read_document",
]

_SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "markdown",
    ".qmd": "markdown",
    ".rmd": "markdown",
    ".tex": "latex",
    ".ltx": "latex",
    ".ipynb": "notebook",
}


def format_for(path: str | Path) -> str:
    """The format of a file from its suffix: ``markdown``, ``latex`` or ``notebook``."""
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise OptionError(
            f"{Path(path).name}: cannot tell the format from the suffix {suffix or '(none)'!r}; "
            f"use .md, .tex or .ipynb, or give the format ({', '.join(FORMATS)})"
        )
    return _SUFFIXES[suffix]


def read_document(path: str | Path, format: str | None = None) -> Document:
    """Read and scan a file. Raises :class:`~gradproof.errors.DataError` (one line) for a
    file that cannot be read or decoded, :class:`~gradproof.errors.LimitError` for one larger
    than ``LIMITS["max_bytes"]``."""
    p = Path(path)
    fmt = format or format_for(p)
    try:
        size = p.stat().st_size
        if size > LIMITS["max_bytes"]:
            raise LimitError(
                f"{p}: {size} bytes is larger than the limit of {LIMITS['max_bytes']}; "
                f"split the document"
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise DataError(f"{p}: cannot read it ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{p}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    return Document(str(p), fmt, text, tuple(scan(text, fmt, name=str(p))))


def scan(
    text: str,
    format: str = "markdown",
    *,
    name: str = "document",
    delimiters: Iterable[str] | None = None,
) -> list[Span]:
    """The spans of ``text`` in document order (see the module docstring for the rules).

    ``name`` only appears in error messages. ``delimiters`` reads Markdown as one engine does:
    only these math delimiters open math (a platform profile's
    :attr:`~gradproof.markup.platforms.Profile.reads`; default: every one above).

    Raises :class:`~gradproof.errors.OptionError` for an unknown format,
    :class:`~gradproof.errors.DataError` for a notebook that is not valid nbformat-4 JSON and
    :class:`~gradproof.errors.LimitError` past ``LIMITS``.
    """
    if format not in FORMATS:
        raise OptionError(f"unknown document format {format!r}; use one of {', '.join(FORMATS)}")
    if len(text) > LIMITS["max_bytes"]:
        raise LimitError(
            f"{name}: {len(text)} characters is more than the limit of {LIMITS['max_bytes']}"
        )
    reads = DELIMITERS if delimiters is None else frozenset(delimiters)
    if format == "notebook":
        return read_notebook(text, name, reads)
    raws = read_markdown(text, reads) if format == "markdown" else read_latex(text)
    return finish(raws, text, lambda line: line, contiguous=True)
