"""Every text form reads back to its own value: an independent reader of gradproof's unicode
formulas (written here from the conventions a person reads by, not from the printer) parses
the printed per-sample loss and gradient coefficients of random expressions, and the value
must equal SymPy's value of the expression. Juxtaposition binds tighter than "/", as a
reader takes "1/7yᵢ" to mean 1/(7yᵢ): the old printer wrote that for yᵢ/7.
"""

from __future__ import annotations

import math
import re

import mpmath
import pytest
import sympy as sp
from expression_grammar import to_text as expression_text
from expression_grammar import tree
from hypothesis import example, given, settings

import gradproof
from gradproof.symbolic.atoms import XX, B, Q, S, Y, Z
from gradproof.symbolic.render.printers import to_text

_FUNCS = {
    "tanh": mpmath.tanh,
    "cosh": mpmath.cosh,
    "sinh": mpmath.sinh,
    "exp": mpmath.exp,
    "log": mpmath.log,
    "erf": mpmath.erf,
    "softplus": lambda u: mpmath.log(1 + mpmath.exp(u)),
    "σ": lambda u: 1 / (1 + mpmath.exp(-u)),
    "sgn": mpmath.sign,
    "√": mpmath.sqrt,
}
_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<num>[0-9]+(?:\.[0-9]+)?|[½⅓¼])
      | (?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)
      | (?P<func>tanh|cosh|sinh|exp|log|erf|softplus|sgn|σ|√|max)
      | (?P<atom>w·xᵢ|w·x|‖w‖|‖xᵢ‖|‖x‖|sᵢ|s|yᵢ|y|b|λ|π|e)
      | (?P<op>[-+−·/^(),\[\]|𝟙≤≥<>])""",
    re.VERBOSE,
)
_ENDS_ATOM = ("num", "sup", "atom", ")", "]", "close")


class AtKink(Exception):
    """The formula is evaluated exactly at a kink."""


class Reader:
    """Recursive descent over the text: sum → quotient (/) → product (·, juxtaposition) →
    power (superscripts, ^(…)) → atom. A bar | closes an |…| when it directly follows the
    end of an atom (no space), and opens one otherwise."""

    def __init__(self, text: str, env: dict[str, mpmath.mpf]):
        self.env = env
        self.toks: list[tuple[str, str]] = []
        spaced = False
        for m in _TOKEN.finditer(text):
            kind, val = m.lastgroup, m.group()
            if kind == "ws":
                spaced = True
                continue
            if kind == "op":
                kind = val
                if val == "|":
                    prev = self.toks[-1][0] if self.toks else None
                    kind = "close" if prev in _ENDS_ATOM and not spaced else "open"
            self.toks.append((kind, val))
            spaced = False
        assert "".join(v for _, v in self.toks) == re.sub(r"\s", "", text), text
        self.i = 0

    def peek(self) -> str:
        return self.toks[self.i][0] if self.i < len(self.toks) else "end"

    def take(self, kind: str | None = None) -> str:
        k, v = self.toks[self.i]
        assert kind is None or k == kind, (kind, k, v, self.i)
        self.i += 1
        return v

    def read(self) -> mpmath.mpf:
        v = self.sum()
        assert self.peek() == "end", self.toks[self.i :]
        return v

    def sum(self):
        neg = self.peek() == "−"
        if neg:
            self.take()
        v = self.quotient()
        v = -v if neg else v
        while self.peek() in ("+", "−"):
            op = self.take()
            r = self.quotient()
            v = v + r if op == "+" else v - r
        return v

    def quotient(self):
        v = self.product()
        while self.peek() == "/":
            self.take()
            v = v / self.product()
        return v

    def product(self):
        v = self.power()
        while True:
            if self.peek() == "·":
                self.take()
            elif self.peek() not in ("num", "func", "atom", "(", "open", "𝟙"):
                return v
            v = v * self.power()

    def power(self):
        v = self.atom()
        while self.peek() in ("sup", "^"):
            if self.take() == "^":
                self.take("(")
                e = self.sum()
                self.take(")")
            else:
                e = int(self.toks[self.i - 1][1].translate(_SUP))
            v = v**e
        return v

    def atom(self):
        kind = self.peek()
        val = self.take()
        if kind == "num":
            glyphs = {"½": 2, "⅓": 3, "¼": 4}
            return mpmath.mpf(1) / glyphs[val] if val in glyphs else mpmath.mpf(val)
        if kind == "atom":
            return self.env[val.replace("ᵢ", "")]
        if kind == "(":
            v = self.sum()
            self.take(")")
            return v
        if kind == "open":
            v = self.sum()
            self.take("close")
            return abs(v)
        if kind == "𝟙":
            self.take("[")
            lhs = self.sum()
            op = self.take()
            rhs = self.sum()
            self.take("]")
            if abs(lhs - rhs) < 1e-12:
                raise AtKink  # e.g. 𝟙[w·x − |w·x| ≥ 0]: the value depends on the convention
            return mpmath.mpf(
                {"≤": lhs <= rhs, "≥": lhs >= rhs, "<": lhs < rhs, ">": lhs > rhs}[op]
            )
        assert kind == "func", (kind, val)
        self.take("(")
        if val == "max":
            assert self.take("num") == "0"
            self.take(",")
            v = max(mpmath.mpf(0), self.sum())
        else:
            v = _FUNCS[val](self.sum())
        self.take(")")
        return v


def _env():
    z, b, y, q, xx = (mpmath.mpf(v) for v in ("0.37", "-0.61", "0.83", "1.29", "2.05"))
    return {"w·x": z, "b": b, "s": z + b, "y": y, "‖w‖": mpmath.sqrt(q), "‖x‖": mpmath.sqrt(xx),
            "λ": mpmath.mpf("0.5"), "π": mpmath.pi, "e": mpmath.e}  # fmt: skip


def _value(expr: sp.Expr, env) -> float:
    vals = {S: env["s"], Z: env["w·x"], B: env["b"], Y: env["y"], Q: env["‖w‖"] ** 2,
            XX: env["‖x‖"] ** 2}  # fmt: skip
    return complex(sp.N(expr.xreplace({k: sp.Float(v, 30) for k, v in vals.items()}), 25))


def _forms(d):
    f = d.form
    yield to_text(f.loss, atoms="scalar"), f.loss
    yield to_text(f.loss), f.loss
    for c in (f.cw, f.cb, f.cq):
        yield to_text(c), c
        yield to_text(c, expand_score=True), c


def _reads_back(text_expr: str) -> None:
    with mpmath.workdps(30):
        _reads_back_at_precision(text_expr)


def _reads_back_at_precision(text_expr: str) -> None:
    d = gradproof.derive(expr=text_expr)
    env = _env()
    for text, expr in _forms(d):
        want = _value(expr, env)
        if want.imag != 0 or not math.isfinite(want.real):
            continue
        try:
            got = Reader(text, env).read()
        except AtKink:
            continue
        assert float(got) == pytest.approx(want.real, rel=1e-12, abs=1e-15), (text_expr, text)
    full = d.render("text", detail="full")
    assert not re.search(r"(?<![\d.])\d+/\d+[^\d\s)+−,\]}/]", full), full  # no 1/7yᵢ


@settings(max_examples=200, deadline=None)
@given(tree())
@example(("un", "div7", ("bin", "*", ("leaf", "y"), ("leaf", "dot(w, x)"))))  # 1/7yᵢ w·xᵢ
@example(("un", "third", ("un", "sqr", ("leaf", "w·x + b"))))
def test_random_text_forms_read_back(node):
    _reads_back(expression_text(node))


@pytest.mark.parametrize(
    "expr",
    [
        "y*dot(w,x)/7",
        "(w·x + b - y)^2/5 * exp(b)",
        "abs(abs(w·x) - abs(b)) * abs(y)",
        "max(0, 1 - y*(w·x + b))^2/3 + erf(b)/9",
        "log(cosh(w·x + b - y))/4",
        "sqrt(1 + (w·x + b - y)^2)/2 + norm(w)^3/5",
    ],
)
def test_hand_picked_text_forms_read_back(expr):
    _reads_back(expr)
