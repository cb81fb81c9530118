"""What of a Chinese output is prose, and which English words are left in it.

Math ($…$, $$…$$, \\(…\\), \\[…\\], LaTeX math environments), code (fenced blocks, `inline`,
verbatim, \\texttt), URLs, file names and LaTeX commands are not prose and are cut out first;
what remains must be Chinese apart from the names in :data:`ALLOWED` and single letters (the
variables of plain-text formulas such as ∂L/∂w).
"""

from __future__ import annotations

import re

from gradproof.symbolic.losses import LOSSES

ALLOWED = frozenset(
    {
        # names of programs, libraries, formats and people
        "gradproof", "numpy", "NumPy", "Python", "LaTeX", "XeLaTeX", "TeX", "Jekyll", "Hugo",
        "Markdown", "KaTeX", "MathJax", "pandoc", "matplotlib", "SymPy", "mpmath", "JSON",
        "Huber", "Rosenblatt", "Richardson", "Pegasos", "scikit-learn", "Hexo", "MyST", "Quarto",
        "CSDN", "SVM", "L2-SVM", "L2",
        # the number formats of the check reports
        "float16", "float32", "float64",
        # identifiers a reader types: the built-in losses and the conventions at a kink
        *LOSSES, "include", "exclude", "average",
    }
)  # fmt: skip
"""Words that may stay Latin in a Chinese text."""

FORMULA = frozenset(
    {
        # functions inside plain-text formulas (the text format has no math delimiters)
        "max", "min", "exp", "log", "sign", "abs", "sqrt", "tanh", "sigmoid", "softplus",
        "dot", "norm", "lam", "delta", "sgn", "Xw",
    }
)  # fmt: skip
"""The words of plain-text formulas (math, not prose: neither flagged nor counted)."""

_CUT = [
    r"(?ms)^```.*?^```",  # fenced code
    r"(?ms)^~~~.*?^~~~",
    r"(?s)\\begin\{(verbatim|lstlisting)\}.*?\\end\{\1\}",
    r"\\lstset\{(?:[^{}]|\{[^{}]*\})*\}",  # the code style: key=value, not text
    r"(?s)\\begin\{(equation|align|aligned|gather|multline|displaymath)\*?\}.*?\\end\{\1\*?\}",
    r"(?s)\$\$.*?\$\$",
    r"(?s)\\\[.*?\\\]",
    r"(?s)\\\(.*?\\\)",
    r"(?s)(?<!\\)\$.+?(?<!\\)\$",
    r"\\texttt\{[^{}]*\}",
    r"`[^`\n]+`",
    r"'[^'\s]{1,40}'",  # a token of the post quoted in a message ('cases', '/')
    r"https?://\S+",
    r"(?<=\])\([^)\s]*\)",  # where a link or an image points
    r"[\w./-]+\.(md|png|svg|tex|pdf|csv|py|json|npz|ipynb|html)\b",
    r"(?m)^---$.*?^---$",
    r"(?m)(?<!\\)%.*$",  # LaTeX comments
    r"\\(begin|end|usepackage|documentclass|includegraphics|label|ref)(\[[^\]]*\])?\{[^{}]*\}"
    r"(\{[^{}]*\})?",  # markup whose arguments are names, not text
    r"\\[A-Za-z]+\*?(\[[^\]]*\])?",  # other LaTeX commands (their arguments are text)
    r"gradproof (audit|check|codegen|compare|derive|losses|notes|train)\b",  # commands
    r"--[a-z][\w-]*",  # options of the command line
]
_WORD = re.compile(r"(?<![\w.])[A-Za-z](?:[\w'’-]*[A-Za-z0-9])?")  # not the e of 1e-15
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_VARIABLE = re.compile(r"[A-Za-z]_\w+")  # a post's variable named in a message: y_i, x_1


def prose(text: str) -> str:
    """``text`` with math, code, URLs, file names and markup commands cut out."""
    text = text.replace("\\_", "_")  # Markdown's and LaTeX's escaped underscore
    for pattern in _CUT:
        text = re.sub(pattern, " ", text)
    return text


def english_words(text: str) -> list[str]:
    """The Latin words of ``text``'s prose that are neither allowed names nor single letters."""
    return [
        w
        for w in _WORD.findall(prose(text))
        if len(w) > 1 and not {w, w.lower()} & (ALLOWED | FORMULA) and not _VARIABLE.fullmatch(w)
    ]


def cjk_share(text: str) -> tuple[int, int]:
    """(CJK characters, Latin words) of ``text``'s prose, allowed names included."""
    p = prose(text)
    return len(_CJK.findall(p)), len(
        [w for w in _WORD.findall(p) if len(w) > 1 and w not in FORMULA]
    )
