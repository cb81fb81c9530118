"""The worked example written as steps: its numbers formatted, with a sentence for each.

The numbers come from a :class:`~gradproof.symbolic.example.WorkedExample` (filled by the
numeric layer); this module only formats them. The steps show what a student needs to follow
the derived formula on data: each sample's score and margin, which samples are in the active
set and why, the gradient with every term substituted, and one update step. Data larger than
:data:`MAX_LISTED` samples is summarised, and only the numbers shown are ever formatted, so a
million samples cost a dozen formatted numbers, not a million.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from gradproof._typing import Array
from gradproof.symbolic import display as D
from gradproof.symbolic import sentences as T
from gradproof.symbolic.atoms import S, Y, hyperparameter
from gradproof.symbolic.example import MAX_LISTED, WorkedExample
from gradproof.symbolic.notation import NOTATION, math_name
from gradproof.symbolic.render.printers import step_condition
from gradproof.symbolic.render.view import DerivationView
from gradproof.symbolic.sentences import sentence, words
from gradproof.symbolic.steps import DerivationStep, Formula, Join, Rule

__all__ = ["example_steps", "fmt", "number_lit", "vector_lit", "set_lit", "MAX_LISTED", "MAX_TERMS"]

MAX_TERMS = 6  # contributing samples written out term by term in the gradient

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def fmt(x: float) -> str:
    """A number as people write it: integers without '.0', otherwise 6 significant digits.

    >>> fmt(2.0), fmt(-0.125), fmt(1 / 3), fmt(-0.0)
    ('2', '-0.125', '0.333333', '0')
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


def _factor(x: float) -> D.Lit:
    """A number as a factor of a product: negative numbers in parentheses."""
    n = _number(x)
    return D.Lit(f"({n.text})", f"({n.tex})") if n.tex.startswith("-") else n


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


def _lit(*parts: D.Lit | tuple[str, str]) -> D.Lit:
    """Pieces (display literals, or (text, tex) pairs) written one after the other."""
    pairs = [(p.text, p.tex) if isinstance(p, D.Lit) else p for p in parts]
    return D.Lit("".join(t for t, _ in pairs), "".join(x for _, x in pairs))


def _sub(name: str, i: int) -> D.Lit:
    """sᵢ of sample i (1-based): s₃."""
    return D.Lit(f"{name}{str(i).translate(_SUBSCRIPTS)}", f"{name}_{{{i}}}")


def _minus(old: D.Lit, eta: str, grad: D.Lit) -> D.Lit:
    """'old − η·grad' with the numbers filled in."""
    g_text = f"({grad.text})" if grad.text.startswith("−") else grad.text
    g_tex = rf"\left({grad.tex}\right)" if grad.tex.startswith("-") else grad.tex
    return D.Lit(f"{old.text} − {eta}·{g_text}", rf"{old.tex} - {eta} \cdot {g_tex}")


# -- one function per step of the example -------------------------------------------------------
def _data(d: DerivationView, ex: WorkedExample) -> DerivationStep:
    params = Join(tuple(Formula((hyperparameter(k), _number(v))) for k, v in d.params.items()))
    said = sentence(
        T.EXAMPLE_DATA[bool(d.params)],
        n_eq=_lit(NOTATION["n"], (" = ", " = "), _number(ex.n)),
        d_eq=_lit(D.Lit("d", "d"), (" = ", " = "), _number(ex.d)),
        params=params,
    )
    return DerivationStep(
        Rule.EXAMPLE_DATA,
        (
            Formula((D.Lit("X", "X"), _matrix(ex.X))),
            Formula((D.Lit("y", r"\mathbf{y}"), _vector(ex.y))),
            Formula((D.Lit("w", r"\mathbf{w}"), _vector(ex.w))),
            Formula((D.Lit("b", "b"), _number(ex.b))),
        ),
        said,
    )


def _scores(ex: WorkedExample) -> DerivationStep:
    shown = min(ex.n, MAX_LISTED)
    rows = []
    for i in range(shown):
        s = _number(ex.scores[i])
        if ex.margins is None:
            rows.append(Formula((_sub("s", i + 1), s)))
            continue
        margin = _lit(_sub("y", i + 1), (" ", " "), _sub("s", i + 1))
        product = _lit(_factor(ex.y[i]), ("·", r" \cdot "), _factor(ex.scores[i]))
        line = _lit(
            _sub("s", i + 1),
            (" = ", " = "),
            s,
            (",   ", r", \quad "),
            margin,
            (" = ", " = "),
            product,
            (" = ", " = "),
            _number(ex.margins[i]),
        )
        rows.append(Formula((line,)))
    said = sentence(
        T.EXAMPLE_SCORES[shown < ex.n, ex.margins is not None], shown=shown, n_samples=ex.n
    )
    return DerivationStep(Rule.EXAMPLE_SCORES, tuple(rows), said)


_NEGATED = {"<=": (">", ">"), "<": ("≥", r"\geq"), ">=": ("<", "<"), ">": ("≤", r"\leq")}
_OPERATOR = {"<=": ("≤", r"\leq"), "<": ("<", "<"), ">=": ("≥", r"\geq"), ">": (">", ">")}


def _membership(
    d: DerivationView, ex: WorkedExample, u: sp.Expr, name: str, idx: Array
) -> tuple[list[Formula], Any]:
    """One line per listed sample saying whether it is in the set and why, and the set's
    condition as a formula (None where the convention gives no plain condition)."""
    cond = step_condition(u, d.form.at_kink)
    shown = min(ex.n, MAX_LISTED)
    members = {int(i) for i in idx}
    if cond is None or ex.n > MAX_LISTED:
        return [], cond
    if cond.lhs == Y * S and ex.margins is not None:
        values, label = ex.margins, lambda i: _lit(_sub("y", i), (" ", " "), _sub("s", i))
        op, bound = cond.rel_op, _number(float(cond.rhs))
    else:  # the switching function itself: uᵢ ≥ 0 (or > 0) puts sample i in the set
        values, label = ex.switches[name], lambda i: _sub("u", i)
        op, bound = (">=" if d.form.at_kink != 0 else ">"), _number(0)
    lines = []
    for i in range(shown):
        rel = _OPERATOR[op] if i in members else _NEGATED[op]
        verdict = ("∈", r"\in") if i in members else ("∉", r"\notin")
        line = _lit(
            label(i + 1),
            (" = ", " = "),
            _number(values[i]),
            (f" {rel[0]} ", f" {rel[1]} "),
            bound,
            ("  ⇒  ", r" \;\Rightarrow\; "),
            _number(i + 1),
            (f" {verdict[0]} ", f" {verdict[1]} "),
            math_name(name),
        )
        lines.append(Formula((line,)))
    return lines, cond


def set_lit(idx: Array) -> D.Lit:
    """The samples ``idx`` (0-based) as a set numbered from 1: {1, 2}, or ∅."""
    members = ", ".join(str(int(i) + 1) for i in idx[:MAX_LISTED]) + (
        ", …" if len(idx) > MAX_LISTED else ""
    )
    tex_members = members.replace("…", r"\ldots")
    return D.Lit(
        "{" + members + "}" if len(idx) else "∅",
        r"\{" + tex_members + r"\}" if len(idx) else r"\emptyset",
    )


number_lit = _number
vector_lit = _vector


def _active(
    d: DerivationView, ex: WorkedExample, u: sp.Expr, name: str, idx: Array
) -> DerivationStep:
    listed = set_lit(idx)
    lines, cond = _membership(d, ex, u, name, idx)
    fields = dict(count=len(idx), n=ex.n, set=math_name(name), meaning=words(d.spec.set_meaning))
    if cond is not None:
        said = sentence(T.ACTIVE_WHY, condition=Formula((cond,), "index"), **fields)
    else:
        said = sentence(T.ACTIVE_SAMPLES, **fields)
    lines.append(Formula((D.Lit(name, name), listed)))
    return DerivationStep(Rule.EXAMPLE_ACTIVE, tuple(lines), said)


def _loss(d: DerivationView, ex: WorkedExample) -> DerivationStep:
    definition = d.steps[0].formulas[0] if d.steps and d.steps[0].formulas else None
    chain: tuple[Any, ...] = (D.Sym("L"), _number(ex.loss))
    if definition is not None and len(definition.chain) == 2:
        chain = (D.Sym("L"), definition.chain[1], _number(ex.loss))
    return DerivationStep(Rule.EXAMPLE_LOSS, (Formula(chain),), sentence(T.EXAMPLE_LOSS))


def _sum_term(gradient: sp.Expr) -> sp.Expr | None:
    """The term of ``gradient`` that holds its sum over the samples."""
    terms = gradient.args if isinstance(gradient, sp.Add) else (gradient,)
    found = [t for t in terms if t.has(D.SampleSum)]
    return found[0] if len(found) == 1 else None


def _substitution(
    d: DerivationView, ex: WorkedExample, p: str, coef: Array, rows: Array | None
) -> D.Lit | None:
    """The derived formula with every number in it: −(1·[2, 3] + (−1)·[1, −1]), plus λ·w.

    None where it would be too long or the gradient has terms this does not write out.
    """
    term = _sum_term(d.gradient[p])
    used = [i for i in range(ex.n) if coef[i] != 0]
    rw = float(ex.coefficients["rw"]) if p == "w" and "rw" in ex.coefficients else 0.0
    cq = ex.coefficients.get("cq")
    if term is None or len(used) > MAX_TERMS or not np.isfinite(rw):
        return None
    if p == "w" and cq is not None and np.any(np.asarray(cq) != 0):
        return None
    negate = bool(term.could_extract_minus_sign())
    parts = []
    for i in used:
        c = _factor(-coef[i] if negate else coef[i])
        parts.append(c if rows is None else _lit(c, ("·", r" \cdot "), _vector(rows[i])))
    if not parts:
        body = _number(0)
    else:
        joined: list[D.Lit | tuple[str, str]] = []
        for k, part in enumerate(parts):
            joined += [(" + ", " + "), part] if k else [part]
        inner = _lit(*joined)
        if d.form.mean:  # (1/n)(…) with the number n
            body = _lit(
                ("(1/", r"\frac{1}{"), _number(ex.n), (")(", r"}\left("), inner, (")", r"\right)")
            )
        elif len(parts) > 1 and negate:
            body = _lit(("(", r"\left("), inner, (")", r"\right)"))
        else:
            body = inner
    sign = (" − ", " - ") if negate else (" + ", " + ")
    if p == "w" and rw != 0:
        return _lit(_factor(rw), ("·", r" \cdot "), _vector(ex.w), sign, body)
    out = _lit(("−", "-"), body) if negate else body
    return out


def _gradient(d: DerivationView, ex: WorkedExample) -> DerivationStep:
    lines = []
    coef = ex.coefficients
    for p, num in (("w", _vector(ex.grad_w)), ("b", _number(ex.grad_b))):
        if p not in d.wrt:
            continue
        var = D.W if p == "w" else D.Sym("b")
        chain: tuple[Any, ...] = (D.Partial(D.Sym("L"), var), d.gradient[p])
        c = coef.get("cw" if p == "w" else "cb")
        sub = _substitution(d, ex, p, c, ex.X if p == "w" else None) if c is not None else None
        if sub is not None:
            chain += (sub,)
        if d.gradient[p].is_Number:  # "∂L/∂b = 0 = 0" says nothing twice
            chain = (chain[0],)
        lines.append(Formula((*chain, num), expand_score=True))
    return DerivationStep(Rule.EXAMPLE_GRADIENT, tuple(lines), _gradient_sentence(d, ex))


def _gradient_sentence(d: DerivationView, ex: WorkedExample) -> Any:
    """How the numbers above were computed, naming exactly the terms this gradient has."""
    mean = "_mean" if d.form.mean else ""
    coef = ex.coefficients
    c = Formula((D.Lit("c", "c"), _vector(coef["cw" if "w" in d.wrt else "cb"])))
    if "w" in d.wrt:
        with_q = d.form.cq != 0
        dq = Formula((D.Lit("d", "d"), _vector(coef["cq"]))) if with_q else ""
        formula = NOTATION[("sum_cx_dw" if with_q else "sum_cx") + mean]
        template = T.EXAMPLE_GRADIENT_W[with_q, d.form.rw != 0]
        return sentence(template, c=c, d=dq, formula=formula)
    formula = NOTATION["sum_c" + mean]
    return sentence(T.EXAMPLE_GRADIENT_B[d.form.rb != 0], c=c, formula=formula)


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
    said = sentence(T.EXAMPLE_UPDATE, eta=_lit(("η = ", r"\eta = "), _number(ex.lr)))
    return DerivationStep(Rule.EXAMPLE_UPDATE, tuple(lines), said)


def example_steps(d: DerivationView, ex: WorkedExample) -> list[DerivationStep]:
    """The worked example of ``d`` as steps: data, scores and margins, active sets (with the
    reason for each sample), loss, gradient (every term substituted), update."""
    steps = [_data(d, ex)]
    if d.form.loss.has(S):  # a loss written through the score sᵢ
        steps.append(_scores(ex))
    steps += [_active(d, ex, u, name, ex.active[name]) for u, name in d.set_names.items()]
    steps += [_loss(d, ex), _gradient(d, ex), _update(d, ex)]
    return steps
