"""The math reader's structures: fractions and derivatives, sums, conditions, brackets,
vectors, sets and matrices (the rest of the grammar is in :mod:`gradproof.audit._parser`)."""

from __future__ import annotations

from gradproof.audit import nodes as N
from gradproof.audit._parse_base import OPEN, Fail, ParserBase, depth_change
from gradproof.audit.tokens import Tok

__all__ = ["Structures"]


class Structures(ParserBase):
    def frac(self) -> N.Node:
        t = self.take()
        num, den = self.group_tokens(), self.group_tokens()
        top, bottom = self.diff_of(num), self.diff_of(den)
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
                raise Fail("∂/∂ of something that is not a name")
            body = self.term()
            return N.DerivOf(t.start, body.end, wrt, body)
        of = self.name()
        self.expect("/")
        self.expect("∂")
        wrt = self.name()
        if not isinstance(of, N.Name) or not isinstance(wrt, N.Name):
            raise Fail("a derivative of something that is not a name")
        return N.Deriv(t.start, wrt.end, of, wrt)

    def nabla(self) -> N.Node:
        t = self.take()
        wrt = N.Name(t.start, t.end, "w")
        if self.at("_", kind="op"):
            self.take()
            toks = self.group_tokens()
            if len(toks) != 1 or toks[0].kind != "name" and toks[0].kind != "sub":
                raise Fail("∇ with a subscript that is not a name")
            wrt = N.Name(toks[0].start, toks[0].end, toks[0].text)
        of = self.name()
        if not isinstance(of, N.Name):
            raise Fail("∇ of something that is not a name")
        return N.Deriv(t.start, of.end, of, wrt)

    def sum(self) -> N.Node:
        t = self.take()
        var, over = "i", "all"
        set_node = lo = hi = cond = None
        if self.at("_", kind="op"):
            self.take()
            spec = self.group_tokens()
            if not spec or spec[0].kind not in ("name", "sub"):
                raise Fail("a sum index that is not a name")
            var = spec[0].text
            rest = spec[1:]
            if rest and rest[0].kind == "in":
                over, set_node = "set", self.sub_parse(rest[1:])
            elif rest and rest[0].text == "=":
                over, lo = "range", self.sub_parse(rest[1:])
            elif rest and rest[0].text in (":", "|"):
                over, cond = "cond", self.condition(rest[1:])
            elif rest:
                raise Fail("a sum index this reader does not know")
        if self.at("^", kind="op"):
            self.take()
            hi = self.sub_parse(self.group_tokens())  # Σ_i^n: the upper limit is n anyway
        elif over == "range":
            raise Fail("a sum without an upper limit")
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
        raise Fail("a condition without a comparison")

    def cond_group(self) -> N.Node:
        t = self.take()
        closer = OPEN.get(t.text) if t.kind == "open" else None
        if closer is None:
            raise Fail("an indicator without a condition")
        depth, inner = 1, []
        while True:
            x = self.take()
            depth += depth_change(x)
            if depth == 0:
                break
            inner.append(x)
        return self.condition(inner)

    def bracket(self) -> N.Node:
        t = self.take()
        closer = OPEN[t.text]
        if t.text == "⟨":
            a = self.expr()
            self.expect(",")
            b = self.expr()
            self.expect("⟩")
            return N.Inner(t.start, self.last_end(), a, b)
        if t.text == "[":
            printed = self.printed_vector(t)
            if printed is not None:
                return printed
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
                depth += depth_change(x)
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
            one = items[0]
            sample = isinstance(one, N.Num) or (isinstance(one, N.Name) and one.sub.isdigit())
            if len(items) > 1 or t.text == "{{" or sample:  # {1}, {x₂}: a set of samples
                return N.SetLit(t.start, end, items)
            return one  # a LaTeX group
        if len(rows) > 1:
            if len({len(r) for r in rows}) != 1:
                raise Fail("matrix rows of different lengths")
            return N.Mat(t.start, end, tuple(tuple(r) for r in rows), "[")
        items = tuple(rows[0])
        if len(items) == 1:
            return items[0]
        if all(isinstance(x, N.Vec) for x in items):
            return N.Mat(t.start, end, tuple(x.items for x in items), t.text)  # type: ignore[attr-defined]
        return N.Vec(t.start, end, items, t.text)

    def printed_vector(self, t: Tok) -> N.Node | None:
        """``[ 0.2 -0.2]`` as numpy prints it: numbers apart, each sign against its number
        (``[0.2 - 0.2]`` with spaced signs is a subtraction)."""
        j, items = self.i, []
        while j < len(self.toks) and self.toks[j].kind in ("num", "op"):
            x = self.toks[j]
            if x.kind == "op":
                nxt = self.toks[j + 1] if j + 1 < len(self.toks) else None
                if x.text not in "+-" or nxt is None or nxt.kind != "num" or nxt.start != x.end:
                    return None
                sign = -1.0 if x.text == "-" else 1.0
                items.append(N.Num(x.start, nxt.end, sign * float(nxt.text), x.text + nxt.text))
                j += 2
                continue
            items.append(N.Num(x.start, x.end, float(x.text), x.text))
            j += 1
        end = self.toks[j] if j < len(self.toks) else None
        if end is None or end.text != "]" or len(items) < 2:
            return None
        inside = self.toks[self.i : j]
        gaps = [b.start > a.end for a, b in zip(inside, inside[1:], strict=False)]
        if not all(g or self.toks[self.i + k].kind == "op" for k, g in enumerate(gaps)):
            return None
        self.i = j + 1
        return N.Vec(t.start, end.end, tuple(items), "[")

    def _is_builder(self) -> bool:
        a, b = self.peek(), self.peek(1)
        return (a is not None and b is not None and a.kind == "name" and b.text in (":", "|")) and (
            self.peek(2) is not None
        )

    def matrix(self) -> N.Node:
        t = self.take()
        rows: list[list[N.Node]] = [[]]
        cell: list[Tok] = []
        while True:
            x = self.take()
            if x.kind == "end":
                break
            if x.kind == "begin":
                raise Fail("a matrix inside a matrix")
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
            raise Fail("a matrix with rows of different lengths")
        if len(rows) == 1 or len(rows[0]) == 1:  # a row or a column: a vector
            items = tuple(rows[0]) if len(rows) == 1 else tuple(r[0] for r in rows)
            return N.Vec(t.start, end, items, t.text) if len(items) > 1 else items[0]
        return N.Mat(t.start, end, tuple(tuple(r) for r in rows), t.text)

    def diff_of(self, toks: list[Tok]) -> tuple[str, N.Name | None] | None:
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
        p = type(self)(rest)
        try:
            node = p.name()
        except Fail:
            return None
        if p.i != len(rest) or not isinstance(node, N.Name):
            return None
        return "of", node
