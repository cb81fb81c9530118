"""The whitelist parser for losses over a model's score vector, e.g. ``logsumexp(s) - s[y]``.

The grammar, limits and error handling are those of :mod:`gradproof.symbolic.parse` (this
parser is its subclass, and never evaluates user text either); what changes is the vector.
The score vector ``s`` ∈ ℝᴷ may appear only inside a score function of the primitive
registry (:mod:`gradproof.symbolic.score_primitives`):

==================  ========================================  ==================
written             means                                     atom
==================  ========================================  ==================
``logsumexp(s)``    log Σₖ exp(sₖ)                            lse
``s[y]``            the true class's score                    s_y
``max(s)``          the largest score                         smax
``max_rivals(s)``   the largest score of the other classes    smax_other
``softmax(s)[y]``   exp(s_y − logsumexp(s)), p of the class   (sugar)
==================  ========================================  ==================

and ``y`` (the class label) only as the index of ``s[y]``. Everything else is the scalar
language: numbers, hyperparameters, + − * / ^ and the scalar functions.

>>> parse_score_loss("logsumexp(s) - s[y]").expr
lse - s_y
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import sympy as sp

from gradproof.errors import LimitError, ParseError
from gradproof.limits import TIME_LIMITS, run_with_limit
from gradproof.symbolic import primitives
from gradproof.symbolic._tokens import LIMITS, Tok, show
from gradproof.symbolic.atoms import SY, hyperparameter
from gradproof.symbolic.parse import RESERVED, ParsedExpr, _Parser, _Val

__all__ = ["parse_score_loss", "uses_scores", "SCORE_RESERVED"]

SCORE_RESERVED = frozenset({"s", "y", "p", "lse"}) | set(primitives.score_names())
"""Names a hyperparameter of a score loss may not take."""

_LINEAR_NAMES = ("w", "x", "b", "dot", "norm")
WRITTEN = {
    "logsumexp": "logsumexp(s)",
    "label_score": "s[y]",
    "max_classes": "max(s)",
    "max_rivals": "max_rivals(s)",
    "softmax": "softmax(s)[y]",
}
"""How each score function is written (the registry names label_score and max_classes are
spelled s[y] and max(s))."""
_SPELLED = ", ".join(WRITTEN.values())


def uses_scores(text: str) -> bool:
    """True when a loss expression is written in a model's score vector (it names ``s`` or a
    score function), so that it is parsed by :func:`parse_score_loss`."""
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text if isinstance(text, str) else ""))
    return "s" in names or bool(names & set(primitives.score_names()))


class _ScoreParser(_Parser):
    def __init__(self, text: str, params: Mapping[str, object]) -> None:
        super().__init__(text, params, allow_data=True, brackets=True)
        self.score_functions = primitives.score_names()
        self.functions = tuple(n for n in self.functions if n not in ("dot", "norm"))
        self.functions = self.functions + self.score_functions

    def scalar(self, v: _Val, what: str) -> sp.Expr:
        if v.vector is not None:
            raise ParseError(
                f"the score vector {v.vector!r} used as a number in {what}; use it inside "
                f"logsumexp(s), max(s), s[y] or softmax(s)[y]",
                v.pos,
                self.text,
            )
        assert v.expr is not None
        return v.expr

    def name(self, t: Tok) -> _Val:
        n = t.text
        if n == "s":
            return _Val(None, "s", t.pos)
        if n == "y":
            raise ParseError(
                "y is the class label: use it as the index of the scores, s[y]", t.pos, self.text
            )
        if n in _LINEAR_NAMES:
            raise ParseError(
                f"{n!r} belongs to the linear model's language; a loss over the score vector "
                f"uses the scores through {_SPELLED}",
                t.pos,
                self.text,
            )
        if n in self.params and n not in SCORE_RESERVED:
            self.used_params.add(n)
            return _Val(hyperparameter(n), None, t.pos)
        if n in self.functions:
            raise ParseError(f"function {n!r} must be called, e.g. {n}(s)", t.pos, self.text)
        raise ParseError(
            f"unknown name {show(n)}; use the scores through {_SPELLED}, numbers, the "
            f"functions {', '.join(n for n in self.functions if n not in WRITTEN)}, or declare "
            f"a hyperparameter with --param",
            t.pos,
            self.text,
        )

    def dotted(self) -> _Val:
        v = self.atom()
        if self.tok.kind == "op" and self.tok.text == "·":
            raise ParseError(
                "a dot product belongs to the linear model; a loss over the score vector "
                "uses s[y] and the score functions",
                self.tok.pos,
                self.text,
            )
        while self.tok.kind == "op" and self.tok.text == "[":
            v = self.index(v)
        return v

    def index(self, v: _Val) -> _Val:
        """``s[y]`` or ``softmax(s)[y]``: the true class's entry."""
        open_tok = self.take()
        if v.vector is None:
            raise ParseError(
                "only the scores s and softmax(s) can be indexed", open_tok.pos, self.text
            )
        t = self.tok
        if t.kind != "name" or t.text != "y":
            raise ParseError(
                f"the scores are indexed by the class label, s[y]; found {self.found()}",
                t.pos,
                self.text,
            )
        self.take()
        self.expect("]")
        if v.vector == "softmax":
            entry = primitives.parser_entry("softmax")
            assert entry is not None and entry.build is not None
            return self.make(entry.build(), v.pos, 0, 6)
        return _Val(SY, None, v.pos)

    def call(self, t: Tok) -> _Val:
        fname = t.text
        if fname in self.score_functions or fname == "max":
            save = self.i
            self.take()  # (
            if (
                self.tok.kind == "name"
                and self.tok.text == "s"
                and self.toks[self.i + 1].text == ")"
            ):
                self.take()
                self.expect(")")
                return self.score_call(fname, t)
            self.i = save
            if fname in self.score_functions:
                raise ParseError(f"{fname}() takes the score vector, {fname}(s)", t.pos, self.text)
        return super().call(t)

    def score_call(self, fname: str, t: Tok) -> _Val:
        if fname == "softmax":
            return _Val(None, "softmax", t.pos)
        entry = primitives.parser_entry("max_classes" if fname == "max" else fname)
        assert entry is not None and entry.build is not None
        return _Val(entry.build(), None, t.pos)


def parse_score_loss(text: str, params: Mapping[str, object] | None = None) -> ParsedExpr:
    """Parse a loss over the score vector into a scalar SymPy expression in score atoms.

    Raises :class:`~gradproof.errors.ParseError` or :class:`~gradproof.errors.LimitError`
    with the position of the offending token (see :mod:`gradproof.symbolic.parse`).
    """
    if not isinstance(text, str):
        raise ParseError(f"the expression must be text, got {type(text).__name__}")
    if len(text) > LIMITS["max_length"]:
        raise LimitError(
            f"expression is {len(text)} characters long; the limit is {LIMITS['max_length']}"
            f"; shorten it"
        )
    params = dict(params or {})
    for p in params:
        if (
            not isinstance(p, str)
            or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", p)
            or p in RESERVED
            or p in SCORE_RESERVED
        ):
            raise ParseError(
                f"{show(str(p))} cannot be a hyperparameter name; use a plain name that is not "
                f"one of the language's names"
            )

    def work() -> tuple[sp.Expr, set[str]]:
        parser = _ScoreParser(text, params)
        expr = parser.parse()
        if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ParseError("the expression is undefined (division by zero or log(0))", 0, text)
        return expr, parser.used_params

    expr, used = run_with_limit(
        work, TIME_LIMITS["parse_seconds"], what="parsing the expression", hint="simplify it"
    )
    return ParsedExpr(text, expr, tuple(sorted(used)))
