"""Text and Markdown for a :class:`~gradproof.verify.report.CheckReport`.

Numbers are rounded to what matters: an entry is printed with just enough significant digits
to show how it differs from the correct value (at least 3), vectors with 6 and at most 8
entries; no "−0", no "inf" relative errors (a reference of 0 has none), no digits below 0.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from gradproof.i18n import N_, _, language, tr

if TYPE_CHECKING:
    from gradproof.verify.report import CheckReport, Entry, PointResult

__all__ = ["render_text", "render_markdown", "num", "vec"]

_SHOWN = 8
_MODES = (N_("full"), N_("fast"), N_("full/fast"), N_("fast/full"))  # the check's modes, in words


def num(x: float, sig: int = 6) -> str:
    """``x`` with ``sig`` significant digits (``0`` for ±0, ``nan`` for NaN)."""
    if x != x:
        return "nan"
    if x == 0:
        return "0"
    return f"{x:.{sig}g}"


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
        return _("{label} (w = 0, b = {b})", label=tr(p.label), b=num(p.b, 6))
    return _("{label} (w = {w}, b = {b})", label=tr(p.label), w=vec(p.w, 3, p.d), b=num(p.b, 3))


def vec(v: list[float], sig: int = 6, total: int | None = None) -> str:
    """A short vector: at most :data:`_SHOWN` entries, then how many there are."""
    total = len(v) if total is None else total
    shown = ", ".join(num(x, sig) for x in v[:_SHOWN])
    return (
        _("[{shown}, …] ({total} entries)", shown=shown, total=total)
        if total > _SHOWN
        else f"[{shown}]"
    )


def _point_name(p: PointResult) -> str:
    return _("{where}, {dataset}", where=_where(p), dataset=tr(p.dataset))


def _detail(p: PointResult) -> str:
    if p.failure:
        return tr(p.failure)
    if not p.passed:
        if not p.culprits:
            return _("fails the finite-difference check")
        more = " …" if len(p.culprits) > 6 else ""
        return _("wrong: {entries}{more}", entries=", ".join(p.culprits[:6]), more=more)
    if p.kinks:
        if any(k.binding for k in p.kinks):
            return _("{n} sample(s) on a kink, where the convention is binding", n=len(p.kinks))
        return _("{n} sample(s) on a kink; any valid subgradient passes there", n=len(p.kinks))
    if p.digits == p.digits:
        if p.digits >= 17:
            return _("agrees exactly")
        return _("agrees to {digits} digits", digits=_digits(p.digits))
    # no entry is 1000× its rounding bound (float16, or a gradient near 0): no digits to count
    return _("agrees within its rounding bound (too loose at this precision to pin 3 digits)")


def _point_line(p: PointResult) -> str:
    mark = "✓" if p.passed else "✗"
    return _("  {mark} {point}: {detail}", mark=mark, point=_point_name(p), detail=_detail(p))


def _entry_line(e: Entry) -> str:
    sig = _sig_for(e.candidate, e.reference)
    fields = dict(
        name=e.name,
        candidate=num(e.candidate, sig),
        correct=num(e.reference, sig),
        off=num(e.abs_error, 3),
        bound=num(e.bound, 2),
    )
    if e.rel_error is None:
        text = _(
            "  {name}: candidate {candidate}, correct {correct} (off by {off}; a correct "
            "gradient is within {bound})",
            **fields,
        )
    else:
        rel = e.rel_error
        share = f"{rel:.0%}" if rel >= 0.01 else _("{rel} relative", rel=num(rel, 2))
        text = _(
            "  {name}: candidate {candidate}, correct {correct} (off by {off}, {share}; a correct "
            "gradient is within {bound})",
            share=share,
            **fields,
        )
    if e.kink and e.valid_low != e.valid_high:
        text += _(
            "; with the kink samples' choices any value in [{low}, {high}] can be right for this "
            "entry",
            low=num(e.valid_low, sig),
            high=num(e.valid_high, sig),
        )
    return text


def _matched(p: PointResult, convention: str) -> str:
    names = " / ".join(tr(c) for c in p.kink_convention_matched)
    several = len(p.kink_convention_matched) > 1
    if p.kink_convention_matched[0].startswith("sign"):
        if several:
            return _(
                "  the candidate follows the {names} conventions (they agree here)", names=names
            )
        return _("  the candidate follows the {names} convention", names=names)
    if several:
        return _(
            "  the candidate follows the {names} conventions (they agree here) (the derivation "
            "uses {convention})",
            names=names,
            convention=convention,
        )
    return _(
        "  the candidate follows the {names} convention (the derivation uses {convention})",
        names=names,
        convention=convention,
    )


def _kink_words(p: PointResult, convention: str, strict: bool) -> list[str]:
    if not p.kinks:
        return []
    exact = sum(k.exact for k in p.kinks)
    switch = p.kinks[0].switch
    samples = ", ".join(str(k.sample) for k in p.kinks[:10]) + (" …" if len(p.kinks) > 10 else "")
    lines = [
        _(
            "at the {label}, {n} sample(s) sit on a kink of {switch} ({exact} exactly, {near} "
            "within rounding): samples {samples}",
            label=tr(p.label),
            n=len(p.kinks),
            switch=switch,
            exact=exact,
            near=len(p.kinks) - exact,
            samples=samples,
        )
    ]
    if strict:
        lines.append(
            _(
                "  kink={convention} is binding there: the samples exactly on the kink must take "
                "its value; samples only within rounding of it may fall on either side",
                convention=convention,
            )
        )
    else:
        lines.append(
            _(
                "  there each sample may count on either side of its kink, or anywhere between, "
                "independently of the others: every such choice is a valid subgradient of the "
                "sum, and any of them passes"
            )
        )
    if p.kink_convention_matched:
        lines.append(_matched(p, convention))
    elif p.passed:
        lines.append(
            _(
                "  the candidate is a valid subgradient that matches no named convention "
                "(weights {weights})",
                weights=", ".join(num(k.t or 0.0, 3) for k in p.kinks[:8]),
            )
        )
    return lines


def _header(r: CheckReport) -> list[str]:
    verdict = _("PASS") if r.passed else _("FAIL")
    lines = [
        _(
            "gradproof check: {loss} — {verdict} ({candidate}, {precision}, {mode} mode)",
            loss=r.loss,
            verdict=verdict,
            candidate=tr(r.candidate),
            precision=r.precision,
            mode=_(r.mode),
        )
    ]
    if r.self_test:
        lines.append(
            _(
                "self-test: no gradient function or claim was given, so this checks gradproof's "
                "own derived gradient (its compiled numpy code) against its exact reference"
            )
        )
    n_pts = len(r.points)
    per = n_pts // max(len(r.datasets), 1)
    if len(r.datasets) > 1:
        where = _(
            "{n} point(s), {per} on each of {k} datasets", n=n_pts, per=per, k=len(r.datasets)
        )
    else:
        where = _("{n} point(s)", n=n_pts)
    lines.append(_("data: {datasets}", datasets=_("; ").join(tr(x) for x in r.datasets)))
    if r.seed is not None and n_pts > len(r.datasets):
        where = _("{where}, seed {seed}", where=where, seed=r.seed)
    bad = len(r.failing_points)
    result = _("every point passed") if not bad else _("{bad} of {n} failed", bad=bad, n=n_pts)
    lines.append(_("checked at {where}: {result}", where=where, result=result))
    return lines


def render_text(r: CheckReport, lang: str | None = None) -> str:
    """The readable report, in ``lang`` (default: the current language)."""
    with language(lang):
        return _render_text(r)


def _render_text(r: CheckReport) -> str:
    lines = _header(r)
    p = r.points[r.primary] if r.points else None
    if r.passed:
        if r.digits == r.digits:
            lines.append(
                _(
                    "agrees with the exact gradient to {digits} significant digits or more at "
                    "every point (a correct {precision} gradient is guaranteed {floor})",
                    digits=_digits(r.digits),
                    precision=r.precision,
                    floor=_digits(r.noise_floor_digits),
                )
            )
        if r.fd_digits == r.fd_digits:
            lines.append(
                _(
                    "agrees with finite differences to {digits} digits or more ({method})",
                    digits=_digits(r.fd_digits),
                    method=tr(r.method),
                )
            )
        else:
            lines.append(_("finite differences: {method}", method=tr(r.method)))
    elif p is not None:
        lines.append(_("fails at: {point}", point=_point_name(p)))
        if p.failure:
            lines.append(f"  {tr(p.failure)}")
    if p is not None:
        for pt in r.points:
            if pt.kinks and (pt is p or pt.kind in ("given", "default")):
                lines += _kink_words(pt, r.convention, r.strict)
                break
    if p is not None and not r.passed:
        lines += _failure_detail(r, p)
    lines.append(_("points:"))
    lines += [_point_line(pt) for pt in r.points]
    for h in r.hints:
        lines.append(_("hint: {hint}", hint=tr(h)))
    for nte in r.notes:
        lines.append(_("note: {note}", note=tr(nte)))
    lines.append(_("note: {note}", note=tr(r.numbering)))
    if r.reproduce:
        lines.append(_("reproduce with this pytest test:") + "\n" + r.reproduce)
    return "\n".join(lines)


def _failure_detail(r: CheckReport, p: PointResult) -> list[str]:
    lines = []
    if p.directions:
        lines.append(_("random-direction checks (∇L·v):"))
        for c in p.directions:
            fd = num(c.fd_low) if c.fd_low == c.fd_high else f"[{num(c.fd_low)}, {num(c.fd_high)}]"
            sig = _sig_for(c.candidate, c.reference)
            lines.append(
                _(
                    "  {label}: candidate {candidate}, correct {correct}, finite differences "
                    "{fd}, bound {bound} — {verdict}",
                    label=tr(c.label),
                    candidate=num(c.candidate, sig),
                    correct=num(c.reference, sig),
                    fd=fd,
                    bound=num(c.bound, 2),
                    verdict=_("ok") if c.ok else _("MISMATCH"),
                )
            )
    bad = sorted(
        (e for e in p.entries if not e.ok), key=lambda e: -e.abs_error / max(e.bound, 1e-300)
    )
    if bad:
        lines.append(_("wrong entries there ({n}, worst first):", n=p.wrong_entries))
        lines += [_entry_line(e) for e in bad[:8]]
        if p.wrong_entries > 8:
            lines.append(_("  … and {n} more", n=p.wrong_entries - 8))
    if p.samples:
        more = " …" if len(p.samples) > 20 else ""
        samples = ", ".join(map(str, p.samples[:20]))
        lines.append(_("samples responsible: {samples}{more}", samples=samples, more=more))
    if p.correct is not None:
        lines.append(
            _(
                "correct gradient there: w = {w}, b = {b}",
                w=vec(p.correct["w"], 6, p.d),
                b=num(p.correct["b"]),
            )
        )
        diff = p.correct["difference"]
        lines.append(
            _(
                "difference (candidate − correct): w = {w}, b = {b}",
                w=vec(diff["w"], 3, p.d),
                b=num(diff["b"], 3),
            )
        )
    return lines


def render_markdown(r: CheckReport, lang: str | None = None) -> str:
    """The report for a notebook: the verdict in bold, the points as a table, the rest as
    preformatted text; in ``lang`` (default: the current language)."""
    with language(lang):
        return _render_markdown(r)


def _render_markdown(r: CheckReport) -> str:
    verdict = "✅ " + _("PASS") if r.passed else "❌ " + _("FAIL")
    head = _(
        "gradproof check: {loss} — {verdict}",
        loss=r.loss,
        verdict=verdict,
    )
    detail = _(
        "({candidate}, {precision}, {mode} mode)",
        candidate=tr(r.candidate),
        precision=r.precision,
        mode=_(r.mode),
    )
    out = [f"**{head}** {detail}", ""]
    out += [
        "| | " + " | ".join((_("point"), _("data"), _("result"))) + " |",
        "|---|---|---|---|",
    ]
    for pt in r.points:
        mark = "✓" if pt.passed else "✗"
        row = (_md(_where(pt)), _md(tr(pt.dataset)), _md(_detail(pt)))
        out.append(f"| {mark} | " + " | ".join(row) + " |")
    body = _render_text(r).split("\n")[1:]
    out += ["", "```text", *[b.replace("```", "ʼʼʼ") for b in body], "```"]
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
