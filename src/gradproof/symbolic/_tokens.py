"""The tokenizer of the loss-expression parser: one ASCII regular expression, the numeric
literals it accepts, and the hints that explain a rejected character."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import sympy as sp

from gradproof.errors import LimitError, ParseError

__all__ = ["LIMITS", "SHOW", "Tok", "tokenize", "number", "show"]

LIMITS = {
    "max_length": 2000,  # characters in one expression
    "max_depth": 60,  # nesting of parentheses / operators
    "max_exponent": 100,  # |p| for a numeric exponent u^p
    "max_number_digits": 40,  # characters in one numeric literal
    "max_number_bits": 1100,  # bits of any numerator/denominator (a float64 needs ≤ 1075)
    "max_size": 20_000,  # nodes of the expression tree (max/min of k terms doubles k times)
}

# re.ASCII: \s is ASCII whitespace only and \d is 0-9 only (not '١' or '１').
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),·⋅−])
    """,
    re.VERBOSE | re.ASCII,
)
# A model's loss may index its score vector, s[y]: the same tokens, and brackets.
_TOKEN_BRACKETS = re.compile(
    _TOKEN.pattern.replace(r"[-+*/^(),·⋅−]", r"[-+*/^(),·⋅−\[\]]"), re.VERBOSE | re.ASCII
)
SHOW = 40  # characters of a user token shown in a message


@dataclass(frozen=True)
class Tok:
    kind: str  # number, name, op, end
    text: str
    pos: int


def show(text: str) -> str:
    """A user token for a message: repr (one line, escapes), cut to ``SHOW`` characters."""
    return repr(text if len(text) <= SHOW else text[:SHOW] + "…")


def _char_hint(ch: str) -> str:
    if ch in "[].":
        return " (subscripts and attributes are not part of the language)"
    if ch in "'\"`":
        return " (strings are not part of the language)"
    if ch in "λδ":
        return " (spell Greek letters out, e.g. lam, delta, and declare them with --param)"
    if ch in ";:=#{}!@$%&|~<>?\\":
        return " (only numbers, names, + - * / ^ ** ( ) , and · are allowed)"
    if ord(ch) > 127:
        name = unicodedata.name(ch, "unnamed character")
        what = (
            "write powers with ^, e.g. y^2"
            if "SUPERSCRIPT" in name
            else "only ASCII letters make names"
            if "LETTER" in name
            else "only ASCII digits make numbers"
            if "DIGIT" in name
            else "only ASCII spaces, tabs and newlines separate tokens"
            if ch.isspace()
            else "only ASCII text is allowed, besides · and −"
        )
        return f" (U+{ord(ch):04X} {name}; {what})"
    return ""


def number(text: str, pos: int) -> sp.Rational:
    """A numeric literal as an exact Rational, refusing sizes beyond a float64's range."""
    mantissa = text.lower().partition("e")[0]
    value = float(text)  # cheap even for 1e999999: inf or 0.0
    if math.isinf(value) or (value == 0.0 and mantissa.strip("0.") != ""):
        size = "large" if math.isinf(value) else "small"
        raise LimitError(
            f"number literal {show(text)} at position {pos + 1} is too {size} "
            f"(beyond the float64 range); write a number between 1e-308 and 1e308"
        )
    return sp.Rational(text)  # safe: the regex allows only ASCII digits, '.', 'e' and a sign


def tokenize(text: str, brackets: bool = False) -> list[Tok]:
    """The tokens of ``text``; ``brackets`` also accepts [ and ] (a score vector's index)."""
    pattern = _TOKEN_BRACKETS if brackets else _TOKEN
    toks: list[Tok] = []
    pos = 0
    while pos < len(text):
        m = pattern.match(text, pos)
        if m is None:
            ch = text[pos]
            raise ParseError(f"unexpected character {ch!r}{_char_hint(ch)}", pos, text)
        kind = m.lastgroup or ""
        if kind == "number" and len(m.group()) > LIMITS["max_number_digits"]:
            raise LimitError(
                f"number literal at position {pos + 1} has more than "
                f"{LIMITS['max_number_digits']} characters; write it shorter"
            )
        if kind != "ws":
            tok_text = {"⋅": "·", "−": "-", "**": "^"}.get(m.group(), m.group())
            toks.append(Tok(kind, tok_text, pos))
        pos = m.end()
    toks.append(Tok("end", "", len(text)))
    return toks
