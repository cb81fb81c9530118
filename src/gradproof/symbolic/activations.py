"""The registry of a network's elementwise activations: one entry each, with its derivative.

An activation A = f(Z) acts entry by entry, so its row of the layer table is
∂L/∂Z = ∂L/∂A ⊙ f′(Z) (Hadamard product). Each entry keeps, side by side: f as scalar SymPy
(what the cross-check differentiates), f′ as the derivation prints it, and the numpy
statements the compiled code runs (forward in place on Z, f′ read from A where it can be).

=========== ==================== ======================================== ==============
activation  f(z)                 f′(z)                                    f′ from
=========== ==================== ======================================== ==============
``relu``    max(0, z)            𝟙[z > 0], relu′(0) = the kink convention Z (or A)
``sigmoid`` σ(z) = 1/(1 + e⁻ᶻ)   σ(z)(1 − σ(z))                           A
``tanh``    tanh z               1 − tanh² z                              A
``identity`` z                    1                                        —
=========== ==================== ======================================== ==============

relu′(0) is the project's kink convention (:mod:`gradproof.symbolic.conventions`):
``exclude`` (0, the default: PyTorch and ``jax.nn.relu`` use 0), ``include`` (1) or
``average`` (½). Any value in [0, 1] is a valid subgradient of max(0, z) at 0.

>>> get_activation("tanh").prime_text
'1 − tanh²(Z)'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from gradproof.errors import OptionError
from gradproof.i18n import N_, _
from gradproof.symbolic.notation import INDICATOR

__all__ = ["ActivationSpec", "ACTIVATIONS", "get_activation"]


@dataclass(frozen=True)
class ActivationSpec:
    """One activation f: its formula, its derivative, and how numpy computes both.

    ``forward`` is a statement that turns the array ``{z}`` into f(Z) in place (``A`` names
    the result); ``prime`` an expression of f′ given A (``{a}``), Z (``{z}``) and the kink
    value ``{h}``; ``needs_z`` says whether f′ reads Z (then Z is kept beside A).
    """

    name: str
    title: str
    sympy: Callable[[sp.Expr], sp.Expr]
    text: str
    tex: str
    prime_text: str
    prime_tex: str
    forward: str
    prime: str
    reference: Callable[[np.ndarray], np.ndarray]
    reference_prime: Callable[[np.ndarray, float], np.ndarray]
    needs_z: bool = False
    kinked: bool = False


def _relu_prime(z: np.ndarray, h: float) -> np.ndarray:
    return np.where(z > 0, 1.0, np.where(z < 0, 0.0, h))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


_ACTIVATION_LIST = [
    ActivationSpec(
        name="relu",
        title=N_("ReLU"),
        sympy=lambda z: sp.Max(0, z),
        text="relu",
        tex=r"\operatorname{relu}",
        prime_text="𝟙[Z > 0]",
        prime_tex=rf"{INDICATOR}[Z > 0]",
        # in place: A overwrites Z; f′ from A (A > 0 ⇔ Z > 0), Z == 0 ⇔ A == 0 only when
        # the convention needs the value at 0, then Z is kept
        forward="A = np.maximum({z}, 0, out={z})",
        prime="(({a}) > 0)",
        reference=lambda z: np.maximum(z, 0.0),
        reference_prime=_relu_prime,
        kinked=True,
    ),
    ActivationSpec(
        name="sigmoid",
        title=N_("logistic sigmoid"),
        sympy=lambda z: 1 / (1 + sp.exp(-z)),
        text="σ",
        tex=r"\sigma",
        prime_text="σ(Z) ⊙ (1 − σ(Z))",
        prime_tex=r"\sigma(Z) \odot (1 - \sigma(Z))",
        # σ(z) = (1 + tanh(z/2))/2: no overflow for any z, in place
        forward="A = _sigmoid_({z})",
        prime="({a}) * (1 - ({a}))",
        reference=_sigmoid,
        reference_prime=lambda z, h: _sigmoid(z) * (1.0 - _sigmoid(z)),
    ),
    ActivationSpec(
        name="tanh",
        title=N_("hyperbolic tangent"),
        sympy=sp.tanh,
        text="tanh",
        tex=r"\tanh",
        prime_text="1 − tanh²(Z)",
        prime_tex=r"1 - \tanh^{2}(Z)",
        forward="A = np.tanh({z}, out={z})",
        prime="1 - ({a}) * ({a})",
        reference=np.tanh,
        reference_prime=lambda z, h: 1.0 - np.tanh(z) ** 2,
    ),
    ActivationSpec(
        name="identity",
        title=N_("identity"),
        sympy=lambda z: z,
        text="id",
        tex=r"\operatorname{id}",
        prime_text="1",
        prime_tex="1",
        forward="A = {z}",
        prime="1",
        reference=lambda z: z,
        reference_prime=lambda z, h: np.ones_like(z),
    ),
]

ACTIVATIONS: dict[str, ActivationSpec] = {a.name: a for a in _ACTIVATION_LIST}


def get_activation(name: str) -> ActivationSpec:
    """The activation called ``name`` (case is forgiven; ``linear`` is ``identity``)."""
    key = str(name).strip().lower()
    key = {"linear": "identity", "logistic": "sigmoid"}.get(key, key)
    if key not in ACTIVATIONS:
        raise OptionError(
            _(
                "unknown activation {name}; the activations are {names}",
                name=repr(name),
                names=", ".join(ACTIVATIONS),
            )
        )
    return ACTIVATIONS[key]
