"""Compiled numpy forward and backward passes for a network: :class:`CompiledNetwork`.

``derive("mlp", layers="2-16-3").numpy()`` gives a :class:`CompiledNetwork` whose
``gradient(X, y, W1=…, b1=…, W2=…, b2=…)`` is ``{"W1": …, "b1": …, …}`` in the dtype of X
(float32 stays float32). The generated source (``.source``) does the minimum matrix work of
the layer table: one product per layer forward (Zₗ = Aₗ₋₁Wₗᵀ), two per layer backward
(δₗᵀAₗ₋₁ and δₗWₗ) but none for ∂L/∂X below the first layer; activations, the softmax and
the δ recursion run in place on the arrays they replace; log-softmax and the logistic loss
in their stable forms (shifted log-sum-exp, logaddexp, σ via tanh).

>>> import numpy as np
>>> from gradproof import derive
>>> f = derive("mlp", layers="2-2", activation="identity", loss="squared_error").numpy()
>>> g = f.gradient(np.eye(2), np.eye(2), W1=np.eye(2), b1=np.zeros(2))
>>> g["W1"].tolist(), g["b1"].tolist()
([[0.0, 0.0], [0.0, 0.0]], [0.0, 0.0])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from gradproof._typing import Array
from gradproof.errors import DataError, OptionError, ShapeError
from gradproof.i18n import _
from gradproof.numeric.model import _real_matrix, load_generated, model_arrays
from gradproof.numeric.printer import CoefficientPrinter
from gradproof.parameters import ParameterLayout, shape_text
from gradproof.symbolic import display as D
from gradproof.symbolic import primitives
from gradproof.symbolic.activations import get_activation
from gradproof.symbolic.atoms import LSE

__all__ = ["CompiledNetwork", "compile_network", "network_source", "network_arrays"]

_SIGMOID = '''
def _sigmoid_(Z):
    """σ(Z) in place, as (1 + tanh(Z/2))/2: no overflow for any Z."""
    Z *= 0.5
    np.tanh(Z, out=Z)
    Z += 1
    Z *= 0.5
    return Z
'''

_LOSS_LINES = {
    # the loss total and G = ∂ℓ/∂S, G replacing S where it can
    "softmax": [
        "_rows = np.arange(n)",
        "_sy = S[_rows, labels]",
        "_lse, G = _lse_p_inplace(S)",
        "total = np.sum(_lse - _sy, dtype=dt)",
        "if need_grad:",
        "    G[_rows, labels] -= 1",
    ],
    "multi_squared_error": ["G = S", "G -= T", "total = dt.type(0.5) * np.vdot(G, G)"],
    "logistic": [
        "_m = S",
        "_m *= T",
        "_m *= -1",  # m = −y s
        "total = np.sum(np.logaddexp(0, _m), dtype=dt)",
        "G = _sigmoid_(_m)",
        "G *= T",
        "G *= -1",  # g = −y σ(−y s)
    ],
}


def _reg_lines(d: Any) -> tuple[list[str], list[str]]:
    """(value, gradient) statements of the regulariser on each weight."""
    printer = CoefficientPrinter()
    value: list[str] = []
    grad: list[str] = []
    for t in d.regs:
        w = t.weight
        q, a = D.NormOf(w, 2), D.NormOf(w, 1)
        expr = t.expr.xreplace({q: sp.Symbol(f"_tq{w}"), a: sp.Symbol(f"_ta{w}")})
        value += [f"_tq{w} = np.vdot({w}, {w})", f"_ta{w} = np.sum(np.abs({w}))"]
        value.append(f"total = total + dt.type({printer.doprint(expr)})")
        if t.r2 != 0:
            grad.append(f"g{w} += dt.type({printer.doprint(t.r2)}) * {w}")
        if t.r1 != 0:
            h = t.sign_at_zero
            sgn = f"np.sign({w})" if h == 0 else f"(np.sign({w}) + ({h}) * ({w} == 0))"
            grad.append(f"g{w} += dt.type({printer.doprint(t.r1)}) * {sgn}")
    return value, grad


def network_source(d: Any, trace: bool = False) -> str:
    """The source of ``loss_and_grad(X, labels, T, params, need_grad)`` for the network
    derivation ``d``: params in the order W1, b1, W2, b2, …; labels (n, int) for softmax,
    T (n×K targets, or n×1 labels ±1) otherwise.

    With ``trace`` the function takes a dict ``_trace`` as well and records in it a copy of
    every stage the derivation names, as it is computed: ``Z1``, ``A1``, …, ``S``, ``P``
    (softmax), ``G`` and ``δ1``, … (the worked example's numbers). A mean is then taken at
    the end, on the gradients, so that G and every δ are the derivation's (not divided by n).
    """
    act = get_activation(d.activation)
    depth = d.depth
    h0 = float(d.relu_prime0)
    keep_zero = act.kinked and h0 != 0  # relu′(0) ≠ 0: remember where Z = 0

    def rec(name: str, array: str) -> list[str]:
        return [f"_trace[{name!r}] = {array}.copy()"] if trace else []

    lines = ["dt = X.dtype", "n = X.shape[0]", f"{', '.join(d.parameters)}, = params"]
    for ly in range(1, depth + 1):
        src = "X" if ly == 1 else f"A{ly - 1}"
        z = "S" if ly == depth else f"Z{ly}"
        lines += [f"{z} = {src} @ W{ly}.T", f"{z} += b{ly}", *rec(z, z)]
        if ly < depth:
            if keep_zero:
                lines.append(f"_zero{ly} = Z{ly} == 0")
            lines.append(act.forward.format(z=f"Z{ly}").replace("A =", f"A{ly} ="))
            lines += rec(f"A{ly}", f"A{ly}")
    loss_lines = _LOSS_LINES[d.spec.name]
    if trace and d.spec.name == "softmax":  # S has just become P
        at = loss_lines.index("_lse, G = _lse_p_inplace(S)") + 1
        loss_lines = [*loss_lines[:at], *rec("P", "G"), *loss_lines[at:]]
    lines += loss_lines
    lines += rec("G", "G")
    if d.form.mean:
        lines += ["total = total / n"] + ([] if trace else ["if need_grad:", "    G /= n"])
    reg_value, reg_grad = _reg_lines(d)
    lines += reg_value
    lines += ["if not need_grad:", "    return total, None", "D = G"]
    for ly in range(depth, 0, -1):
        src = "X" if ly == 1 else f"A{ly - 1}"
        lines += [f"gW{ly} = D.T @ {src}", f"gb{ly} = D.sum(axis=0)"]
        if ly > 1:
            below = ly - 1
            lines.append(f"D = D @ W{ly}")
            if act.name != "identity":
                prime = act.prime.format(a=f"A{below}")
                if keep_zero:
                    prime = f"{prime} + dt.type({h0!r}) * _zero{below}"
                lines.append(f"D *= {prime}")
            lines += rec(f"δ{below}", "D")
    if trace and d.form.mean:
        lines += [f"g{p} /= n" for p in d.parameters]
    lines += reg_grad
    grads = ", ".join(f"gW{ly}, gb{ly}" for ly in range(1, depth + 1))
    lines.append(f"return total, ({grads},)")
    helper = primitives.score_rule(LSE).numpy_helper
    head = [f"p_{k} = {float(v)!r}" for k, v in sorted(d.params.items())]
    return "\n".join(
        [
            "import numpy as np",
            "_numpy = np",
            *head,
            CoefficientPrinter().prelude(),
            helper,
            _SIGMOID,
            "",
            "def loss_and_grad(X, labels, T, params, need_grad=True"
            + (", _trace=None):" if trace else "):"),
            '    """Σᵢ ℓᵢ (+ R) and its gradient, forward then backward, in X\'s dtype."""',
            *["    " + ln for ln in lines],
            "",
        ]
    )


def network_arrays(d: Any, X: Any, y: Any) -> tuple[Array, Any, Any]:
    """(X, labels or None, targets or None), checked against the network's widths; a
    one-line :class:`~gradproof.errors.DataError` / :class:`~gradproof.errors.ShapeError`."""
    d_in, K = d.widths[0], d.widths[-1]
    name = d.spec.name
    if name == "logistic":
        Xa = _real_matrix(X, finite=True)
        a = np.asarray(y)
        if a.dtype.kind not in "biuf" or a.reshape(-1).shape[0] != Xa.shape[0] or a.ndim > 2:
            raise ShapeError(
                _(
                    "y must hold one label ±1 per sample ({n}), got shape {shape}",
                    n=Xa.shape[0],
                    shape=shape_text(a.shape),
                )
            )
        if not np.all((a == 1) | (a == -1)):
            raise DataError(_("y must hold labels −1 and +1 for the logistic loss"))
        T, lab = a.reshape(-1, 1).astype(Xa.dtype), None
    elif name == "softmax":
        Xa, lab, T, _K = model_arrays("classes", X, y, K, onehot=False)
    else:
        if K == 1 and np.ndim(y) == 1:  # one output: a target per sample (a CSV's last column)
            y = np.asarray(y).reshape(-1, 1)
        Xa, lab, T, _K = model_arrays("targets", X, y, K)
    if Xa.shape[1] != d_in:
        raise ShapeError(
            _(
                "X has {got} features (columns) but the {widths} network takes {want}",
                got=Xa.shape[1],
                widths="-".join(map(str, d.widths)),
                want=d_in,
            )
        )
    return Xa, lab, T


@dataclass(frozen=True)
class CompiledNetwork:
    """Numpy functions for one network derivation, with their source.

    ``loss(X, y, W1=…, b1=…, …)`` → a number; ``gradient(...)`` → {name: array of the
    parameter's shape}; ``loss_and_gradient(...)`` → both. Parameters left out are zeros
    (where every hidden gradient is 0: give a point, e.g. from ``--seed``).
    """

    derivation: Any
    source: str
    _fn: Any = field(repr=False)

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(self.derivation.parameters)

    def layout(self, d: int | None = None, K: int | None = None) -> ParameterLayout:
        return self.derivation.layout(d, K)

    def _run(self, X: Any, y: Any, point: dict[str, Any], need: bool) -> Any:
        point.pop("K", None)  # the widths fix K; accepted for the model functions' calls
        Xa, lab, T = network_arrays(self.derivation, X, y)
        lay = self.layout()
        zeros = lay.zeros(Xa.dtype)
        full = lay.check({**zeros, **point}, "the point", dtype=Xa.dtype)
        params = tuple(full[p] for p in lay.names)
        total, grads = self._fn(Xa, lab, T, params, need)
        out = dict(zip(lay.names, grads, strict=True)) if grads is not None else {}
        return float(total), out

    def loss(self, X: Any, y: Any, **point: Any) -> float:
        """L at the point on the data (X, y)."""
        return float(self._run(X, y, point, False)[0])

    def gradient(self, X: Any, y: Any, **point: Any) -> dict[str, Array]:
        """∂L/∂θ for every weight and bias, in the dtype of X."""
        return self._run(X, y, point, True)[1]

    def loss_and_gradient(self, X: Any, y: Any, **point: Any) -> tuple[float, dict[str, Array]]:
        """(L, the gradient) in one forward and one backward pass."""
        return self._run(X, y, point, True)


def compile_network(d: Any, backend: str = "numpy") -> CompiledNetwork:
    """Compile the network derivation ``d`` (numpy is the only backend for networks)."""
    if backend != "numpy":
        raise OptionError(f"networks compile to numpy only (got backend={backend!r})")
    source = network_source(d)
    label = f"network {'-'.join(map(str, d.widths))}"
    return CompiledNetwork(d, source, load_generated(source, label))
