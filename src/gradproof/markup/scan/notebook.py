"""The notebook reader (nbformat 4): markdown cells through the Markdown reader, code cells and
their stored outputs as spans, each line mapped to the line of the ``.ipynb`` file that holds
it (a small JSON reader keeps the position of every string)."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from gradproof.errors import DataError, LimitError
from gradproof.markup.scan.markdown import DELIMITERS, read_markdown
from gradproof.markup.scan.spans import LIMITS, Span, finish

__all__ = ["read_notebook"]


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


def read_notebook(text: str, name: str, reads: frozenset[str] = DELIMITERS) -> list[Span]:
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
            for s in finish(read_markdown(source, reads), source, _mapper(lines), contiguous=False):
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
