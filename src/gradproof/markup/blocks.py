"""A document as data: a list of blocks, each holding inline pieces or math.

A post is a :class:`Document`: optional :class:`FrontMatter`, then blocks (headings,
paragraphs, lists, display math, figures, code, tables). Paragraphs hold inline pieces: text,
inline math, code, links, emphasis. Math is LaTeX as KaTeX, MathJax and pdflatex all read it;
several lines of display math are set in ``aligned`` (never ``align``, never ``\\label``),
which every one of them knows inside a display.

Nothing here knows a platform: the emitters (:mod:`gradproof.markup.markdown`,
:mod:`gradproof.markup.latex`) decide delimiters and escapes from a profile
(:mod:`gradproof.markup.platforms`).

>>> doc = Document((Paragraph((Text("the score "), Math("s_{i}"))),))
>>> [f.tex for f in math_fragments(doc)]
['s_{i}']
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Union

__all__ = [
    "Text",
    "Math",
    "Code",
    "Link",
    "Emph",
    "Strong",
    "Inline",
    "Heading",
    "Paragraph",
    "BulletList",
    "DisplayMath",
    "Figure",
    "CodeBlock",
    "Table",
    "Block",
    "FrontMatter",
    "Document",
    "Fragment",
    "math_fragments",
    "pieces",
    "fill",
    "display_tex",
]


# -- inline pieces ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """Prose, escaped by each emitter for its format."""

    text: str


@dataclass(frozen=True)
class Math:
    """Inline math: LaTeX without delimiters."""

    tex: str


@dataclass(frozen=True)
class Code:
    """Inline code (a name, an expression as typed)."""

    text: str


@dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclass(frozen=True)
class Emph:
    pieces: tuple[Inline, ...]


@dataclass(frozen=True)
class Strong:
    pieces: tuple[Inline, ...]


Inline = Union[Text, Math, Code, Link, Emph, Strong]


def pieces(*items: Inline | str) -> tuple[Inline, ...]:
    """Inline pieces from pieces and plain strings (a string is :class:`Text`)."""
    return tuple(Text(i) if isinstance(i, str) else i for i in items if i != "")


def fill(
    template: str, **fields: Inline | tuple[Inline, ...] | str | int | float
) -> tuple[Inline, ...]:
    """A sentence template with named placeholders filled: a piece (inline math, code) or a
    tuple of pieces goes in as it is, anything else as text.

    >>> fill("learning rate {eta}, {n} epochs", eta=Math("η"), n=3)
    (Text(text='learning rate '), Math(tex='η'), Text(text=', 3 epochs'))
    """
    out: list[Inline] = []

    def text(t: str) -> None:
        if not t:
            return
        if out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + t)
        else:
            out.append(Text(t))

    for literal, name, spec, _conv in string.Formatter().parse(template):
        text(literal)
        if name is None:
            continue
        value = fields[name]
        if isinstance(value, tuple):
            for v in value:
                text(v.text) if isinstance(v, Text) else out.append(v)
        elif isinstance(value, (Text, Math, Code, Link, Emph, Strong)):
            text(value.text) if isinstance(value, Text) else out.append(value)
        else:
            text(format(value, spec) if spec else str(value))
    return tuple(out)


# -- blocks -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Heading:
    level: int  # 1 is the document title; 2 a section, 3 a subsection
    pieces: tuple[Inline, ...]


@dataclass(frozen=True)
class Paragraph:
    pieces: tuple[Inline, ...]


@dataclass(frozen=True)
class BulletList:
    items: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class DisplayMath:
    """One display: one line, or several set in ``aligned`` (``&`` marks the alignment)."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Figure:
    """An image: ``path`` is its file name inside the document's assets folder."""

    path: str
    alt: str
    caption: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class CodeBlock:
    language: str
    text: str


@dataclass(frozen=True)
class Table:
    """Header cells, rows of cells (each cell inline pieces), and per-column alignment
    (``"l"``, ``"r"`` or ``"c"``)."""

    header: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]
    align: tuple[str, ...] = ()


Block = Union[Heading, Paragraph, BulletList, DisplayMath, Figure, CodeBlock, Table]


@dataclass(frozen=True)
class FrontMatter:
    """What a site reads before the post: title, date (YYYY-MM-DD) and tags; the profile adds
    the keys that turn math on."""

    title: str
    date: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...]
    front: FrontMatter | None = None
    lang: str = "en"
    meta: dict[str, str] = field(default_factory=dict, compare=False)


# -- reading a document back --------------------------------------------------------------------
def display_tex(lines: tuple[str, ...]) -> str:
    """The LaTeX inside a display's delimiters: the line, or ``aligned`` around several."""
    if len(lines) == 1:
        return lines[0]
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


@dataclass(frozen=True)
class Fragment:
    """One piece of math of a document, as the emitters write it (before any escaping)."""

    tex: str
    display: bool


def _inline_math(items: Iterable[Inline]) -> Iterator[Fragment]:
    for p in items:
        if isinstance(p, Math):
            yield Fragment(p.tex, False)
        elif isinstance(p, (Emph, Strong)):
            yield from _inline_math(p.pieces)


def math_fragments(doc: Document) -> Iterator[Fragment]:
    """Every piece of math of ``doc`` in reading order."""
    for b in doc.blocks:
        if isinstance(b, DisplayMath):
            yield Fragment(display_tex(b.lines), True)
        elif isinstance(b, (Heading, Paragraph)):
            yield from _inline_math(b.pieces)
        elif isinstance(b, BulletList):
            for item in b.items:
                yield from _inline_math(item)
        elif isinstance(b, Figure):
            yield from _inline_math(b.caption)
        elif isinstance(b, Table):
            for cell in b.header:
                yield from _inline_math(cell)
            for row in b.rows:
                for cell in row:
                    yield from _inline_math(cell)
