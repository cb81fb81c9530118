"""The worked example written as steps: its numbers formatted, with a sentence for each.

The numbers come from a :class:`~gradproof.symbolic.example.WorkedExample` (filled by the
numeric layer); this module only formats them. Data larger than :data:`MAX_LISTED` samples is
summarised, and only the numbers shown are ever formatted, so a million samples cost twelve
formatted numbers, not a million.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gradproof._typing import Array
from gradproof.symbolic import display as D
from gradproof.symbolic import sentences as T
from gradproof.symbolic.atoms import S, hyperparameter
from gradproof.symbolic.example import WorkedExample
from gradproof.symbolic.render.printers import to_text
from gradproof.symbolic.render.view import DerivationView
from gradproof.symbolic.sentences import say
from gradproof.symbolic.steps import DerivationStep, Formula, J, Rule

__all__ = ["example_steps", "fmt", "MAX_LISTED"]

MAX_LISTED = 12  # samples listed one by one; larger data is summarised

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def fmt(x: float) -> str:
    """A number as people write it: integers without '.0', otherwise 6 significant digits.

    >>> fmt(2.0), fmt(-0.125), fmt(1 / 3)
    ('2', '-0.125', '0.333333')
    """
    x = float(x)
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def _shown(v: Sequence[Any] | Array) -> list[str]:
    """The entries of ``v`` that are listed: all of a short vector, else the first ten, an
    ellipsis and the last; only those are formatted."""
    if len(v) <= MAX_LISTED:
        return [fmt(a) for a in v]
    return [fmt(a) for a in v[: MAX_LISTED - 2]] + ["…", fmt(v[-1])]


def _number(x: float) -> D.Lit:
    t = fmt(x)
    return D.Lit(t.replace("-", "−"), t)


def _vector(v: Array) -> D.Lit:
    items = _shown(v)
    text = "[" + ", ".join(items) + "]"
    tex = (
        r"\begin{bmatrix}" + " & ".join(i.replace("…", r"\cdots") for i in items) + r"\end{bmatrix}"
    )
    return D.Lit(text.replace("-", "−"), tex)


def _matrix(M: Array) -> D.Lit:
    rows = [[fmt(a) for a in r] for r in M[:MAX_LISTED]]
    more = len(M) > MAX_LISTED
    text = "[" + "; ".join(", ".join(r) for r in rows) + ("; …" if more else "") + "]"
    tex = (
        r"\begin{bmatrix}"
        + r" \\ ".join(" & ".join(r) for r in rows)
        + (r" \\ \vdots" if more else "")
        + r"\end{bmatrix}"
    )
    return D.Lit(text.replace("-", "−"), tex)


def _minus(old: D.Lit, eta: str, grad: D.Lit) -> D.Lit:
    """'old − η·grad' with the numbers filled in."""
    g_text = f"({grad.text})" if grad.text.startswith("−") else grad.text
    g_tex = rf"\left({grad.tex}\right)" if grad.tex.startswith("-") else grad.tex
    return D.Lit(f"{old.text} − {eta}·{g_text}", rf"{old.tex} - {eta} \cdot {g_tex}")


# -- one function per step of the example -------------------------------------------------------
def _data(d: DerivationView, ex: WorkedExample) -> DerivationStep:
    params = T.join(f"{to_text(hyperparameter(k))} = {fmt(v)}" for k, v in d.params.items())
    return DerivationStep(
        Rule.EXAMPLE_DATA,
        (
            Formula((D.Lit("X", "X"), _matrix(ex.X))),
            Formula((D.Lit("y", r"\mathbf{y}"), _vector(ex.y))),
            Formula((D.Lit("w", r"\mathbf{w}"), _vector(ex.w))),
            Formula((D.Lit("b", "b"), _number(ex.b))),
        ),
        J(say(T.EXAMPLE_DATA[bool(d.params)], n=ex.n, d=ex.d, params=params)),
    )


def _scores(ex: WorkedExample) -> DerivationStep:
    shown = min(ex.n, MAX_LISTED)
    rows = tuple(
        Formula((D.Lit(f"s{str(i + 1).translate(_SUBSCRIPTS)}", f"s_{{{i + 1}}}"), _number(s)))
        for i, s in enumerate(ex.scores[:shown])
    )
    return DerivationStep(
        Rule.EXAMPLE_SCORES, rows, J(say(T.EXAMPLE_SCORES[shown < ex.n], shown=shown, n=ex.n))
    )


def _active(d: DerivationView, ex: WorkedExample, name: str, idx: Array) -> DerivationStep:
    members = ", ".join(str(int(i) + 1) for i in idx[:MAX_LISTED]) + (
        ", …" if len(idx) > MAX_LISTED else ""
    )
    tex_members = members.replace("…", r"\ldots")
    listed = D.Lit(
        "{" + members + "}" if len(idx) else "∅",
        r"\{" + tex_members + r"\}" if len(idx) else r"\emptyset",
    )
    sentence = say(T.ACTIVE_SAMPLES, count=len(idx), n=ex.n, set=name, meaning=d.spec.set_meaning)
    return DerivationStep(Rule.EXAMPLE_ACTIVE, (Formula((D.Lit(name, name), listed)),), J(sentence))


def _loss(ex: WorkedExample) -> DerivationStep:
    return DerivationStep(
        Rule.EXAMPLE_LOSS, (Formula((D.Lit("L", "L"), _number(ex.loss))),), J(T.EXAMPLE_LOSS)
    )


def _gradient(d: DerivationView, ex: WorkedExample) -> DerivationStep:
    lines = []
    for p, num in (("w", _vector(ex.grad_w)), ("b", _number(ex.grad_b))):
        if p in d.wrt:
            var = D.W if p == "w" else D.Sym("b")
            chain: tuple[Any, ...] = (D.Partial(D.Sym("L"), var), d.gradient[p], num)
            if d.gradient[p].is_Number:  # "∂L/∂b = 0 = 0" says nothing twice
                chain = (chain[0], num)
            lines.append(Formula(chain, expand_score=True))
    return DerivationStep(Rule.EXAMPLE_GRADIENT, tuple(lines), J(_gradient_sentence(d, ex)))


def _gradient_sentence(d: DerivationView, ex: WorkedExample) -> str:
    """How the numbers above were computed, naming exactly the terms this gradient has."""
    scale = "(1/n) " if d.form.mean else ""
    coef = ex.coefficients
    if "w" in d.wrt:
        cq = _vector(coef["cq"]).text if d.form.cq != 0 else ""
        template = T.EXAMPLE_GRADIENT_W[d.form.cq != 0, d.form.rw != 0]
        return say(template, c=_vector(coef["cw"]).text, d=cq, scale=scale)
    template = T.EXAMPLE_GRADIENT_B[d.form.rb != 0]
    return say(template, c=_vector(coef["cb"]).text, scale=scale)


def _update(d: DerivationView, ex: WorkedExample) -> DerivationStep:
    eta = fmt(ex.lr)
    lines = []
    if "w" in d.wrt:
        rule = D.Lit(
            "w ← w − η ∂L/∂w",
            r"\mathbf{w} \leftarrow \mathbf{w} - \eta\,\frac{\partial L}{\partial \mathbf{w}}",
        )
        step = _minus(_vector(ex.w), eta, _vector(ex.grad_w))
        lines.append(Formula((rule, step, _vector(ex.new_w))))
    if "b" in d.wrt:
        rule = D.Lit("b ← b − η ∂L/∂b", r"b \leftarrow b - \eta\,\frac{\partial L}{\partial b}")
        step = _minus(_number(ex.b), eta, _number(ex.grad_b))
        lines.append(Formula((rule, step, _number(ex.new_b))))
    return DerivationStep(Rule.EXAMPLE_UPDATE, tuple(lines), J(say(T.EXAMPLE_UPDATE, eta=eta)))


def example_steps(d: DerivationView, ex: WorkedExample) -> list[DerivationStep]:
    """The worked example of ``d`` as steps: data, scores, active sets, loss, gradient, update."""
    steps = [_data(d, ex)]
    if d.form.loss.has(S):  # a loss written through the score sᵢ
        steps.append(_scores(ex))
    steps += [_active(d, ex, name, idx) for name, idx in ex.active.items()]
    steps += [_loss(ex), _gradient(d, ex), _update(d, ex)]
    return steps
