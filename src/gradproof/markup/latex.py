r"""LaTeX from blocks: a fragment, or a complete document that compiles with pdflatex.

Prose is escaped (:func:`latex_escape`); math is written as the blocks hold it, inline as
``$…$`` and displays as ``\[…\]`` (several lines in ``aligned``, as in every Markdown
profile). Figures become floats with captions, tables booktabs tabulars, code verbatim.
Chinese (any language of :data:`~gradproof.i18n.CJK_LANGUAGES`) is set the standard way:
``ctex`` with XeLaTeX, fonts ``fontset=fandol`` (the Fandol fonts come with TeX Live's
``texlive-lang-chinese``); the pdflatex-only lines of the preamble are left out and the
document says ``% !TEX program = xelatex`` for editors. ctex also writes the captions
(图 1, separated from the caption by a quad as Chinese books set it) and the headings the
Chinese way.

>>> latex_escape("50% of x_i — see ∂L/∂w")
'50\\% of x\\_i --- see $\\partial$L/$\\partial$w'
"""

from __future__ import annotations

from collections.abc import Iterable

from gradproof.i18n import CJK_LANGUAGES
from gradproof.markup.blocks import (
    Block,
    BulletList,
    Code,
    CodeBlock,
    DisplayMath,
    Document,
    Emph,
    Figure,
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

__all__ = ["latex_escape", "to_latex", "BASE_PREAMBLE", "CJK_PACKAGE", "ascii_code", "engine"]

BASE_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usepackage[margin=2.5cm]{geometry}
"""
"""What every document starts with; :func:`to_latex` adds the packages its blocks need."""

CJK_PACKAGE = r"\usepackage[UTF8,fontset=fandol]{ctex}"
"""Chinese with XeLaTeX: ctex, with the Fandol fonts of TeX Live (no system font needed)."""
_PDFLATEX_ONLY = (
    r"\usepackage[utf8]{inputenc}",
    r"\usepackage[T1]{fontenc}",
    r"\usepackage{lmodern}",
)

# Unicode that may appear in prose, and how LaTeX writes it.
_TEX_TEXT = {
    "≤": r"$\le$",
    "≥": r"$\ge$",
    "∂": r"$\partial$",
    "Σ": r"$\Sigma$",
    "·": r"$\cdot$",
    "⋅": r"$\cdot$",
    "‖": r"$\Vert$",
    "²": r"$^2$",
    "ᵢ": r"$_i$",
    "λ": r"$\lambda$",
    "δ": r"$\delta$",
    "½": r"$\frac12$",
    "⊙": r"$\odot$",
    "𝟙": r"$\mathrm{1\!\!1}$",
    "−": r"$-$",
    "—": "---",
    "–": "--",
    "∈": r"$\in$",
    "η": r"$\eta$",
    "←": r"$\leftarrow$",
    "σ": r"$\sigma$",
    "×": r"$\times$",
    "∇": r"$\nabla$",
    "ε": r"$\varepsilon$",
    "≈": r"$\approx$",
    "…": r"\ldots{}",
    "∅": r"$\emptyset$",
    "⇒": r"$\Rightarrow$",
    "ℓ": r"$\ell$",
    "¹": r"$^1$",
    "³": r"$^3$",
    "ⱼ": r"$_j$",
    "ₖ": r"$_k$",
    "≠": r"$\ne$",
    "→": r"$\to$",
    "∞": r"$\infty$",
    "π": r"$\pi$",
    "θ": r"$\theta$",
    "α": r"$\alpha$",
    "μ": r"$\mu$",
    "’": "'",
    "“": "``",
    "”": "''",
}
_TEX_SPECIAL = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def _kept(ch: str, cjk: bool) -> bool:
    """Non-ASCII characters pdflatex prints as they are: Latin letters with accents (inputenc
    utf8 and T1 know them), and Chinese inside a CJK environment."""
    o = ord(ch)
    return 0xC0 <= o <= 0x17F and o not in (0xD7, 0xF7) or (cjk and o >= 0x2E80)


def latex_escape(text: str, cjk: bool = False) -> str:
    """Prose made safe for pdflatex (special characters escaped, unicode maths mapped;
    ``cjk``: Chinese kept, for a document in a CJK environment)."""
    out = []
    for ch in text:
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif ch in _TEX_TEXT:
            out.append(_TEX_TEXT[ch])
        elif ord(ch) < 128 or _kept(ch, cjk):
            out.append(ch)
        else:
            out.append("?")
    return "".join(out).replace("$$", "")


_ASCII = {
    "σ": "sigma",
    "𝟙": "1",
    "∂": "d",
    "Σ": "sum",
    "·": "*",
    "≥": ">=",
    "≤": "<=",
    "‖": "||",
    "′": "'",
    "−": "-",
    "—": "--",
    "λ": "lam",
    "δ": "delta",
    "η": "eta",
    "²": "^2",
    "ᵢ": "_i",
    "…": "...",
    "∈": " in ",
    "ℓ": "l",
    "¹": "^1",
    "³": "^3",
    "ⱼ": "_j",
    "ₖ": "_k",
    "≠": "!=",
    "→": "->",
    "∞": "inf",
    "π": "pi",
    "θ": "theta",
    "⊙": "*",
    "×": "x",
    "∇": "grad ",
    "𝐱": "x",
}


def ascii_code(text: str, cjk: bool = False) -> str:
    """Code for a verbatim block under pdflatex: non-ASCII characters spelled in ASCII
    (``cjk``: Chinese kept, for a XeLaTeX document with ctex)."""
    return "".join(
        _ASCII.get(ch, ch if ord(ch) < 128 or (cjk and ord(ch) >= 0x2E80) else "?") for ch in text
    )


def engine(doc: Document) -> str:
    """The TeX engine that compiles ``doc``: ``xelatex`` for Chinese, else ``pdflatex``."""
    return "xelatex" if doc.lang in CJK_LANGUAGES else "pdflatex"


def _inline(items: Iterable[Inline], cjk: bool) -> str:
    out = []
    for p in items:
        if isinstance(p, Text):
            out.append(latex_escape(p.text, cjk))
        elif isinstance(p, Math):
            out.append(f"${p.tex}$")
        elif isinstance(p, Code):
            out.append(rf"\texttt{{{latex_escape(ascii_code(p.text, cjk), cjk)}}}")
        elif isinstance(p, Link):
            out.append(latex_escape(p.text, cjk) + rf" (\texttt{{{latex_escape(p.url)}}})")
        elif isinstance(p, Emph):
            out.append(rf"\emph{{{_inline(p.pieces, cjk)}}}")
        elif isinstance(p, Strong):
            out.append(rf"\textbf{{{_inline(p.pieces, cjk)}}}")
        else:  # pragma: no cover - the Inline union is closed
            raise TypeError(f"not an inline piece: {p!r}")
    return "".join(out)


_SECTION = {1: r"\section*", 2: r"\section*", 3: r"\subsection*"}


_FIT = (
    r"\newsavebox{\gradproofbox}",
    r"\newcommand{\gradprooffit}[1]{\sbox{\gradproofbox}{$\displaystyle #1$}%",
    r"  \ifdim\wd\gradproofbox>\linewidth\resizebox{\linewidth}{!}{\usebox{\gradproofbox}}%",
    r"  \else\usebox{\gradproofbox}\fi}",
)
"""A display wider than the line (a worked example's long sum) scaled down to fit it, as a
printed page would set it, instead of running into the margin."""

_CODE = (
    r"\usepackage{listings}",
    r"\lstset{basicstyle=\ttfamily\small, columns=fullflexible, keepspaces=true, upquote=true,",
    r"  showstringspaces=false, breaklines=true, postbreak=\mbox{$\hookrightarrow$\space}}",
)
"""Code in a standalone document: a line longer than the text width is broken and the rest
marked with ↪ (verbatim ran up to 143 pt into the margin); fullflexible columns keep the
text copyable from the PDF. listings is in TeX Live's recommended set, like the rest."""


def _block(b: Block, cjk: bool, assets: str, standalone: bool = False) -> list[str]:
    if isinstance(b, Heading):
        command = _SECTION.get(b.level, r"\subsubsection*")
        return [command + "{" + _inline(b.pieces, cjk) + "}"]
    if isinstance(b, Paragraph):
        return [_inline(b.pieces, cjk)]
    if isinstance(b, BulletList):
        return [
            r"\begin{itemize}",
            *(rf"  \item {_inline(i, cjk)}" for i in b.items),
            r"\end{itemize}",
        ]
    if isinstance(b, DisplayMath):
        if standalone:  # a standalone document defines \gradprooffit (_FIT)
            return [r"\[\gradprooffit{", display_tex(b.lines), r"}\]"]
        return [r"\[", display_tex(b.lines), r"\]"]
    if isinstance(b, Figure):
        path = f"{assets.rstrip('/')}/{b.path}" if assets else b.path
        lines = [
            r"\begin{figure}[H]",
            r"\centering",
            rf"\includegraphics[width=0.8\linewidth]{{{path}}}",
        ]
        if b.caption:
            lines.append(rf"\caption{{{_inline(b.caption, cjk)}}}")
        return [*lines, r"\end{figure}"]
    if isinstance(b, CodeBlock):
        env = "lstlisting" if standalone else "verbatim"  # a standalone document loads listings
        code = ascii_code(b.text, cjk).rstrip("\n")
        return [rf"\begin{{{env}}}", code, rf"\end{{{env}}}"]
    if isinstance(b, Table):
        align = "".join(b.align or ("l",) * len(b.header))
        rows = [" & ".join(_inline(c, cjk) for c in r) + r" \\" for r in b.rows]
        return [
            r"\begin{center}",
            rf"\begin{{tabular}}{{{align}}}",
            r"\toprule",
            " & ".join(_inline(c, cjk) for c in b.header) + r" \\",
            r"\midrule",
            *rows,
            r"\bottomrule",
            r"\end{tabular}",
            r"\end{center}",
        ]
    raise TypeError(f"not a block: {b!r}")  # pragma: no cover - the Block union is closed


def _packages(doc: Document) -> list[str]:
    kinds = {type(b) for b in doc.blocks}
    out = []
    if Figure in kinds:
        out += [r"\usepackage{graphicx}", r"\usepackage{float}"]
        if doc.lang in CJK_LANGUAGES:  # 图 1　标题, as Chinese books set it, not 图 1: 标题
            out.append(r"\usepackage[labelsep=quad]{caption}")
    if Table in kinds:
        out.append(r"\usepackage{booktabs}")
    if CodeBlock in kinds:
        out += _CODE
    if DisplayMath in kinds:
        if Figure not in kinds:
            out.append(r"\usepackage{graphicx}")  # \resizebox
        out += _FIT
    return out


def _preamble(preamble: str, cjk: bool) -> list[str]:
    """The preamble's lines; for Chinese without the pdflatex-only ones, with ctex."""
    lines = preamble.rstrip().split("\n")
    if not cjk:
        return lines
    kept = [line for line in lines if line.strip() not in _PDFLATEX_ONLY]
    return ["% !TEX program = xelatex", kept[0], CJK_PACKAGE, *kept[1:]]


def to_latex(
    doc: Document,
    *,
    standalone: bool = False,
    preamble: str = BASE_PREAMBLE,
    assets: str = "figures",
) -> str:
    """``doc`` as LaTeX: the body, or with ``standalone`` a complete document (``preamble``
    plus the packages its blocks need; the front matter becomes the title). Figures are
    included from ``assets``. A Chinese document compiles with XeLaTeX (:func:`engine`)."""
    cjk = doc.lang in CJK_LANGUAGES
    body: list[str] = []
    for b in doc.blocks:
        if standalone and doc.front is not None and isinstance(b, Heading) and b.level == 1:
            continue  # \maketitle prints the title
        body += _block(b, cjk, assets, standalone=standalone)
        body.append("")
    text = "\n".join(body).rstrip() + "\n"
    if not standalone:
        return text
    head = [*_preamble(preamble, cjk), *_packages(doc)]
    if doc.front is not None:
        head += [
            rf"\title{{{latex_escape(doc.front.title, cjk)}}}",
            r"\author{}",
            rf"\date{{{latex_escape(doc.front.date or '', cjk)}}}",
        ]
    head.append(r"\begin{document}")
    if doc.front is not None:
        head.append(r"\maketitle")
    return "\n".join(head) + "\n" + text + r"\end{document}" + "\n"
