"""Claims about what the post's code prints, and the exceptions it raises (``--run`` only).

Without ``run`` every claimed output is an ``unchecked`` claim and nothing runs. With it,
the post's Python blocks run in order in one subprocess (:mod:`gradproof.audit.run`); each
claim is compared (:func:`gradproof.audit.outputs.same_output`) with what the lines since the
previous claim printed, a block's shown outputs (a following ``text`` block, a notebook's
stored outputs) with what the rest of the block printed, and an exception is a
``code-error`` finding on the line that raised it.
"""

from __future__ import annotations

from collections.abc import Sequence

from gradproof.audit.code import OutputClaim, output_claims
from gradproof.audit.data import Item
from gradproof.audit.outputs import same_output
from gradproof.audit.report import Claim
from gradproof.audit.run import BlockResult, run_blocks
from gradproof.i18n import _

__all__ = ["check_code"]


def _unchecked(line: int, text: str, why: str) -> Claim:
    return Claim(line, "output", text.strip(), "unchecked", None, None, why)


def check_code(blocks: Sequence[Item], *, run: bool, notebook: bool) -> tuple[list[Claim], str]:
    """The output and code-error claims of the Python ``blocks``, and a note (or "")."""
    claimed = [(b, output_claims(b.span.text)) for b in blocks]
    if not blocks:
        return [], ""
    if not run:
        why = _("the output is not compared: the code was not run (use --run)")
        skipped = [
            _unchecked(b.span.lines[c.line - 1], c.text, why) for b, cs in claimed for c in cs
        ]
        skipped += [_unchecked(s.line, s.text, why) for b in blocks for s in b.stored]
        return skipped, _("the code was not run (use --run to run it and compare its output)")
    results, note = run_blocks([b.span.text for b in blocks], [notebook] * len(blocks))
    out: list[Claim] = []
    stopped = blocks[len(results)] if len(results) < len(blocks) else None
    late = ""
    if stopped is not None:  # it timed out, or ended the process (os._exit): a finding
        first = stopped.span.lines[0] if stopped.span.lines else 0
        why = note or _("it ended the Python process before its end")
        msg = _("the code block at line {line} did not finish ({why})", line=first, why=why)
        text = stopped.span.text.strip().split("\n")[0].strip()
        out.append(Claim(first, "code-error", text, "wrong", None, None, msg))
        late = _(
            "the output is not compared: the code block at line {line} did not finish", line=first
        )
    for k, (item, claims) in enumerate(claimed):
        out.extend(_block(item, claims, results[k] if k < len(results) else None, late))
    return out, note


def _block(
    item: Item, claims: list[OutputClaim], result: BlockResult | None, late: str = ""
) -> list[Claim]:
    """The claims of one block; ``late`` says why a block that did not run is unchecked."""
    span, out = item.span, []
    err = result.error if result is not None else None
    err_line = int((err or {}).get("line") or 0)
    if err is not None:
        k = min(max(err_line, 1), len(span.lines))
        msg = f"{err['type']}: {err['message']}".strip().rstrip(":")
        out.append(
            Claim(
                span.lines[k - 1],
                "code-error",
                span.text.split("\n")[k - 1].strip(),
                "wrong",
                None,
                None,
                msg,
            )
        )
    prev = 0
    for c in claims:
        if result is None or (err is not None and err_line <= c.line):
            why = (
                late
                if result is None and late
                else _("the output is not compared: the code did not get this far")
            )
            out.append(_unchecked(span.lines[c.line - 1], c.text, why))
        else:
            where = [span.lines[w - 1] for w in c.lines]
            out.append(_compare(c.text, result.printed(prev, c.line), where))
        prev = c.line
    for s in item.stored:
        if result is None or err is not None:
            why = (
                late
                if result is None and late
                else _("the output is not compared: the code did not run to the end")
            )
            out.append(_unchecked(s.line, s.text, why))
        else:
            out.append(_compare(s.text, result.printed(prev, 10**9), list(s.lines)))
    return out


def _compare(claimed: str, actual: str, lines: list[int]) -> Claim:
    """An output claim: ok, or wrong on the first claimed line that differs."""
    text = claimed.strip()
    if same_output(claimed, actual):
        return Claim(
            lines[0], "output", text, "ok", None, None, _("the code prints what the post shows")
        )
    want, got = claimed.split("\n"), actual.rstrip("\n").split("\n")
    k = next(
        (i for i, w in enumerate(want) if i >= len(got) or not same_output(w, got[i])),
        len(want) - 1,
    )
    shown = got[k].strip() if k < len(got) else ""
    msg = _(
        "the code prints {actual}, not {claimed}",
        actual=repr(shown or actual.strip()[:200]),
        claimed=repr(want[k].strip() if k < len(want) else text),
    )
    return Claim(
        lines[min(k, len(lines) - 1)], "output", text, "wrong", actual.strip()[:2000], None, msg
    )
