"""Compile a derivation into vectorised numpy functions: loss, grad, loss_and_grad.

The generated function does two passes over X (``X @ w`` for the scores, ``c @ X`` for the
gradient) and elementwise work on n numbers in between; common sub-expressions are shared
between the loss and its gradient. The source is kept on the result (``.source``) so a user
can read exactly what runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from gradproof._typing import Array
from gradproof.errors import ShapeError
from gradproof.numeric.codegen import PRELUDE, CoefficientPrinter, stable_rewrite
from gradproof.symbolic.atoms import Q, S, XX, Z
from gradproof.symbolic.calculus import GradientForm

if TYPE_CHECKING:  # pragma: no cover
    from gradproof.symbolic.derivation import Derivation

__all__ = ["CompiledLoss", "compile_derivation", "generate_source", "check_arrays"]


@dataclass(frozen=True)
class CompiledLoss:
    """Numpy functions for one derivation, with their source and the form they came from.

    ``loss(X, y, w, b)`` → float; ``grad(X, y, w, b)`` → (grad_w, grad_b);
    ``loss_and_grad`` → (loss, grad_w, grad_b); ``coefficients`` → per-sample arrays
    (scores, losses, gradient coefficients), used by worked examples and checks.
    """

    name: str
    source: str
    form: GradientForm
    params: Mapping[str, float]
    namespace: Mapping[str, Any] = field(repr=False)

    def _call(self, fname: str, X: Any, y: Any, w: Any, b: Any) -> Any:
        X, y, w, b = check_arrays(X, y, w, b)
        return self.namespace[fname](X, y, w, b)

    def loss(self, X: Any, y: Any, w: Any, b: Any) -> Any:
        """L(w, b) on data X (n, d), y (n,)."""
        return self._call("loss", X, y, w, b)

    def grad(self, X: Any, y: Any, w: Any, b: Any) -> tuple[Array, Any]:
        """(∂L/∂w, ∂L/∂b) on data X (n, d), y (n,)."""
        return self._call("grad", X, y, w, b)

    def loss_and_grad(self, X: Any, y: Any, w: Any, b: Any) -> tuple[Any, Array, Any]:
        """(L, ∂L/∂w, ∂L/∂b), sharing the work between them."""
        return self._call("loss_and_grad", X, y, w, b)

    def switches(self, X: Any, y: Any, w: Any, b: Any) -> list[Array]:
        """Per-sample values of each switching function of ``form.switches`` (kink at 0)."""
        return self._call("switches", X, y, w, b)

    def coefficients(self, X: Any, y: Any, w: Any, b: Any) -> dict[str, Array]:
        """Per-sample arrays: ``s`` (scores), ``z`` (w·x), ``ell``, ``cw``, ``cb``, ``cq``."""
        return self._call("coefficients", X, y, w, b)


def _is_array(x: Any) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype")


def check_arrays(X: Any, y: Any, w: Any, b: Any) -> tuple[Any, Any, Any, Any]:
    """Check shapes (X (n, d), y (n,), w (d,), b scalar); convert lists to float64 arrays.

    Arrays keep their dtype when it is floating (float32 stays float32); anything else becomes
    float64. Dask arrays pass through untouched.
    """
    def conv(a: Any, name: str) -> Any:
        if _is_array(a) and np.issubdtype(a.dtype, np.floating):
            return a
        try:
            return np.asarray(a, dtype=np.float64)
        except (TypeError, ValueError):
            raise ShapeError(f"{name} must be numeric, got {type(a).__name__}") from None

    X, y, w = conv(X, "X"), conv(y, "y"), conv(w, "w")
    if X.ndim != 2:
        raise ShapeError(f"X must have shape (n, d), got {tuple(X.shape)}")
    n, d = X.shape
    if y.ndim != 1 or y.shape[0] != n:
        raise ShapeError(f"y must have shape ({n},) to match X {tuple(X.shape)}, "
                         f"got {tuple(y.shape)}")
    if w.ndim != 1 or w.shape[0] != d:
        raise ShapeError(f"w must have shape ({d},) to match X {tuple(X.shape)}, "
                         f"got {tuple(w.shape)}")
    if np.ndim(b) != 0:
        raise ShapeError(f"b must be a scalar, got shape {np.shape(b)}")
    if not isinstance(b, np.floating):
        b = X.dtype.type(b) if np.issubdtype(X.dtype, np.floating) else np.float64(b)
    return X, y, w, b


def generate_source(form: GradientForm, params: Mapping[str, float], name: str = "loss") -> str:
    """Python source (numpy only) for loss, grad, loss_and_grad and coefficients."""
    printer = CoefficientPrinter()
    exprs = [stable_rewrite(e) for e in (form.loss, form.cw, form.cb, form.cq)]
    regs = [stable_rewrite(e) for e in (form.reg, form.rw, form.rb)]
    subs, (ell, cw, cb, cq) = sp.cse(exprs, symbols=sp.numbered_symbols("_t"), optimizations=None)
    uses = form.uses
    lines = []
    for k, v in params.items():
        lines.append(f"p_{k} = {float(v)!r}")
    body = ["    dt = np.result_type(X.dtype, np.float32)"]
    body.append("    n = X.shape[0]")
    if uses & {S, Z}:
        body.append("    z = X @ w")
        body.append("    s = z + b")
    if Q in uses:
        body.append("    q = w @ w")
    if XX in uses:
        body.append("    xx = (X * X).sum(axis=1)")
    for sym, e in subs:
        body.append(f"    {sym} = {printer.doprint(e)}")
    scale = " / n" if form.mean else ""

    def per_sample(e: sp.Expr) -> str:
        return f"_vec({printer.doprint(e)}, n, dt)"

    body.append(f"    ell = {per_sample(ell)}")
    body.append(f"    cw = {per_sample(cw)}")
    body.append(f"    cb = {per_sample(cb)}")
    body.append(f"    cq = {per_sample(cq)}")
    reg, rw, rb = (printer.doprint(e) for e in regs)
    coeff_body = "\n".join(body)
    src = [
        f'"""Numpy functions for the {name} loss, generated by gradproof.\n\n'
        f"Per-sample loss: {form.loss}\nRegulariser: {form.reg}\n"
        f"Gradient coefficients: cw = {form.cw}, cb = {form.cb}\n"
        f'(∂L/∂w = Σ cw·x + (Σ cq)·w + rw·w, ∂L/∂b = Σ cb + rb)\n"""',
        PRELUDE,
        *lines,
        "",
        "",
        "def coefficients(X, y, w, b):",
        coeff_body,
        "    return {" + ", ".join(f'"{k}": {k}' for k in
                                   (["s", "z"] if uses & {S, Z} else []) + ["ell", "cw", "cb", "cq"])
        + "}",
        "",
        "",
        "def switches(X, y, w, b):",
        '    """Each switching function u (kink at u = 0), per sample, in form.switches order."""',
        coeff_body.split("    ell = ")[0].rstrip(),
        "    return [" + ", ".join(f"_vec({printer.doprint(stable_rewrite(sw.expr))}, n, dt)"
                              for sw in form.switches) + "]",
        "",
        "",
        "def loss_and_grad(X, y, w, b):",
        "    c = coefficients(X, y, w, b)",
        "    n = X.shape[0]",
        "    q = w @ w",
        f"    reg = {reg}",
        f"    loss = c['ell'].sum(){scale} + reg",
        f"    grad_w = (c['cw'] @ X){scale} + (c['cq'].sum(){scale} + ({rw})) * w",
        f"    grad_b = c['cb'].sum(){scale} + ({rb})",
        "    return loss, grad_w, grad_b",
        "",
        "",
        "def loss(X, y, w, b):",
        "    return loss_and_grad(X, y, w, b)[0]",
        "",
        "",
        "def grad(X, y, w, b):",
        "    return loss_and_grad(X, y, w, b)[1:]",
        "",
    ]
    return "\n".join(src)


def compile_form(form: GradientForm, params: Mapping[str, float], name: str) -> CompiledLoss:
    """Generate, compile and wrap the numpy functions of ``form``."""
    source = generate_source(form, params, name)
    namespace: dict[str, Any] = {}
    code = compile(source, f"<gradproof:{name}>", "exec")
    exec(code, namespace)  # our own generated source, never user text  # noqa: S102
    return CompiledLoss(name, source, form, dict(params), namespace)


def compile_derivation(d: Derivation) -> CompiledLoss:
    """Compiled numpy functions for a derivation."""
    return compile_form(d.form, d.params, d.name)

