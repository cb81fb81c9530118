"""The registry of models: how the data become scores, with named, shaped parameters.

A model is a stack of layers (:class:`Dense` today; networks add activations and more dense
layers, see ``docs/model-layer.md``). Its parameters are named and shaped symbolically
(``W``: K×d, ``b``: K); :meth:`ModelSpec.layout` fixes the sizes for data and gives the
:class:`~gradproof.parameters.ParameterLayout` that compiled functions, checks, ``--at``,
examples and training all use.

==================== ================================ ==========================
model                scores                           parameters
==================== ================================ ==========================
``linear``           s = Xw + b𝟏 ∈ ℝⁿ  (K = 1)         w: d, b: scalar
``multiclass_linear`` S = XWᵀ + 𝟏bᵀ ∈ ℝ^{n×K}          W: K×d, b: K
==================== ================================ ==========================

The linear model is derived by the scalar-score machinery of
:mod:`gradproof.symbolic.calculus`; the others by the layer rules of
:mod:`gradproof.symbolic.model_context`.

>>> m = get_model("multiclass_linear")
>>> [p.name for p in m.parameters], m.layout({"d": 2, "K": 3}).shapes
(['W', 'b'], {'W': (3, 2), 'b': (3,)})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Union

from gradproof.errors import OptionError
from gradproof.i18n import N_, _
from gradproof.parameters import ParameterLayout

__all__ = [
    "ParamSpec",
    "Dense",
    "Activation",
    "Layer",
    "ModelSpec",
    "MODELS",
    "get_model",
    "DIMENSIONS",
]

DIMENSIONS = {
    "n": "samples",
    "d": "features",
    "K": "classes (outputs)",
}
"""The size names shapes are written in, and what each counts (networks add hidden widths)."""


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: its name, its shape in size names, its role and the layer it is in."""

    name: str
    shape: tuple[str, ...]
    role: Literal["weight", "bias"]
    layer: int = 1

    def concrete(self, dims: Mapping[str, int]) -> tuple[int, ...]:
        """The shape at the sizes ``dims`` (``{"d": 2, "K": 3}``)."""
        return tuple(int(dims[s]) for s in self.shape)


@dataclass(frozen=True)
class Dense:
    """A dense (affine) layer: Z = A Wᵀ + 𝟏bᵀ, from ``inputs`` columns to ``outputs``.

    ``source``/``target`` name the matrices it maps (X → S for a single layer).
    """

    weight: str
    bias: str
    inputs: str
    outputs: str
    source: str = "X"
    target: str = "S"
    layer: int = 1

    @property
    def parameters(self) -> tuple[ParamSpec, ...]:
        return (
            ParamSpec(self.weight, (self.outputs, self.inputs), "weight", self.layer),
            ParamSpec(self.bias, (self.outputs,), "bias", self.layer),
        )


@dataclass(frozen=True)
class Activation:
    """An elementwise activation A = f(Z) (:mod:`gradproof.symbolic.activations`) after
    dense layer ``layer``; no parameters."""

    name: str
    layer: int = 1

    @property
    def parameters(self) -> tuple[ParamSpec, ...]:
        return ()


Layer = Union[Dense, Activation]
"""The kinds of layer a model is made of."""


@dataclass(frozen=True)
class ModelSpec:
    """One model: its layers (data first), and how its scores are shaped.

    ``scores`` is ``"scalar"`` for the linear model (one score per sample, a vector w and a
    scalar b) and ``"vector"`` for models with K scores per sample.
    """

    name: str
    title: str
    layers: tuple[Layer, ...]
    scores: Literal["scalar", "vector"]
    description: str = ""
    sizes: Mapping[str, int] = field(default_factory=dict)
    """Sizes the model fixes itself (a network's d, hidden widths h1, h2, … and K)."""

    @property
    def parameters(self) -> tuple[ParamSpec, ...]:
        """Every parameter, layer by layer, weight before bias."""
        out: list[ParamSpec] = []
        for layer in self.layers:
            out += layer.parameters
        return tuple(out)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def weights(self) -> tuple[str, ...]:
        """The names of the weights (the parameters a regulariser acts on by default)."""
        return tuple(p.name for p in self.parameters if p.role == "weight")

    def param(self, name: str) -> ParamSpec:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def layout(self, dims: Mapping[str, int]) -> ParameterLayout:
        """The parameters at the sizes ``dims``."""
        if self.scores == "scalar":  # w (d,), b scalar
            return ParameterLayout({"w": (int(dims["d"]),), "b": ()})
        sizes = {**dims, **self.sizes}
        return ParameterLayout({p.name: p.concrete(sizes) for p in self.parameters})


_MODEL_LIST = [
    ModelSpec(
        name="linear",
        title=N_("linear model"),
        layers=(Dense("w", "b", "d", "1", "X", "s"),),
        scores="scalar",
        description="one score per sample, s = w·x + b",
    ),
    ModelSpec(
        name="multiclass_linear",
        title=N_("multi-class linear model"),
        layers=(Dense("W", "b", "d", "K"),),
        scores="vector",
        description="K scores per sample, S = XWᵀ + 𝟏bᵀ (softmax regression, multi-class SVM, "
        "multi-output regression)",
    ),
]

MODELS: dict[str, ModelSpec] = {m.name: m for m in _MODEL_LIST}


def get_model(name: str) -> ModelSpec:
    """The model called ``name`` (dashes and case are forgiven)."""
    key = name.strip().lower().replace("-", "_")
    if key not in MODELS:
        raise OptionError(
            _(
                "unknown model {name!r}; the models are {models}",
                name=name,
                models=", ".join(MODELS),
            )
        )
    return MODELS[key]
