"""The audit's result: claims with verdicts, printed like a linter, as JSON, as GitHub
annotations, or applied as a corrected copy (``--fix``).

``post.md:12: wrong: −[1,2] + [3,0] = [2, −2], not [2, 2]`` — the file, the 1-based line holding
the claim's wrong part, the verdict (``follows line N`` for a consequence) and one sentence.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gradproof.i18n import N_, _, ngettext

__all__ = ["Edit", "Claim", "AuditReport", "VERDICTS", "KINDS"]

LABELLED = N_("{label}: {text}")  # a verdict or a heading word before its sentence

VERDICTS = ("ok", "wrong", "follows-wrong", "unchecked")
KINDS = ("equation", "formula", "update", "output", "code-error", "data")
"""``data``: a restatement of the post's data (math against code, or twice) that disagrees."""


@dataclass(frozen=True)
class Edit:
    """Replace ``source[start:end]`` by ``text`` (offsets in the document)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Claim:
    """One checked (or uncheckable) claim of the post."""

    line: int
    kind: str
    text: str
    verdict: str
    expected: str | None = None
    follows: int | None = None
    message: str = ""
    edits: tuple[Edit, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The claim in the JSON schema of ``gradproof audit --json``."""
        return {
            "line": self.line,
            "kind": self.kind,
            "text": self.text,
            "verdict": self.verdict,
            "expected": self.expected,
            "follows": self.follows,
            "message": self.message,
        }

    @property
    def is_wrong(self) -> bool:
        return self.verdict in ("wrong", "follows-wrong")


def _escape(text: str, prop: bool = False) -> str:
    """GitHub workflow-command escaping (data, or a property value)."""
    out = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out


@dataclass(frozen=True)
class AuditReport:
    """What ``gradproof audit`` found in one document.

    Attributes
    ----------
    file
        The file name (``<text>`` for text given directly).
    loss
        The recognised loss (``perceptron``, ``custom: …``), or None.
    loss_note
        How it was recognised, in words.
    claims
        Every claim found, in line order.
    notes
        What the audit could not do (the code was not run, no data …), in words.
    source
        The document's text (for :meth:`fixed`).
    """

    file: str
    loss: str | None
    loss_note: str
    claims: tuple[Claim, ...]
    notes: tuple[str, ...] = ()
    source: str = field(default="", repr=False)
    fixable: bool = True

    @property
    def summary(self) -> dict[str, int]:
        """Claims found, and how many of each verdict."""
        out = {"claims": len(self.claims)}
        for v in VERDICTS:
            out[v] = sum(c.verdict == v for c in self.claims)
        return out

    @property
    def wrong(self) -> list[Claim]:
        """The claims that are wrong (by themselves or as a consequence)."""
        return [c for c in self.claims if c.is_wrong]

    @property
    def exit_code(self) -> int:
        """0 when nothing is wrong, 1 when something is."""
        return 1 if self.wrong else 0

    def to_json(self) -> dict[str, Any]:
        """The report in the schema of ``--json``."""
        return {
            "file": self.file,
            "loss": self.loss,
            "claims": [c.to_dict() for c in self.claims],
            "summary": self.summary,
        }

    def finding(self, c: Claim) -> str:
        """``wrong: …`` or ``follows line 12: …`` (or ``ok: …`` / ``unchecked: …``)."""
        if c.verdict == "follows-wrong":
            return _("follows line {line}: {message}", line=c.follows, message=c.message)
        word = {"ok": _("ok"), "wrong": _("wrong"), "unchecked": _("unchecked")}[c.verdict]
        return _(LABELLED, label=word, text=c.message)

    def lines(self, fmt: str = "text", *, verbose: bool = False) -> list[str]:
        """The report as lines: ``text`` (like a linter) or ``github`` (annotations)."""
        shown = [c for c in self.claims if verbose or c.is_wrong]
        if fmt == "github":
            out = []
            for c in shown:
                level = "error" if c.is_wrong else "notice"
                props = f"file={_escape(self.file, True)},line={c.line},title=gradproof audit"
                out.append(f"::{level} {props}::{_escape(self.finding(c))}")
            return out + [f"::notice::{_escape(self.summary_line())}"]
        out = [f"{self.file}:{c.line}: {self.finding(c)}" for c in shown]
        loss, note, unknown = _("loss"), _("note"), _("not recognised")
        name = self.loss or unknown
        if self.loss_note:
            name = _("{loss} ({how})", loss=name, how=self.loss_note)
        # the FILE: prefix stays as linters write it (editors read it); the rest is prose
        out.append(f"{self.file}: " + _(LABELLED, label=loss, text=name))
        out.extend(f"{self.file}: " + _(LABELLED, label=note, text=n) for n in self.notes)
        out.append(f"{self.file}: {self.summary_line()}")
        n = self.summary["unchecked"]
        if n and not verbose:  # what was not checked is not known to be right: say so last
            out.append(
                f"{self.file}: "
                + ngettext(
                    "{n} claim not checked (-v lists it with the reason)",
                    "{n} claims not checked (-v lists them with the reasons)",
                    n,
                )
            )
        return out

    def __str__(self) -> str:  # what ``gradproof audit FILE`` prints
        return "\n".join(self.lines())

    def __repr__(self) -> str:  # one line; str(report) lists the findings
        return f"AuditReport({self.file!r}, loss={self.loss!r}, {self.summary_line()})"

    def summary_line(self) -> str:
        s = self.summary
        return ngettext(
            "{n} claim: {ok} ok, {wrong} wrong, {follows} follow a wrong value, "
            "{unchecked} unchecked",
            "{n} claims: {ok} ok, {wrong} wrong, {follows} follow a wrong value, "
            "{unchecked} unchecked",
            s["claims"],
            ok=s["ok"],
            wrong=s["wrong"],
            follows=s["follows-wrong"],
            unchecked=s["unchecked"],
        )

    def fixed(self) -> str:
        """The document with every wrong value the audit could correct replaced."""
        return apply_edits(self.source, (e for c in self.claims for e in c.edits))

    def unfixed(self) -> list[str]:
        """One line per wrong claim that :meth:`fixed` leaves as it is (a value whose chain
        would not hold with the right one, a formula, an output): ``post.md:12: not fixed: …``."""
        return [
            f"{self.file}:{c.line}: " + _("not fixed: {message}", message=c.message)
            for c in self.claims
            if c.is_wrong and not c.edits
        ]

    def diff(self) -> str:
        """A unified diff from the document to :meth:`fixed` (empty when nothing changes)."""
        new = self.fixed()
        return "".join(
            difflib.unified_diff(
                self.source.splitlines(keepends=True),
                new.splitlines(keepends=True),
                fromfile=self.file,
                tofile=self.file + " (fixed)",
            )
        )


def apply_edits(source: str, edits: Iterable[Edit]) -> str:
    """``source`` with non-overlapping edits applied (a later overlapping edit is dropped)."""
    chosen: list[Edit] = []
    for e in sorted(set(edits), key=lambda e: (e.start, e.end)):
        if chosen and e.start < chosen[-1].end:
            continue
        chosen.append(e)
    out, pos = [], 0
    for e in chosen:
        out.append(source[pos : e.start])
        out.append(e.text)
        pos = e.end
    out.append(source[pos:])
    return "".join(out)
