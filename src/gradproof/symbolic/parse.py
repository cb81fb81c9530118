"""A whitelist parser for loss expressions typed by users. It never evaluates user text.

The text is cut into tokens by one regular expression and read by a recursive-descent parser
(one method per grammar rule below); each function call is built directly as a SymPy object
by its entry in the primitive registry (:mod:`gradproof.symbolic.primitives`). Nothing
reaches ``eval``, ``sympify`` or ``parse_expr``. Vectors (``w``, ``x``) may appear only
inside a vector atom (``dot(u, v)``, ``u·v``, ``norm(u)``), which the parser turns into the
scalar atom symbols of :mod:`gradproof.symbolic.atoms`.

Grammar (loosest binding first)::

    expr   := term (('+' | '-') term)*
    term   := unary (('*' | '/') unary)*
    unary  := ('-' | '+') unary | power
    power  := dotted (('^' | '**') unary)?         # right-associative, like Python
    dotted := atom ('·' atom)*
    atom   := NUMBER | NAME | NAME '(' args ')' | '(' expr ')'

Hostile input is bounded before it costs anything (see :data:`LIMITS`): the text length, the
nesting depth, the size of numeric exponents, the number of tree nodes (max/min repeat their
arguments, so nesting them doubles the tree) and the size of every number the expression
produces (at most ``max_number_bits`` bits, about the range of a float64) are checked as the
tree is built; constants are sized with plain floats, never SymPy's ``evalf``, and non-real
ones (``sqrt(-1)``) are refused; the whole parse runs under a wall-clock limit
(:mod:`gradproof.limits`). Every failure is a :class:`ParseError` or :class:`LimitError` with
one line naming the problem and its position.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp

from gradproof.errors import LimitError, ParseError
from gradproof.limits import TIME_LIMITS, approx_float, rational_bits, run_with_limit, tree_size
from gradproof.symbolic import primitives
from gradproof.symbolic._tokens import LIMITS, SHOW, Tok, number, show, tokenize
from gradproof.symbolic.atoms import XX, B, Q, Y, Z, hyperparameter

__all__ = ["parse_loss", "ParsedExpr", "LIMITS", "FUNCTIONS", "VECTORS", "SCALARS", "RESERVED"]

VECTORS = ("w", "x")
SCALARS = ("b", "y")
FUNCTIONS = primitives.parser_names()
"""The function names of the language (of the default registry): dot and norm, then every
registered primitive users can call."""
RESERVED = frozenset(VECTORS + SCALARS + FUNCTIONS + ("s", "z", "q", "xx", "n"))
_FORBIDDEN_CALLS = frozenset(
    {
        "eval",
        "exec",
        "open",
        "lambda",
        "getattr",
        "setattr",
        "import",
        "compile",
        "globals",
        "locals",
        "vars",
        "input",
        "breakpoint",
        "help",
        "system",
    }
)


@dataclass(frozen=True)
class _Val:
    """A parsed sub-expression: a scalar SymPy expression, or a bare vector name.

    ``bits`` bounds the bit length of the numbers inside ``expr`` and ``size`` its number of
    tree nodes (see :meth:`_Parser.make`).
    """

    expr: sp.Expr | None
    vector: str | None
    pos: int
    bits: int = 0
    size: int = 1


@dataclass(frozen=True)
class ParsedExpr:
    """The result of parsing: a scalar SymPy expression in atom symbols."""

    text: str
    expr: sp.Expr
    params: tuple[str, ...] = field(default=())


class _Parser:
    def __init__(
        self, text: str, params: Mapping[str, object], allow_data: bool, brackets: bool = False
    ):
        self.text = text
        self.toks = tokenize(text, brackets)
        self.i = 0
        self.depth = 0
        self.params = params
        self.allow_data = allow_data
        self.used_params: set[str] = set()
        self.functions = primitives.parser_names()
        self.float_functions = primitives.active().float_functions()

    # -- token helpers -------------------------------------------------------------------
    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def take(self) -> Tok:
        t = self.tok
        self.i += 1
        return t

    def found(self) -> str:
        """The current token, in words."""
        return "the end of the expression" if self.tok.kind == "end" else show(self.tok.text)

    def expect(self, text: str) -> Tok:
        if self.tok.text != text or self.tok.kind != "op":
            raise ParseError(f"expected {text!r} but found {self.found()}", self.tok.pos, self.text)
        return self.take()

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > LIMITS["max_depth"]:
            raise LimitError(
                f"expression nested deeper than {LIMITS['max_depth']} levels "
                f"(at position {pos + 1}); simplify it"
            )

    def scalar(self, v: _Val, what: str) -> sp.Expr:
        if v.vector is not None:
            raise ParseError(
                f"vector {v.vector!r} used as a scalar in {what}; vectors may appear only "
                f"inside dot(u, v), u·v or norm(u)",
                v.pos,
                self.text,
            )
        assert v.expr is not None
        return v.expr

    def make(self, e: sp.Expr, pos: int, bits: int, size: int) -> _Val:
        """Wrap a freshly built node, checking its numbers and its size stay within the limits.

        ``bits`` and ``size`` are estimates from the operands (sums for + - * /, products for
        powers): ``bits`` bounds the bit length of any Rational in ``e``, ``size`` its number of
        tree nodes. Only when an estimate exceeds its limit is ``e`` measured exactly, so
        ordinary expressions cost no traversal.
        """
        if size > LIMITS["max_size"]:
            size = tree_size(e, LIMITS["max_size"] + 1)
            if size > LIMITS["max_size"]:
                raise self.too_big(pos)
        limit = LIMITS["max_number_bits"]
        if bits > limit:
            bits = rational_bits(e)
            if bits > limit:
                raise LimitError(
                    f"a number in the expression at position {pos + 1} needs "
                    f"{bits} bits (more than {limit}, beyond the float64 range); "
                    f"use smaller numbers"
                )
        if e.is_number and not e.is_Rational:
            self.check_constant(e, pos)
        return _Val(e, None, pos, bits, size)

    def too_big(self, pos: int) -> LimitError:
        return LimitError(
            f"the expression at position {pos + 1} grows to more than "
            f"{LIMITS['max_size']} terms (each max/min repeats its arguments); "
            f"simplify it"
        )

    def check_constant(self, e: sp.Expr, pos: int) -> float | None:
        """Size a constant with floats: undefined/complex → ParseError, huge → LimitError."""
        v = approx_float(e, self.float_functions)
        # Quote what the user wrote (the text consumed so far from pos), not SymPy's zoo or I.
        written = show(self.text[pos : self.tok.pos].strip() or str(e))
        if v is not None and math.isnan(v):
            raise ParseError(
                f"{written} is undefined or not a real number (e.g. log(0), sqrt(-1), log(-1))",
                pos,
                self.text,
            )
        if v is not None and math.isinf(v):
            raise LimitError(
                f"{written} at position {pos + 1} is beyond the float64 range; use smaller numbers"
            )
        return v

    # -- grammar -------------------------------------------------------------------------
    def parse(self) -> sp.Expr:
        if self.tok.kind == "end":
            raise ParseError("the expression is empty", 0, self.text)
        v = self.expr()
        if self.tok.kind != "end":
            prev = self.toks[self.i - 1]
            hint = ""
            if (prev.kind in ("number", "name") or prev.text == ")") and (
                self.tok.kind in ("number", "name") or self.tok.text == "("
            ):
                hint = " (write multiplication explicitly, e.g. 2*y)"
            raise ParseError(f"unexpected {self.found()}{hint}", self.tok.pos, self.text)
        return self.scalar(v, "the loss")

    def expr(self) -> _Val:
        first = self.term()
        if not (self.tok.kind == "op" and self.tok.text in "+-"):
            return first
        terms = [self.scalar(first, f"{self.tok.text!r}")]
        bits, size = first.bits, first.size + 1
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take()
            right = self.term()
            c = self.scalar(right, f"'{op.text}'")
            terms.append(c if op.text == "+" else -c)
            bits, size = bits + right.bits + 1, size + right.size + 2
        # One n-ary Add: adding term by term would re-sort the growing sum each time.
        return self.make(sp.Add(*terms), first.pos, bits, size)

    def term(self) -> _Val:
        first = self.unary()
        if not (self.tok.kind == "op" and self.tok.text in "*/"):
            return first
        factors = [self.scalar(first, f"{self.tok.text!r}")]
        bits, size = first.bits, first.size + 1
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self.take()
            right = self.unary()
            c = self.scalar(right, f"'{op.text}'")
            if op.text == "/":
                if c.is_number and self.check_constant(c, right.pos) == 0.0:
                    raise ParseError("division by zero", op.pos, self.text)
                c = sp.Pow(c, -1)
            factors.append(c)
            bits, size = bits + right.bits + 1, size + right.size + 2
        return self.make(sp.Mul(*factors), first.pos, bits, size)

    def unary(self) -> _Val:
        if self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take()
            self.enter(op.pos)
            v = self.unary()
            self.depth -= 1
            e = self.scalar(v, f"unary '{op.text}'")
            return _Val(-e if op.text == "-" else e, None, op.pos, v.bits, v.size + 2)
        return self.power()

    def power(self) -> _Val:
        base = self.dotted()
        if not (self.tok.kind == "op" and self.tok.text == "^"):
            return base
        op = self.take()
        self.enter(op.pos)
        exp_v = self.unary()
        self.depth -= 1
        b = self.scalar(base, "'^'")
        p = self.scalar(exp_v, "an exponent")
        v = self.exponent_value(p, exp_v.pos)
        if v is None:  # a symbolic exponent: no numbers combine
            return self.make(
                sp.Pow(b, p), base.pos, base.bits + exp_v.bits, base.size + exp_v.size + 1
            )
        if v <= 0 and b.is_number and approx_float(b, self.float_functions) == 0.0:
            raise ParseError("0 raised to a non-positive power", op.pos, self.text)
        # SymPy multiplies the numbers out of a numeric base or a product, (c·u)^p = c^p·u^p:
        # size that before SymPy computes it.
        times = max(1, math.ceil(abs(v)))
        grown = rational_bits(_numeric_part(b)) * times
        if grown > LIMITS["max_number_bits"]:
            raise LimitError(
                f"the power at position {op.pos + 1} would make a number of about "
                f"{grown} bits (more than {LIMITS['max_number_bits']}); use a "
                f"smaller base or exponent"
            )
        return self.make(
            sp.Pow(b, p),
            base.pos,
            base.bits * times + exp_v.bits + 1,
            2 * base.size + exp_v.size + 1,
        )

    def exponent_value(self, p: sp.Expr, pos: int) -> float | None:
        """A constant exponent as a float (checked against the limit); None if symbolic."""
        if not p.is_number:
            return None
        v = approx_float(p, self.float_functions)
        if v is None or math.isnan(v):
            raise ParseError(
                f"the exponent {show(str(p))} is not a real number that can be "
                f"checked; use a plain number",
                pos,
                self.text,
            )
        if abs(v) > LIMITS["max_exponent"]:
            raise LimitError(
                f"exponent at position {pos + 1} is larger than "
                f"{LIMITS['max_exponent']} in size; use a smaller power"
            )
        return v

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
            r = number(t.text, t.pos)
            return self.make(r, t.pos, rational_bits(r), 1)
        if t.kind == "op" and t.text == "(":
            self.take()
            self.enter(t.pos)
            v = self.expr()
            self.depth -= 1
            self.expect(")")
            return _Val(v.expr, v.vector, t.pos, v.bits, v.size)
        if t.kind == "name":
            self.take()
            if self.tok.kind == "op" and self.tok.text == "(":
                return self.call(t)
            return self.name(t)
        if t.kind == "end":
            raise ParseError("the expression ends too early", t.pos, self.text)
        raise ParseError(f"unexpected {show(t.text)}", t.pos, self.text)

    def name(self, t: Tok) -> _Val:
        n = t.text
        if n.startswith("_"):
            raise ParseError(
                f"name {show(n)} is not allowed (names start with a letter)", t.pos, self.text
            )
        if n in self.functions:
            raise ParseError(f"function {n!r} must be called, e.g. {n}(...)", t.pos, self.text)
        if n in VECTORS:
            if n == "x" and not self.allow_data:
                raise ParseError(
                    "the regulariser cannot use the data x; it sits outside the sum over samples",
                    t.pos,
                    self.text,
                )
            return _Val(None, n, t.pos)
        if n == "b":
            return _Val(B, None, t.pos)
        if n == "y":
            if not self.allow_data:
                raise ParseError(
                    "the regulariser cannot use the label y; it sits outside the sum over samples",
                    t.pos,
                    self.text,
                )
            return _Val(Y, None, t.pos)
        if n in self.params:
            self.used_params.add(n)
            return _Val(hyperparameter(n), None, t.pos)
        shown = show(n)
        raise ParseError(
            f"unknown name {shown}; use w, x (vectors), b, y (scalars), one of the functions "
            f"{', '.join(self.functions)}, or declare a hyperparameter with --param "
            f"{n if len(n) <= SHOW else 'NAME'}=VALUE",
            t.pos,
            self.text,
        )

    def call(self, t: Tok) -> _Val:
        fname = t.text
        if fname not in self.functions:
            if fname.startswith("_") or fname in _FORBIDDEN_CALLS:
                raise ParseError(f"calling {show(fname)} is not allowed", t.pos, self.text)
            raise ParseError(
                f"unknown function {show(fname)}; the functions are {', '.join(self.functions)}",
                t.pos,
                self.text,
            )
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
        bits = 2 * sum(a.bits for a in args) + 2 * len(args)
        size = sum(a.size for a in args) + 3
        entry = primitives.parser_entry(fname)
        if entry is not None and entry.size is not None:  # a builder that repeats arguments
            size = entry.size([(a.size, a.expr is not None and a.expr.is_number) for a in args])
            if size > LIMITS["max_size"]:
                raise self.too_big(t.pos)  # before SymPy builds it: the building is the cost
        return self.make(self.apply(fname, args, t.pos), t.pos, bits, size)

    # -- semantics -----------------------------------------------------------------------
    def dot(self, u: _Val, v: _Val, pos: int) -> sp.Expr:
        if u.vector is None or v.vector is None:
            raise ParseError(
                "a dot product needs two vectors (w or x) on both sides", pos, self.text
            )
        pair = {u.vector, v.vector}
        if pair == {"w", "x"}:
            return Z
        if pair == {"w"}:
            return Q
        return XX

    def apply(self, fname: str, args: list[_Val], pos: int) -> sp.Expr:
        entry = primitives.parser_entry(fname)
        arity = entry.arity if entry is not None else {"dot": 2, "norm": 1}[fname]
        if entry is not None and entry.variadic:
            if len(args) < arity:
                raise ParseError(
                    f"{fname}() takes at least {arity} arguments, got {len(args)}", pos, self.text
                )
        elif len(args) != arity:
            raise ParseError(
                f"{fname}() takes {arity} argument{'s' if arity > 1 else ''}, got {len(args)}",
                pos,
                self.text,
            )
        if fname == "dot":
            return self.dot(args[0], args[1], pos)
        if fname == "norm":
            v = args[0]
            if v.vector is None:
                raise ParseError(
                    "norm() takes a vector (w or x); for a scalar use abs()", pos, self.text
                )
            return sp.sqrt(Q if v.vector == "w" else XX)
        vals = [self.scalar(a, f"{fname}()") for a in args]
        assert entry is not None and entry.build is not None
        return entry.build(*vals)


def parse_loss(
    text: str, params: Mapping[str, object] | None = None, *, allow_data: bool = True
) -> ParsedExpr:
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
        On anything outside the language or beyond :data:`LIMITS` (or taking longer than
        ``TIME_LIMITS["parse_seconds"]``), with the position of the offending token.

    Examples
    --------
    >>> parse_loss("max(0, -y*(w·x + b))").expr
    Ramp(-y*(b + z))
    """
    if not isinstance(text, str):
        raise ParseError(f"the expression must be text, got {type(text).__name__}")
    if len(text) > LIMITS["max_length"]:
        raise LimitError(
            f"expression is {len(text)} characters long; the limit is "
            f"{LIMITS['max_length']} (exceeded at position {LIMITS['max_length'] + 1})"
            f"; shorten it"
        )
    params = dict(params or {})
    for p in params:
        if (
            not isinstance(p, str)
            or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", p)
            or p in RESERVED
            or primitives.parser_entry(p) is not None
        ):
            raise ParseError(
                f"{show(str(p))} cannot be a hyperparameter name; use a plain "
                f"name that is not one of {', '.join(sorted(RESERVED))}"
            )

    def work() -> tuple[sp.Expr, set[str]]:
        parser = _Parser(text, params, allow_data)
        expr = parser.parse()
        if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ParseError("the expression is undefined (division by zero or log(0))", 0, text)
        return expr, parser.used_params

    expr, used = run_with_limit(
        work, TIME_LIMITS["parse_seconds"], what="parsing the expression", hint="simplify it"
    )
    return ParsedExpr(text, expr, tuple(sorted(used)))


def _numeric_part(e: sp.Expr) -> sp.Expr:
    """The factors of ``e`` that SymPy would combine with a numeric power."""
    if e.is_number:
        return e
    if e.is_Mul:
        return sp.Mul(*[f for f in e.args if f.is_number])
    return sp.Integer(1)
