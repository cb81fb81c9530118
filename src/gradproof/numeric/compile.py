"""Compile a derivation into fast functions: loss, grad, loss_and_grad.

The numpy backend (the default) reads a large X once, in cache-sized blocks of rows shared
by all cores, or makes two passes (``X @ w``, then ``c @ X``) for small X, Dask and other
array libraries (see :mod:`gradproof.numeric.schedule`); common sub-expressions are shared
between the loss and its gradient (see :mod:`gradproof.numeric.source`). The numba backend
(``backend="numba"``, :mod:`gradproof.numeric.fused`) runs one fused compiled loop. The
generated source is kept on the result (``.source``), so a user can read exactly what runs,
and compiled results are cached on the gradient form, the hyperparameter values, the label
set and the backend.

>>> import numpy as np
>>> from gradproof import derive
>>> f = derive("perceptron").numpy()
>>> gw, gb = f.grad(np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([1.0, -1.0]),
...                 np.zeros(2), 0.0)
>>> gw.tolist(), float(gb)
([2.0, -3.0], 0.0)
"""

from __future__ import annotations

import functools
import linecache
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from gradproof._typing import Array
from gradproof.errors import DataError, OptionError, ShapeError
from gradproof.numeric import schedule
from gradproof.numeric.fused import FUSED_FUNCTIONS, fused_source, numba_available
from gradproof.numeric.guards import zero_w_guards
from gradproof.numeric.prepare import prepare_arrays
from gradproof.numeric.source import NUMPY_IMPORT, generate_source
from gradproof.symbolic.calculus import GradientForm

if TYPE_CHECKING:  # pragma: no cover
    from gradproof.symbolic.derivation import Derivation

__all__ = [
    "CompiledLoss",
    "compile_derivation",
    "compile_form",
    "generate_source",
    "check_arrays",
    "clear_cache",
]

CACHE_SIZE = 256
"""Compiled losses kept in memory (least recently used are dropped first)."""


@dataclass(frozen=True)
class CompiledLoss:
    """Numpy functions for one derivation, with their source and the form they came from.

    ``loss(X, y, w, b)`` → scalar; ``grad(X, y, w, b)`` → (grad_w, grad_b);
    ``loss_and_grad`` → (loss, grad_w, grad_b); ``coefficients`` → per-sample arrays
    (scores, losses, gradient coefficients) and ``switches`` → per-sample switching
    functions, used by worked examples and checks. Results are in X's floating dtype;
    with Dask arrays they are lazy Dask arrays (``dask.compute(*f.grad(...))``).
    """

    name: str
    source: str
    form: GradientForm
    params: Mapping[str, float]
    namespace: Mapping[str, Any] = field(repr=False)
    labels: str = "real"
    backend: str = "numpy"

    def _call(self, fname: str, X: Any, y: Any, w: Any, b: Any) -> Any:
        if self.backend == "numba":
            fname = FUSED_FUNCTIONS.get(fname, fname)
        return self.namespace[fname](*self.namespace["_checked"](X, y, w, b, ShapeError))

    def schedule(self, X: Any, call: str = "grad") -> str:
        """``"one-pass"`` or ``"two-pass"``: how the next ``call`` (``"loss"``, ``"grad"``
        or ``"loss_and_grad"``) walks over this X, by a fixed rule of X's type, layout and
        size and of the call's code (see :mod:`gradproof.numeric.schedule`), or as
        :meth:`with_schedule` fixed or calibrated it. With the numba backend, ``"fused"``
        where its compiled loop takes this X (a numpy array in float32 or float64 after
        conversion), as it does when y and w are numpy arrays too (else, and at w = 0 for a
        form that divides by ‖w‖, the numpy functions run)."""
        if call not in _HOT_CALLS:
            raise OptionError(f"unknown call {call!r}; use one of {', '.join(_HOT_CALLS)}")
        self.namespace["_check_forced"]()
        if isinstance(X, np.ndarray):  # the call runs on X in its working dtype
            dt = np.result_type(X.dtype, np.float32) if X.dtype.kind == "f" else np.float64
            if X.dtype != dt:
                X = np.empty_like(X, dtype=dt)  # same shape and order, nothing written
            if self.backend == "numba" and dt in (np.float32, np.float64):
                return "fused"
        if f"_{call}_one_pass" not in self.namespace:  # a call with one schedule only
            return "two-pass"
        return str(self.namespace["_schedule"](X, "_" + call))

    def calibration(self) -> dict[tuple[str, int, str, int], tuple[str, float]]:
        """The schedules calibrated so far in this process (only with
        ``with_schedule("calibrate")`` or ``GRADPROOF_SCHEDULE=calibrate``; empty else):
        (call, d, dtype, size class k: X of 4^k to 4^(k+1) bytes) → (schedule kept, fastest
        one-pass time ÷ fastest two-pass time over the last timed calls)."""
        return {
            (name.removeprefix("_"), d, dt, k): (made[0], float(made[1]))
            for (name, d, dt, k), made in dict(self.namespace["_CHOICES"]).items()
        }

    def on(self, xp: Any) -> CompiledLoss:
        """The same functions with another NumPy-compatible array namespace in place of
        numpy, e.g. ``f.on(jax.numpy)`` or ``f.on(cupy)``: the arrays stay on that library
        (and its device). Dask needs nothing: numpy functions already dispatch to it.

        Optional and not tested in CI; the namespace must provide the numpy functions the
        source uses (``print(f.source)``)."""
        source = self.source.replace(NUMPY_IMPORT + "\n", "", 1)
        namespace = _execute(source, f"{self.name}:{xp.__name__}", {"np": xp})
        return replace(self, namespace=MappingProxyType(namespace))

    def with_schedule(
        self,
        schedule: str | None = None,
        *,
        block_bytes: int | None = None,
        workers: int | None = None,
    ) -> CompiledLoss:
        """The same functions with the schedule fixed for numpy arrays (``"one-pass"`` or
        ``"two-pass"``), calibrated afresh by timing the first calls (``"calibrate"``), or
        chosen by the rule (None, the default; see :meth:`schedule`) and, optionally,
        another block size in bytes or thread count for the one-pass schedule. For tests
        and benchmarks; results agree to rounding whatever is chosen."""
        if schedule not in (None, "one-pass", "two-pass", "calibrate"):
            raise OptionError(
                f"unknown schedule {schedule!r}; use 'one-pass', 'two-pass' or 'calibrate'"
            )
        settings: dict[str, Any] = {"FORCED": schedule}
        if block_bytes is not None:
            settings["BLOCK_BYTES"] = int(block_bytes)
        if workers is not None:
            settings["WORKERS"] = max(1, int(workers))
        namespace = _execute(self.source, self.name, {}, settings)
        return replace(self, namespace=MappingProxyType(namespace))

    def with_backend(self, backend: str) -> CompiledLoss:
        """The same loss compiled for another backend (``"numpy"`` or ``"numba"``, see
        :data:`BACKENDS`), e.g. ``derive("logistic").numpy().with_backend("numba")``."""
        return compile_form(self.form, self.params, self.name, self.labels, backend)

    def loss(self, X: Any, y: Any, w: Any, b: Any) -> Any:
        """L(w, b) on data X (n, d), y (n,)."""
        return self._call("_loss", X, y, w, b)

    def grad(self, X: Any, y: Any, w: Any, b: Any) -> tuple[Array, Any]:
        """(∂L/∂w, ∂L/∂b) on data X (n, d), y (n,)."""
        return self._call("_grad", X, y, w, b)

    def loss_and_grad(self, X: Any, y: Any, w: Any, b: Any) -> tuple[Any, Array, Any]:
        """(L, ∂L/∂w, ∂L/∂b), sharing the work between them."""
        return self._call("_loss_and_grad", X, y, w, b)

    def switches(self, X: Any, y: Any, w: Any, b: Any) -> list[Array]:
        """Per-sample values of each switching function of ``form.switches`` (kink at 0)."""
        return self._call("_switches", X, y, w, b)

    def coefficients(self, X: Any, y: Any, w: Any, b: Any) -> dict[str, Array]:
        """Per-sample arrays: ``s`` (scores), ``z`` (w·x), ``ell``, ``cw``, ``cb``, ``cq``."""
        return self._call("_coefficients", X, y, w, b)


def check_arrays(X: Any, y: Any, w: Any, b: Any) -> tuple[Any, Any, Any, Any]:
    """Check shapes (X (n, d), y (n,), w (d,), b scalar) and bring y, w, b to X's dtype.

    Floating X keeps its dtype (float32 stays float32); anything else becomes float64. Dask
    arrays stay lazy. Raises :class:`~gradproof.errors.ShapeError` naming the argument, the
    shape received and the shape expected.
    """
    return prepare_arrays(X, y, w, b, error=ShapeError)


def _execute(
    source: str,
    name: str,
    preset: Mapping[str, Any],
    settings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run generated ``source`` in a fresh namespace (``preset`` bound first, ``settings``
    overriding its constants after) and link it to the package: its data errors are
    gradproof's DataError, and all compiled losses share one thread pool (an exported
    module keeps its own)."""
    namespace: dict[str, Any] = {"__name__": f"gradproof_generated_{name}", **preset}
    filename = f"<gradproof:{name}:{abs(hash(source)):x}>"
    # Tracebacks and debuggers show the generated lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)  # our own printing  # noqa: S102
    namespace["_DataError"] = DataError
    namespace["_OptionError"] = OptionError
    namespace["_pool"] = schedule._pool
    namespace.update(settings or {})
    return namespace


_HOT_CALLS = ("loss", "grad", "loss_and_grad")
"""The calls that have two schedules."""

BACKENDS = ("numpy", "numba")
"""``numpy``: vectorised numpy (the default, no extra dependency); ``numba``: one fused,
parallel loop per function, compiled on first call (``pip install 'gradproof[fast]'``)."""


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compile_cached(
    form: GradientForm,
    params: tuple[tuple[str, float], ...],
    name: str,
    labels: str,
    backend: str,
) -> CompiledLoss:
    # generate_source prints parsed SymPy; user text never reaches the source
    source = generate_source(form, dict(params), name, labels=labels)
    if backend == "numba":
        source += "\n\n" + fused_source(form, dict(params), zero_w_guards(form))
    namespace = _execute(source, name, {})
    return CompiledLoss(
        name,
        source,
        form,
        MappingProxyType(dict(params)),
        MappingProxyType(namespace),
        labels,
        backend,
    )


def compile_form(
    form: GradientForm,
    params: Mapping[str, float],
    name: str,
    labels: str = "real",
    backend: str = "numpy",
) -> CompiledLoss:
    """Generate, compile and wrap the functions of ``form`` (cached).

    ``labels`` is the label set the functions accept (``"pm1"`` or ``"real"``); ``backend``
    one of :data:`BACKENDS`."""
    if backend not in BACKENDS:
        raise OptionError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    if backend == "numba" and not numba_available():
        raise OptionError(
            "backend='numba' needs numba: pip install 'gradproof[fast]' (or use the "
            "default backend='numpy')"
        )
    key = tuple((str(k), float(v)) for k, v in params.items())
    return _compile_cached(form, key, name, labels, backend)


def compile_derivation(d: Derivation, *, backend: str = "numpy") -> CompiledLoss:
    """Compiled functions for a derivation (cached on its form, hyperparameters and
    backend); they accept the labels of its loss (``d.spec.labels``).

    ``backend="numba"`` compiles loss, grad and loss_and_grad to one fused loop each (X
    read once, no temporaries of n numbers, all cores), with the same results to rounding;
    ``compile_derivation(derive("logistic"), backend="numba")`` or
    ``derive("logistic").numpy().with_backend("numba")``."""
    return compile_form(d.form, d.params, d.name, d.spec.labels, backend)


def clear_cache() -> None:
    """Forget every compiled loss (the next compilation generates its source afresh)."""
    _compile_cached.cache_clear()
