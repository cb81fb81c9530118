"""Scalar functions gradproof adds to SymPy, each with its value and its derivative side by side.

``Ramp(u)`` is max(0, u); its derivative is ``Step(u)``, the indicator 𝟙[u ≥ 0] whose value at
the kink u = 0 is left open until a convention is applied (:func:`apply_convention`). Keeping
our own classes instead of SymPy's Max/Heaviside means no Heaviside(0) = ½ by accident and no
DiracDelta terms in first derivatives.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "Ramp",
    "Step",
    "Sigmoid",
    "Softplus",
    "ClassSum",
    "apply_convention",
    "KINK_VALUES",
]

KINK_VALUES = {"include": sp.Integer(1), "exclude": sp.Integer(0), "average": sp.Rational(1, 2)}
"""Value of the indicator 𝟙[u ≥ 0] at u = 0 under each named convention."""


class Ramp(sp.Function):
    """max(0, u)."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, u):
        if u.is_number and u.is_comparable:
            return sp.Max(0, u)
        if u.is_nonnegative:
            return u
        if u.is_nonpositive:
            return sp.Integer(0)
        return None

    def fdiff(self, argindex=1):
        return Step(self.args[0])

    def _eval_is_nonnegative(self):
        return True


class Step(sp.Function):
    """The indicator 𝟙[u ≥ 0]: 1 for u > 0, 0 for u < 0, ``h`` at u = 0.

    ``Step(u)`` has the value at 0 unset; ``Step(u, h)`` fixes it.
    """

    nargs = (1, 2)
    is_real = True

    @classmethod
    def eval(cls, u, h=None):
        if u.is_number and u.is_comparable:
            if u > 0:
                return sp.Integer(1)
            if u < 0:
                return sp.Integer(0)
            return h
        if u.is_positive:
            return sp.Integer(1)
        if u.is_negative:
            return sp.Integer(0)
        return None

    def fdiff(self, argindex=1):
        # Zero almost everywhere; gradproof never differentiates an indicator twice for a
        # gradient, and a distributional delta must not reach the output.
        return sp.Integer(0)

    @property
    def at_kink(self):
        """Value at u = 0, or None while no convention has been applied."""
        return self.args[1] if len(self.args) == 2 else None


class Sigmoid(sp.Function):
    """The logistic function σ(u) = 1 / (1 + e^(−u))."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        # σ(u)·σ(−u) rather than σ(u)·(1 − σ(u)): equal, but no cancellation for large u.
        return Sigmoid(self.args[0]) * Sigmoid(-self.args[0])

    def _eval_rewrite_as_exp(self, u, **kwargs):
        return 1 / (1 + sp.exp(-u))

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)

    @classmethod
    def eval(cls, u):
        if u.is_zero:
            return sp.Rational(1, 2)
        return None


class Softplus(sp.Function):
    """softplus(u) = log(1 + e^u), whose derivative is σ(u)."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return Sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, u, **kwargs):
        return sp.log(1 + sp.exp(u))

    def _eval_evalf(self, prec):
        return sp.log(1 + sp.exp(self.args[0]))._eval_evalf(prec)

    @classmethod
    def eval(cls, u):
        if u.is_zero:
            return sp.log(2)
        return None


class ClassSum(sp.Function):
    """Σ over the classes k of ``body`` (an expression in s_k, y_k and score atoms);
    ``ClassSum(body, 1)`` leaves out the true class k = y, ``ClassSum(body, 0)`` does not.

    Never differentiated by SymPy: :func:`gradproof.symbolic.score.differentiate_score`
    differentiates through it.
    """

    nargs = 2
    is_real = True

    @property
    def body(self) -> sp.Expr:
        return self.args[0]

    @property
    def exclude_y(self) -> bool:
        return bool(self.args[1])

    def fdiff(self, argindex=1):  # pragma: no cover - differentiate_score handles class sums
        raise TypeError("a class sum is differentiated by differentiate_score, not by SymPy")


def apply_convention(expr: sp.Expr, h: sp.Expr) -> sp.Expr:
    """Fix the value at the kink of every unset ``Step(u)`` in ``expr`` to ``h``.

    Also folds ``Ramp(u)ᵏ·Step(u, ·)`` (k > 0) into ``Ramp(u)ᵏ`` (both vanish together at
    u = 0), so the
    derivative of max(0, u)² reads 2·max(0, u) rather than 2·max(0, u)·𝟙[u ≥ 0].
    """
    expr = expr.replace(
        lambda e: isinstance(e, Step) and len(e.args) == 1, lambda e: Step(e.args[0], h)
    )

    def ramp_arg(f: sp.Expr) -> sp.Expr | None:
        """u when f is max(0, u) or a positive power of it."""
        if isinstance(f, sp.Pow) and f.exp.is_positive:
            f = f.base
        return f.args[0] if isinstance(f, Ramp) else None

    def fold(mul: sp.Mul) -> sp.Expr:
        ramps = {ramp_arg(f) for f in mul.args} - {None}
        kept = [f for f in mul.args if not (isinstance(f, Step) and f.args[0] in ramps)]
        return sp.Mul(*kept)

    def has_ramp(e: sp.Expr) -> bool:
        return isinstance(e, sp.Mul) and any(ramp_arg(f) is not None for f in e.args)

    return expr.replace(has_ramp, fold)
