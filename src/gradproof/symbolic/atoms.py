"""The scalar symbols that stand for vector atoms, and the table of atom derivatives.

A per-sample loss is a scalar SymPy expression in these symbols; the parameters w (a vector)
and b enter only through them. The gradient is reassembled with the chain rule:

==========  ============  ==========  =====================================
symbol      atom          ∂/∂w        ∂/∂b
==========  ============  ==========  =====================================
``s``       w·x + b       x           1
``z``       w·x           x           0
``q``       w·w = ‖w‖²    2w          0
``b``       b             0           1
==========  ============  ==========  =====================================

``y`` (the label), ``xx`` (x·x = ‖x‖²) and hyperparameters are data: their derivatives are 0.

``a1`` (‖w‖₁ = Σⱼ|wⱼ|, ∂/∂w = sign(w), the L1 regulariser's atom) enters the regulariser only,
linearly with a constant coefficient (λ‖w‖₁): its kinks at wⱼ = 0 are the regulariser's own.

Models with K scores per sample have the same table one level up, over the score vector
s ∈ ℝᴷ (see :mod:`gradproof.symbolic.score`):

===============  =====================  ======================================
symbol           atom                   ∂/∂s
===============  =====================  ======================================
``lse``          log Σₖ exp(sₖ)         p = softmax(s)
``s_y``          s_y                    e_y
``smax``         maxₖ sₖ                e_k* (the first class with the max)
``smax_other``   max_{k≠y} sₖ           e_k* (k* ≠ y)
===============  =====================  ======================================

with ``s_k`` and ``y_k`` the score and target of one class inside a class sum
(:class:`~gradproof.symbolic.functions.ClassSum`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = [
    "S",
    "Z",
    "Q",
    "B",
    "Y",
    "XX",
    "N",
    "A1",
    "LSE",
    "SY",
    "SMAX",
    "SOTHER",
    "SK",
    "YK",
    "SCORE_ATOMS",
    "AtomInfo",
    "ATOMS",
    "hyperparameter",
]

S = sp.Symbol("s", real=True)
Z = sp.Symbol("z", real=True)
Q = sp.Symbol("q", nonnegative=True)
B = sp.Symbol("b", real=True)
Y = sp.Symbol("y", real=True)
XX = sp.Symbol("xx", nonnegative=True)
N = sp.Symbol("n", positive=True, integer=True)
A1 = sp.Symbol("a1", nonnegative=True)

LSE = sp.Symbol("lse", real=True)
SY = sp.Symbol("s_y", real=True)
SMAX = sp.Symbol("smax", real=True)
SOTHER = sp.Symbol("smax_other", real=True)
SK = sp.Symbol("s_k", real=True)
YK = sp.Symbol("y_k", real=True)
SCORE_ATOMS = (LSE, SY, SMAX, SOTHER)
"""The per-sample atoms of a score vector, in the order every layer treats them."""


@dataclass(frozen=True)
class AtomInfo:
    """One row of the atom table."""

    symbol: sp.Symbol
    meaning: str
    per_sample: bool  # varies with the sample i
    d_w: str  # what ∂atom/∂w is: "x", "2w", "sign(w)" or "0"
    d_b: int  # ∂atom/∂b


ATOMS: dict[sp.Symbol, AtomInfo] = {
    S: AtomInfo(S, "w·x + b", True, "x", 1),
    Z: AtomInfo(Z, "w·x", True, "x", 0),
    Q: AtomInfo(Q, "w·w", False, "2w", 0),
    B: AtomInfo(B, "b", False, "0", 1),
    Y: AtomInfo(Y, "y", True, "0", 0),
    XX: AtomInfo(XX, "x·x", True, "0", 0),
    A1: AtomInfo(A1, "‖w‖₁", False, "sign(w)", 0),
}


def hyperparameter(name: str) -> sp.Symbol:
    """The symbol of a hyperparameter (λ, δ, ...): a real constant ≥ 0 (values are checked)."""
    return sp.Symbol(name, nonnegative=True)
