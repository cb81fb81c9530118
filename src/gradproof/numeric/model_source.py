"""Numpy source for a model with K scores per sample, generated from its derivation.

The generated function does the minimum matrix work the layer table allows: per block of
rows, one ``Xb @ W.T`` (the scores), elementwise work on the block's n×K numbers (the score
atoms by their registry templates, e.g. the stable log-softmax ``_lse_p``; the per-sample
coefficients cₐ = ∂ℓ/∂a printed by :class:`~gradproof.numeric.printer.CoefficientPrinter`),
and one ``G.T @ Xb`` (the gradient of W); ∂L/∂b is ``G.sum(axis=0)``. Blocks keep the n×K
temporaries in cache and read each row of X twice while it is still there. Constants are
printed as Python numbers, so float32 data stays float32. ``loss_and_grad`` is
``_finish(_block_sums(...))``: the sums over the rows, then the mean and the regulariser
once, so that each chunk of a Dask X runs ``_block_sums`` alone
(:mod:`gradproof.numeric.model_dask`).

>>> from gradproof.symbolic.derive import derive_symbolic
>>> src = model_source(derive_symbolic("softmax"))
>>> [ln.strip() for ln in src.splitlines() if "@" in ln]
['S = Xb @ W.T', 'gW += G.T @ Xb']
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sympy as sp

from gradproof.errors import OptionError
from gradproof.i18n import _
from gradproof.numeric.body import prepare
from gradproof.numeric.printer import CoefficientPrinter
from gradproof.symbolic import display as D
from gradproof.symbolic import primitives
from gradproof.symbolic.atoms import LSE, SCORE_ATOMS, SK, SMAX, SOTHER, SY, YK, Y
from gradproof.symbolic.functions import ClassSum
from gradproof.symbolic.score import ScoreForm, class_sums, differentiate_score

__all__ = ["model_source", "needs_targets", "stable_form", "BLOCK_BYTES"]

BLOCK_BYTES = 1 << 21
"""Bytes of one block's widest n×max(d, K) array: rows per block = this / (8·width)."""

_NAMES = {LSE: ("lse", "P"), SY: ("s_y", "_unused"), SMAX: ("smax", "kmax")}
_NAMES[SOTHER] = ("srival", "krival")


def _risky(e: sp.Expr) -> bool:
    """True when e may overflow: an exponential or hyperbolic function of the scores."""
    scores = {*SCORE_ATOMS, SK}
    return any(
        isinstance(node, (sp.exp, sp.cosh, sp.sinh)) and bool(node.free_symbols & scores)
        for node in sp.preorder_traversal(e)
    )


def stable_form(form: ScoreForm) -> ScoreForm:
    """The form that is compiled: the loss in its stable form (:func:`prepare`: softplus,
    σ, log(e^a·r) = a + log r, ...), and each atom coefficient that can still overflow
    replaced by the derivative of the stable loss (an identity: only rounding changes).
    ``log(1 + exp(max_rivals(s) - s[y]))`` is compiled as softplus(smax_other − s_y), finite
    at scores of ±1000 where the spelling overflows."""
    loss = prepare(form.loss)
    coefficients = dict(form.coefficients)
    if any(_risky(prepare(c)) for c in coefficients.values()):
        again = differentiate_score(loss, form.at_kink, mean=form.mean).coefficients
        for atom, c in form.coefficients.items():
            if _risky(prepare(c)) and atom in again:
                coefficients[atom] = again[atom]
    return replace(form, loss=loss, coefficients=coefficients)


def _rows_symbol(atom: sp.Symbol) -> sp.Symbol:
    return sp.Symbol("_t" + _NAMES[atom][0])


def _column_symbol(atom: sp.Symbol) -> sp.Symbol:
    return sp.Symbol("_t" + _NAMES[atom][0] + "_c")


class _Printer:
    """Prints per-sample and per-class expressions, naming class sums as it meets them."""

    def __init__(self) -> None:
        self.printer = CoefficientPrinter()
        self.sums: list[ClassSum] = []
        self.columns: set[sp.Symbol] = set()

    def _sum_symbol(self, node: ClassSum) -> sp.Symbol:
        if node not in self.sums:
            self.sums.append(node)
        return sp.Symbol(f"_tC{self.sums.index(node)}")

    def rows(self, e: sp.Expr) -> str:
        """A per-sample expression (one value per row), in its stable form, class sums
        named _tCj."""
        e = prepare(sp.sympify(e))
        for node in class_sums(e):
            e = e.xreplace({node: self._sum_symbol(node)})
        return self._print(e.xreplace({a: _rows_symbol(a) for a in SCORE_ATOMS}))

    def classes(self, e: sp.Expr) -> str:
        """A per-class expression (one value per row and class), in its stable form:
        s_k → S, y_k → Yk."""
        e = prepare(sp.sympify(e))
        self.columns |= {a for a in SCORE_ATOMS if e.has(a)}
        e = e.xreplace({a: _column_symbol(a) for a in SCORE_ATOMS})
        return self._print(e.xreplace({SK: sp.Symbol("_tS"), YK: sp.Symbol("_tYk")}))

    def _print(self, e: sp.Expr) -> str:
        if e.has(Y):
            raise OptionError(
                _(
                    "this loss uses the label y as a number; a model's labels are classes "
                    "0…K−1, reached through s[y] and the class sums"
                )
            )
        return str(self.printer.doprint(e))


def _atom_lines(rule: Any, atom: sp.Symbol) -> list[str]:
    value, direction = _NAMES[atom]
    return [rule.numpy_value.format(v="_t" + value, dv=direction)]


def _gradient_lines(form: ScoreForm, p: _Printer) -> list[str]:
    """The statements that build G = ∂ℓ/∂S for the block from the atom coefficients."""
    lines: list[str] = []
    first = True
    for atom, coef in form.coefficients.items():
        rule = primitives.score_rule(atom)
        if first and atom == LSE and coef == 1:
            lines.append("G = P")  # a fresh array from _lse_p: G starts as the softmax
        else:
            if first:
                lines.append("G = np.zeros_like(S)")
            add = rule.numpy_add.format(c=f"({p.rows(coef)})", dv=_NAMES[atom][1])
            lines.append(f"G = {add}")
        first = False
    for term in form.class_terms:
        body = p.classes(term.derivative)
        if term.exclude_y:
            body = f"({body}) * (1 - Yk)"
        if term.coefficient != 1:
            body = f"_col({p.rows(term.coefficient)}) * ({body})"
        # G starts as the first class term when no atom has set it
        lines.append(f"G = {body}" if first else f"G = G + {body}")
        if first:
            lines.append("G = np.broadcast_to(G, S.shape).astype(dt, copy=False)")
        first = False
    if first:
        lines.append("G = np.zeros_like(S)")
    return lines


def _reg_lines(d: Any, p: _Printer) -> tuple[list[str], list[str]]:
    """(value, gradient) statements of the regulariser on W, outside the block loop."""
    value: list[str] = []
    grad: list[str] = []
    for t in d.regs:
        q, a = D.NormOf(t.weight, 2), D.NormOf(t.weight, 1)
        expr = t.expr.xreplace({q: sp.Symbol("_tq"), a: sp.Symbol("_ta")})
        value.append(f"total = total + ({p.rows(expr)})")
        if t.r2 != 0:
            grad.append(f"gW += ({p.rows(t.r2)}) * W")
        if t.r1 != 0:
            h = t.sign_at_zero
            sgn = "np.sign(W)" if h == 0 else f"(np.sign(W) + ({h}) * (W == 0))"
            grad.append(f"gW += ({p.rows(t.r1)}) * {sgn}")
    return value, grad


def needs_targets(source: str) -> bool:
    """Whether the generated ``source`` reads the n×K targets (one-hot labels or real
    targets); without them a caller passes None and no n×K one-hot matrix is built."""
    return "_tYk" in source.split("_tYk = Yk", 1)[1] or "(1 - Yk)" in source


def model_source(d: Any) -> str:
    """The source of ``loss_and_grad(X, labels, targets, W, b, need_grad, block)`` for the
    model derivation ``d``: X (n×d), labels (n, int) or None, targets (n×K: the one-hot
    labels, or real targets)."""
    form = stable_form(d.form)
    p = _Printer()
    ell = p.rows(form.loss)
    grad = _gradient_lines(form, p)
    reg_value, reg_grad = _reg_lines(d, p)
    atoms = [a for a in SCORE_ATOMS if a in set(form.atoms) | p.columns]
    body = ["S = Xb @ W.T", "S += b", "_tS = S", "_tYk = Yk"]  # Yk: None unless used
    # when nothing reads the scores after the atoms, the log-softmax runs last and in place
    # (S becomes P): two n×K arrays fewer per block
    inplace = LSE in atoms and not p.sums and not p.columns and "_tS" not in ell + "".join(grad)
    for atom in sorted(atoms, key=lambda a: inplace and a == LSE):
        rule = primitives.score_rule(atom)
        if inplace and atom == LSE:
            body.append(rule.inplace.format(v="_t" + _NAMES[atom][0], dv=_NAMES[atom][1]))
        else:
            body += _atom_lines(rule, atom)
    for atom in sorted(p.columns, key=SCORE_ATOMS.index):
        body.append(f"{_column_symbol(atom)} = {_rows_symbol(atom)}[:, None]")
    for j, node in enumerate(p.sums):
        cls = p.classes(node.body)
        mask = " * (1 - Yk)" if node.exclude_y else ""
        body.append(f"_tC{j} = np.sum(np.broadcast_to({cls}, S.shape){mask}, axis=1)")
    body.append(f"ell = {ell}")
    body.append("total = total + np.sum(np.broadcast_to(ell, S.shape[:1]), dtype=dt)")
    body.append("if need_grad:")
    body += ["    " + ln for ln in grad]
    body += ["    gW += G.T @ Xb", "    gb += G.sum(axis=0)"]
    scale = ["total = total / n", "gW /= n", "gb /= n"] if form.mean else []
    head = [f"p_{k} = {float(v)!r}" for k, v in sorted(d.params.items())]
    lines = [
        "import numpy as np",
        "_numpy = np",
        "",
        *head,
        "",
        p.printer.prelude(),
        primitives.score_rule(LSE).numpy_helper,
        "",
        "def loss_and_grad(X, labels, targets, W, b, need_grad=True, block=4096):",
        '    """Σᵢ ℓᵢ (+ R) and its gradient (gW, gb), X read in blocks of rows."""',
        "    total, gW, gb = _block_sums(X, labels, targets, W, b, need_grad, block)",
        "    return _finish(total, gW, gb, X.shape[0], W, need_grad)",
        "",
        "",
        "def _block_sums(X, labels, targets, W, b, need_grad=True, block=4096):",
        '    """Σᵢ ℓᵢ and Σᵢ ∂ℓᵢ over the rows of X (a Dask chunk is one call): no mean, no R."""',
        "    dt = X.dtype",
        "    n = X.shape[0]",
        "    total = dt.type(0)",
        "    gW = np.zeros_like(W)",
        "    gb = np.zeros_like(b)",
        "    for lo in range(0, n, block):",
        "        Xb = X[lo:lo + block]",
        "        y = None if labels is None else labels[lo:lo + block]",
        "        Yk = None if targets is None else targets[lo:lo + block]",
        *["        " + ln for ln in body],
        "    return total, gW, gb",
        "",
        "",
        "def _finish(total, gW, gb, n, W, need_grad=True):",
        '    """The sums over all n samples averaged (for a mean loss), the regulariser added."""',
        *["    " + ln for ln in scale],
        "    _tq = np.sum(W * W)",
        "    _ta = np.sum(np.abs(W))",
        *["    " + ln for ln in reg_value],
        "    if need_grad:",
        *["        " + ln for ln in reg_grad],
        "        pass",
        "    return total, gW, gb",
        "",
    ]
    return "\n".join(lines)
