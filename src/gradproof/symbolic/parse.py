"""A whitelist parser for loss expressions typed by users. It never evaluates user text.

The text is cut into tokens by one regular expression and read by a small Pratt parser; each
node is built directly as a SymPy object from a fixed table. Nothing reaches ``eval``,
``sympify`` or ``parse_expr``. Vectors (``w``, ``x``) may appear only inside a vector atom
(``dot(u, v)``, ``u·v``, ``norm(u)``), which the parser turns into the scalar atom symbols of
:mod:`gradproof.symbolic.atoms`.

Grammar (loosest binding first)::

    expr   := term (('+' | '-') term)*
    term   := unary (('*' | '/') unary)*
    unary  := ('-' | '+') unary | power
    power  := dotted (('^' | '**') unary)?         # right-associative, like Python
    dotted := atom ('·' atom)*
    atom   := NUMBER | NAME | NAME '(' args ')' | '(' expr ')'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sympy as sp

from gradproof.errors import LimitError, ParseError
from gradproof.symbolic.atoms import XX, B, Q, Y, Z, hyperparameter
from gradproof.symbolic.functions import Ramp, Sigmoid, Softplus

__all__ = ["parse_loss", "ParsedExpr", "LIMITS", "FUNCTIONS", "VECTORS", "SCALARS", "RESERVED"]

LIMITS = {
    "max_length": 2000,  # characters in one expression
    "max_depth": 60,  # nesting of parentheses / operators
    "max_exponent": 100,  # |p| for a numeric exponent u^p
    "max_number_digits": 40,  # characters in one numeric literal
}

VECTORS = ("w", "x")
SCALARS = ("b", "y")
FUNCTIONS = ("dot", "norm", "max", "min", "abs", "exp", "log", "log1p", "sqrt", "sigmoid",
             "softplus", "tanh", "cosh")
RESERVED = frozenset(VECTORS + SCALARS + FUNCTIONS + ("s", "z", "q", "xx", "n"))

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),·⋅−])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Tok:
    kind: str  # number, name, op, end
    text: str
    pos: int


@dataclass(frozen=True)
class _Val:
    """A parsed sub-expression: a scalar SymPy expression, or a bare vector name."""

    expr: sp.Expr | None
    vector: str | None
    pos: int


@dataclass(frozen=True)
class ParsedExpr:
    """The result of parsing: a scalar SymPy expression in atom symbols."""

    text: str
    expr: sp.Expr
    params: tuple[str, ...] = field(default=())


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = ""
            if ch in "[].":
                hint = " (subscripts and attributes are not part of the language)"
            elif ch in "'\"":
                hint = " (strings are not part of the language)"
            elif ch in "λδ":
                hint = " (spell Greek letters out, e.g. lam, delta, and declare them with --param)"
            raise ParseError(f"unexpected character {ch!r}{hint}", pos, text)
        kind = m.lastgroup or ""
        if kind == "number" and len(m.group()) > LIMITS["max_number_digits"]:
            raise LimitError(f"number literal at position {pos + 1} has more than "
                             f"{LIMITS['max_number_digits']} characters; write it shorter")
        if kind != "ws":
            tok_text = {"⋅": "·", "−": "-", "**": "^"}.get(m.group(), m.group())
            toks.append(_Tok(kind, tok_text, pos))
        pos = m.end()
    toks.append(_Tok("end", "", len(text)))
    return toks


class _Parser:
    def __init__(self, text: str, params: Mapping[str, object], allow_data: bool):
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.depth = 0
        self.params = params
        self.allow_data = allow_data
        self.used_params: set[str] = set()

    # -- token helpers -------------------------------------------------------------------
    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.tok
        self.i += 1
        return t

    def expect(self, text: str) -> _Tok:
        if self.tok.text != text or self.tok.kind != "op":
            got = "the end of the expression" if self.tok.kind == "end" else repr(self.tok.text)
            raise ParseError(f"expected {text!r} but found {got}", self.tok.pos, self.text)
        return self.take()

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > LIMITS["max_depth"]:
            raise LimitError(f"expression nested deeper than {LIMITS['max_depth']} levels "
                             f"(at position {pos + 1}); simplify it")

    def scalar(self, v: _Val, what: str) -> sp.Expr:
        if v.vector is not None:
            raise ParseError(
                f"vector {v.vector!r} used as a scalar in {what}; vectors may appear only "
                f"inside dot(u, v), u·v or norm(u)", v.pos, self.text)
        assert v.expr is not None
        return v.expr

    # -- grammar -------------------------------------------------------------------------
    def parse(self) -> sp.Expr:
        if self.tok.kind == "end":
            raise ParseError("the expression is empty", 0, self.text)
        v = self.expr()
        if self.tok.kind != "end":
            raise ParseError(f"unexpected {self.tok.text!r}", self.tok.pos, self.text)
        return self.scalar(v, "the loss")

    def expr(self) -> _Val:
        left = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take()
            right = self.term()
            a = self.scalar(left, f"'{op.text}'")
            c = self.scalar(right, f"'{op.text}'")
            left = _Val(a + c if op.text == "+" else a - c, None, left.pos)
        return left

    def term(self) -> _Val:
        left = self.unary()
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self.take()
            right = self.unary()
            a = self.scalar(left, f"'{op.text}'")
            c = self.scalar(right, f"'{op.text}'")
            if op.text == "/":
                if c.is_zero:
                    raise ParseError("division by zero", op.pos, self.text)
                left = _Val(a / c, None, left.pos)
            else:
                left = _Val(a * c, None, left.pos)
        return left

    def unary(self) -> _Val:
        if self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take()
            self.enter(op.pos)
            v = self.unary()
            self.depth -= 1
            e = self.scalar(v, f"unary '{op.text}'")
            return _Val(-e if op.text == "-" else e, None, op.pos)
        return self.power()

    def power(self) -> _Val:
        base = self.dotted()
        if self.tok.kind == "op" and self.tok.text == "^":
            op = self.take()
            self.enter(op.pos)
            exp_v = self.unary()
            self.depth -= 1
            b = self.scalar(base, "'^'")
            p = self.scalar(exp_v, "an exponent")
            if p.is_number:
                if not p.is_real or abs(p) > LIMITS["max_exponent"]:
                    raise LimitError(f"exponent at position {op.pos + 1} is larger than "
                                     f"{LIMITS['max_exponent']} in size; use a smaller power")
            if b.is_zero and p.is_number and p <= 0:
                raise ParseError("0 raised to a non-positive power", op.pos, self.text)
            return _Val(sp.Pow(b, p), None, base.pos)
        return base

    def dotted(self) -> _Val:
        left = self.atom()
        while self.tok.kind == "op" and self.tok.text == "·":
            op = self.take()
            right = self.atom()
            left = _Val(self.dot(left, right, op.pos), None, left.pos)
        return left

    def atom(self) -> _Val:
        t = self.tok
        if t.kind == "number":
            self.take()
            return _Val(sp.Rational(t.text), None, t.pos)
        if t.kind == "op" and t.text == "(":
            self.take()
            self.enter(t.pos)
            v = self.expr()
            self.depth -= 1
            self.expect(")")
            return _Val(v.expr, v.vector, t.pos)
        if t.kind == "name":
            self.take()
            if self.tok.kind == "op" and self.tok.text == "(":
                return self.call(t)
            return self.name(t)
        if t.kind == "end":
            raise ParseError("the expression ends too early", t.pos, self.text)
        raise ParseError(f"unexpected {t.text!r}", t.pos, self.text)

    def name(self, t: _Tok) -> _Val:
        n = t.text
        if n.startswith("__"):
            raise ParseError(f"name {n!r} is not allowed", t.pos, self.text)
        if n in FUNCTIONS:
            raise ParseError(f"function {n!r} must be called, e.g. {n}(...)", t.pos, self.text)
        if n in VECTORS:
            if n == "x" and not self.allow_data:
                raise ParseError("the regulariser cannot use the data x; it sits outside the "
                                 "sum over samples", t.pos, self.text)
            return _Val(None, n, t.pos)
        if n == "b":
            return _Val(B, None, t.pos)
        if n == "y":
            if not self.allow_data:
                raise ParseError("the regulariser cannot use the label y; it sits outside "
                                 "the sum over samples", t.pos, self.text)
            return _Val(Y, None, t.pos)
        if n in self.params:
            self.used_params.add(n)
            return _Val(hyperparameter(n), None, t.pos)
        raise ParseError(
            f"unknown name {n!r}; use w, x (vectors), b, y (scalars), one of the functions "
            f"{', '.join(FUNCTIONS)}, or declare a hyperparameter with --param {n}=VALUE",
            t.pos, self.text)

    def call(self, t: _Tok) -> _Val:
        fname = t.text
        if fname not in FUNCTIONS:
            if fname.startswith("__") or fname in ("eval", "exec", "open", "lambda",
                                                     "getattr", "import", "compile"):
                raise ParseError(f"calling {fname!r} is not allowed", t.pos, self.text)
            raise ParseError(f"unknown function {fname!r}; the functions are "
                             f"{', '.join(FUNCTIONS)}", t.pos, self.text)
        open_tok = self.expect("(")
        self.enter(open_tok.pos)
        args: list[_Val] = []
        if not (self.tok.kind == "op" and self.tok.text == ")"):
            args.append(self.expr())
            while self.tok.kind == "op" and self.tok.text == ",":
                self.take()
                args.append(self.expr())
        self.expect(")")
        self.depth -= 1
        return _Val(self.apply(fname, args, t.pos), None, t.pos)

    # -- semantics -----------------------------------------------------------------------
    def dot(self, u: _Val, v: _Val, pos: int) -> sp.Expr:
        if u.vector is None or v.vector is None:
            raise ParseError("a dot product needs two vectors (w or x) on both sides",
                             pos, self.text)
        pair = {u.vector, v.vector}
        if pair == {"w", "x"}:
            return Z
        if pair == {"w"}:
            return Q
        return XX

    def apply(self, fname: str, args: list[_Val], pos: int) -> sp.Expr:
        arity = {"dot": 2, "norm": 1, "max": None, "min": None}.get(fname, 1)
        if arity is not None and len(args) != arity:
            raise ParseError(f"{fname}() takes {arity} argument{'s' if arity > 1 else ''}, "
                             f"got {len(args)}", pos, self.text)
        if fname == "dot":
            return self.dot(args[0], args[1], pos)
        if fname == "norm":
            v = args[0]
            if v.vector is None:
                raise ParseError("norm() takes a vector (w or x); for a scalar use abs()",
                                 pos, self.text)
            return sp.sqrt(Q if v.vector == "w" else XX)
        vals = [self.scalar(a, f"{fname}()") for a in args]
        if fname in ("max", "min"):
            if len(vals) < 2:
                raise ParseError(f"{fname}() takes at least 2 arguments, got {len(vals)}",
                                 pos, self.text)
            return _maxmin(fname, vals)
        u = vals[0]
        return _UNARY[fname](u)


def _maxmin(fname: str, vals: list[sp.Expr]) -> sp.Expr:
    """max/min as chains of Ramp: max(a, c) = a + max(0, c − a), min(a, c) = a − max(0, a − c).

    A numeric argument is taken as the base, so max(0, u) becomes exactly Ramp(u).
    """
    numeric = [v for v in vals if v.is_number]
    rest = [v for v in vals if not v.is_number]
    if numeric:
        base = sp.Max(*numeric) if fname == "max" else sp.Min(*numeric)
    else:
        base, rest = rest[0], rest[1:]
    acc = base
    for v in rest:
        acc = acc + Ramp(v - acc) if fname == "max" else acc - Ramp(acc - v)
    return acc


_UNARY: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "abs": sp.Abs,
    "exp": sp.exp,
    "log": sp.log,
    "log1p": lambda u: sp.log(1 + u),
    "sqrt": sp.sqrt,
    "sigmoid": Sigmoid,
    "softplus": Softplus,
    "tanh": sp.tanh,
    "cosh": sp.cosh,
}


def parse_loss(text: str, params: Mapping[str, object] | None = None, *,
               allow_data: bool = True) -> ParsedExpr:
    """Parse a loss expression into a scalar SymPy expression in atom symbols.

    Parameters
    ----------
    text
        The expression, e.g. ``"max(0, 1 - y*(dot(w, x) + b))"``.
    params
        Names of the hyperparameters the expression may use (values are not read here).
    allow_data
        False for a regulariser, which may not use x or y.

    Raises
    ------
    ParseError, LimitError
        On anything outside the language, with the position of the offending token.

    Examples
    --------
    >>> parse_loss("max(0, -y*(w·x + b))").expr
    Ramp(-y*(b + z))
    """
    if not isinstance(text, str):
        raise ParseError(f"the expression must be text, got {type(text).__name__}")
    if len(text) > LIMITS["max_length"]:
        raise LimitError(f"expression is {len(text)} characters long; the limit is "
                         f"{LIMITS['max_length']}")
    params = dict(params or {})
    for p in params:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", p) or p in RESERVED:
            raise ParseError(f"{p!r} cannot be a hyperparameter name; use a plain name that "
                             f"is not one of {', '.join(sorted(RESERVED))}")
    parser = _Parser(text, params, allow_data)
    expr = parser.parse()
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ParseError("the expression is undefined (division by zero or log(0))", 0, text)
    return ParsedExpr(text, expr, tuple(sorted(parser.used_params)))
