"""The audit of one document: spans → statements and code → data and loss → verdicts.

Two passes. The first reads every chain and every code block, collects the data the post
gives (the first statement of X or x₁, x₂ …, y, w, b, η, λ, in math, prose or code
literals) and recognises the loss. The second checks the claims in document order, so each
claim is judged with the values the post stated before it: a later restatement of the data
that disagrees is a ``data`` finding, a new value of w moves the point (following the update
it copies), and claimed outputs are compared after the code ran (``--run`` only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradproof.audit import nodes as N
from gradproof.audit.chains import ChainContext, check_chain, head_quantity
from gradproof.audit.code import literal_assignments, output_claims
from gradproof.audit.model import SET_NAMES, Model, family, quantity_key
from gradproof.audit.outputs import same_output
from gradproof.audit.reader import Statement, statements
from gradproof.audit.recognise import Recognised, recognise
from gradproof.audit.fix import written_like
from gradproof.audit.report import AuditReport, Claim, Edit
from gradproof.audit.run import BlockResult, run_blocks
from gradproof.audit.state import INPUTS, Entry, Values
from gradproof.audit.values import Scope, Unevaluable, close, evaluate, format_value
from gradproof.errors import GradproofError, LimitError
from gradproof.i18n import _
from gradproof.markup.scan import Document, Span

__all__ = ["audit_document", "PYTHON", "OUTPUT_LANGUAGES"]

PYTHON = {"python", "py", "python3", "ipython", "ipython3", "python2"}
OUTPUT_LANGUAGES = {"text", "output", "console", "plaintext", "txt", "out", "stdout"}
_DATA = ("X", "x", "y")


@dataclass
class _Item:
    span: Span
    statement: Statement | None = None
    stored: list[Span] = field(default_factory=list)  # outputs shown for a code block
    python: bool = False


def _code_key(name: str) -> str | None:
    """The quantity a code variable holds: X, x1 → x[1], lr → eta …"""
    m = re.fullmatch(r"(x|y)_?(\d+)", name)
    if m:
        return f"{m.group(1)}[{int(m.group(2))}]"
    table = {"X": "X", "y": "y", "w": "w", "w0": "w", "b": "b", "b0": "b", "lr": "eta",
             "eta": "eta", "learning_rate": "eta", "alpha": "eta", "lam": "lam",
             "lambda_": "lam", "lmbda": "lam"}  # fmt: skip
    return table.get(name)


def _definition(st: Statement, values: Values) -> tuple[str, Any] | None:
    """``name = value`` with a value that needs no names: (key, value)."""
    head = st.parts[0].node
    if len(st.parts) != 2 or not isinstance(head, N.Name) or st.rels[0] not in ("=", ":="):
        return None
    q = head_quantity(st, values)
    if q is not None and family(q) not in INPUTS and family(q) != "x":
        return None
    try:
        value = evaluate(st.parts[1].node, Scope())
    except Unevaluable:
        return None
    return (q or head.key), value


class _Audit:
    def __init__(self, doc: Document, run: bool, loss: str | None):
        self.doc, self.run, self.loss_option = doc, run, loss
        self.items: list[_Item] = []
        self.notes: list[str] = []
        self.claims: list[Claim] = []
        self.values = Values()
        self.first: dict[str, int] = {}  # key → line of the definition the data comes from
        self.recognised: Recognised | None = None

    # -- pass 1 -------------------------------------------------------------------------------
    def collect(self) -> None:
        last_code: _Item | None = None
        for span in self.doc.spans:
            if span.kind in ("math", "prose"):
                try:
                    found = statements(span.text, prose=span.kind == "prose")
                except LimitError as exc:
                    self.notes.append(_("line {line}: not read ({why})", line=span.line, why=exc))
                    continue
                self.items.extend(_Item(span, st) for st in found)
                if span.kind == "prose" and last_code is not None and len(span.text) > 60:
                    last_code = None
            elif span.kind == "code" and not span.inline:
                lang = (span.language or "").lower()
                if lang in OUTPUT_LANGUAGES and last_code is not None and last_code.python:
                    last_code.stored.append(span)
                    last_code = None
                    continue
                item = _Item(span, python=lang in PYTHON)
                self.items.append(item)
                last_code = item if item.python else None
            elif span.kind == "output":
                owner = next((i for i in reversed(self.items) if i.span.cell == span.cell
                              and i.statement is None), None)  # fmt: skip
                if owner is not None and not span.delimiter.startswith("error"):
                    owner.stored.append(span)

    def definitions(self) -> list[tuple[str, Any, int]]:
        out = []
        for item in self.items:
            if item.statement is not None:
                found = _definition(item.statement, self.values)
                if found is not None:
                    out.append((found[0], found[1], item.span.line_at(item.statement.parts[1].start)))
            elif item.python or item.span.language is None:
                for a in literal_assignments(item.span.text):
                    key = _code_key(a.name)
                    if key is not None:
                        out.append((key, a.value, item.span.lines[min(a.line, len(item.span.lines)) - 1]))
        return out

    def setup(self) -> None:
        """The data, the point, the loss and the model, from the first definitions."""
        first: dict[str, tuple[Any, int]] = {}
        for key, value, line in self.definitions():
            first.setdefault(key, (value, line))
        v = self.values
        X, y = self._data(first)
        eta = _positive(first.get("eta"))
        params = {"lam": float(first["lam"][0])} if "lam" in first and np.ndim(first["lam"][0]) == 0 else {}
        labels = "pm1" if y is not None and set(np.unique(y)) <= {-1.0, 1.0} else "real"
        kink = self._kink()
        chains = [(i.statement, i.span.line_at(i.statement.parts[0].start))
                  for i in self.items if i.statement is not None]  # fmt: skip
        prose = [(s.text, s.line) for s in self.doc.spans if s.kind in ("prose", "comment")]
        try:
            self.recognised = recognise(chains, prose, params=params, labels=labels, kink=kink,
                                        option=self.loss_option)  # fmt: skip
        except GradproofError as exc:
            if self.loss_option:
                raise
            self.notes.append(_("the loss could not be derived ({why})", why=exc))
        if self.recognised is not None:
            v.set_names = tuple(dict.fromkeys((*self.recognised.derivation.set_names.values(), *SET_NAMES)))
        if X is None or y is None:
            self.notes.append(_("no data (x₁, x₂ … or X, and y) found: only arithmetic is checked"))
            return
        v.X, v.y, v.eta = X, y, eta
        w = first.get("w")
        wv = None if w is None else np.asarray(w[0], float)
        if wv is not None and wv.ndim == 0 and float(wv) == 0:
            wv = np.zeros(X.shape[1])
        b = first.get("b", (np.float64(0.0), 0))[0]
        if wv is None or wv.shape != (X.shape[1],) or np.ndim(b) != 0:
            self.notes.append(_("no starting point w found: the gradient's numbers are not checked"))
            return
        v.point = v.true_point = (wv, float(b))
        if self.recognised is not None:
            try:
                v.model = Model(self.recognised.derivation, X, y, eta if eta else 1.0)
                v.model.truth(wv, float(b))
            except GradproofError as exc:
                v.model = None
                self.notes.append(_("gradproof cannot evaluate the loss on this data ({why})",
                                    why=exc))  # fmt: skip

    def _data(self, first: dict[str, tuple[Any, int]]) -> tuple[Any, Any]:
        X = y = None
        rows_first = first.get("x[1]", (None, 10**9))[1]
        if "X" in first and np.ndim(first["X"][0]) == 2 and first["X"][1] <= rows_first:
            X = np.asarray(first["X"][0], float)
            self.first["X"] = first["X"][1]
        else:
            rows = []
            while f"x[{len(rows) + 1}]" in first:
                rows.append(np.atleast_1d(np.asarray(first[f"x[{len(rows) + 1}]"][0], float)))
                self.first[f"x[{len(rows)}]"] = first[f"x[{len(rows)}]"][1]
            if rows and len({r.shape for r in rows}) == 1 and rows[0].ndim == 1:
                X = np.stack(rows)
        labels_first = first.get("y[1]", (None, 10**9))[1]
        if "y" in first and np.ndim(first["y"][0]) == 1 and first["y"][1] <= labels_first:
            y = np.asarray(first["y"][0], float)
            self.first["y"] = first["y"][1]
        else:
            labels = []
            while f"y[{len(labels) + 1}]" in first and np.ndim(first[f"y[{len(labels) + 1}]"][0]) == 0:
                labels.append(float(first[f"y[{len(labels) + 1}]"][0]))
                self.first[f"y[{len(labels)}]"] = first[f"y[{len(labels)}]"][1]
            y = np.array(labels) if labels else None
        if X is not None and y is not None and X.shape[0] != y.shape[0]:
            self.notes.append(_("the data has {n} samples but {m} labels", n=X.shape[0],
                                m=y.shape[0]))  # fmt: skip
            return None, None
        for key in ("w", "b", "eta", "lam"):
            if key in first:
                self.first[key] = first[key][1]
        return X, y

    def _kink(self) -> str | None:
        """``M = {i : yᵢsᵢ ≤ 0}`` includes the boundary, ``< 0`` excludes it."""
        for item in self.items:
            st = item.statement
            if st is None or len(st.parts) != 2:
                continue
            head, rhs = st.parts[0].node, st.parts[1].node
            if isinstance(head, N.Name) and head.base in SET_NAMES and isinstance(rhs, N.SetBuilder):
                if isinstance(rhs.cond, N.Cmp) and rhs.cond.op in ("≤", "≥"):
                    return "include"
                if isinstance(rhs.cond, N.Cmp) and rhs.cond.op in ("<", ">"):
                    return "exclude"
        return None

    # -- pass 2 -------------------------------------------------------------------------------
    def check(self) -> None:
        d = self.recognised.derivation if self.recognised is not None else None
        code: list[_Item] = []
        for item in self.items:
            span = item.span
            if item.statement is None:
                self.code_data(item)
                code.append(item)
                continue
            found = _definition(item.statement, self.values)
            line = span.line_at(item.statement.parts[1].start)
            if found is not None and self.define(found[0], found[1], line, item):
                continue
            latex = self.doc.format == "latex" or (span.kind == "math" and "−" not in span.text)
            ctx = ChainContext(span, self.values, d, latex)
            self.claims.extend(check_chain(item.statement, ctx))
        self.outputs(code)

    def define(self, key: str, value: Any, line: int, item: _Item | None) -> bool:
        """Handle a definition; True when it is only that (not a claim to check)."""
        v = self.values
        fam = family(key)
        if fam in _DATA:
            if self.first.get(key) == line:
                return True
            have = v.input(key, "post")
            if have is None or v.X is None:
                return True
            label = item.span.text[item.statement.parts[0].start : item.statement.parts[0].end] if item and item.statement else key  # fmt: skip
            ok = np.shape(have) == np.shape(value) and close(value, have, 1e-9)
            where = self._where(key)
            msg = (_("{name} = {value} agrees with the data on line {line}", name=label,
                     value=format_value(value), line=where) if ok else
                   _("{name} = {value} here, but the data on line {line} has {expected}",
                     name=label, value=format_value(value), line=where,
                     expected=format_value(have)))  # fmt: skip
            edits: tuple[Edit, ...] = ()
            if not ok and item is not None and item.statement is not None and item.span.start is not None:
                node = item.statement.parts[1].node
                text = written_like(node, item.span.text[node.start : node.end], have,
                                    latex=self.doc.format == "latex")  # fmt: skip
                edits = (Edit(item.span.start + node.start, item.span.start + node.end, text),)
            self.claims.append(Claim(line, "data", f"{label} = {format_value(value)}",
                                     "ok" if ok else "wrong", None if ok else format_value(have),
                                     None, msg, edits))  # fmt: skip
            return True
        if fam in ("w", "b"):
            if self.first.get(key) == line or v.point is None:
                return True
            self._move(fam, value)
            return True
        if fam in ("eta", "lam"):
            return True
        v.names[key] = Entry(value, value, line, key)
        return True

    def _where(self, key: str) -> int:
        """The line the data ``key`` was first given on (X for x₂, x₁ for X …)."""
        fam = family(key)
        whole = {"x": "X", "y": "y", "X": "X"}[fam]
        for k in (key, whole, f"{fam.lower()}[1]"):
            if k in self.first:
                return self.first[k]
        return 0

    def _move(self, fam: str, value: Any) -> None:
        """The post sets w (or b) anew: the next step starts there."""
        v = self.values
        assert v.point is not None and v.true_point is not None
        value = np.asarray(value, float)
        if fam == "w" and value.ndim == 0 and float(value) == 0:
            value = np.zeros(v.point[0].shape)
        w, b = v.point
        tw, tb = v.true_point
        current = w if fam == "w" else b
        if np.shape(value) != np.shape(current) or close(value, current, 1e-12):
            return
        step = v.claimed.get(f"{fam}_new")
        true = value
        if step is not None and close(value, step.post, 1e-9):
            true = step.true
            v.point_origin = step if step.wrong else None
        v.point = (value, b) if fam == "w" else (w, float(value))
        v.true_point = (true, tb) if fam == "w" else (tw, float(true))
        v.claimed = {}

    def code_data(self, item: _Item) -> None:
        if not (item.python or item.span.language is None):
            return
        for a in literal_assignments(item.span.text):
            key = _code_key(a.name)
            if key is not None and family(key) in _DATA:
                line = item.span.lines[min(a.line, len(item.span.lines)) - 1]
                self.define(key, a.value, line, None)
                if self.claims and self.claims[-1].line == line and self.claims[-1].kind == "data":
                    c = self.claims[-1]
                    self.claims[-1] = Claim(c.line, c.kind, f"{a.name} = …", c.verdict,
                                            c.expected, c.follows, c.message)  # fmt: skip

    # -- code outputs ---------------------------------------------------------------------------
    def outputs(self, code: list[_Item]) -> None:
        blocks = [i for i in code if i.python]
        claimed = [(i, output_claims(i.span.text)) for i in blocks]
        if not any(c or i.stored for i, c in claimed):
            if blocks and self.run:
                pass
            elif not blocks:
                return
        if not self.run:
            for item, claims in claimed:
                for c in claims:
                    self.claims.append(self._unrun(item.span.lines[c.line - 1], c.text))
                for s in item.stored:
                    self.claims.append(self._unrun(s.line, s.text))
            if blocks:
                self.notes.append(_("the code was not run (use --run to run it and compare "
                                    "its output)"))  # fmt: skip
            return
        results, note = run_blocks([i.span.text for i in blocks],
                                   [self.doc.format == "notebook"] * len(blocks))  # fmt: skip
        if note:
            self.notes.append(note)
        for k, (item, claims) in enumerate(claimed):
            result = results[k] if k < len(results) else None
            self.block_claims(item, claims, result)

    def _unrun(self, line: int, text: str) -> Claim:
        return Claim(line, "output", text.strip(), "unchecked", None, None,
                     _("output not checked: the code was not run (use --run)"))  # fmt: skip

    def block_claims(self, item: _Item, claims: list[Any], result: BlockResult | None) -> None:
        span = item.span
        err = result.error if result is not None else None
        err_line = (err or {}).get("line") or 0
        if err is not None:
            line = span.lines[min(max(err_line, 1), len(span.lines)) - 1]
            msg = f"{err['type']}: {err['message']}".strip().rstrip(":")
            self.claims.append(Claim(line, "code-error", span.text.split("\n")[max(err_line, 1) - 1].strip(),
                                     "wrong", None, None, msg))  # fmt: skip
        prev = 0
        for c in claims:
            line = span.lines[c.line - 1]
            if result is None or (err is not None and err_line <= c.line):
                self.claims.append(Claim(line, "output", c.text, "unchecked", None, None,
                                         _("output not checked: the code did not get this far")))  # fmt: skip
                prev = c.line
                continue
            self.compare(c.text, result.printed(prev, c.line), [span.lines[w - 1] for w in c.lines])
            prev = c.line
        for s in item.stored:
            if result is None or err is not None:
                self.claims.append(Claim(s.line, "output", s.text.strip(), "unchecked", None, None,
                                         _("output not checked: the code did not run to the end")))  # fmt: skip
                continue
            lines = list(s.lines)
            self.compare(s.text, result.printed(prev, 10**9), lines)

    def compare(self, claimed: str, actual: str, lines: list[int]) -> None:
        text = claimed.strip()
        if same_output(claimed, actual):
            self.claims.append(Claim(lines[0], "output", text, "ok", None, None,
                                     _("the code prints what the post shows")))  # fmt: skip
            return
        want = [ln for ln in claimed.split("\n")]
        got = [ln for ln in actual.rstrip("\n").split("\n")]
        k = next((i for i, w in enumerate(want) if i >= len(got) or not same_output(w, got[i])),
                 len(want) - 1)  # fmt: skip
        line = lines[min(k, len(lines) - 1)]
        shown = got[k] if k < len(got) else ""
        msg = _("the code prints {actual}, not {claimed}", actual=repr(shown.strip() or actual.strip()[:200]),
                claimed=repr(want[k].strip() if k < len(want) else text))  # fmt: skip
        self.claims.append(Claim(line, "output", text, "wrong", actual.strip()[:2000], None, msg))

    # -- result ---------------------------------------------------------------------------------
    def report(self) -> AuditReport:
        r = self.recognised
        note = ""
        if r is not None:
            note = {
                "formula": _("recognised from the formula on line {line}", line=r.line),
                "words": _("named on line {line}", line=r.line),
                "option": _("given with --loss"),
            }[r.how]
        claims = tuple(sorted(self.claims, key=lambda c: c.line))
        return AuditReport(self.doc.path, r.label if r else None, note, claims,
                           tuple(self.notes), self.doc.text,
                           fixable=self.doc.format != "notebook")  # fmt: skip


def _positive(found: tuple[Any, int] | None) -> float | None:
    if found is None or np.ndim(found[0]) != 0 or not float(found[0]) > 0:
        return None
    return float(found[0])


def audit_document(doc: Document, *, run: bool = False, loss: str | None = None) -> AuditReport:
    """Audit a scanned document (see :func:`gradproof.audit.audit`)."""
    a = _Audit(doc, run, loss)
    a.collect()
    a.setup()
    a.check()
    return a.report()
