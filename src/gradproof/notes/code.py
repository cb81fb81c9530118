"""The code of a post: the derived gradient as a reader would write it in numpy, and a
training loop that prints the post's descent table.

Both are generated from the derivation: the per-sample coefficient ∂ℓ/∂sᵢ (``form.cw``), the
active set's condition and the regulariser, printed as plain numpy (``X.T @ c``, a boolean
mask for the active set). The fast blocked kernel stays in ``gradproof codegen``; this is the
textbook form. Both blocks run as they stand (the second after the first), with numpy only,
and print exactly the numbers the post shows: the worked example's gradient, and one line
per row of the descent table, each number written as the post writes it (:func:`fmt`).
Their comments and docstrings are prose, in the current language (:func:`gradproof.i18n._`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from gradproof.i18n import N_, _
from gradproof.notes.train import ALL
from gradproof.numeric.printer import CoefficientPrinter
from gradproof.symbolic.atoms import XX, Q, S, Y, Z
from gradproof.symbolic.functions import Step
from gradproof.symbolic.render.printers import step_condition, to_text
from gradproof.symbolic.sentences import loss_in_sentence

if TYPE_CHECKING:  # pragma: no cover
    from gradproof.symbolic.derivation import Derivation

__all__ = ["gradient_code", "training_code", "FMT_SOURCE", "fmt_source"]

FMT_SOURCE = '''def fmt(x):
    """{doc_fmt}"""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else f"{{x:.6g}}"


def vec(v):
    """{doc_vec}"""
    items = [fmt(a) for a in v]
    if len(items) > 4:  # {shows}
        items = items[:3] + ["…", items[-1]]
    return "(" + ", ".join(items) + ")"
'''
"""The number format of the post (the same rule as :func:`gradproof.symbolic.render.example.fmt`
and :func:`gradproof.notes.train.fmt_vector`), with its comments as fields
(:func:`fmt_source`)."""

_DOC_FMT = N_("A number as the post writes it: integers without '.0', else 6 significant digits.")
_DOC_VEC = N_("A vector as the post writes it: (a, b, c).")
_SHOWS = N_("the post shows the first three and the last")


def fmt_source() -> str:
    """:data:`FMT_SOURCE` with its comments in the current language."""
    return FMT_SOURCE.format(doc_fmt=_(_DOC_FMT), doc_vec=_(_DOC_VEC), shows=_(_SHOWS))


_RESERVED = {"X", "y", "w", "b", "s", "z", "q", "xx", "c", "c_w", "c_b", "n", "np", "dt", "lr"}
_OPS = {"<=": "<=", "<": "<", ">=": ">=", ">": ">"}


class _Textbook(CoefficientPrinter):
    """The coefficient printer with plain names: hyperparameters as ``lam``, an active set's
    indicator as its boolean mask (``M``)."""

    def __init__(self, masks: dict[sp.Expr, str], names: dict[sp.Symbol, str]) -> None:
        super().__init__()
        self.masks = masks
        self.names = names

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, Step) and expr.args[0] in self.masks:
            return self.masks[expr.args[0]]
        if isinstance(expr, sp.core.relational.Relational) and expr.rel_op in _OPS:
            return f"{self._print(expr.lhs)} {_OPS[expr.rel_op]} {self._print(expr.rhs)}"
        return super()._print(expr, **kwargs)

    def _print_Symbol(self, e: sp.Symbol) -> str:
        if e in self.names:
            return self.names[e]
        return super()._print_Symbol(e)


def _param_names(d: Derivation) -> dict[sp.Symbol, str]:
    from gradproof.symbolic.atoms import hyperparameter

    return {
        hyperparameter(k): (k if k not in _RESERVED and k.isidentifier() else f"p_{k}")
        for k in d.params
    }


def _array(v: Any) -> str:
    return "np.array(" + repr(np.asarray(v, dtype=float).tolist()) + ")"


def _atoms(used: set[sp.Symbol]) -> list[str]:
    scores = _("the scores sᵢ = w·xᵢ + b")
    lines = [f"    s = X @ w + b  # {scores}"] if S in used else []
    if Z in used:
        lines.append("    z = X @ w  # w·xᵢ")
    if Q in used:
        lines.append("    q = w @ w  # ‖w‖²")
    if XX in used:
        lines.append("    xx = np.sum(X * X, axis=1)  # ‖xᵢ‖²")
    return lines


def _set(d: Derivation) -> tuple[str, sp.Expr, str, sp.Expr] | None:
    """(name, switch u, the function's source, the mask's condition) of the active set."""
    if not d.set_names:
        return None
    u, name = next(iter(d.set_names.items()))
    cond = step_condition(u, d.form.at_kink)
    if cond is None:  # weight ½ on the kink: the mask counts the samples with u ≥ 0
        cond = sp.GreaterThan(u, 0, evaluate=False)
    return name, u, to_text(cond, sets=dict(d.set_names)), cond


def gradient_code(d: Derivation) -> str:
    """``grad(X, y, w, b)`` and ``loss(X, y, w, b)`` in textbook numpy, then the worked
    example: its data, and a line printing the gradient there."""
    ex = d.example
    assert ex is not None
    names = _param_names(d)
    active = _set(d)
    masks = {active[1]: active[0]} if active else {}
    p = _Textbook(masks, names)
    out = ["import numpy as np", ""]
    for sym, name in names.items():
        out.append(f"{name} = {d.params[str(sym)]!r}")
    if names:
        out.append("")
    if active:
        out += _active_set_lines(d, p, active)
    scale = " / len(y)" if d.form.mean else ""
    body = _grad_lines(d, p, active, scale)
    loss = _loss_lines(d, p, scale)
    helpers = p.prelude()
    if helpers:  # the overflow-free σ, softplus … the coefficients call
        out = [*out[:2], helpers.rstrip(), "", "", *out[2:]]
    text = "\n".join(out + body + loss)
    if "dt" in text:  # an indicator printed as a cast: in the data's dtype
        text = text.replace("import numpy as np\n", "import numpy as np\n\ndt = np.float64\n", 1)
    example = [
        "",
        fmt_source().rstrip(),
        "",
        "",
        "# " + _("The worked example"),
        f"X = {_array(ex.X)}",
        f"y = {_array(ex.y)}",
        f"w = {_array(ex.w)}",
        f"b = {float(ex.b)!r}",
        "grad_w, grad_b = grad(X, y, w, b)",
        'print("dL/dw =", "[" + ", ".join(fmt(v) for v in grad_w) + "]")',
        'print("dL/db =", fmt(grad_b))',
    ]
    return re.sub(r"\n{4,}", "\n\n\n", text + "\n".join(example)) + "\n"


def _active_set_lines(d: Derivation, p: _Textbook, active: tuple[Any, ...]) -> list[str]:
    """``active_set(X, y, w, b)``: the mask of the derivation's active set."""
    name, _u, cond_text, cond = active
    doc = _(
        "The samples in {name} ({meaning}): {cond}.",
        name=name,
        meaning=_(d.spec.set_meaning),
        cond=cond_text,
    )
    return [
        "",
        "def active_set(X, y, w, b):",
        f'    """{doc}"""',
        *_atoms(cond.free_symbols),
        f"    return {p.doprint(cond)}",
        "",
    ]


def _grad_lines(d: Derivation, p: _Textbook, active: Any, scale: str) -> list[str]:
    """``grad(X, y, w, b)``: per-sample coefficients, then Xᵀc and their sum."""
    f = d.form
    gw = d.render_formula("w") if "w" in d.gradient else "0"
    gb = d.render_formula("b") if "b" in d.gradient else "0"
    as_derived = _("The gradient of the {loss}, as derived:", loss=loss_in_sentence(d.title))
    body = [
        "",
        "def grad(X, y, w, b):",
        f'    """{as_derived}',
        "",
        f"    ∂L/∂w = {gw}",
        f"    ∂L/∂b = {gb}",
        '    """',
    ]
    coefs = {"cw": f.cw, "cb": f.cb, "cq": f.cq, "rw": f.rw, "rb": f.rb}
    used = set().union(*(e.free_symbols for e in coefs.values()))
    body += _atoms(used)
    if active:
        body.append(f"    {active[0]} = active_set(X, y, w, b)")
    shared = f.cw == f.cb
    cw_name, cb_name = ("c", "c") if shared else ("c_w", "c_b")
    every = _("∂ℓ/∂sᵢ for every sample")
    body.append(f"    {cw_name} = {_per_sample(p, f.cw)}  # {every}")
    if not shared:
        body.append(f"    {cb_name} = {_per_sample(p, f.cb)}")
    grad_w = f"X.T @ {cw_name}"
    if f.cq != 0:
        grad_w = f"{grad_w} + np.sum({_per_sample(p, f.cq)}) * w"
    grad_w = f"({grad_w}){scale}" if scale else grad_w
    if f.rw != 0:
        grad_w += f" + {p.doprint(f.rw)} * w"
    grad_b = f"np.sum({cb_name}){scale}" + (f" + {p.doprint(f.rb)}" if f.rb != 0 else "")
    body += [f"    grad_w = {grad_w}", f"    grad_b = {grad_b}"]
    return body + ["    return grad_w, grad_b", ""]


def _loss_lines(d: Derivation, p: _Textbook, scale: str) -> list[str]:
    """``loss(X, y, w, b)``: the summed per-sample loss plus the regulariser."""
    f = d.form
    loss = [
        "",
        "def loss(X, y, w, b):",
        '    """' + _("The loss L at (w, b).") + '"""',
        *_atoms(f.loss.free_symbols | f.reg.free_symbols),
    ]
    total = f"np.sum({_per_sample(p, f.loss)}){scale}"
    if f.reg != 0:
        total += f" + {p.doprint(f.reg)}"
    return loss + [f"    return {total}", "", ""]


def _per_sample(p: _Textbook, e: sp.Expr) -> str:
    """A per-sample expression; one that is the same for every sample (a constant, sgn(b)) is
    repeated for every sample."""
    text = p.doprint(e)
    return text if e.has(S, Y, Z, XX) else f"np.full(len(y), {text})"


def training_code(d: Derivation, epochs: int, shown: Sequence[int]) -> str:
    """Gradient descent from the worked example's point with its learning rate, printing the
    epochs ``shown`` as the post's table does (runs after :func:`gradient_code`)."""
    ex = d.example
    assert ex is not None
    active = _set(d)
    if active is not None:
        count_line = 'count = f"{int(np.sum(active_set(X, y, w, b)))}/{len(y)}"'
    else:
        count_line = f"count = {_(ALL)!r}  # " + _("every sample contributes")
    every = list(shown) == list(range(len(shown)))
    lines = [
        "# " + _("Gradient descent from the same point; one line per row of the table"),
        f"lr = {float(ex.lr)!r}",
        f"w, b = {_array(ex.w)}, {float(ex.b)!r}",
    ]
    if not every:
        listed = _("the epochs the table lists")
        lines.append(f"shown = {set(int(k) for k in shown)!r}  # {listed}")
    lines += [
        f"for epoch in range({epochs + 1}):",
        "    grad_w, grad_b = grad(X, y, w, b)",
        "    norm = np.sqrt(np.sum(grad_w**2) + grad_b**2)",
    ]
    lines.append(f"    {count_line.strip()}")
    row = "print(epoch, fmt(loss(X, y, w, b)), fmt(norm), vec(w), fmt(b), count)"
    lines += [f"    {row}" if every else f"    if epoch in shown:\n        {row}"]
    lines += [
        "    if norm == 0:",
        "        break  # " + _("the gradient is zero: converged"),
        "    w, b = w - lr * grad_w, b - lr * grad_b",
    ]
    return "\n".join(lines) + "\n"
