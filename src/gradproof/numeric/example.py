"""The worked example: the derived formula evaluated on small data, written as steps.

Every number shown comes from the compiled functions of the derivation (scores, the
per-sample coefficients, the loss, the gradient), not from a separate hand-written path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from gradproof._typing import Array
from gradproof.datasets import Dataset, Point
from gradproof.errors import DataError, OptionError
from gradproof.symbolic import display as D
from gradproof.symbolic.atoms import Q, S, hyperparameter
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.render.printers import to_text
from gradproof.symbolic.steps import DerivationStep, Formula, J, Rule

__all__ = ["WorkedExample", "worked_example", "fmt"]

MAX_LISTED = 12  # samples listed one by one; larger data is summarised


@dataclass(frozen=True)
class WorkedExample:
    """The numbers of one evaluation and one gradient step."""

    X: Array
    y: Array
    w: Array
    b: float
    lr: float
    scores: Array
    active: dict[str, list[int]]
    loss: float
    grad_w: Array
    grad_b: float
    new_w: Array
    new_b: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready numbers (indices are 0-based)."""
        first = next(iter(self.active.values()), None)
        return {
            "n": int(self.X.shape[0]),
            "d": int(self.X.shape[1]),
            "point": {"w": self.w.tolist(), "b": float(self.b)},
            "scores": self.scores.tolist(),
            "loss": float(self.loss),
            "gradient": {"w": self.grad_w.tolist(), "b": float(self.grad_b)},
            "active": first if first is not None else list(range(int(self.X.shape[0]))),
            "active_sets": self.active,
            "update": {"lr": float(self.lr), "w": self.new_w.tolist(), "b": float(self.new_b)},
        }


def fmt(x: float) -> str:
    """A number as people write it: integers without '.0', otherwise 6 significant digits."""
    x = float(x)
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def _lit_number(x: float) -> D.Lit:
    t = fmt(x)
    return D.Lit(t.replace("-", "−"), t)


def _lit_vector(v: Array) -> D.Lit:
    items = [fmt(a) for a in v]
    if len(items) > MAX_LISTED:
        items = items[: MAX_LISTED - 2] + ["…", items[-1]]
    text = "[" + ", ".join(items) + "]"
    tex = (
        r"\begin{bmatrix}" + " & ".join(i.replace("…", r"\cdots") for i in items) + r"\end{bmatrix}"
    )
    return D.Lit(text.replace("-", "−"), tex)


def _lit_matrix(M: Array) -> D.Lit:
    rows = M[:MAX_LISTED]
    text = (
        "["
        + "; ".join(", ".join(fmt(a) for a in r) for r in rows)
        + ("; …" if len(M) > MAX_LISTED else "")
        + "]"
    )
    tex = (
        r"\begin{bmatrix}"
        + r" \\ ".join(" & ".join(fmt(a) for a in r) for r in rows)
        + (r" \\ \vdots" if len(M) > MAX_LISTED else "")
        + r"\end{bmatrix}"
    )
    return D.Lit(text.replace("-", "−"), tex)


def _sym(text: str, tex: str) -> D.Lit:
    return D.Lit(text, tex)


def worked_example(
    d: Derivation, data: Dataset, at: Point, lr: float = 0.1
) -> tuple[WorkedExample, list[DerivationStep]]:
    """Evaluate the derived gradient on ``data`` at ``at`` and take one step of size ``lr``."""
    if not np.isfinite(lr) or lr <= 0:
        raise OptionError(f"--lr must be a positive number, got {lr}")
    compiled = d.numpy()
    X, y, w, b = data.X, data.y, at.w, at.b
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            coef = compiled.coefficients(X, y, w, b)
            loss, gw, gb = compiled.loss_and_grad(X, y, w, b)
    except FloatingPointError as exc:
        if float(w @ w) == 0 and _divides_by_norm(d):
            raise DataError(
                "‖w‖ is not differentiable at w = 0 (the gradient contains "
                "w/‖w‖); evaluate at another point, e.g. --at '{\"w\": [1, ...]}'"
            ) from None
        raise DataError(
            f"the loss or its gradient is not finite in float64 at this point "
            f"({exc}); use smaller data values or another point (--at)"
        ) from None
    gw = np.asarray(gw, dtype=float)
    gb = float(gb)
    scores = np.asarray(coef.get("s", X @ w + b), dtype=float)
    active: dict[str, list[int]] = {}
    values = dict(
        zip([sw.expr for sw in d.form.switches], compiled.switches(X, y, w, b), strict=True)
    )
    for u, name in d.set_names.items():
        uval = np.asarray(values[u], dtype=float)
        h = d.form.at_kink
        mask = (uval > 0) | ((uval == 0) & (float(h) > 0))
        active[name] = [int(i) for i in np.flatnonzero(mask)]
    new_w = w - lr * gw if "w" in d.wrt else w.copy()
    new_b = b - lr * gb if "b" in d.wrt else b
    ex = WorkedExample(X, y, w, b, lr, scores, active, float(loss), gw, gb, new_w, float(new_b))
    return ex, _steps(d, ex, coef)


def _steps(d: Derivation, ex: WorkedExample, coef: dict[str, Array]) -> list[DerivationStep]:
    n = ex.X.shape[0]
    steps = [
        DerivationStep(
            Rule.EXAMPLE_DATA,
            (
                Formula((_sym("X", "X"), _lit_matrix(ex.X))),
                Formula((_sym("y", r"\mathbf{y}"), _lit_vector(ex.y))),
                Formula((_sym("w", r"\mathbf{w}"), _lit_vector(ex.w))),
                Formula((_sym("b", "b"), _lit_number(ex.b))),
            ),
            J(
                f"n = {n} samples with d = {ex.X.shape[1]} features; the point where the gradient "
                "is evaluated"
                + (
                    "; "
                    + ", ".join(
                        f"{to_text(hyperparameter(k))} = {fmt(v)}" for k, v in d.params.items()
                    )
                    if d.params
                    else ""
                )
            ),
        )
    ]
    if d.form.loss.has(S):
        shown = min(n, MAX_LISTED)
        rows = tuple(
            Formula((_sym(f"s{_sub(i + 1)}", f"s_{{{i + 1}}}"), _lit_number(ex.scores[i])))
            for i in range(shown)
        )
        steps.append(
            DerivationStep(
                Rule.EXAMPLE_SCORES,
                rows,
                J(
                    "the score of each sample, sᵢ = w·xᵢ + b"
                    + (f" (the first {shown} of {n})" if shown < n else "")
                ),
            )
        )
    for name, idx in ex.active.items():
        members = ", ".join(str(i + 1) for i in idx[:MAX_LISTED]) + (
            ", …" if len(idx) > MAX_LISTED else ""
        )
        tex_members = members.replace("…", r"\ldots")
        steps.append(
            DerivationStep(
                Rule.EXAMPLE_ACTIVE,
                (
                    Formula(
                        (
                            _sym(name, name),
                            D.Lit(
                                "{" + members + "}" if idx else "∅",
                                r"\{" + tex_members + r"\}" if idx else r"\emptyset",
                            ),
                        )
                    ),
                ),
                J(
                    f"{len(idx)} of {n} samples are in {name} ({d.spec.set_meaning}); samples are "
                    "numbered from 1"
                ),
            )
        )
    steps.append(
        DerivationStep(
            Rule.EXAMPLE_LOSS,
            (Formula((_sym("L", "L"), _lit_number(ex.loss))),),
            J("the loss formula evaluated at this point"),
        )
    )
    grads = []
    for p, num in (("w", _lit_vector(ex.grad_w)), ("b", _lit_number(ex.grad_b))):
        if p in d.wrt:
            var = D.W if p == "w" else D.Sym("b")
            chain = (D.Partial(D.Sym("L"), var), d.gradient[p], num)
            if d.gradient[p].is_Number:  # "∂L/∂b = 0 = 0" says nothing twice
                chain = (chain[0], num)
            grads.append(Formula(chain, expand_score=True))
    steps.append(
        DerivationStep(Rule.EXAMPLE_GRADIENT, tuple(grads), J(_gradient_sentence(d, coef)))
    )
    eta = fmt(ex.lr)
    upd = []
    if "w" in d.wrt:
        upd.append(
            Formula(
                (
                    D.Lit(
                        "w ← w − η ∂L/∂w",
                        r"\mathbf{w} \leftarrow \mathbf{w} - "
                        r"\eta\,\frac{\partial L}{\partial \mathbf{w}}",
                    ),
                    _minus(_lit_vector(ex.w), eta, _lit_vector(ex.grad_w)),
                    _lit_vector(ex.new_w),
                )
            )
        )
    if "b" in d.wrt:
        upd.append(
            Formula(
                (
                    D.Lit(
                        "b ← b − η ∂L/∂b",
                        r"b \leftarrow b - \eta\,\frac{\partial L}"
                        r"{\partial b}",
                    ),
                    _minus(_lit_number(ex.b), eta, _lit_number(ex.grad_b)),
                    _lit_number(ex.new_b),
                )
            )
        )
    steps.append(
        DerivationStep(
            Rule.EXAMPLE_UPDATE,
            tuple(upd),
            J(f"one gradient-descent step with learning rate η = {eta}"),
        )
    )
    return steps


def _divides_by_norm(d: Derivation) -> bool:
    """True when a coefficient has ‖w‖ (q = w·w) in a denominator."""
    coefs = (d.form.cw, d.form.cb, d.form.cq, d.form.rw, d.form.rb)
    return any(p.base == Q and p.exp.is_negative for c in coefs for p in c.atoms(sp.Pow))


def _gradient_sentence(d: Derivation, coef: dict[str, Array]) -> str:
    """How the numbers above were computed, naming exactly the terms this gradient has."""
    scale = "(1/n) " if d.form.mean else ""
    if "w" in d.wrt:
        terms = [f"{scale}Σᵢ cᵢ xᵢ"]
        if d.form.cq != 0:
            terms.append(f"{scale}(Σᵢ dᵢ) w with d = {_lit_vector(coef['cq']).text}")
        if d.form.rw != 0:
            terms.append("the regulariser's term")
        return (
            "the derived formula evaluated: per-sample coefficients c = "
            + _lit_vector(coef["cw"]).text
            + ", then ∂L/∂w = "
            + " + ".join(terms)
        )
    return (
        "the derived formula evaluated: per-sample coefficients c = "
        + _lit_vector(coef["cb"]).text
        + f", then ∂L/∂b = {scale}Σᵢ cᵢ"
        + (" + the regulariser's term" if d.form.rb != 0 else "")
    )


def _minus(old: D.Lit, eta: str, grad: D.Lit) -> D.Lit:
    """'old − η·grad' with the numbers filled in."""
    g_text = f"({grad.text})" if grad.text.startswith("−") else grad.text
    g_tex = rf"\left({grad.tex}\right)" if grad.tex.startswith("-") else grad.tex
    return D.Lit(f"{old.text} − {eta}·{g_text}", rf"{old.tex} - {eta} \cdot {g_tex}")


def _sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
