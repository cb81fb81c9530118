"""A network's derivation: :class:`NetworkDerivation`, built by :func:`derive_network_symbolic`.

``derive("mlp", layers="2-16-3", activation="relu", loss="softmax")`` (or
``derive("softmax", model="mlp", layers=…)``) differentiates the output loss with respect to
the scores (G = ∂L/∂S, the rule of softmax regression), builds the staged backprop forms
(:func:`~gradproof.symbolic.network.build_network_context`, shape-checked), cross-checks them
against scalar SymPy on a small network of the same kind
(:func:`~gradproof.symbolic.network_check.cross_check_network`) and only then writes the
steps. It renders and checks like a :class:`~gradproof.symbolic.model_derivation.ModelDerivation`
and compiles with the numeric layer's network compiler.

>>> d = derive_network_symbolic("2-4-3", "relu", "softmax")
>>> d.parameters, d.render_formula("W1")
(('W1', 'b1', 'W2', 'b2'), 'δ₁ᵀX')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import sympy as sp

from gradproof._typing import KinkConvention
from gradproof.errors import OptionError, ShapeError
from gradproof.i18n import N_, _
from gradproof.limits import TIME_LIMITS, run_with_limit
from gradproof.parameters import ParameterLayout
from gradproof.symbolic.activations import get_activation
from gradproof.symbolic.conventions import get_convention
from gradproof.symbolic.model_context import build_model_context
from gradproof.symbolic.model_derivation import ModelDerivation, _facts
from gradproof.symbolic.model_derive import model_params
from gradproof.symbolic.models import Dense, ModelSpec
from gradproof.symbolic.network import (
    build_network_context,
    get_output_loss,
    network_model,
    size_names,
)
from gradproof.symbolic.network_check import cross_check_network
from gradproof.symbolic.network_steps import build_network_steps
from gradproof.symbolic.regularisers import (
    REGULARISERS,
    RegTerm,
    get_l1_convention,
    get_regulariser,
    reg_term,
)
from gradproof.symbolic.render.network_example import network_example_steps
from gradproof.symbolic.sentences import join_inline, say_inline
from gradproof.symbolic.steps import Formula, Inline, Justification

__all__ = [
    "NetworkDerivation",
    "derive_network_symbolic",
    "register_network_compiler",
    "register_network_example",
    "NETWORK_MODELS",
]

NETWORK_MODELS = ("mlp",)
"""The model names that mean a feed-forward network."""

_COMPILER: list[Callable[..., Any]] = []
_EXAMPLE_STEPS: list[Callable[..., Any]] = []  # the worked example's steps (render layer)

SIZES_FACT = N_("sizes: {sizes}")


def register_network_compiler(compiler: Callable[..., Any]) -> None:
    """Make ``compiler`` what :meth:`NetworkDerivation.numpy` calls (the numeric layer)."""
    _COMPILER[:] = [compiler]


def register_network_example(steps: Callable[..., Any]) -> None:
    """Make ``steps`` what writes a network's worked example as steps
    (:mod:`~gradproof.symbolic.render.network_example`)."""
    _EXAMPLE_STEPS[:] = [steps]


@dataclass(frozen=True)
class NetworkDerivation(ModelDerivation):
    """A derived network gradient: parameters W1, b1, W2, b2, … (see
    :class:`~gradproof.symbolic.model_derivation.ModelDerivation` for the common fields).

    ``widths`` are the layer widths (d, hidden…, K), ``activation`` the hidden units'
    activation and ``relu_prime0`` the value used for relu′(0) (the kink convention).
    """

    widths: tuple[int, ...] = ()
    activation: str = "relu"
    relu_prime0: float = 0.0

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    def layout(self, d: int | None = None, K: int | None = None) -> ParameterLayout:
        """The parameters (their shapes are fixed by the widths; ``d`` and ``K``, when
        given, must match the first and the last width)."""
        sizes = ((N_("features"), d, self.widths[0]), (N_("outputs"), K, self.widths[-1]))
        for what, got, want in sizes:
            if got is not None and got != want:
                raise ShapeError(
                    _(
                        "the {widths} network has {want} {what}, but the data give {got}",
                        widths="-".join(map(str, self.widths)),
                        want=want,
                        what=_(what),
                        got=got,
                    )
                )
        return self.model.layout({})

    def numpy(self, backend: str = "numpy") -> Any:
        """Compile to numpy forward and backward passes (a ``CompiledNetwork``)."""
        if not _COMPILER:
            raise RuntimeError("internal error: no network compiler is registered")
        return _COMPILER[0](self, backend=backend)

    def with_example(self, example: Any) -> NetworkDerivation:
        """A copy with a worked example: its numbers (a
        :class:`~gradproof.symbolic.example.NetworkExample`), and its steps after the
        derivation's."""
        if self.example is not None:
            raise ValueError("this derivation already has a worked example")
        done = replace(self, example=example)
        if not _EXAMPLE_STEPS:
            return done
        return replace(done, steps=self.steps + tuple(_EXAMPLE_STEPS[0](done, example)))


def _output_model(model: ModelSpec) -> ModelSpec:
    """The last dense layer alone: what the output loss's rule for G is written on."""
    last = [lay for lay in model.layers if isinstance(lay, Dense)][-1]
    return ModelSpec(
        name="multiclass_linear",
        title=model.title,
        layers=(Dense(last.weight, last.bias, "d", "K"),),
        scores="vector",
    )


def _sizes_fact(widths: tuple[int, ...]) -> tuple[Inline, ...]:
    names = size_names(len(widths) - 1)
    items = [
        Formula((sp.Eq(sp.Symbol(s), w, evaluate=False),), "scalar")
        for s, w in zip(names, widths, strict=True)
    ]
    return say_inline(SIZES_FACT, sizes=join_inline(items))


def derive_network_symbolic(
    layers: str | tuple[int, ...],
    activation: str | None = None,
    loss: str | None = None,
    *,
    reg: str | None = None,
    params: Mapping[str, Any] | None = None,
    kink: KinkConvention | None = None,
    l1: str | None = None,
    mean: bool = False,
) -> NetworkDerivation:
    """Derive the gradient of ``loss`` (default softmax) on the network of widths
    ``layers`` with ``activation`` (default relu) hidden units, cross-checked.

    ``kink`` is relu′(0): ``exclude`` (0, the default), ``include`` (1) or ``average`` (½).
    ``reg`` (``l2``, ``l1``, ``elastic_net``) acts on every weight Wₗ, not on the biases.
    """
    act = get_activation(activation or "relu")
    model = network_model(layers, act.name)
    widths = tuple(model.sizes.values())
    spec = get_output_loss(loss)
    if spec.name == "logistic" and widths[-1] != 1:
        raise OptionError(
            _(
                "the logistic loss needs one output unit (labels ±1): end the layers with 1, "
                "e.g. {example}",
                example="-".join(map(str, widths[:-1])) + "-1",
            )
        )
    if spec.name == "softmax" and widths[-1] < 2:
        raise OptionError(_("the softmax loss needs at least 2 output units (one per class)"))
    if reg is not None and reg.strip().lower().replace("-", "_") not in REGULARISERS:
        raise OptionError(
            _(
                "a network's regulariser is one of {names} (on its weights), got {reg!r}",
                names=", ".join(REGULARISERS),
                reg=reg,
            )
        )
    regname = reg.strip().lower().replace("-", "_") if reg else None
    values = model_params(spec, regname, dict(params or {}))
    convention = get_convention(kink or "exclude")
    l1name = l1 or "zero"
    sign0 = get_l1_convention(l1name)

    def build() -> NetworkDerivation:
        regs: tuple[RegTerm, ...] = ()
        if regname is not None:
            regs = tuple(reg_term(get_regulariser(regname), w, sign0) for w in model.weights)
        out = build_model_context(
            _output_model(model), spec, regs, convention, mean=mean, wrt=model.parameter_names[-2:]
        )
        net = build_network_context(model, act, out.reg_matrix, mean=mean, regs=regs)
        h0 = convention.at_kink
        cross_check_network(net, out, values, float(h0))
        steps = build_network_steps(net, out, spec.title, sp.Rational(h0), convention.name)
        matrix: dict[str, sp.Expr] = {}
        for ly in range(1, net.depth + 1):
            matrix[f"W{ly}"], matrix[f"b{ly}"] = net.weight[ly], net.bias[ly]
        facts: list[Justification] = [_sizes_fact(widths), *_facts(model, regs, out.form, l1name)]
        return NetworkDerivation(
            name="mlp",
            title=spec.title,
            spec=spec,
            model=model,
            form=out.form,
            regs=regs,
            params=dict(values),
            kink=convention.name,
            l1=l1name,
            wrt=model.parameter_names,
            shapes=dict(net.shapes),
            steps=steps,
            gradient=dict(matrix),
            matrix_form=matrix,
            extra_facts=tuple(facts),
            regulariser=regname,
            widths=widths,
            activation=act.name,
            relu_prime0=float(h0),
        )

    return run_with_limit(build, TIME_LIMITS["derive_seconds"])


register_network_example(network_example_steps)
