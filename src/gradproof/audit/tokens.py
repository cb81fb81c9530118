"""The tokenizer of the audit's math reader: LaTeX and unicode math, and math inside prose.

One pass over the text, no evaluation: every token keeps the offsets of the characters it
came from, so a finding (and ``--fix``) can point at them. LaTeX commands map to the same
tokens as their unicode forms (``\\cdot`` and ``·``, ``\\partial`` and ``∂``, ``\\sum`` and
``Σ``); font wrappers (``\\mathbf{w}``) are read through; unknown commands become ``unk``
tokens that make the expression around them unevaluable, never an error.

In ``prose`` mode a run of two or more letters is a ``word`` unless it is a known function
or value name, and CJK text and sentence punctuation (，。：) are ``break`` tokens: the
statements of a sentence are the math between its words.

Token kinds: ``num``, ``name``, ``func``, ``op`` (+ - * / · × ^ _ ' !), ``rel``
(= ≈ ≤ ≥ < > ≠ ← :=), ``open``/``close`` (( [ { ⟨ and \\{ as ``{{``), ``bar`` (| and ‖),
``sep`` (, ; : & and ``\\\\``), ``nl``, ``sum``, ``partial``, ``nabla``, ``ind`` (𝟙),
``in`` (∈), ``top`` (⊤), ``frac``, ``sqrt``, ``begin``/``end`` (matrix environments),
``word``, ``break``, ``unk``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gradproof.errors import LimitError

__all__ = ["Tok", "tokenize", "LIMITS", "FUNCTIONS", "SUBSCRIPTS"]

LIMITS = {"max_length": 4000, "max_tokens": 4000}
"""One statement region (a math span, a prose paragraph) longer than this is not read."""

FUNCTIONS = frozenset(
    "exp log ln sqrt max min sign sgn tanh sigmoid softplus relu abs norm dot sigma".split()
)
_PROSE_NAMES = frozenset("eta lr lam lambda alpha delta".split()) | FUNCTIONS

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "omega": "ω", "ell": "ℓ",
    "pi": "π", "kappa": "κ", "zeta": "ζ", "psi": "ψ", "chi": "χ",
}  # fmt: skip
_FUNC_CMDS = {"exp", "log", "ln", "max", "min", "tanh", "sgn"}
_SIMPLE = {
    "cdot": ("op", "·"), "bullet": ("op", "·"), "centerdot": ("op", "·"),
    "times": ("op", "×"), "ast": ("op", "*"), "div": ("op", "/"),
    "partial": ("partial", "∂"), "nabla": ("nabla", "∇"), "sum": ("sum", "Σ"),
    "in": ("in", "∈"), "top": ("top", "⊤"), "intercal": ("top", "⊤"), "mid": ("bar", "|"),
    "le": ("rel", "≤"), "leq": ("rel", "≤"), "leqslant": ("rel", "≤"),
    "ge": ("rel", "≥"), "geq": ("rel", "≥"), "geqslant": ("rel", "≥"),
    "lt": ("rel", "<"), "gt": ("rel", ">"), "ne": ("rel", "≠"), "neq": ("rel", "≠"),
    "approx": ("rel", "≈"), "simeq": ("rel", "≈"), "coloneqq": ("rel", ":="),
    "gets": ("rel", "←"), "leftarrow": ("rel", "←"), "colon": ("sep", ":"),
    "to": ("break", "→"), "rightarrow": ("break", "→"), "Rightarrow": ("break", "⇒"),
    "implies": ("break", "⇒"), "Longrightarrow": ("break", "⇒"), "quad": ("break", " "),
    "qquad": ("break", " "), "therefore": ("break", "∴"), "iff": ("break", "⇔"),
    "langle": ("open", "⟨"), "rangle": ("close", "⟩"), "lbrace": ("open", "{{"),
    "rbrace": ("close", "}}"), "|": ("bar", "‖"), "Vert": ("bar", "‖"), "lVert": ("bar", "‖"),
    "rVert": ("bar", "‖"), "vert": ("bar", "|"), "lvert": ("bar", "|"), "rvert": ("bar", "|"),
    "{": ("open", "{{"), "}": ("close", "}}"), "sqrt": ("sqrt", "√"), "frac": ("frac", "/"),
    "dfrac": ("frac", "/"), "tfrac": ("frac", "/"), "emptyset": ("name", "∅"),
    "varnothing": ("name", "∅"), "infty": ("unk", "∞"), "prod": ("unk", "Π"),
    "int": ("unk", "∫"), "pm": ("unk", "±"), "mp": ("unk", "∓"), "circ": ("unk", "∘"),
    "odot": ("unk", "⊙"), "otimes": ("unk", "⊗"),
}  # fmt: skip
_IGNORED = set(
    "left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr middle displaystyle "
    "textstyle limits nolimits nonumber notag , ; : ! > space quad_".split()
)
_WRAPPERS = set("mathbf boldsymbol bm vec mathrm mathit mathsf mathcal mathscr pmb".split())
_TEXT = set("text textrm textbf textit mbox mathrm operatorname".split())
_SKIP_ARG = {"label", "tag", "ref", "eqref", "cite", "hspace", "vspace", "color"}
_MATRICES = {"bmatrix", "pmatrix", "matrix", "Bmatrix", "smallmatrix", "array", "vmatrix"}
_UNICODE = {
    "−": ("op", "-"), "–": ("op", "-"), "-": ("op", "-"), "+": ("op", "+"), "*": ("op", "*"),
    "×": ("op", "×"), "✕": ("op", "×"), "·": ("op", "·"), "⋅": ("op", "·"), "∙": ("op", "·"),
    "•": ("op", "·"), "/": ("op", "/"), "÷": ("op", "/"), "^": ("op", "^"), "_": ("op", "_"),
    "'": ("op", "'"), "′": ("op", "'"), "=": ("rel", "="), "＝": ("rel", "="),
    "≈": ("rel", "≈"), "≃": ("rel", "≈"), "≤": ("rel", "≤"), "⩽": ("rel", "≤"),
    "≥": ("rel", "≥"), "⩾": ("rel", "≥"), "<": ("rel", "<"), ">": ("rel", ">"),
    "≠": ("rel", "≠"), "←": ("rel", "←"), "≔": ("rel", ":="), "→": ("break", "→"),
    "⇒": ("break", "⇒"), "⟹": ("break", "⇒"), "(": ("open", "("), "（": ("open", "("),
    ")": ("close", ")"), "）": ("close", ")"), "[": ("open", "["), "［": ("open", "["),
    "]": ("close", "]"), "］": ("close", "]"), "{": ("open", "{"), "}": ("close", "}"),
    "⟨": ("open", "⟨"), "⟩": ("close", "⟩"), "|": ("bar", "|"), "‖": ("bar", "‖"),
    ",": ("sep", ","), "，": ("sep", ","), "、": ("sep", ","), ";": ("sep", ";"),
    "；": ("sep", ";"), ":": ("sep", ":"), "：": ("sep", ":"), "&": ("sep", "&"),
    "Σ": ("sum", "Σ"), "∑": ("sum", "Σ"), "∂": ("partial", "∂"), "∇": ("nabla", "∇"),
    "√": ("sqrt", "√"), "𝟙": ("ind", "𝟙"), "∈": ("in", "∈"), "⊤": ("top", "⊤"),
    "ᵀ": ("top", "⊤"), "∅": ("name", "∅"), "。": ("break", "。"), "！": ("break", "!"),
    "？": ("break", "?"), "!": ("op", "!"), "?": ("break", "?"), "∞": ("unk", "∞"),
    "±": ("unk", "±"), "⊙": ("unk", "⊙"),
}  # fmt: skip
SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₙₘₜₐₑₒₓₗₚᵣₛᵤᵥ₊₋", "0123456789ijknmtaeoxlprsuv+-", strict=True))
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-", strict=True))
_LETTER = re.compile(r"[A-Za-zα-ωΑ-ΩℓϵϑϕΣ]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+(?![A-Za-z]))?|\.\d+", re.ASCII)
_PRINTED = re.compile(r"\d+\.(?=[ \t]*[\],]|[ \t]+[-+]?\d)", re.ASCII)  # numpy's "[2. 3.]"
_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)
_ONE = re.compile(r"\{\s*[1I]\s*\}")
_STRUCK_ONE = re.compile(r"\{\s*1\s*(?:\\!\s*)+1\s*\}")  # {1\!\!1}: the indicator drawn by hand
_WORD = re.compile(r"([A-Za-z]+)([0-9]*)")
_LINE_MARK = re.compile(r"[ \t]*(?:[-*+>]|\d{1,3}[.)]|#{1,6})[ \t]+")
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]")


@dataclass(frozen=True)
class Tok:
    """One token: its kind, its normalised text and the offsets of its source characters."""

    kind: str
    text: str
    start: int
    end: int


class _Lexer:
    def __init__(self, text: str, prose: bool, base: int = 0):
        self.text, self.prose, self.base = text, prose, base
        self.out: list[Tok] = []
        self.square = 0  # open [ … ]: where "2." is a number

    def add(self, kind: str, value: str, a: int, b: int) -> None:
        self.out.append(Tok(kind, value, self.base + a, self.base + b))
        if len(self.out) > LIMITS["max_tokens"]:
            raise LimitError(f"more than {LIMITS['max_tokens']} tokens in one piece of math")

    def inner(
        self, a: int, b: int, text_mode: bool = False, outer: tuple[int, int] = (0, 0)
    ) -> None:
        """Tokenize ``text[a:b]`` (a braced argument) with the same offsets; a lone token
        covers the whole command ``outer`` (\\mathbf{x} is one name, from \\ to })."""
        sub = _Lexer(self.text[a:b], self.prose or text_mode, self.base + a)
        sub.run()
        lone = len(sub.out) == 1 and outer != (0, 0)
        for t in sub.out:
            kind = "word" if text_mode and t.kind == "name" and len(t.text) > 1 else t.kind
            start, end = (outer[0] + self.base, outer[1] + self.base) if lone else (t.start, t.end)
            self.add(kind, t.text, start - self.base, end - self.base)

    def group(self, i: int) -> int:
        """The offset just after the braced group starting at ``i`` (or i if none)."""
        if i >= len(self.text) or self.text[i] != "{":
            return i
        depth = 0
        for j in range(i, len(self.text)):
            c = self.text[j]
            if c == "\\":
                continue
            if c == "{" and self.text[j - 1 : j] != "\\":
                depth += 1
            elif c == "}" and self.text[j - 1 : j] != "\\":
                depth -= 1
                if depth == 0:
                    return j + 1
        return len(self.text)

    def command(self, i: int) -> int:
        t = self.text
        m = _COMMAND.match(t, i)
        if m is None:
            self.add("unk", "\\", i, i + 1)
            return i + 1
        name, j = m.group(1), m.end()
        if name == "\\":
            self.add("sep", "\\\\", i, j)
            return j
        if name in _IGNORED or name in (" ", ",", ";", ":", "!", "~"):
            if name in ("left", "right", "bigl", "bigr", "Bigl", "Bigr") and t[j : j + 1] == ".":
                return j + 1
            return j
        if name in ("begin", "end"):
            g = self.group(j)
            env = t[j + 1 : g - 1].strip()
            if env.rstrip("*") in _MATRICES:
                if name == "begin" and env == "array":
                    g = self.group(g)  # the column spec
                self.add(name, env, i, g)
            elif env.rstrip("*") not in ("aligned", "split", "gathered", "alignedat"):
                self.add("unk", env, i, g)
            return g
        if name in _GREEK:
            self.add("name", _GREEK[name], i, j)
            return j
        if name in _FUNC_CMDS:
            self.add("func", name, i, j)
            return j
        if name in _SIMPLE:
            kind, value = _SIMPLE[name]
            self.add(kind, value, i, j)
            return j
        if (name in ("mathbb", "mathbbm", "mathbf", "boldsymbol", "bm") and _ONE.match(t, j)) or (
            name in ("mathrm", "mathbf", "text", "textrm") and _STRUCK_ONE.match(t, j)
        ):
            g = self.group(j)
            self.add("ind", "𝟙", i, g)
            return g
        if name in _TEXT or name in _WRAPPERS:
            g = self.group(j)
            if g == j:  # \mathbf w: one token argument
                return j
            in_sub = t[max(0, i - 8) : i].rstrip().endswith(("_{", "_"))  # w_{\text{new}}
            text_mode = name in _TEXT and name != "mathrm" and not in_sub
            self.inner(j + 1, g - 1, text_mode, outer=(i, g))
            return g
        if name in ("hat", "tilde", "bar", "widehat", "overline"):
            g = self.group(j)
            self.add("unk" if g == j else "name", "^" + t[j + 1 : g - 1].strip(), i, g)
            return g
        if name in _SKIP_ARG:
            return self.group(j)
        self.add("unk", name, i, j)
        return j

    def run(self) -> list[Tok]:
        t, i = self.text, 0
        while i < len(t):
            c = t[i]
            if self.prose and (i == 0 or t[i - 1] == "\n"):  # a list item or a quote
                m = _LINE_MARK.match(t, i)
                if m:
                    self.add("break", m.group().strip(), i, m.end())
                    i = m.end()
                    continue
            if c == "\\":
                i = self.command(i)
                continue
            if c == "%" and not self.prose:
                nl = t.find("\n", i)
                i = len(t) if nl < 0 else nl
                continue
            if c == "\n":
                self.add("nl", "\n", i, i + 1)
                i += 1
                continue
            if c.isspace() or c == "~" and not self.prose:
                i += 1
                continue
            m = (self.square > 0 and _PRINTED.match(t, i)) or _NUMBER.match(t, i)
            if m:
                self.add("num", m.group(), i, m.end())
                i = m.end()
                continue
            if c in SUBSCRIPTS:
                j = i
                while j < len(t) and t[j] in SUBSCRIPTS:
                    j += 1
                self.add("op", "_", i, i)
                self.add("sub", "".join(SUBSCRIPTS[ch] for ch in t[i:j]), i, j)
                i = j
                continue
            if c in _SUPERSCRIPTS:
                j = i
                while j < len(t) and t[j] in _SUPERSCRIPTS:
                    j += 1
                self.add("op", "^", i, i)
                digits = "".join(_SUPERSCRIPTS[ch] for ch in t[i:j])
                self.add("num" if t[i] != "⁻" else "sub", digits, i, j)
                i = j
                continue
            if c == ":" and t[i + 1 : i + 2] == "=":
                self.add("rel", ":=", i, i + 2)
                i += 2
                continue
            if c == "." or c == "．":
                self.add("break", ".", i, i + 1)  # a full stop (numbers were read above)
                i += 1
                continue
            if _LETTER.match(c):
                i = self.letters(i)
                continue
            if c in _UNICODE:
                kind, value = _UNICODE[c]
                self.square += {"[": 1, "]": -1}.get(value, 0) if kind in ("open", "close") else 0
                self.add(kind, value, i, i + 1)
                i += 1
                continue
            if _CJK.match(c) or c in '\u3000「」『』《》〈〉“”‘’"`#@$':
                self.add("break", c, i, i + 1)
            else:
                self.add("unk" if not self.prose else "break", c, i, i + 1)
            i += 1
        return self.out

    def letters(self, i: int) -> int:
        t = self.text
        if not t[i].isascii():  # a Greek letter: one name (Σ is the sum sign)
            self.add("sum" if t[i] == "Σ" else "name", t[i], i, i + 1)
            return i + 1
        m = _WORD.match(t, i)
        assert m is not None
        word, digits = m.group(1), m.group(2)
        j = i + len(word)
        if self.prose and len(word) > 1 and word not in _PROSE_NAMES and not digits:
            derivative = (
                len(word) == 2
                and word[0] == "d"
                and "/" in (t[j : j + 8].lstrip()[:1] + t[max(0, i - 8) : i].rstrip()[-1:])
            )  # dL/dw
            subscript = t[i - 1 : i] == "_"  # b_new
            if t[j : j + 1] != "_" and not derivative and not subscript:
                self.add("word", word, i, j)
                return j
        # In math a run of letters is one name (lr, new, dL) or a function name.
        self.add("func" if word in FUNCTIONS else "name", word, i, j)
        if digits:  # x1: x with the subscript 1
            self.add("op", "_", j, j)
            self.add("sub", digits, j, j + len(digits))
            j += len(digits)
        return j


def tokenize(text: str, *, prose: bool = False, base: int = 0) -> list[Tok]:
    """The tokens of ``text``; offsets are ``base`` plus the offset in ``text``.

    >>> [t.text for t in tokenize(r"\\frac{\\partial L}{\\partial w} = -[1,2]")]
    ['/', '{', '∂', 'L', '}', '{', '∂', 'w', '}', '=', '-', '[', '1', ',', '2', ']']
    >>> [t.kind for t in tokenize("so w = 0，b = 0", prose=True)]
    ['word', 'name', 'rel', 'num', 'sep', 'name', 'rel', 'num']
    """
    if len(text) > LIMITS["max_length"]:
        raise LimitError(
            f"a piece of math of {len(text)} characters is longer than {LIMITS['max_length']}"
        )
    return _Lexer(text, prose, base).run()
