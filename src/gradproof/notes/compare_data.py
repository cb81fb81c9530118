"""The parts of a comparison that go beyond the formulas: a sentence per difference, the
numbers on the same data, and the loss-versus-margin figure.

Sentences are whole templates (:func:`gradproof.i18n._` looks them up; English is the source)
with formulas as placeholders, filled by :func:`~gradproof.symbolic.sentences.say_inline`.
Numbers come from each loss's worked example on the data (the derived, compiled functions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from gradproof.datasets import Dataset, Point, parse_point, validate_labels
from gradproof.errors import OptionError
from gradproof.i18n import N_, _
from gradproof.markup import blocks as B
from gradproof.numeric.example import worked_example
from gradproof.symbolic import display as D
from gradproof.symbolic import sentences as T
from gradproof.symbolic.atoms import S, Y
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.notation import math_name
from gradproof.symbolic.render.example import fmt, number_lit, set_lit, vector_lit
from gradproof.symbolic.render.printers import step_condition, to_latex, to_text
from gradproof.symbolic.sentences import loss_in_sentence, say_inline
from gradproof.symbolic.steps import Formula

__all__ = [
    "Numbers",
    "Cell",
    "numbers_on",
    "number_rows",
    "differences",
    "data_heading",
    "data_heading_text",
    "margin_figure",
]

H_DIFFERENCES = N_("Differences")
DATA_HEADING = N_("On the same data: {n_eq} samples, at {point}, one step with {eta}")
DIFF_MARGIN = N_(
    "margin: the {a} counts a sample when {cond_a}, the {b} when {cond_b}, so a sample with "
    "{between} still counts for the {higher}"
)
DIFF_MARGIN_DATA = {
    # one sample, or several ({only} lists them)?
    True: N_("on this data, sample {only} is in {set_b} but not in {set_a}"),
    False: N_("on this data, samples {only} are in {set_b} but not in {set_a}"),
}
DIFF_MARGIN_DATA_SAME = N_("on this data, {set_a} and {set_b} hold the same samples")
DIFF_SET_ONE = N_(
    "active set: the {a} sums over {set_a} only ({cond_a}); the {b} has no max(0, ·), so every "
    "sample contributes"
)
DIFF_REG_ONE = N_(
    "regulariser: the {a} adds {reg}, which adds {term} to its gradient in {w}; the {b} has none"
)
DIFF_REG_BOTH = N_("regulariser: the {a} adds {reg_a}, the {b} adds {reg_b}")
DIFF_KINK = N_("convention at the kink: for the {a}, {conv_a}; for the {b}, {conv_b}")
DIFF_KINK_DATA_NONE = N_(
    "no sample of this data lies exactly on a kink, so the conventions give the same gradients here"
)
DIFF_KINK_DATA = {
    # one sample, or several?
    True: N_(
        "on this data, sample {on} lies exactly on the kink of the {a}, where the convention "
        "decides"
    ),
    False: N_(
        "on this data, samples {on} lie exactly on the kink of the {a}, where the convention "
        "decides"
    ),
}
DIFF_SMOOTH = N_(
    "smoothness: the {b} is differentiable everywhere and needs no convention; the {a} has a "
    "kink at {u_eq_0}"
)
ALT_MARGIN = N_("Per-sample loss against the margin")
CAPTION_MARGIN = N_(
    "The loss of one sample against its margin (labels ±1) or its residual (real targets), "
    "without the regulariser; ticks at the bottom: the samples of the data."
)
ALL_SAMPLES_CELL = N_("all samples")
ROW_LOSS, ROW_AFTER_W, ROW_AFTER_B, ROW_SET = (
    N_("loss {L}"),
    N_("{w} after one step"),
    N_("{b} after one step"),
    N_("active set"),
)


@dataclass(frozen=True)
class Numbers:
    """The derivations, each with its worked example on the same data and point."""

    derivations: tuple[Derivation, ...]
    data: Dataset
    point: Point
    lr: float


@dataclass(frozen=True)
class Cell:
    """A table cell as text and as inline pieces."""

    text: str
    pieces: tuple[B.Inline, ...]


def _name(d: Derivation) -> str:
    return loss_in_sentence(d.title)


def numbers_on(
    derivations: Sequence[Derivation],
    data: Dataset,
    at: Point | Mapping[str, Any] | str | None,
    lr: float,
) -> Numbers:
    """Each derivation evaluated on ``data`` at ``at`` (default zeros) with one step of ``lr``."""
    point = at if isinstance(at, Point) else parse_point(at, data.d)
    done = []
    for d in derivations:
        validate_labels(data, d.spec.labels)
        plain = d if d.example is None else None
        if plain is None:
            raise OptionError(_("compare with data takes derivations without a worked example"))
        done.append(d.with_example(worked_example(d, data, point, lr)))
    return Numbers(tuple(done), data, point, lr)


def _lit_cell(lit: D.Lit) -> Cell:
    return Cell(lit.text, (B.Math(lit.tex),))


def number_rows(numbers: Numbers) -> list[tuple[Cell, list[Cell]]]:
    """(item, one cell per loss): loss, ∂L/∂w, ∂L/∂b, active set, w and b after one step."""
    exs = [d.example for d in numbers.derivations]
    assert all(ex is not None for ex in exs)

    def item(msgid: str, **math: str) -> Cell:
        text = _(msgid).format(**{k: v.split("|")[0] for k, v in math.items()})
        pieces = B.fill(_(msgid), **{k: B.Math(v.split("|")[1]) for k, v in math.items()})
        return Cell(text, pieces)

    rows = [
        (item(ROW_LOSS, L="L|L"), [_lit_cell(number_lit(ex.loss)) for ex in exs]),  # type: ignore[union-attr]
        (
            Cell("∂L/∂w", (B.Math(r"\partial L/\partial \mathbf{w}"),)),
            [_lit_cell(vector_lit(ex.grad_w)) for ex in exs],  # type: ignore[union-attr]
        ),
        (
            Cell("∂L/∂b", (B.Math(r"\partial L/\partial b"),)),
            [_lit_cell(number_lit(ex.grad_b)) for ex in exs],  # type: ignore[union-attr]
        ),
    ]
    sets = []
    for ex in exs:
        assert ex is not None
        if ex.active:
            name, idx = next(iter(ex.active.items()))
            members = set_lit(idx)
            sets.append(Cell(f"{name} = {members.text}", (B.Math(f"{name} = {members.tex}"),)))
        else:
            sets.append(Cell(_(ALL_SAMPLES_CELL), (B.Text(_(ALL_SAMPLES_CELL)),)))
    rows.append((Cell(_(ROW_SET), (B.Text(_(ROW_SET)),)), sets))
    rows.append(
        (
            item(ROW_AFTER_W, w=r"w|\mathbf{w}"),
            [_lit_cell(vector_lit(ex.new_w)) for ex in exs],  # type: ignore[union-attr]
        )
    )
    rows.append(
        (item(ROW_AFTER_B, b="b|b"), [_lit_cell(number_lit(ex.new_b)) for ex in exs])  # type: ignore[union-attr]
    )
    return rows


def _point_lit(numbers: Numbers) -> D.Lit:
    w = ", ".join(fmt(v) for v in numbers.point.w)
    b = fmt(numbers.point.b)
    return D.Lit(f"w = ({w}), b = {b}".replace("-", "−"), rf"\mathbf{{w}} = ({w}),\ b = {b}")


def _heading_fields(numbers: Numbers) -> dict[str, Any]:
    return {
        "n_eq": D.Lit(f"n = {numbers.data.n}", f"n = {numbers.data.n}"),
        "point": _point_lit(numbers),
        "eta": D.Lit(f"η = {fmt(numbers.lr)}", rf"\eta = {fmt(numbers.lr)}"),
    }


def data_heading(numbers: Numbers) -> tuple[B.Inline, ...]:
    """The heading of the numbers, as inline pieces."""
    out: list[B.Inline] = []
    for p in say_inline(DATA_HEADING, **_heading_fields(numbers)):
        out.append(B.Text(p) if isinstance(p, str) else B.Math(to_latex(p.chain)))
    return tuple(out)


def data_heading_text(numbers: Numbers) -> str:
    """The heading of the numbers, as text."""
    return "".join(
        p if isinstance(p, str) else to_text(p.chain)
        for p in say_inline(DATA_HEADING, **_heading_fields(numbers))
    )


# -- the differences ----------------------------------------------------------------------------
def _margin_condition(d: Derivation) -> tuple[str, sp.Expr, sp.Expr] | None:
    """(set name, switch, condition) of a loss whose active set is read off the margin yᵢ sᵢ."""
    if not d.set_names:
        return None
    u, name = next(iter(d.set_names.items()))
    cond = step_condition(u, d.form.at_kink)
    return (name, u, cond) if cond is not None else (name, u, sp.GreaterThan(u, 0))


def _between(low: float, high: float) -> D.Lit:
    lo, hi = fmt(low), fmt(high)
    return D.Lit(f"{lo} < yᵢ sᵢ < {hi}", rf"{lo} < y_{{i}} s_{{i}} < {hi}")


def _samples(idx: Sequence[int]) -> str:
    return T.join(str(int(i) + 1) for i in idx)


def _margin_difference(a: Derivation, b: Derivation, ea: Any, eb: Any) -> list[tuple[Any, ...]]:
    ma, mb = _margin_condition(a), _margin_condition(b)
    out: list[tuple[Any, ...]] = []
    if ma is None and mb is None:
        return out
    if ma is None or mb is None:
        d, other, m = (a, b, ma) if ma is not None else (b, a, mb)
        assert m is not None
        out.append(
            say_inline(
                DIFF_SET_ONE,
                a=_name(d),
                b=_name(other),
                set_a=math_name(m[0]),
                cond_a=Formula((m[2],)),
            )
        )
        return out
    ca, cb = ma[2], mb[2]
    lhs_is_margin = all(c.lhs == Y * S for c in (ca, cb))
    if not lhs_is_margin or ca.rhs == cb.rhs:
        return out
    low, high = sorted((float(ca.rhs), float(cb.rhs)))
    higher = a if float(ca.rhs) > float(cb.rhs) else b
    out.append(
        say_inline(
            DIFF_MARGIN,
            a=_name(a),
            b=_name(b),
            cond_a=Formula((ca,)),
            cond_b=Formula((cb,)),
            between=_between(low, high),
            higher=_name(higher),
        )
    )
    if ea is not None and eb is not None:
        sa, sb = set(ea.active[ma[0]].tolist()), set(eb.active[mb[0]].tolist())
        wide, narrow, wname, nname = (
            (sa, sb, ma[0], mb[0]) if len(sa) >= len(sb) else (sb, sa, mb[0], ma[0])
        )
        only = sorted(wide - narrow)
        if only:
            out.append(
                say_inline(
                    DIFF_MARGIN_DATA[len(only) == 1],
                    only=_samples(only),
                    set_a=math_name(nname),
                    set_b=math_name(wname),
                )
            )
        elif sa == sb:
            out.append(
                say_inline(DIFF_MARGIN_DATA_SAME, set_a=math_name(ma[0]), set_b=math_name(mb[0]))
            )
    return out


def _regulariser_difference(a: Derivation, b: Derivation) -> list[tuple[Any, ...]]:
    ra, rb = a.spec.regularizer, b.spec.regularizer
    if a.form.reg == b.form.reg:
        return []
    if ra == 0 or rb == 0:
        d, other = (a, b) if ra != 0 else (b, a)
        return [
            say_inline(
                DIFF_REG_ONE,
                a=_name(d),
                b=_name(other),
                reg=Formula((d.spec.regularizer,)),
                term=Formula((d.form.rw * D.W,)),
            )
        ]
    return [
        say_inline(
            DIFF_REG_BOTH, a=_name(a), b=_name(b), reg_a=Formula((ra,)), reg_b=Formula((rb,))
        )
    ]


def _kinks(d: Derivation) -> bool:
    return any(s.kind == "max" for s in d.form.switches)


def _kink_difference(a: Derivation, b: Derivation, ea: Any, eb: Any) -> list[tuple[Any, ...]]:
    ka, kb = _kinks(a), _kinks(b)
    out: list[tuple[Any, ...]] = []
    if ka and kb and a.kink != b.kink:
        out.append(
            say_inline(
                DIFF_KINK,
                a=_name(a),
                b=_name(b),
                conv_a=say_inline(T.CONVENTION_SHORT[a.kink]),
                conv_b=say_inline(T.CONVENTION_SHORT[b.kink]),
            )
        )
    elif ka != kb:
        d, other = (a, b) if ka else (b, a)
        out.append(say_inline(DIFF_SMOOTH, a=_name(d), b=_name(other)))
    if out and ea is not None:
        said = False
        for d, ex in ((a, ea), (b, eb)):
            if not _kinks(d) or ex is None:
                continue
            on = sorted(
                {int(i) for values in ex.switches.values() for i in np.flatnonzero(values == 0)}
            )
            if on:
                said = True
                out.append(say_inline(DIFF_KINK_DATA[len(on) == 1], on=_samples(on), a=_name(d)))
        if not said:
            out.append(say_inline(DIFF_KINK_DATA_NONE))
    return out


def differences(
    derivations: Sequence[Derivation], numbers: Numbers | None
) -> list[tuple[Any, ...]]:
    """A sentence (as pieces) per difference between the first loss and each other one."""
    exs: list[Any] = (
        [d.example for d in numbers.derivations]
        if numbers is not None
        else [None] * len(derivations)
    )
    out: list[tuple[Any, ...]] = []
    a, ea = derivations[0], exs[0]
    for b, eb in zip(derivations[1:], exs[1:], strict=True):
        for sentence in (
            _margin_difference(a, b, ea, eb)
            + _regulariser_difference(a, b)
            + _kink_difference(a, b, ea, eb)
        ):
            if sentence not in out:  # the same fact about the first loss, said once
                out.append(sentence)
    return out


# -- the figure ---------------------------------------------------------------------------------
def margin_figure(
    derivations: Sequence[Derivation], path: Path, numbers: Numbers | None = None
) -> Path:
    """Each loss of one sample against its margin yᵢ sᵢ (labels ±1; the residual sᵢ − yᵢ for
    real targets), without the regulariser; the data's samples as ticks. Returns the PNG.
    Its words are in the current language."""
    from gradproof.notes.plots import figure_style, require, save_figure

    require()
    from matplotlib.figure import Figure

    kind = derivations[0].spec.labels
    shown = [d for d in derivations if d.spec.labels == kind]
    m = np.linspace(-3.0, 3.0, 601)
    X = m[:, None]
    with figure_style(None):
        fig = Figure(figsize=(6.4, 3.8), layout="constrained")
        ax = fig.add_subplot()
        for d in shown:
            y = np.ones_like(m) if kind == "pm1" else np.zeros_like(m)
            ell = d.numpy().coefficients(X, y, np.array([1.0]), 0.0)["ell"]
            ax.plot(m, np.broadcast_to(ell, m.shape), lw=2, label=_(d.title))
        if numbers is not None:
            ex = numbers.derivations[0].example
            assert ex is not None
            ticks = ex.margins if kind == "pm1" and ex.margins is not None else ex.scores - ex.y
            ax.plot(
                ticks,
                np.zeros_like(ticks),
                "|",
                color="black",
                ms=14,
                mew=1.5,
                label=_("samples of the data"),
                clip_on=False,
            )
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_xlabel(_("margin y·s") if kind == "pm1" else _("residual s − y"))
        ax.set_ylabel(_("loss of one sample"))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        png, _svg = save_figure(fig, path.with_suffix(""))
    return png
