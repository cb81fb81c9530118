"""The math reader's grammar: sums, products, signs, powers, atoms, names and calls (see
:mod:`gradproof.audit.reader` for the grammar in full)."""

from __future__ import annotations

from gradproof.audit import nodes as N
from gradproof.audit._parse_base import OPEN, Fail, depth_change
from gradproof.audit._structures import Structures
from gradproof.audit.tokens import Tok
from gradproof.i18n import lazy

__all__ = ["Parser"]

_STARTS = {"num", "name", "func", "open", "sum", "partial", "nabla", "ind", "sqrt", "frac",
           "begin"}  # fmt: skip
_LOSS_NAMES = {"L", "J", "ℓ", "E", "R", "f", "l", "Loss", "loss"}


class Parser(Structures):
    """A recursive-descent parser of one part of a chain (loosest rule first)."""

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
        raise Fail(lazy("a superscript that is not a number"))

    def post(self) -> N.Node:
        return self.post_loop(self.atom())

    def post_loop(self, node: N.Node) -> N.Node:
        while True:
            if self.at("⊤", kind="top"):
                self.take()
                node = N.Tr(node.start, self.last_end(), node)
            elif self.at("'", kind="op") and not isinstance(node, N.Name):
                raise Fail(lazy("a prime on an expression"))
            else:
                return node

    def atom(self) -> N.Node:
        t = self.peek()
        if t is None:
            raise Fail(lazy("ends too early"))
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
                raise Fail(lazy("roots other than square roots"))
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
        raise Fail(lazy("unexpected {t}", t=repr(t.text)))

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
            depth += depth_change(x)
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
        closer = OPEN.get(opener.text)
        if closer is None:
            raise Fail(lazy("expected an argument list"))
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
            raise Fail(lazy("{t} with a subscript", t=t.text))
        if self.at("^", kind="op"):
            raise Fail(lazy("a power of {t}", t=t.text))
        if self.at("(", "[", "{{", kind="open") or (self.at("{", kind="open") and func != "exp"):
            args = self.args()
        elif self.at("{", kind="open"):
            args = (self.sub_parse(self.group_tokens()),)
        else:
            args = (self.power(),)
        return N.Call(t.start, self.last_end(), func, args)
