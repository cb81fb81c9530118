"""Markdown from blocks, for one platform profile.

The emitter writes each block the same way for every platform; the profile supplies the math
delimiters and rewrites, where images are linked from and the front matter
(:mod:`gradproof.markup.platforms`). Display math stands on its own lines with a blank line
before and after and none inside, which every engine reads as a display.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from gradproof.markup.blocks import (
    Block,
    BulletList,
    Code,
    CodeBlock,
    DisplayMath,
    Document,
    Emph,
    Figure,
    FrontMatter,
    Heading,
    Inline,
    Link,
    Math,
    Paragraph,
    Strong,
    Table,
    Text,
    display_tex,
)
from gradproof.markup.escape import escape_punctuation, markdown_text, rewrite_tex
from gradproof.markup.platforms import TABLE_TEX, Profile, get_profile

__all__ = ["to_markdown", "math_source", "front_matter"]


def math_source(tex: str, profile: Profile, *, display: bool, table: bool = False) -> str:
    """One math fragment with its delimiters, as ``profile`` writes it."""
    tex = rewrite_tex(tex, profile.tex + (TABLE_TEX if table else ()))
    if profile.escape_math:
        tex = escape_punctuation(tex)
    if display:
        opening, closing = profile.display
        return f"{opening}\n{tex}\n{closing}"
    opening, closing = profile.inline
    return f"{opening}{tex.strip()}{closing}"


def _code_span(text: str) -> str:
    """`text` in a code span long enough not to be closed by a backtick inside it."""
    ticks = "`" * (1 + max((len(r) for r in _backtick_runs(text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _url(url: str) -> str:
    """A link target; in angle brackets where it holds a space or a parenthesis."""
    return f"<{url}>" if any(ch in url for ch in " ()<>") else url


def _backtick_runs(text: str) -> list[str]:
    runs, cur = [], ""
    for ch in text:
        if ch == "`":
            cur += ch
        elif cur:
            runs.append(cur)
            cur = ""
    if cur:
        runs.append(cur)
    return runs


def _inline(
    items: Iterable[Inline], profile: Profile, table: bool = False, start: bool = True
) -> str:
    """Inline pieces as Markdown; ``start``: they begin a line (a list marker there is
    escaped)."""
    out: list[str] = []
    for p in items:
        if isinstance(p, Text):
            out.append(markdown_text(p.text, line_start=start and not out))
        elif isinstance(p, Math):
            out.append(math_source(p.tex, profile, display=False, table=table))
        elif isinstance(p, Code):
            out.append(_code_span(p.text.replace("|", "\\|") if table else p.text))
        elif isinstance(p, Link):
            out.append(f"[{markdown_text(p.text)}]({_url(p.url)})")
        elif isinstance(p, Emph):
            out.append(f"*{_inline(p.pieces, profile, table, start=False)}*")
        elif isinstance(p, Strong):
            out.append(f"**{_inline(p.pieces, profile, table, start=False)}**")
        else:  # pragma: no cover - the Inline union is closed
            raise TypeError(f"not an inline piece: {p!r}")
    return "".join(out)


def front_matter(front: FrontMatter, profile: Profile) -> list[str]:
    """The YAML front matter: title, date, tags, then the profile's keys."""
    lines = ["---", f"title: {json.dumps(front.title, ensure_ascii=False)}"]
    if front.date:
        lines.append(f"date: {front.date}")
    if front.tags:
        lines.append(f"tags: {json.dumps(list(front.tags), ensure_ascii=False)}")
    for key, value in profile.keys:
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return [*lines, "---", ""]


def _table(b: Table, profile: Profile) -> list[str]:
    rule = {"l": ":---", "r": "---:", "c": ":---:"}
    align = b.align or ("l",) * len(b.header)
    rows = [
        "| " + " | ".join(_inline(c, profile, table=True, start=False) for c in b.header) + " |",
        "|" + "|".join(rule.get(a, "---") for a in align) + "|",
    ]
    rows += [
        "| " + " | ".join(_inline(c, profile, table=True, start=False) for c in r) + " |"
        for r in b.rows
    ]
    return rows


def _block(b: Block, profile: Profile, slug: str, assets_url: str | None) -> list[str]:
    """The lines of one block (the caller puts a blank line after each)."""
    if isinstance(b, Heading):
        return ["#" * b.level + " " + _inline(b.pieces, profile)]
    if isinstance(b, Paragraph):
        return [_inline(b.pieces, profile)]
    if isinstance(b, BulletList):
        return ["- " + _inline(item, profile) for item in b.items]
    if isinstance(b, DisplayMath):
        return [math_source(display_tex(b.lines), profile, display=True)]
    if isinstance(b, Figure):
        url = profile.image_url(slug, b.path, assets_url)
        lines = [f"![{markdown_text(b.alt)}]({_url(url)})"]
        if b.caption:
            lines += ["", f"*{_inline(b.caption, profile)}*"]
        return lines
    if isinstance(b, CodeBlock):
        fence = "```" + "`" * max((len(r) - 2 for r in _backtick_runs(b.text)), default=0)
        return [fence + b.language, b.text.rstrip("\n"), fence]
    if isinstance(b, Table):
        return _table(b, profile)
    raise TypeError(f"not a block: {b!r}")  # pragma: no cover - the Block union is closed


def to_markdown(
    doc: Document,
    profile: Profile | str | None = None,
    *,
    slug: str = "post",
    front_matter_: bool | None = None,
    assets_url: str | None = None,
) -> str:
    """``doc`` as Markdown for ``profile`` (a name or a :class:`Profile`; None: the default).

    ``front_matter_`` forces front matter on or off (None: the profile's choice); without it
    the title is the first heading. ``assets_url`` replaces the profile's image URL prefix.
    """
    p = get_profile(profile)
    out: list[str] = []
    blocks = list(doc.blocks)
    want_front = p.front_matter if front_matter_ is None else front_matter_
    if doc.front is not None and want_front:
        out += front_matter(doc.front, p)
        if blocks and isinstance(blocks[0], Heading) and blocks[0].level == 1:
            blocks = blocks[1:]  # the title is in the front matter
    for b in blocks:
        out += _block(b, p, slug, assets_url)
        out.append("")
    return "\n".join(out).rstrip() + "\n"
