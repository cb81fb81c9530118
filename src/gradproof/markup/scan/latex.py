"""The LaTeX reader: math environments and delimiters, code environments, inline code and
comments of the document body; see :mod:`gradproof.markup.scan` for the rules."""

from __future__ import annotations

import re

from gradproof.markup.scan.spans import Misses, Paragraphs, Raw, prose_spans

__all__ = ["read_latex"]

_MATH_ENVS = (
    "equation|align|gather|multline|eqnarray|flalign|alignat|displaymath|math|dmath|subequations"
)
_BEGIN = re.compile(r"\\begin\{(" + _MATH_ENVS + r"|verbatim|Verbatim|lstlisting|minted)(\*?)\}")
_CODE_ENVS = ("verbatim", "Verbatim", "lstlisting", "minted")
_INLINE_CODE = re.compile(r"\\(verb\*?|lstinline)(?:\[[^\]\n]*\])?([^\sA-Za-z{])")


def read_latex(text: str) -> list[Raw]:
    """The math and code spans of a LaTeX document's body, in order."""
    # One loop on purpose: every construct it recognises moves the same cursor and shares
    # the prose start, the paragraph map and the misses; split, they would be passed around.
    raws: list[Raw] = []
    body = text.find("\\begin{document}")
    a = body + len("\\begin{document}") if body >= 0 else 0
    end_doc = text.find("\\end{document}", a)
    b = end_doc if end_doc >= 0 else len(text)
    misses = Misses()
    paragraphs = Paragraphs(text, a, b)
    prose = a
    i = a

    def emit(raw: Raw, outer_start: int, outer_end: int) -> None:
        nonlocal prose
        raws.extend(prose_spans(text, prose, outer_start))
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
                    raw: Raw = ("code", s, j, False, env, lang, False)
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
                        lo, hi = _unwrap_fit(text, i + 2, j) if disp else (i + 2, j)
                        emit(("math", lo, hi, disp, opener, None, False), i, j + 2)
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
    raws.extend(prose_spans(text, prose, b))
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


_FIT = "\\gradprooffit{"


def _unwrap_fit(text: str, lo: int, hi: int) -> tuple[int, int]:
    """The math inside gradproof's own ``\\[\\gradprooffit{…}\\]`` (a display scaled to the
    line, :mod:`gradproof.markup.latex`): the wrapper is layout, not math."""
    inner = text[lo:hi]
    start = len(inner) - len(inner.lstrip())
    end = len(inner.rstrip())
    if inner.startswith(_FIT, start) and inner[end - 1 : end] == "}":
        return lo + start + len(_FIT), lo + end - 1
    return lo, hi
