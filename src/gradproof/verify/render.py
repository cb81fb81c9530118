"""Text and Markdown for a :class:`~gradproof.verify.report.CheckReport`.

Numbers are rounded to what matters: an entry is printed with just enough significant digits
to show how it differs from the correct value (at least 3), vectors with 6 and at most 8
entries; no "−0", no "inf" relative errors (a reference of 0 has none), no digits below 0.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradproof.verify.report import CheckReport, Entry, PointResult

__all__ = ["render_text", "render_markdown", "num", "vec"]

_SHOWN = 8


def num(x: float, sig: int = 6) -> str:
    """``x`` with ``sig`` significant digits (``0`` for ±0, ``nan`` for NaN)."""
    if x != x:
        return "nan"
    if x == 0:
        return "0"
    return f"{x:.{sig}g}"


def vec(v: list[float], sig: int = 6, total: int | None = None) -> str:
    """A short vector: at most :data:`_SHOWN` entries, then how many there are."""
    total = len(v) if total is None else total
    shown = ", ".join(num(x, sig) for x in v[:_SHOWN])
    return f"[{shown}, …] ({total} entries)" if total > _SHOWN else f"[{shown}]"


def _digits(x: float) -> str:
    return f"{max(0.0, min(x, 17.0)):.1f}"


def _sig_for(a: float, b: float) -> int:
    """Significant digits that show the difference between a and b (3 … 17)."""
    diff = abs(a - b)
    size = max(abs(a), abs(b))
    if diff == 0 or size == 0 or not math.isfinite(size / diff):
        return 6
    return int(min(17, max(3, math.ceil(math.log10(size / diff)) + 2)))


def _where(p: PointResult) -> str:
    if not any(p.w):
        return f"{p.label} (w = 0, b = {num(p.b, 6)})"
    return f"{p.label} (w = {vec(p.w, 3, p.d)}, b = {num(p.b, 3)})"


def _point_name(p: PointResult) -> str:
    return f"{_where(p)}, {p.dataset}"


def _detail(p: PointResult) -> str:
    if p.failure:
        return p.failure
    if not p.passed:
        if not p.culprits:
            return "fails the finite-difference check"
        return "wrong: " + ", ".join(p.culprits[:6]) + (" …" if len(p.culprits) > 6 else "")
    if p.kinks:
        if any(k.binding for k in p.kinks):
            return f"{len(p.kinks)} sample(s) on a kink, where the convention is binding"
        return f"{len(p.kinks)} sample(s) on a kink; any valid subgradient passes there"
    if p.digits == p.digits:
        return "agrees exactly" if p.digits >= 17 else f"agrees to {_digits(p.digits)} digits"
    # no entry is 1000× its rounding bound (float16, or a gradient near 0): no digits to count
    return "agrees within its rounding bound (too loose at this precision to pin 3 digits)"


def _point_line(p: PointResult) -> str:
    return f"  {'✓' if p.passed else '✗'} {_point_name(p)}: {_detail(p)}"


def _entry_line(e: Entry) -> str:
    sig = _sig_for(e.candidate, e.reference)
    text = (
        f"  {e.name}: candidate {num(e.candidate, sig)}, correct {num(e.reference, sig)}"
        f" (off by {num(e.abs_error, 3)}"
    )
    if e.rel_error is not None:
        rel = e.rel_error
        text += f", {rel:.0%}" if rel >= 0.01 else f", {num(rel, 2)} relative"
    text += f"; a correct gradient is within {num(e.bound, 2)})"
    if e.kink and e.valid_low != e.valid_high:
        text += (
            f"; with the kink samples' choices any value in "
            f"[{num(e.valid_low, sig)}, {num(e.valid_high, sig)}] can be right for this entry"
        )
    return text


def _kink_words(p: PointResult, convention: str, strict: bool) -> list[str]:
    if not p.kinks:
        return []
    exact = sum(k.exact for k in p.kinks)
    switch = p.kinks[0].switch
    samples = ", ".join(str(k.sample) for k in p.kinks[:10]) + (" …" if len(p.kinks) > 10 else "")
    lines = [
        f"at the {p.label}, {len(p.kinks)} sample(s) sit on a kink of {switch} "
        f"({exact} exactly, {len(p.kinks) - exact} within rounding): samples {samples}"
    ]
    if strict:
        lines.append(
            f"  kink={convention} is binding there: the samples exactly on the kink must take "
            f"its value; samples only within rounding of it may fall on either side"
        )
    else:
        lines.append(
            "  there each sample may count on either side of its kink, or anywhere between, "
            "independently of the others: every such choice is a valid subgradient of the sum, "
            "and any of them passes"
        )
    if p.kink_convention_matched:
        lines.append(
            "  the candidate follows the "
            + " / ".join(p.kink_convention_matched)
            + " convention"
            + ("s (they agree here)" if len(p.kink_convention_matched) > 1 else "")
            + (
                ""
                if p.kink_convention_matched[0].startswith("sign")
                else f" (the derivation uses {convention})"
            )
        )
    elif p.passed:
        lines.append(
            "  the candidate is a valid subgradient that matches no named convention "
            "(weights " + ", ".join(num(k.t or 0.0, 3) for k in p.kinks[:8]) + ")"
        )
    return lines


def _header(r: CheckReport) -> list[str]:
    verdict = "PASS" if r.passed else "FAIL"
    lines = [f"gradproof check: {r.loss} — {verdict} ({r.candidate}, {r.precision}, {r.mode} mode)"]
    if r.self_test:
        lines.append(
            "self-test: no gradient function or claim was given, so this checks gradproof's "
            "own derived gradient (its compiled numpy code) against its exact reference"
        )
    n_pts = len(r.points)
    per = n_pts // max(len(r.datasets), 1)
    where = f"{n_pts} point(s)"
    if len(r.datasets) > 1:
        where += f", {per} on each of {len(r.datasets)} datasets"
    lines.append(f"data: {'; '.join(r.datasets)}")
    seed = f", seed {r.seed}" if r.seed is not None and n_pts > len(r.datasets) else ""
    bad = len(r.failing_points)
    lines.append(
        f"checked at {where}{seed}: "
        + ("every point passed" if not bad else f"{bad} of {n_pts} failed")
    )
    return lines


def render_text(r: CheckReport) -> str:
    """The readable report."""
    lines = _header(r)
    p = r.points[r.primary] if r.points else None
    if r.passed:
        if r.digits == r.digits:
            lines.append(
                f"agrees with the exact gradient to {_digits(r.digits)} significant digits or more"
                f" at every point (a correct {r.precision} gradient is guaranteed "
                f"{_digits(r.noise_floor_digits)})"
            )
        if r.fd_digits == r.fd_digits:
            lines.append(
                f"agrees with finite differences to {_digits(r.fd_digits)} digits or more "
                f"({r.method})"
            )
        else:
            lines.append(f"finite differences: {r.method}")
    elif p is not None:
        lines.append(f"fails at: {_point_name(p)}")
        if p.failure:
            lines.append(f"  {p.failure}")
    if p is not None:
        for pt in r.points:
            if pt.kinks and (pt is p or pt.kind in ("given", "default")):
                lines += _kink_words(pt, r.convention, r.strict)
                break
    if p is not None and not r.passed:
        lines += _failure_detail(r, p)
    lines.append("points:")
    lines += [_point_line(pt) for pt in r.points]
    for h in r.hints:
        lines.append(f"hint: {h}")
    for nte in r.notes:
        lines.append(f"note: {nte}")
    lines.append(f"note: {r.numbering}")
    if r.reproduce:
        lines.append("reproduce with this pytest test:\n" + r.reproduce)
    return "\n".join(lines)


def _failure_detail(r: CheckReport, p: PointResult) -> list[str]:
    lines = []
    if p.directions:
        lines.append("random-direction checks (∇L·v):")
        for c in p.directions:
            fd = num(c.fd_low) if c.fd_low == c.fd_high else f"[{num(c.fd_low)}, {num(c.fd_high)}]"
            lines.append(
                f"  {c.label}: candidate {num(c.candidate, _sig_for(c.candidate, c.reference))}, "
                f"correct {num(c.reference, _sig_for(c.candidate, c.reference))}, finite "
                f"differences {fd}, bound {num(c.bound, 2)} — {'ok' if c.ok else 'MISMATCH'}"
            )
    bad = sorted(
        (e for e in p.entries if not e.ok), key=lambda e: -e.abs_error / max(e.bound, 1e-300)
    )
    if bad:
        lines.append(f"wrong entries there ({p.wrong_entries}, worst first):")
        lines += [_entry_line(e) for e in bad[:8]]
        if p.wrong_entries > 8:
            lines.append(f"  … and {p.wrong_entries - 8} more")
    if p.samples:
        lines.append(
            "samples responsible: "
            + ", ".join(map(str, p.samples[:20]))
            + (" …" if len(p.samples) > 20 else "")
        )
    if p.correct is not None:
        lines.append(
            f"correct gradient there: w = {vec(p.correct['w'], 6, p.d)}, b = {num(p.correct['b'])}"
        )
        diff = p.correct["difference"]
        lines.append(
            f"difference (candidate − correct): w = {vec(diff['w'], 3, p.d)}, "
            f"b = {num(diff['b'], 3)}"
        )
    return lines


def render_markdown(r: CheckReport) -> str:
    """The report for a notebook: the verdict in bold, the points as a table, the rest as
    preformatted text."""
    verdict = "✅ PASS" if r.passed else "❌ FAIL"
    out = [
        f"**gradproof check: {r.loss} — {verdict}** ({r.candidate}, {r.precision}, {r.mode} mode)",
        "",
    ]
    out += ["| | point | data | result |", "|---|---|---|---|"]
    for pt in r.points:
        mark = "✓" if pt.passed else "✗"
        out.append(f"| {mark} | {_md(_where(pt))} | {_md(pt.dataset)} | {_md(_detail(pt))} |")
    body = render_text(r).split("\n")[1:]
    out += ["", "```text", *[b.replace("```", "ʼʼʼ") for b in body], "```"]
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
