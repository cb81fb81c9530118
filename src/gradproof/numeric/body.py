"""The expressions of one generated function, shared by CSE and split by what they depend on.

:class:`Body` runs ``sympy.cse`` over the named outputs of a function (ℓ, cw, cb, ...), so
a sub-expression common to the loss and its gradient is computed once, and sorts every line
into *shared* (one value for all samples: hyperparameters, b, q = w·w) or *per-sample* (it
depends on s, z, y or x·x). The schedules of :mod:`gradproof.numeric.source` place the
shared lines once and the per-sample lines inside a block loop.

Names exist by construction: each output is bound to a variable (``var``), outputs that CSE
found equal share one variable, and every emitted function receives or computes every
variable its lines read (:attr:`Body.needs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import sympy as sp

from gradproof.numeric.printer import CoefficientPrinter, stable_rewrite
from gradproof.symbolic.atoms import XX, B, Q, S, Y, Z
from gradproof.symbolic.calculus import GradientForm, differentiate
from gradproof.symbolic.functions import Sigmoid
from gradproof.symbolic.rewrite import numeric_rewrite

__all__ = ["Body", "PER_SAMPLE", "ATOM_ORDER", "prepare", "compiled_form"]

PER_SAMPLE = frozenset({S, Z, Y, XX})
"""Atoms that differ from sample to sample; an expression without them is one shared value."""

ATOM_ORDER = (Z, S, Y, XX)


def prepare(expr: sp.Expr) -> sp.Expr:
    """The form of an expression that is compiled: the display rewrites into σ and softplus,
    then the numeric-only stability rewrites (:func:`numeric_rewrite`)."""
    return numeric_rewrite(stable_rewrite(expr))


def _risky(e: sp.Expr) -> bool:
    """True when e may overflow or lose its accuracy in floating point: an exponential or
    hyperbolic function of per-sample values, or the log of something that can underflow."""
    for node in sp.preorder_traversal(e):
        if isinstance(node, (sp.exp, sp.cosh, sp.sinh)) and node.free_symbols & PER_SAMPLE:
            return True
        if isinstance(node, sp.log) and node.args[0].has(sp.exp, Sigmoid):
            return True
    return False


def compiled_form(form: GradientForm) -> GradientForm:
    """The form that is compiled: the loss and regulariser in their stable forms
    (:func:`prepare`), and each coefficient that is still overflow-prone replaced by the
    derivative of the stable loss (an identity, so only rounding changes). The switching
    functions are the form's own."""
    loss, reg = prepare(form.loss), prepare(form.reg)
    coefs = {k: getattr(form, k) for k in ("cw", "cb", "cq", "rw", "rb")}
    if not any(_risky(prepare(c)) for c in coefs.values()) and (loss, reg) == (form.loss, form.reg):
        return form
    again = differentiate(loss, reg, form.at_kink, form.mean)
    better = {k: getattr(again, k) if _risky(prepare(c)) else c for k, c in coefs.items()}
    return replace(form, loss=loss, reg=reg, **better)


class Body:
    """CSE of the named outputs ``named`` ((name, expression) pairs) of one function.

    Attributes
    ----------
    shared, per_sample
        Lines of code (``name = expression``) computed once, and per sample.
    var
        Output name → the variable holding it (equal outputs share a variable).
    uniform
        Variables of outputs that are one value for all samples.
    used
        Atom symbols any line reads (s, z, q, b, y, xx), plus ``force``.
    needs
        Symbols the per-sample lines read: atoms and shared CSE temporaries.
    """

    def __init__(
        self,
        printer: CoefficientPrinter,
        named: Sequence[tuple[str, sp.Expr]],
        force: frozenset[sp.Symbol] = frozenset(),
    ) -> None:
        exprs = [prepare(e) for _, e in named]
        subs, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_t"), optimizations=None)
        with printer.defining(subs):  # so that it sees through the temporaries
            per_sample_syms = set(PER_SAMPLE)
            self.shared: list[str] = []
            self.per_sample: list[str] = []
            inner_exprs: list[sp.Expr] = []
            for sym, e in subs:
                if e.free_symbols & per_sample_syms:
                    per_sample_syms.add(sym)
                    self.per_sample.append(f"{sym} = {printer.doprint(e)}")
                    inner_exprs.append(e)
                else:
                    self.shared.append(f"{sym} = {printer.doprint(e)}")
            self.var: dict[str, str] = {}
            self.uniform: set[str] = set()
            seen: dict[sp.Expr, str] = {}
            for (name, _), r in zip(named, reduced, strict=True):
                if r in seen:
                    self.var[name] = seen[r]
                    continue
                self.var[name] = seen[r] = name
                code = printer.doprint(r)
                if r.free_symbols & per_sample_syms:
                    self.per_sample.append(f"{name} = _cast({code}, dt)")
                    inner_exprs.append(r)
                else:
                    self.shared.append(f"{name} = {code}")
                    self.uniform.add(name)
            self.used: set[sp.Symbol] = set(force).union(*(e.free_symbols for e in exprs))
            self.needs: set[sp.Symbol] = set().union(*(e.free_symbols for e in inner_exprs))
            self._printer = printer

    def per_sample_var(self, name: str) -> str | None:
        """The variable of output ``name`` when it varies per sample, else None."""
        v = self.var.get(name)
        return None if v is None or v in self.uniform else v

    def per_sample_args(self) -> list[str]:
        """Names of the per-sample atoms the per-sample lines read, in a fixed order."""
        return [self._printer.doprint(a) for a in ATOM_ORDER if a in self.needs]

    def shared_args(self) -> list[str]:
        """Names of the shared values (b, q, CSE temporaries) the per-sample lines read."""
        names = [self._printer.doprint(a) for a in (B, Q) if a in self.needs]
        temps = {str(a) for a in self.needs if a.name.startswith("_t")}
        return names + sorted(temps - {ln.split(" = ")[0] for ln in self.per_sample})
