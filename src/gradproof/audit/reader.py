"""The audit's math reader: tokens → statements → expression trees. Never evaluates.

A *statement* is a chain ``part rel part rel part …`` (``=``, ``≈``, ``≤``, ``:=``, ``←`` …)
cut from a math span or a sentence: statements end at words, sentence punctuation, ``;``,
a top-level ``,`` after a relation, ``\\quad``, and at line breaks (``\\\\`` or a newline)
unless the next line continues the chain (it starts with ``=``, ``&=``, an operator, or the
line ends with one). Each part is parsed by a recursive-descent parser (loosest first)::

    expr  := term (('+' | '-') term)*
    term  := unary (('*' | '/' | '·' | '×' | juxtaposition) unary)*
    unary := ('-' | '+') unary | power
    power := post ('^' script)?
    post  := atom ("'" | '^⊤' | 'ᵀ')*
    atom  := number | name | function call | ( … ) | [ … ] | { … } | \\frac | √ | Σ | ∂ | ∇
           | 𝟙[…] | ‖…‖ | |…| | ⟨…, …⟩ | \\begin{bmatrix} … \\end{bmatrix}

A part that does not parse becomes an :class:`~gradproof.audit.nodes.Unknown` node (the
claims that need it are unchecked), never an error. Depth is bounded (``LIMITS``).
"""

from __future__ import annotations

from dataclasses import dataclass

from gradproof.audit import nodes as N
from gradproof.audit.tokens import Tok, tokenize

__all__ = ["Part", "Statement", "statements", "parse_tokens", "LIMITS"]

LIMITS = {"max_depth": 60}
_OPEN = {"(": ")", "[": "]", "{": "}", "{{": "}}", "⟨": "⟩"}
_STARTS = {"num", "name", "func", "open", "sum", "partial", "nabla", "ind", "sqrt", "frac",
           "begin"}  # fmt: skip
_LOSS_NAMES = {"L", "J", "ℓ", "E", "R", "f", "l", "Loss", "loss"}


@dataclass(frozen=True)
class Part:
    """One side of a chain: its tree, its first and last offsets in the span text."""

    node: N.Node
    start: int
    end: int


@dataclass(frozen=True)
class Statement:
    """A chain ``parts[0] rels[0] parts[1] …``."""

    parts: tuple[Part, ...]
    rels: tuple[str, ...]


class _Fail(Exception):
    pass


def _depth_change(t: Tok) -> int:
    if t.kind in ("open", "begin"):
        return 1
    if t.kind in ("close", "end"):
        return -1
    return 0


def _continues(toks: list[Tok], i: int, current: list[Tok], depth: int) -> bool:
    """At a line break at ``i``: does the chain go on on the next line?"""
    if depth > 0:
        return True
    j = i + 1
    while j < len(toks) and (toks[j].kind == "nl" or toks[j].text in ("&", "\\\\")):
        j += 1
    if j >= len(toks):
        return False
    nxt = toks[j]
    if nxt.kind == "rel" or (nxt.kind == "op" and nxt.text in "+-·×*/"):
        return True
    last = next((t for t in reversed(current) if t.text != "&"), None)
    return last is not None and (last.kind == "rel" or (last.kind == "op" and last.text != "'"))


def _split(toks: list[Tok], prose: bool) -> list[list[Tok]]:
    out: list[list[Tok]] = []
    cur: list[Tok] = []
    opens: list[int] = []  # where in cur the unclosed brackets opened
    depth = 0
    skipping = False  # inside a parenthetical remark: ignored up to its closing bracket

    def end() -> None:
        nonlocal cur
        if any(t.kind == "rel" for t in cur):
            out.append(cur)
        cur = []
        opens.clear()

    for i, t in enumerate(toks):
        if skipping:
            depth = max(0, depth + _depth_change(t))
            skipping = depth > 0
            continue
        if t.kind in ("break", "word") or (depth == 0 and t.text in (";", ":", ",")):
            if depth > 0:  # "w = 0 (the zero vector)": keep "w = 0", skip the remark
                cur = cur[: opens[0]] if opens else cur
                skipping = True
            end()
            continue
        if t.text == "&" and depth == 0:
            continue
        if (t.kind == "nl" or t.text == "\\\\") and depth == 0:
            if prose or _continues(toks, i, cur, depth):
                continue
            end()
            continue
        if t.kind == "nl":
            continue
        change = _depth_change(t)
        if change > 0:
            opens.append(len(cur))
        elif change < 0 and opens:
            opens.pop()
        depth = max(0, depth + change)
        cur.append(t)
    end()
    return out


def statements(text: str, *, prose: bool = False) -> list[Statement]:
    """The chains in ``text`` (a math span's content or a prose paragraph)."""
    toks = tokenize(text, prose=prose)
    result = []
    for chunk in _split(toks, prose):
        parts: list[list[Tok]] = [[]]
        rels: list[str] = []
        depth = 0
        for t in chunk:
            depth = max(0, depth + _depth_change(t))
            if t.kind == "rel" and depth == 0:
                rels.append(t.text)
                parts.append([])
            else:
                parts[-1].append(t)
        if not parts[0]:  # "= 3" continuing an earlier span: nothing to check it against
            parts, rels = parts[1:], rels[1:]
        if len(parts) < 2 or any(not p for p in parts):
            continue
        result.append(
            Statement(
                tuple(Part(parse_tokens(p), p[0].start, p[-1].end) for p in parts), tuple(rels)
            )
        )
    return result


def parse_tokens(toks: list[Tok]) -> N.Node:
    """The tree of one part, or an Unknown node."""
    p = _Parser(toks)
    try:
        node = p.expr()
        if p.i != len(toks):
            raise _Fail(f"unexpected {toks[p.i].text!r}")
        return node
    except (_Fail, RecursionError) as exc:
        return N.Unknown(toks[0].start, toks[-1].end, str(exc) or "too deep")


class _Parser:
    def __init__(self, toks: list[Tok]):
        self.toks, self.i, self.depth = toks, 0, 0
        self.bars = 0  # open ‖…‖ around the current position

    # -- helpers ----------------------------------------------------------------------------
    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def at(self, *texts: str, kind: str | None = None) -> bool:
        t = self.peek()
        return t is not None and (kind is None or t.kind == kind) and t.text in texts

    def take(self) -> Tok:
        t = self.peek()
        if t is None:
            raise _Fail("ends too early")
        self.i += 1
        return t

    def expect(self, text: str) -> Tok:
        t = self.take()
        if t.text != text:
            raise _Fail(f"expected {text!r}, found {t.text!r}")
        return t

    def last_end(self) -> int:
        return self.toks[self.i - 1].end

    def enter(self) -> None:
        self.depth += 1
        if self.depth > LIMITS["max_depth"]:
            raise _Fail("nested too deeply")

    def group_tokens(self) -> list[Tok]:
        """The tokens of a ``{…}`` group (or one token), consumed."""
        if not self.at("{", kind="open"):
            return [self.take()]
        self.take()
        depth, out = 1, []
        while True:
            t = self.take()
            depth += _depth_change(t)
            if depth == 0:
                return out
            out.append(t)

    def sub_parse(self, toks: list[Tok]) -> N.Node:
        if not toks:
            raise _Fail("empty group")
        p = _Parser(toks)
        p.depth = self.depth + 1
        node = p.expr()
        if p.i != len(toks):
            raise _Fail(f"unexpected {toks[p.i].text!r}")
        return node

    # -- grammar ----------------------------------------------------------------------------
    def expr(self) -> N.Node:
        self.enter()
        left = self.term()
        while self.at("+", "-", kind="op"):
            op = self.take().text
            right = self.term()
            left = N.Bin(left.start, right.end, op, left, right)
        self.depth -= 1
        return left

    def term(self) -> N.Node:
        left = self.unary()
        while True:
            t = self.peek()
            if t is None:
                return left
            if t.kind == "op" and t.text in ("*", "/", "·", "×"):
                self.take()
                right = self.unary()
                op = "·" if t.text == "*" else t.text
            elif t.kind in _STARTS or (t.text == "‖" and not self.bars):
                right = self.unary()
                op = "·"
            else:
                return left
            left = N.Bin(left.start, right.end, op, left, right)

    def unary(self) -> N.Node:
        if self.at("-", "+", kind="op"):
            t = self.take()
            self.enter()
            arg = self.unary()
            self.depth -= 1
            return N.Neg(t.start, arg.end, arg) if t.text == "-" else arg
        return self.power()

    def power(self) -> N.Node:
        base = self.post()
        if self.at("^", kind="op"):
            self.take()
            if self.at("⊤", kind="top") or self.at("T", kind="name"):
                self.take()
                return self.post_loop(N.Tr(base.start, self.last_end(), base))
            toks = self.group_tokens()
            if len(toks) == 1 and toks[0].text in ("T", "⊤"):
                return self.post_loop(N.Tr(base.start, self.last_end(), base))
            if toks and toks[0].kind == "op" and toks[0].text == "-" and len(toks) == 2:
                exp: N.Node = N.Neg(toks[0].start, toks[1].end, self.sub_parse(toks[1:]))
            else:
                exp = self.sub_parse(toks) if toks[0].kind != "sub" else self.sub_num(toks[0])
            return N.Pow(base.start, self.last_end(), base, exp)
        return base

    def sub_num(self, t: Tok) -> N.Node:
        """A superscript minus with digits (x⁻¹)."""
        if t.text.startswith("-") and t.text[1:].isdigit():
            return N.Neg(t.start, t.end, N.Num(t.start, t.end, float(t.text[1:]), t.text[1:]))
        raise _Fail("a superscript that is not a number")

    def post(self) -> N.Node:
        return self.post_loop(self.atom())

    def post_loop(self, node: N.Node) -> N.Node:
        while True:
            if self.at("⊤", kind="top"):
                self.take()
                node = N.Tr(node.start, self.last_end(), node)
            elif self.at("'", kind="op") and not isinstance(node, N.Name):
                raise _Fail("a prime on an expression")
            else:
                return node

    def atom(self) -> N.Node:
        t = self.peek()
        if t is None:
            raise _Fail("ends too early")
        k = t.kind
        if k == "num":
            self.take()
            return N.Num(t.start, t.end, float(t.text), t.text)
        if k == "name":
            return self.name()
        if k == "func":
            return self.call()
        if k == "sqrt":
            self.take()
            if self.at("[", kind="open"):
                raise _Fail("roots other than square roots")
            arg = self.sub_parse(self.group_tokens()) if self.at("{") else self.post()
            return N.Call(t.start, self.last_end(), "sqrt", (arg,))
        if k == "frac":
            return self.frac()
        if k == "sum":
            return self.sum()
        if k == "partial":
            return self.partial()
        if k == "nabla":
            return self.nabla()
        if k == "ind":
            self.take()
            if self.at("_", kind="op"):
                self.take()
            cond = self.cond_group()
            return N.Ind(t.start, self.last_end(), cond)
        if k == "open":
            return self.bracket()
        if k == "bar":
            self.take()
            self.enter()
            self.bars += 1
            inner = self.expr()
            self.bars -= 1
            self.depth -= 1
            self.expect(t.text)
            cls = N.Norm if t.text == "‖" else N.Abs
            return cls(t.start, self.last_end(), inner)
        if k == "begin":
            return self.matrix()
        raise _Fail(f"unexpected {t.text!r}")

    def name(self) -> N.Node:
        t = self.take()
        if t.text == "∅":
            return N.SetLit(t.start, t.end, ())
        base, sub, index, primes = t.text, "", "", 0
        if self.at("_", kind="op"):
            self.take()
            sub = "".join(x.text for x in self.group_tokens() if x.text != "&")
        if self.at("^", kind="op") and self.peek(1) is not None:
            nxt = self.peek(1)
            assert nxt is not None
            third = self.peek(2)
            if nxt.text == "{" and third is not None and third.text == "(":
                self.take()
                inner = self.group_tokens()
                index = "".join(x.text for x in inner).strip("()")
        while self.at("'", kind="op"):
            self.take()
            primes += 1
        node = N.Name(t.start, self.last_end(), base, sub, index, primes)
        # Prose dL/dw, and d\,L / d\,w read from \frac as names "dL", "dw".
        if len(base) == 2 and base[0] == "d" and not sub and self.at("/", kind="op"):
            nxt = self.peek(1)
            if nxt is not None and nxt.kind == "name" and len(nxt.text) == 2 and nxt.text[0] == "d":
                self.take()
                den = self.take()
                of = N.Name(t.start + 1, t.end, base[1])
                wrt = N.Name(den.start + 1, den.end, den.text[1])
                return N.Deriv(t.start, den.end, of, wrt)
        if base in ("σ", "sigma") and self.at("(", kind="open"):
            args = self.args()
            return N.Call(t.start, self.last_end(), "sigmoid", args)
        if base in _LOSS_NAMES and self.at("(", kind="open") and self._names_in_parens():
            self.args()
            return N.Name(t.start, self.last_end(), base, sub, index, primes, called=True)
        return node

    def _names_in_parens(self) -> bool:
        j, depth = self.i, 0
        while j < len(self.toks):
            x = self.toks[j]
            depth += _depth_change(x)
            if depth == 0:
                return True
            if x.kind not in ("name", "sep", "open", "close", "op", "sub", "num") or (
                x.kind == "op" and x.text not in ("_", "'")
            ):
                return False
            j += 1
        return False

    def args(self) -> tuple[N.Node, ...]:
        opener = self.take()
        closer = _OPEN.get(opener.text)
        if closer is None:
            raise _Fail("expected an argument list")
        self.enter()
        out = [self.expr()]
        while self.at(",", ";", kind="sep"):
            self.take()
            out.append(self.expr())
        self.depth -= 1
        self.expect(closer)
        return tuple(out)

    def call(self) -> N.Node:
        t = self.take()
        func = {"ln": "log", "sgn": "sign", "sigma": "sigmoid"}.get(t.text, t.text)
        if self.at("_", kind="op"):
            raise _Fail(f"{t.text} with a subscript")
        if self.at("^", kind="op"):
            raise _Fail(f"a power of {t.text}")
        if self.at("(", "[", "{{", kind="open") or (self.at("{", kind="open") and func != "exp"):
            args = self.args()
        elif self.at("{", kind="open"):
            args = (self.sub_parse(self.group_tokens()),)
        else:
            args = (self.power(),)
        return N.Call(t.start, self.last_end(), func, args)

    def frac(self) -> N.Node:
        t = self.take()
        num, den = self.group_tokens(), self.group_tokens()
        top, bottom = _diff_of(num), _diff_of(den)
        if top is not None and bottom is not None and bottom[1] is not None:
            wrt = bottom[1]
            if top[1] is None:  # \frac{\partial}{\partial w} (…)
                body = self.term()
                return N.DerivOf(t.start, body.end, wrt, body)
            return N.Deriv(t.start, self.last_end(), top[1], wrt)
        a, b = self.sub_parse(num), self.sub_parse(den)
        return N.Bin(t.start, self.last_end(), "/", a, b)

    def partial(self) -> N.Node:
        t = self.take()
        if self.at("/", kind="op"):  # ∂/∂w (…)
            self.take()
            self.expect("∂")
            wrt = self.name()
            if not isinstance(wrt, N.Name):
                raise _Fail("∂/∂ of something that is not a name")
            body = self.term()
            return N.DerivOf(t.start, body.end, wrt, body)
        of = self.name()
        self.expect("/")
        self.expect("∂")
        wrt = self.name()
        if not isinstance(of, N.Name) or not isinstance(wrt, N.Name):
            raise _Fail("a derivative of something that is not a name")
        return N.Deriv(t.start, wrt.end, of, wrt)

    def nabla(self) -> N.Node:
        t = self.take()
        wrt = N.Name(t.start, t.end, "w")
        if self.at("_", kind="op"):
            self.take()
            toks = self.group_tokens()
            if len(toks) != 1 or toks[0].kind != "name" and toks[0].kind != "sub":
                raise _Fail("∇ with a subscript that is not a name")
            wrt = N.Name(toks[0].start, toks[0].end, toks[0].text)
        of = self.name()
        if not isinstance(of, N.Name):
            raise _Fail("∇ of something that is not a name")
        return N.Deriv(t.start, of.end, of, wrt)

    def sum(self) -> N.Node:
        t = self.take()
        var, over = "i", "all"
        set_node = lo = hi = cond = None
        if self.at("_", kind="op"):
            self.take()
            spec = self.group_tokens()
            if not spec or spec[0].kind not in ("name", "sub"):
                raise _Fail("a sum index that is not a name")
            var = spec[0].text
            rest = spec[1:]
            if rest and rest[0].kind == "in":
                over, set_node = "set", self.sub_parse(rest[1:])
            elif rest and rest[0].text == "=":
                over, lo = "range", self.sub_parse(rest[1:])
            elif rest and rest[0].text in (":", "|"):
                over, cond = "cond", self.condition(rest[1:])
            elif rest:
                raise _Fail("a sum index this reader does not know")
        if self.at("^", kind="op"):
            self.take()
            hi = self.sub_parse(self.group_tokens())  # Σ_i^n: the upper limit is n anyway
        elif over == "range":
            raise _Fail("a sum without an upper limit")
        self.enter()
        body = self.term()
        self.depth -= 1
        return N.Sum(t.start, body.end, var, over, body, set_node, lo, hi, cond)

    def condition(self, toks: list[Tok]) -> N.Node:
        """``a ≤ b``, ``i ∈ M``, or ``a ≤ b, c > d`` (all must hold) as a tree."""
        for j, x in enumerate(toks):
            if x.kind == "in":
                item, rest = self.sub_parse(toks[:j]), toks[j + 1 :]
                return N.In(toks[0].start, toks[-1].end, item, self.sub_parse(rest))
            if x.kind == "rel" and x.text in ("≤", "≥", "<", ">", "=", "≠"):
                a, b = self.sub_parse(toks[:j]), self.sub_parse(toks[j + 1 :])
                return N.Cmp(toks[0].start, toks[-1].end, x.text, a, b)
        raise _Fail("a condition without a comparison")

    def cond_group(self) -> N.Node:
        t = self.take()
        closer = _OPEN.get(t.text) if t.kind == "open" else None
        if closer is None:
            raise _Fail("an indicator without a condition")
        depth, inner = 1, []
        while True:
            x = self.take()
            depth += _depth_change(x)
            if depth == 0:
                break
            inner.append(x)
        return self.condition(inner)

    def bracket(self) -> N.Node:
        t = self.take()
        closer = _OPEN[t.text]
        if t.text == "⟨":
            a = self.expr()
            self.expect(",")
            b = self.expr()
            self.expect("⟩")
            return N.Inner(t.start, self.last_end(), a, b)
        if t.text in ("{", "{{") and self.at("}", "}}", kind="close"):
            self.take()
            return N.SetLit(t.start, self.last_end(), ())
        if t.text in ("{", "{{") and self._is_builder():
            var = self.take().text
            self.take()  # ':' or '|'
            inner: list[Tok] = []
            depth = 1
            while True:
                x = self.take()
                depth += _depth_change(x)
                if depth == 0:
                    break
                inner.append(x)
            return N.SetBuilder(t.start, self.last_end(), var, self.condition(inner))
        self.enter()
        rows: list[list[N.Node]] = [[self.expr()]]
        while self.at(",", ";", kind="sep"):
            sep = self.take().text
            if sep == ";" and t.text == "[":
                rows.append([])
            rows[-1].append(self.expr())
        self.depth -= 1
        self.expect(closer)
        end = self.last_end()
        if t.text in ("{", "{{"):
            items = tuple(x for r in rows for x in r)
            return N.SetLit(t.start, end, items) if len(items) > 1 or t.text == "{{" else items[0]
        if len(rows) > 1:
            if len({len(r) for r in rows}) != 1:
                raise _Fail("matrix rows of different lengths")
            return N.Mat(t.start, end, tuple(tuple(r) for r in rows), "[")
        items = tuple(rows[0])
        if len(items) == 1:
            return items[0]
        if all(isinstance(x, N.Vec) for x in items):
            return N.Mat(t.start, end, tuple(x.items for x in items), t.text)  # type: ignore[attr-defined]
        return N.Vec(t.start, end, items, t.text)

    def _is_builder(self) -> bool:
        a, b = self.peek(), self.peek(1)
        return (
            a is not None and b is not None and a.kind == "name" and b.text in (":", "|")
        ) and (self.peek(2) is not None)

    def matrix(self) -> N.Node:
        t = self.take()
        rows: list[list[N.Node]] = [[]]
        cell: list[Tok] = []
        while True:
            x = self.take()
            if x.kind == "end":
                break
            if x.kind == "begin":
                raise _Fail("a matrix inside a matrix")
            if x.kind == "nl":
                continue
            if x.text in ("&", "\\\\"):
                if cell:
                    rows[-1].append(self.sub_parse(cell))
                cell = []
                if x.text == "\\\\":
                    rows.append([])
                continue
            cell.append(x)
        if cell:
            rows[-1].append(self.sub_parse(cell))
        rows = [r for r in rows if r]
        end = self.last_end()
        if not rows or len({len(r) for r in rows}) != 1:
            raise _Fail("a matrix with rows of different lengths")
        if len(rows) == 1 or len(rows[0]) == 1:  # a row or a column: a vector
            items = tuple(rows[0]) if len(rows) == 1 else tuple(r[0] for r in rows)
            return N.Vec(t.start, end, items, t.text) if len(items) > 1 else items[0]
        return N.Mat(t.start, end, tuple(tuple(r) for r in rows), t.text)


def _diff_of(toks: list[Tok]) -> tuple[str, N.Name | None] | None:
    """``∂`` / ``d`` alone → ("op", None); ``∂L`` / ``dL`` → ("of", L); otherwise None."""
    if not toks:
        return None
    first = toks[0]
    if first.kind == "partial" or (first.kind == "name" and first.text == "d"):
        rest = toks[1:]
    elif first.kind == "name" and len(first.text) == 2 and first.text[0] == "d":
        return "of", N.Name(first.start + 1, first.end, first.text[1])
    else:
        return None
    if not rest:
        return "op", None
    p = _Parser(rest)
    try:
        node = p.name()
    except _Fail:
        return None
    if p.i != len(rest) or not isinstance(node, N.Name):
        return None
    return "of", node
