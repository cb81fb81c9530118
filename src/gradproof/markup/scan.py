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

>>> [(s.kind, s.text, s.line) for s in scan("Let $x = 1$.\\n\\n$$\\ny = 2\\n$$\\n")]
[('prose', 'Let', 1), ('math', 'x = 1', 1), ('prose', '.', 1), ('math', '\\ny = 2\\n', 3)]
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gradproof.errors import DataError, LimitError, OptionError

__all__ = [
    "Span",
    "Document",
    "FORMATS",
    "LIMITS",
    "scan",
    "format_for",
    "read_document",
]

FORMATS = ("markdown", "latex", "notebook")
LIMITS = {"max_bytes": 5_000_000, "max_json_depth": 64}
"""A document larger than ``max_bytes`` is refused; a notebook nested deeper is refused."""

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


@dataclass(frozen=True)
class Span:
    """One piece of a document.

    Attributes
    ----------
    kind
        ``math``, ``code``, ``prose``, ``output`` (a notebook's stored output), ``comment``
        or ``front-matter``.
    text
        The content, without its delimiters.
    lines
        The 1-based file line of each line of ``text`` (``len(lines)`` is the number of lines).
    start
        The offset of ``text`` in the file, or None where ``text`` is not a slice of it
        (notebooks).
    display, inline
        Math: display or inline. Code: ``inline`` for a code span inside a sentence.
    delimiter
        How it was marked: ``$``, ``$$``, ``\\(``, ``\\[``, ```` ```math ````, an environment
        name (``align*``), ```` ``` ````, ``~~~``, ``verbatim``, ``cell``, ``stream`` …
    language
        The language of a code span (``python``), else None.
    cell
        The 0-based notebook cell, else None.
    """

    kind: str
    text: str
    lines: tuple[int, ...]
    start: int | None = None
    display: bool = False
    delimiter: str = ""
    language: str | None = None
    inline: bool = False
    cell: int | None = None

    @property
    def line(self) -> int:
        """The file line of the span's first line."""
        return self.lines[0]

    @property
    def end_line(self) -> int:
        """The file line of the span's last line."""
        return self.lines[-1]

    def line_at(self, offset: int) -> int:
        """The file line holding ``text[offset]``."""
        return self.lines[min(self.text.count("\n", 0, max(offset, 0)), len(self.lines) - 1)]


@dataclass(frozen=True)
class Document:
    """A document read from a file (or given as text): its format, text and spans."""

    path: str
    format: str
    text: str
    spans: tuple[Span, ...]


# A raw span: kind, content start, content end, display, delimiter, language, inline.
_Raw = tuple[str, int, int, bool, str, "str | None", bool]


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


def scan(text: str, format: str = "markdown", *, name: str = "document") -> list[Span]:
    """The spans of ``text`` in document order (see the module docstring for the rules).

    ``name`` only appears in error messages. Raises :class:`~gradproof.errors.OptionError`
    for an unknown format, :class:`~gradproof.errors.DataError` for a notebook that is not
    valid nbformat-4 JSON and :class:`~gradproof.errors.LimitError` past ``LIMITS``.
    """
    if format not in FORMATS:
        raise OptionError(f"unknown document format {format!r}; use one of {', '.join(FORMATS)}")
    if len(text) > LIMITS["max_bytes"]:
        raise LimitError(
            f"{name}: {len(text)} characters is more than the limit of {LIMITS['max_bytes']}"
        )
    if format == "notebook":
        return _scan_notebook(text, name)
    raws = _markdown(text) if format == "markdown" else _latex(text)
    return _finish(raws, text, lambda line: line, contiguous=True)


def _finish(
    raws: Sequence[_Raw], text: str, file_line: Callable[[int], int], *, contiguous: bool
) -> list[Span]:
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    out = []
    for kind, a, b, display, delim, lang, inline in sorted(raws, key=lambda r: r[1]):
        first = bisect.bisect_right(starts, a)  # 1-based local line of offset a
        count = text.count("\n", a, b) + 1
        lines = tuple(file_line(first + k) for k in range(count))
        out.append(
            Span(kind, text[a:b], lines, a if contiguous else None, display, delim, lang, inline)
        )
    return out


# -- Markdown -----------------------------------------------------------------------------------
_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})[ \t]*([^\n]*)")


def _fence_language(info: str) -> str | None:
    word = re.split(r"[\s,{}]+", info.strip().lstrip("{"))[0].lstrip(".")
    return word.lower() or None


def _markdown(text: str) -> list[_Raw]:
    """Block pass (front matter, code fences), then the inline pass over what is left."""
    raws: list[_Raw] = []
    lines = text.splitlines(keepends=True)
    offs = [0]
    for ln in lines:
        offs.append(offs[-1] + len(ln))
    i = 0
    if lines and lines[0].rstrip() in ("---", "+++"):
        mark = lines[0].rstrip()
        for j in range(1, len(lines)):
            if lines[j].rstrip() in (mark, "..." if mark == "---" else mark):
                raws.append(("front-matter", offs[1], offs[j], False, mark, None, False))
                i = j + 1
                break
    region = offs[i]
    while i < len(lines):
        m = _FENCE.fullmatch(lines[i].rstrip("\r\n"))
        if m is None or (m.group(1)[0] == "`" and "`" in m.group(2)):
            i += 1
            continue
        fence, lang = m.group(1), _fence_language(m.group(2))
        close = re.compile(rf"[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*")
        j = i + 1
        while j < len(lines) and not close.fullmatch(lines[j].rstrip("\r\n")):
            j += 1
        raws.extend(_inline(text, region, offs[i]))
        begin, end = offs[i + 1], offs[min(j, len(lines))]
        for eol in "\n\r":  # the content ends before the closing line's newline
            end -= 1 if end > begin and text[end - 1] == eol else 0
        if lang == "math":
            raws.append(("math", begin, end, True, "```math", None, False))
        else:
            raws.append(("code", begin, end, False, fence[:3], lang, False))
        region = offs[min(j + 1, len(lines))]
        i = j + 1
    raws.extend(_inline(text, region, len(text)))
    return raws


def _line_start(text: str, i: int) -> bool:
    k = text.rfind("\n", 0, i) + 1
    return text[k:i].strip() == ""


class _Misses:
    """Closers already known to be missing after some offset: keeps the scan linear."""

    def __init__(self) -> None:
        self.none_after: dict[str, int] = {}

    def find(self, text: str, token: str, start: int, end: int) -> int:
        if self.none_after.get(token, end + 1) <= start:
            return -1
        j = text.find(token, start, end)
        if j < 0:
            self.none_after[token] = start
        return j


_BLANK = re.compile(r"\n[ \t]*\n")


class _Paragraphs:
    """Where the paragraphs of ``text[a:b]`` end, found once (an inline ``$`` stops there)."""

    def __init__(self, text: str, a: int, b: int):
        self.ends = [m.start() for m in _BLANK.finditer(text, a, b)]
        self.b = b

    def end_after(self, i: int) -> int:
        k = bisect.bisect_left(self.ends, i)
        return self.ends[k] if k < len(self.ends) else self.b


def _inline(text: str, a: int, b: int) -> list[_Raw]:
    """Math, code spans and comments inside the non-fenced text ``text[a:b]``; the rest is
    prose, one span per paragraph."""
    raws: list[_Raw] = []
    misses = _Misses()
    prose = a
    i = a
    dollar_dead = -1  # an inline $ opened before this offset has no closer in its paragraph
    paragraphs = _Paragraphs(text, a, b)

    def emit(kind: str, s: int, e: int, o: int, c: int, disp: bool, delim: str) -> None:
        nonlocal prose
        raws.extend(_prose(text, prose, o))
        raws.append((kind, s, e, disp, delim, None, kind == "code"))
        prose = c

    while i < b:
        c = text[i]
        if c == "\\":
            two = text[i : i + 2]
            dbl = text[i : i + 3] in ("\\\\(", "\\\\[")
            if two in ("\\(", "\\[") or dbl:
                opener = text[i : i + (3 if dbl else 2)]
                closer = opener[:-1] + (")" if opener[-1] == "(" else "]")
                j = misses.find(text, closer, i + len(opener), b)
                if j >= 0:
                    disp = opener[-1] == "["
                    emit("math", i + len(opener), j, i, j + len(closer), disp, opener)
                    i = j + len(closer)
                    continue
            i += 2
            continue
        if c == "`":
            n = len(text[i:b]) - len(text[i:b].lstrip("`"))
            run = "`" * n
            j = i + n
            while True:
                j = misses.find(text, run, j, b)
                if j < 0 or text[j + n : j + n + 1] != "`":
                    break
                j += n + len(text[j + n : b]) - len(text[j + n : b].lstrip("`"))
            if j >= 0:
                emit("code", i + n, j, i, j + n, False, "`")
                i = j + n
            else:
                i += n
            continue
        if text.startswith("<!--", i):
            j = misses.find(text, "-->", i + 4, b)
            if j >= 0:
                emit("comment", i + 4, j, i, j + 3, False, "<!--")
                i = j + 3
                continue
        if text.startswith("$$", i):
            j = misses.find(text, "$$", i + 2, b)
            if j >= 0:
                emit("math", i + 2, j, i, j + 2, _line_start(text, i), "$$")
                i = j + 2
            else:
                i += 2
            continue
        if c == "$" and i >= dollar_dead:
            j = _dollar_close(text, i, b, paragraphs)
            if j > 0:
                emit("math", i + 1, j, i, j + 1, False, "$")
                i = j + 1
                continue
            dollar_dead = -j  # no closer before this paragraph end
        i += 1
    raws.extend(_prose(text, prose, b))
    return raws


def _dollar_close(text: str, i: int, b: int, paragraphs: _Paragraphs) -> int:
    """The closing ``$`` of an inline ``$`` at ``i``, or minus the offset where the search
    stopped (the paragraph end) when there is none."""
    if i + 1 >= b or text[i + 1].isspace() or text[i + 1] == "$":
        return -(i + 1)
    stop = paragraphs.end_after(i)
    j = i + 1
    while j < stop:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "$":
            if not text[j - 1].isspace() and not text[j + 1 : j + 2].isdigit():
                return j
            if text[j - 1].isspace():
                return -j  # a '$' that can only open: the one at i was a dollar sign
        j += 1
    return -stop


def _prose(text: str, a: int, b: int) -> list[_Raw]:
    """Prose between ``a`` and ``b``: one span per paragraph, trimmed, blank ones dropped."""
    out: list[_Raw] = []
    cuts = [(m.start(), m.end()) for m in _BLANK.finditer(text, a, b)] + [(b, b)]
    pos = a
    for stop, resume in cuts:
        piece = text[pos:stop]
        if piece.strip():
            s = pos + len(piece) - len(piece.lstrip())
            e = pos + len(piece.rstrip())
            out.append(("prose", s, e, False, "", None, False))
        pos = resume
    return out


# -- LaTeX --------------------------------------------------------------------------------------
_MATH_ENVS = (
    "equation|align|gather|multline|eqnarray|flalign|alignat|displaymath|math|dmath|subequations"
)
_BEGIN = re.compile(r"\\begin\{(" + _MATH_ENVS + r"|verbatim|Verbatim|lstlisting|minted)(\*?)\}")
_CODE_ENVS = ("verbatim", "Verbatim", "lstlisting", "minted")
_INLINE_CODE = re.compile(r"\\(verb\*?|lstinline)(?:\[[^\]\n]*\])?([^\sA-Za-z{])")


def _latex(text: str) -> list[_Raw]:
    raws: list[_Raw] = []
    body = text.find("\\begin{document}")
    a = body + len("\\begin{document}") if body >= 0 else 0
    end_doc = text.find("\\end{document}", a)
    b = end_doc if end_doc >= 0 else len(text)
    misses = _Misses()
    paragraphs = _Paragraphs(text, a, b)
    prose = a
    i = a

    def emit(raw: _Raw, outer_start: int, outer_end: int) -> None:
        nonlocal prose
        raws.extend(_prose(text, prose, outer_start))
        raws.append(raw)
        prose = outer_end

    while i < b:
        c = text[i]
        if c == "%":
            j = text.find("\n", i, b)
            j = b if j < 0 else j
            emit(("comment", i + 1, j, False, "%", None, False), i, j)
            i = j
            continue
        if c == "\\":
            m = _BEGIN.match(text, i)
            if m:
                env = m.group(1) + m.group(2)
                endtok = f"\\end{{{env}}}"
                j = misses.find(text, endtok, m.end(), b)
                if j < 0:
                    i = m.end()
                    continue
                s = m.end()
                if m.group(1) in _CODE_ENVS:
                    lang, s = _code_options(text, s, m.group(1))
                    raw: _Raw = ("code", s, j, False, env, lang, False)
                else:
                    if m.group(1) == "alignat":
                        arg = re.compile(r"\{[^}]*\}").match(text, s, j)
                        s = arg.end() if arg else s
                    raw = ("math", s, j, True, env, None, False)
                emit(raw, i, j + len(endtok))
                i = j + len(endtok)
                continue
            inline = _INLINE_CODE.match(text, i, b)
            if inline:
                delim = inline.group(2)
                s = inline.end()
                j = text.find(delim, s, b)
                if j >= 0:
                    emit(("code", s, j, False, "\\" + inline.group(1), None, True), i, j + 1)
                    i = j + 1
                    continue
            for opener, closer, disp in (("\\[", "\\]", True), ("\\(", "\\)", False)):
                if text.startswith(opener, i):
                    j = misses.find(text, closer, i + 2, b)
                    if j >= 0:
                        emit(("math", i + 2, j, disp, opener, None, False), i, j + 2)
                        i = j + 2
                        break
            else:
                i += 2
            continue
        if text.startswith("$$", i):
            j = misses.find(text, "$$", i + 2, b)
            if j >= 0:
                emit(("math", i + 2, j, True, "$$", None, False), i, j + 2)
                i = j + 2
                continue
            i += 2
            continue
        if c == "$":
            j = i + 1
            limit = paragraphs.end_after(i)
            while j < limit and text[j] != "$":
                j += 2 if text[j] == "\\" else 1
            if j < limit:
                emit(("math", i + 1, j, False, "$", None, False), i, j + 1)
                i = j + 1
                continue
        i += 1
    raws.extend(_prose(text, prose, b))
    return raws


def _code_options(text: str, s: int, env: str) -> tuple[str | None, int]:
    """The language of a code environment and where its content starts."""
    lang = None
    m = re.compile(r"\[([^\]\n]*)\]").match(text, s)
    if m:
        found = re.search(r"language\s*=\s*\{?([A-Za-z0-9+#]+)", m.group(1))
        lang = found.group(1).lower() if found else None
        s = m.end()
    if env == "minted":
        m2 = re.compile(r"\{([^}\n]*)\}").match(text, s)
        if m2:
            lang, s = m2.group(1).strip().lower(), m2.end()
    if text.startswith("\n", s):
        s += 1
    return lang, s


# -- Jupyter notebooks --------------------------------------------------------------------------
class _Str(str):
    """A JSON string that remembers the offset of its opening quote."""

    pos: int


class _Json:
    """A small JSON reader that keeps the position of every string (to map notebook lines)."""

    _NUM = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
    _WS = re.compile(r"[ \t\n\r]*")

    def __init__(self, text: str, name: str):
        self.text, self.name = text, name

    def fail(self, i: int, what: str) -> DataError:
        line = self.text.count("\n", 0, i) + 1
        return DataError(
            f"{self.name}: not a valid notebook (JSON error at line {line}: {what}); "
            f"open and save it in Jupyter"
        )

    def value(self, i: int, depth: int) -> tuple[Any, int]:
        i = self._WS.match(self.text, i).end()  # type: ignore[union-attr]
        if depth > LIMITS["max_json_depth"]:
            raise LimitError(f"{self.name}: nested deeper than {LIMITS['max_json_depth']} levels")
        c = self.text[i : i + 1]
        if c == '"':
            try:
                s, j = json.decoder.scanstring(self.text, i + 1)  # type: ignore[attr-defined]
            except ValueError as exc:
                raise self.fail(i, str(exc).split(":")[0]) from None
            out = _Str(s)
            out.pos = i
            return out, j
        if c and c in "{[":
            close = "}" if c == "{" else "]"
            items: list[Any] = []
            j = self._WS.match(self.text, i + 1).end()  # type: ignore[union-attr]
            if self.text.startswith(close, j):
                return ({} if c == "{" else []), j + 1
            while True:
                if c == "{":
                    key, j = self.value(j, depth + 1)
                    if not isinstance(key, str):
                        raise self.fail(j, "an object key must be a string")
                    j = self._WS.match(self.text, j).end()  # type: ignore[union-attr]
                    if not self.text.startswith(":", j):
                        raise self.fail(j, "expected ':'")
                    v, j = self.value(j + 1, depth + 1)
                    items.append((str(key), v))
                else:
                    v, j = self.value(j, depth + 1)
                    items.append(v)
                j = self._WS.match(self.text, j).end()  # type: ignore[union-attr]
                if self.text.startswith(",", j):
                    j += 1
                elif self.text.startswith(close, j):
                    return (dict(items) if c == "{" else items), j + 1
                else:
                    raise self.fail(j, f"expected ',' or '{close}'")
        for word, val in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, i):
                return val, i + len(word)
        m = self._NUM.match(self.text, i)
        if m:
            return float(m.group()), m.end()
        raise self.fail(i, "unexpected " + (repr(c) if c else "end of file"))


def _pieces(value: Any) -> list[Any]:
    """A notebook multiline string (a list of strings or one string) as a list of strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return []


def _joined(value: Any, file_line: Callable[[int], int]) -> tuple[str, list[int]]:
    """The text of a multiline string and the file line of each of its lines."""
    text, lines = "", []
    for piece in _pieces(value):
        line = file_line(piece.pos) if isinstance(piece, _Str) else 1
        lines.extend([line] * (piece.count("\n") + (0 if piece.endswith("\n") else 1)))
        text += piece
    if text.endswith("\n") or not lines:
        lines.append(lines[-1] if lines else 1)
    return text, lines


def _scan_notebook(text: str, name: str) -> list[Span]:
    reader = _Json(text, name)
    nb, end = reader.value(0, 0)
    if text[end:].strip():
        raise reader.fail(end, "extra text after the notebook")
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise DataError(
            f"{name}: not an nbformat-4 notebook (no 'cells' list); convert it with "
            f"`jupyter nbconvert --to notebook`"
        )
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def file_line(pos: int) -> int:
        return bisect.bisect_right(starts, pos)

    meta: dict[str, Any] = nb["metadata"] if isinstance(nb.get("metadata"), dict) else {}
    info = meta.get("language_info") or meta.get("kernelspec") or {}
    language = str(info.get("name") or info.get("language") or "python").lower()
    spans: list[Span] = []
    for k, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict):
            continue
        source, lines = _joined(cell.get("source", ""), file_line)
        kind = cell.get("cell_type")
        if kind == "markdown":
            for s in _finish(_markdown(source), source, _mapper(lines), contiguous=False):
                spans.append(replace(s, cell=k))
        elif kind == "code":
            spans.append(
                Span(
                    "code", source, tuple(lines), None, delimiter="cell", cell=k, language=language
                )
            )
            spans.extend(_outputs(cell.get("outputs"), file_line, k))
    return spans


def _mapper(lines: list[int]) -> Callable[[int], int]:
    """Line k of a cell's source (1-based) → its line in the notebook file."""
    return lambda k: lines[k - 1]


def _outputs(outputs: Any, file_line: Callable[[int], int], cell: int) -> list[Span]:
    spans = []
    for out in outputs if isinstance(outputs, list) else []:
        if not isinstance(out, dict):
            continue
        kind = out.get("output_type")
        if kind == "stream":
            value, delim = out.get("text"), f"stream:{out.get('name', 'stdout')}"
        elif kind in ("execute_result", "display_data"):
            data: dict[str, Any] = out["data"] if isinstance(out.get("data"), dict) else {}
            value, delim = data.get("text/plain"), kind
        elif kind == "error":
            value, delim = [f"{out.get('ename', '')}: {out.get('evalue', '')}"], "error"
        else:
            continue
        if _pieces(value):
            text, lines = _joined(value, file_line)
            spans.append(Span("output", text, tuple(lines), None, delimiter=delim, cell=cell))
    return spans
