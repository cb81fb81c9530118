"""The audit of one document: spans → statements and code → data and loss → verdicts.

Two passes. The first reads every chain and every code block, collects the data the post
gives (:mod:`gradproof.audit.data`) and recognises the loss. The second checks the claims
in document order, so each claim is judged with the values the post stated before it: a
later statement of the data that disagrees is a ``data`` finding, a new value of w moves the
point (following the update it copies), and claimed outputs are compared after the code ran
(``--run`` only, :mod:`gradproof.audit.codecheck`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from gradproof.audit.chains import ChainContext, check_chain, head_quantity
from gradproof.audit.codecheck import check_code
from gradproof.audit.data import (
    Data,
    Item,
    assemble,
    code_key,
    code_literals,
    definition,
    definitions,
    kink_of,
)
from gradproof.audit.fix import written_like
from gradproof.audit.model import SET_NAMES, AgreedModel, Model, after_step, family
from gradproof.audit.reader import Statement, statements
from gradproof.audit.recognise import Recognised, recognise
from gradproof.audit.report import AuditReport, Claim, Edit
from gradproof.audit.state import Entry, Values
from gradproof.audit.values import close, format_value
from gradproof.errors import GradproofError
from gradproof.i18n import _
from gradproof.markup.scan import Document

__all__ = ["audit_document", "PYTHON", "OUTPUT_LANGUAGES"]

PYTHON = {"python", "py", "python3", "ipython", "ipython3", "python2"}
OUTPUT_LANGUAGES = {"text", "output", "console", "plaintext", "txt", "out", "stdout"}
_DATA = ("X", "x", "y")


_AFTER = re.compile(r"\b(?:new|after|updated|next)\b|新|更新后|之后|一步后", re.IGNORECASE)
"""Words before a plain ``L`` that say it is the loss after the update step just stated."""


def _escaped_dollars(text: str, st: Statement) -> bool:
    r"""Is the prose chain written with escaped dollars (``\$3 + 3 = 7\$``: money, not math)?"""
    return "\\$" in text[max(0, st.parts[0].start - 2) : st.parts[-1].end + 2]


class _Audit:
    def __init__(
        self, doc: Document, run: bool, loss: str | None, params: Mapping[str, float] | None
    ):
        self.doc, self.run, self.loss_option = doc, run, loss
        self.params_option = dict(params or {})
        self.items: list[Item] = []
        self.notes: list[str] = []
        self.claims: list[Claim] = []
        self.values = Values()
        self.data = Data()
        self.recognised: Recognised | None = None

    # -- pass 1 -------------------------------------------------------------------------------
    def collect(self) -> None:
        """The chains and code blocks, with the outputs shown for each block."""
        last_code: Item | None = None
        for span in self.doc.spans:
            if span.kind in ("math", "prose"):
                skipped: list[tuple[int, str]] = []
                found = statements(span.text, prose=span.kind == "prose", skipped=skipped)
                for offset, why in skipped:
                    line = span.line_at(offset)
                    self.notes.append(_("line {line}: not read ({why})", line=line, why=why))
                if span.kind == "prose":  # \$3 + 3 = 7\$: dollar signs, not math
                    found = [st for st in found if not _escaped_dollars(span.text, st)]
                self.items.extend(Item(span, st) for st in found)
                if span.kind == "prose" and len(span.text) > 60:
                    last_code = None  # a paragraph between: the next text block is not output
            elif span.kind == "code" and not span.inline:
                lang = (span.language or "").lower()
                if lang in OUTPUT_LANGUAGES and last_code is not None:
                    last_code.stored.append(span)
                    last_code = None
                    continue
                item = Item(span, python=lang in PYTHON)
                self.items.append(item)
                last_code = item if item.python else None
            elif span.kind == "output" and not span.delimiter.startswith("error"):
                cells = (i for i in reversed(self.items) if i.statement is None)
                owner = next((i for i in cells if i.span.cell == span.cell), None)
                if owner is not None:
                    owner.stored.append(span)

    def setup(self) -> None:
        """The data, the point, the loss and the model, from the first definitions."""
        first: dict[str, tuple[Any, int]] = {}
        for key, value, line in definitions(self.items, self.values):
            first.setdefault(key, (value, line))
        for item, a, changed in code_literals(self.items):
            if changed is not None:
                line = item.span.lines[min(a.line, len(item.span.lines)) - 1]
                self.notes.append(
                    _(
                        "line {line}: {name} is changed by the code on line {changed}, which "
                        "is not read as values: its literal is not used as the post's data",
                        line=line,
                        name=a.name,
                        changed=changed,
                    )
                )
        self.data = data = assemble(first)
        if data.problem:
            self.notes.append(data.problem)
        lam = first.get("lam", (None, 0))[0]
        params = {"lam": float(lam)} if lam is not None and np.ndim(lam) == 0 else {}
        params.update(self.params_option)
        y = data.y
        labels = "pm1" if y is not None and set(np.unique(y)) <= {-1.0, 1.0} else "real"
        chains = [
            (i.statement, i.span.line_at(i.statement.parts[0].start))
            for i in self.items
            if i.statement is not None
        ]
        prose = [(s.text, s.line) for s in self.doc.spans if s.kind in ("prose", "comment")]
        try:
            self.recognised = recognise(
                chains,
                prose,
                params=params,
                labels=labels,
                kink=kink_of(self.items),
                option=self.loss_option,
            )
        except GradproofError as exc:
            if self.loss_option:
                raise
            self.notes.append(_("the loss could not be derived ({why})", why=exc))
        if self.recognised is not None and self.recognised.unvalued:
            for k in self.recognised.unvalued:
                self.notes.append(
                    _(
                        "{name} has no value in the post; give --param {key}=… to check the "
                        "numbers that need it (formulas are compared at two values of it)",
                        name={"lam": "λ", "delta": "δ"}.get(k, k),
                        key=k,
                    )
                )
        if self.recognised is not None:
            names = self.recognised.derivation.set_names.values()
            self.values.set_names = tuple(dict.fromkeys((*names, *SET_NAMES)))
        self._point(first)

    def _point(self, first: dict[str, tuple[Any, int]]) -> None:
        """The starting point and the model of the recognised loss on the data."""
        v, data = self.values, self.data
        if data.X is None or data.y is None:
            self.notes.append(_("no data (x₁, x₂ … or X, and y) found: only arithmetic is checked"))
            return
        eta = first.get("eta", (None, 0))[0]
        eta = float(eta) if eta is not None and np.ndim(eta) == 0 and float(eta) > 0 else None
        v.X, v.y, v.eta = data.X, data.y, eta
        w = first.get("w", (None, 0))[0]
        w = None if w is None else np.asarray(w, float)
        if w is not None and w.ndim == 0 and float(w) == 0:
            w = np.zeros(data.X.shape[1])  # w = 0: the zero vector
        b = first.get("b", (np.float64(0.0), 0))[0]
        if w is None or w.shape != (data.X.shape[1],) or np.ndim(b) != 0:
            self.notes.append(
                _("no starting point w found: the gradient's numbers are not checked")
            )
            return
        v.point = v.true_point = (w, float(b))
        r = self.recognised
        if r is None or (r.unvalued and not r.variants):
            return  # no model: the numbers that need an unvalued λ are unchecked
        try:
            v.model = Model(r.derivation, data.X, data.y, eta or 1.0)
            if r.unvalued:  # at two stand-ins of λ: only the numbers that do not depend on it
                other = Model(r.variants[0], data.X, data.y, eta or 1.0)
                v.model = AgreedModel(v.model, other, r.unvalued)
            v.model.truth(w, float(b))
        except GradproofError as exc:
            v.model = None
            self.notes.append(_("gradproof cannot evaluate the loss on this data ({why})", why=exc))

    # -- pass 2 -------------------------------------------------------------------------------
    def check(self) -> None:
        d = self.recognised.derivation if self.recognised is not None else None
        before: dict[int, str] = {}  # the words just before each math span
        words = ""
        for sp in self.doc.spans:
            if sp.kind == "prose":
                words = sp.text[-80:]
            elif sp.kind == "math":
                before[id(sp)], words = words, ""
        for item in self.items:
            span = item.span
            if item.statement is None:
                self.code_data(item)
                continue
            head = item.statement.parts[0].node
            if head_quantity(item.statement, self.values) == "L" and (
                after_step(head)
                or {"w_new", "b_new"} & self.values.claimed.keys()
                and _AFTER.search(before.get(id(span), ""))
            ):
                self.advance()
            found = definition(item.statement, self.values)
            line = span.line_at(item.statement.parts[1].start)
            if found is not None and self.define(found[0], found[1], line, item):
                continue
            latex = self.doc.format == "latex" or (span.kind == "math" and "−" not in span.text)
            variants = self.recognised.variants if self.recognised is not None else ()
            ctx = ChainContext(span, self.values, d, latex, variants=variants)
            self.claims.extend(check_chain(item.statement, ctx))
        blocks = [i for i in self.items if i.statement is None and i.python]
        claims, note = check_code(blocks, run=self.run, notebook=self.doc.format == "notebook")
        self.claims.extend(claims)
        if note:
            self.notes.append(note)

    def define(self, key: str, value: Any, line: int, item: Item | None) -> bool:
        """Handle a definition; True when it is only that (not a claim to check)."""
        fam = family(key)
        if fam in _DATA:
            if self.data.lines.get(key) != line:
                self.data_claim(key, value, line, item)
        elif fam in ("w", "b"):
            if self.data.lines.get(key) != line and self.values.point is not None:
                self.move(fam, value)
        elif fam not in ("eta", "lam"):
            self.values.names[key] = Entry(value, value, line, key)
        return True

    def data_claim(self, key: str, value: Any, line: int, item: Item | None) -> None:
        """The data stated again: it must agree with its first statement."""
        have = self.values.input(key, "post")
        if have is None or self.values.X is None:
            return
        st = item.statement if item is not None else None
        label = item.span.text[st.parts[0].start : st.parts[0].end] if item and st else key
        ok = np.shape(have) == np.shape(value) and close(value, have, 1e-9)
        fam = family(key)
        where = next(
            (
                self.data.lines[k]
                for k in (key, "X" if fam == "x" else "y", f"{fam}[1]")
                if k in self.data.lines
            ),
            0,
        )
        shown = format_value(value)
        if ok:
            msg = _(
                "{name} = {value} agrees with the data on line {line}",
                name=label,
                value=shown,
                line=where,
            )
            self.claims.append(Claim(line, "data", f"{label} = {shown}", "ok", None, None, msg))
            return
        expected = format_value(have)
        msg = _(
            "{name} = {value} here, but the data on line {line} has {expected}",
            name=label,
            value=shown,
            line=where,
            expected=expected,
        )
        edits: tuple[Edit, ...] = ()
        if item is not None and st is not None and item.span.start is not None:
            node = st.parts[1].node
            text = written_like(
                node, item.span.text[node.start : node.end], have, latex=self.doc.format == "latex"
            )
            edits = (Edit(item.span.start + node.start, item.span.start + node.end, text),)
        claim = Claim(line, "data", f"{label} = {shown}", "wrong", expected, None, msg, edits)
        self.claims.append(claim)

    def move(self, fam: str, value: Any) -> None:
        """The post sets w (or b) anew: the next step starts there."""
        v = self.values
        assert v.point is not None and v.true_point is not None
        value = np.asarray(value, float)
        if fam == "w" and value.ndim == 0 and float(value) == 0:
            value = np.zeros(v.point[0].shape)
        (w, b), (tw, tb) = v.point, v.true_point
        current = w if fam == "w" else b
        if np.shape(value) != np.shape(current) or close(value, current, 1e-12):
            return
        step = v.claimed.get(f"{fam}_new")
        true = value
        if step is not None and close(value, step.post, 1e-9):
            true = step.true  # the post copies its update: the true point is the true update
            v.point_origin = step if step.wrong else None
        v.point = (value, b) if fam == "w" else (w, float(value))
        v.true_point = (true, tb) if fam == "w" else (tw, float(true))
        v.claimed = {}

    def advance(self) -> None:
        """A loss stated after an update step is the loss at the updated point: the post's
        point moves to its stated (or recomputed) w_new, b_new and the true one to the true
        update, following the step when that was wrong."""
        v = self.values
        if v.point is None or v.true_point is None or v.model is None or v.eta is None:
            return
        (w, b), (tw, tb) = v.point, v.true_point
        origin = None
        for fam in ("w", "b"):
            step = v.claimed.get(f"{fam}_new")
            used: list[Entry] = []
            post = step.post if step is not None else v.post_recompute(f"{fam}_new", used)
            true = step.true if step is not None else v.true(f"{fam}_new")
            if post is None or true is None:
                return
            if step is not None and step.wrong:
                origin = origin or step
            origin = origin or next((e for e in used if e.wrong), None)
            if fam == "w":
                w, tw = np.asarray(post, float), np.asarray(true, float)
            else:
                b, tb = float(post), float(true)
        v.point, v.true_point, v.point_origin = (w, b), (tw, tb), origin
        v.claimed = {}

    def code_data(self, item: Item) -> None:
        """Data assigned in code, against the data stated earlier."""
        for it, a, changed in code_literals(self.items):
            if it is not item or changed is not None:
                continue
            key = code_key(a.name)
            if key is not None and family(key) in _DATA:
                line = item.span.lines[min(a.line, len(item.span.lines)) - 1]
                if self.data.lines.get(key) != line:
                    self.data_claim(key, a.value, line, None)

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
        fixable = self.doc.format != "notebook"
        return AuditReport(
            self.doc.path,
            r.label if r else None,
            note,
            claims,
            tuple(self.notes),
            self.doc.text,
            fixable=fixable,
        )


def audit_document(
    doc: Document,
    *,
    run: bool = False,
    loss: str | None = None,
    params: Mapping[str, float] | None = None,
) -> AuditReport:
    """Audit a scanned document (see :func:`gradproof.audit.audit`)."""
    a = _Audit(doc, run, loss, params)
    a.collect()
    a.setup()
    a.check()
    return a.report()
