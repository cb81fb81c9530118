"""Generate the numpy source of a compiled loss from its :class:`GradientForm`.

Every generated function has the shape of the memory-bandwidth bound of a linear model: the
scores s = X @ w + b, elementwise work on the n scores (the per-sample loss ℓ and the
coefficients cw, cb, cq, with common sub-expressions shared and nothing computed that is not
returned), and the gradient's data term cw @ X. Two schedules run that work
(:mod:`gradproof.numeric.schedule`): *one-pass*, blocks of rows each read once for both of
their uses, and *two-pass*, two BLAS calls over the whole of X with the elementwise work in
cache-sized blocks between them. Each of ``_loss``, ``_grad`` and ``_loss_and_grad`` has both
(``_grad_one_pass``, ``_grad_two_pass``) and runs the one :func:`_schedule` picks (by a
fixed rule of X's type, layout and size, see :mod:`gradproof.numeric.schedule`), so
``print(f.source)`` shows both and the rule between them.

The functions ``_loss``, ``_grad``, ``_loss_and_grad``, ``_coefficients`` and ``_switches``
expect checked arrays; the public ``loss``, ``grad``, ... check their arguments first with
``_checked`` (:func:`prepare_arrays`, whose source is copied in, then the label set), so the
module needs only numpy.

At w = 0 under a norm the functions take the subgradient 0 of ‖w‖, and constants must be
finite (see :mod:`gradproof.numeric.guards`).
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence

import sympy as sp

from gradproof.numeric.body import Body, compiled_form
from gradproof.numeric.guards import HOT as _HOT
from gradproof.numeric.guards import at_zero, check_finite, undefined, zero_w_guard
from gradproof.numeric.guards import outputs as _outputs
from gradproof.numeric.prepare import prepare_arrays
from gradproof.numeric.printer import CoefficientPrinter
from gradproof.numeric.schedule import SCHEDULE, SCHEDULE_IMPORTS
from gradproof.symbolic.atoms import XX, Q, S, Y, Z
from gradproof.symbolic.calculus import GradientForm

__all__ = [
    "generate_source",
    "default_doc",
    "PUBLIC_FUNCTIONS",
    "SCHEDULE",
    "NUMPY_IMPORT",
]

PUBLIC_FUNCTIONS = ("loss", "grad", "loss_and_grad", "coefficients", "switches")

_PUBLIC_DOCS = {
    "loss": "L(w, b) on data X (n, d), y (n,); a scalar in X's dtype.",
    "grad": "(∂L/∂w, ∂L/∂b): an array of shape (d,) and a scalar, in X's dtype.",
    "loss_and_grad": "(L, ∂L/∂w, ∂L/∂b), sharing the work between the loss and its gradient.",
    "coefficients": "Per-sample arrays: s (scores), z (w·x), ell (losses), cw, cb, cq.",
    "switches": "Each switching function u (kink at u = 0) per sample, in the form's order.",
}

_SUMMED = ("ell", "cb", "cq")
"""Per-sample outputs that are summed over the samples (cw is multiplied by X instead)."""


# -- the expressions a function returns --------------------------------------------------
class _Totals:
    """Σᵢ of each output and the data term Σᵢ cwᵢ xᵢ, as source text, for one schedule."""

    def __init__(self, body: Body, sums: Mapping[str, str], xsum: str | None) -> None:
        self.body, self.sums, self.xsum = body, sums, xsum

    def total(self, name: str) -> str:
        v = self.body.var[name]
        return f"(n * {v})" if v in self.body.uniform else self.sums[v]

    def loss(self, mean: bool) -> str:
        ell = self.total("ell") + (" / n" if mean else "") if "ell" in self.body.var else None
        return f"_cast({_terms(ell, self.body.var.get('reg'))}, dt)"

    def grad(self, mean: bool) -> str:
        scale = " / n" if mean else ""
        data = None
        if "cw" in self.body.var:
            cw = self.body.var["cw"]
            data = (f"({cw} * X.sum(axis=0))" if self.xsum is None else self.xsum) + scale
        shrink = None
        if "cq" in self.body.var or "rw" in self.body.var:
            cq = self.total("cq") + scale if "cq" in self.body.var else None
            shrink = f"({_terms(cq, self.body.var.get('rw'))}) * w"
        grad_w = f"_cast({_terms(data, shrink)}, dt)" if data or shrink else "np.zeros_like(w)"
        cb = self.total("cb") + scale if "cb" in self.body.var else None
        return f"{grad_w}, _cast({_terms(cb, self.body.var.get('rb'))}, dt)"


def _terms(*terms: str | None) -> str:
    kept = [t for t in terms if t]
    return " + ".join(kept) if kept else "0"


def _tuple(items: Sequence[str]) -> str:
    """A Python tuple display: (), (a,), (a, b)."""
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _targets(items: Sequence[str]) -> str:
    """The left side of an assignment unpacking ``items``."""
    return f"({items[0]},)" if len(items) == 1 else ", ".join(items)


def _function(name: str, args: str, lines: Sequence[str], doc: str | None = None) -> str:
    head = f"def {name}({args}):\n"
    if doc:
        head += f'    """{doc}"""\n'
    return head + "\n".join("    " + ln for ln in lines) + "\n\n"


def _prune(lines: list[str]) -> list[str]:
    """Drop the ``dt``/``n`` lines when no other line reads them."""
    for var in ("n", "dt"):
        rest = [ln for ln in lines if not ln.startswith(f"{var} = ")]
        if not any(re.search(rf"\b{var}\b", ln) for ln in rest):
            lines = rest
    return lines


def _atom_lines(
    used: set[sp.Symbol], source: str = "X", rows: bool = False
) -> tuple[list[str], str | None]:
    """Lines computing the per-sample atoms from ``source``, and the name of the X @ w
    buffer (which a two-pass function may overwrite with its coefficients). ``rows``: a
    block of a numpy X in the one-pass schedule, whose products are ``np.dot`` (numpy's
    ``@`` keeps the GIL for some matrix-vector products, so the threads would take turns;
    numpy's own, also where ``np`` is another namespace: the blocks are numpy arrays)."""
    lines: list[str] = []
    owned = None
    product = f"_numpy.dot({source}, w)" if rows else f"{source} @ w"
    if S in used and Z in used:
        lines += [f"z = {product}", "s = z + b"]
        owned = "z"
    elif S in used:
        lines.append(f"s = _scores({source}, w, b)")
        owned = "s"
    elif Z in used:
        lines.append(f"z = {product}")
        owned = "z"
    if XX in used:
        lines.append(f"xx = np.einsum('ij,ij->i', {source}, {source})")
    return lines, owned


# -- the hot functions: _loss, _grad, _loss_and_grad -------------------------------------
def _hot(
    fname: str,
    form: GradientForm,
    printer: CoefficientPrinter,
    returns: Callable[[_Totals], str],
    prologue: Sequence[str] = (),
) -> list[str]:
    """The sources of ``fname`` and its block functions, both schedules."""
    keys = _HOT[fname.removesuffix("_w0")]
    named = [(k, e) for k, e in _outputs(form).items() if k in keys and e != 0]
    body = Body(printer, named)
    cw = body.per_sample_var("cw")
    summed = list(dict.fromkeys(v for k in _SUMMED if (v := body.per_sample_var(k))))
    head = ["dt = X.dtype", "n = X.shape[0]"]
    if Q in body.used:
        head.append("q = w @ w")
    head += body.shared
    out: list[str] = []
    one_pass = bool(body.per_sample and (cw or body.needs & {S, Z, XX}))
    if one_pass:
        out.append(_rows_function(fname, body, cw, summed))
        args = ["X"] + (["y"] if Y in body.needs else [])
        shared = ["w", "b"] + [a for a in body.shared_args() if a != "b"]
        names = ([f"xsum_{cw}"] if cw else []) + [f"sum_{v}" for v in summed]
        lines = [
            *head,
            f"{_targets(names)} = _map_rows({fname}_rows, X, "
            f"{_tuple(args[1:]) if len(args) > 1 else '()'}, {_tuple(shared)})",
            "return " + returns(_Totals(body, _sum_names(summed), f"xsum_{cw}" if cw else None)),
        ]
        out.append(_function(f"{fname}_one_pass", "X, y, w, b", _prune(lines)))
    lines = list(head)
    atoms, owned = _atom_lines(body.used)
    lines += atoms
    if body.per_sample:
        full = [cw] if cw else []
        arrays = body.per_sample_args()
        out.append(
            _function(
                f"{fname}_block",
                ", ".join(arrays + body.shared_args()),
                [
                    f"dt = {arrays[0]}.dtype",
                    *body.per_sample,
                    "return " + _tuple(full + [f"{v}.sum()" for v in summed]),
                ],
                f"The per-sample part of {fname} on a block of samples: "
                + ", ".join(full + [f"Σ {v}" for v in summed])
                + ".",
            )
        )
        names = full + [f"sum_{v}" for v in summed]
        lines.append(
            f"{_targets(names)} = _map_blocks({fname}_block, {len(full)}, "
            f"{owned or 'None'}, {_tuple(arrays)}, "
            f"{_tuple(body.shared_args())})"
        )
    xsum = f"({cw} @ X)" if cw else None
    lines.append("return " + returns(_Totals(body, _sum_names(summed), xsum)))
    if not one_pass:
        out.append(_function(fname, "X, y, w, b", _prune([*prologue, *lines])))
        return out
    out.append(_function(f"{fname}_two_pass", "X, y, w, b", _prune(lines)))
    if _light(body.per_sample) and not fname.endswith("_w0"):  # _w0 follows its function
        out.append(f'LIGHT.add("{fname}")  # arithmetic, comparisons and clips only')
    dispatch = [
        *prologue,
        f'return _scheduled("{fname}", {fname}_one_pass, {fname}_two_pass, X, y, w, b)',
    ]
    out.append(
        _function(
            fname,
            "X, y, w, b",
            dispatch,
            "The one-pass or the two-pass version, as _schedule(X) picks (see _rule).",
        )
    )
    return out


_LIGHT_CALLS = frozenset(
    {
        "np.less",
        "np.less_equal",
        "np.greater",
        "np.greater_equal",
        "np.maximum",
        "np.minimum",
        "np.clip",
        "np.abs",
        "np.sign",
        "np.where",
        "astype",
        "_cast",
    }
)
"""The calls a light per-sample code may make (arithmetic operators aside)."""

_CALL = re.compile(r"([A-Za-z_][\w.]*)\(")
_POWER = re.compile(r"\*\*\s*(\(?-?\d+\)?)(?![\w.(])|\*\*")


def _light(lines: Sequence[str]) -> bool:
    """True when the printed per-sample ``lines`` call nothing but :data:`_LIGHT_CALLS` and
    take only integer powers: no exponential, logarithm, other power or helper, whose cost
    per block grows where blocks hold few rows (the rule then allows longer rows,
    ONE_PASS_MAX_LIGHT_ROW_BYTES)."""
    text = "\n".join(lines)
    if any(m.group(1) is None for m in _POWER.finditer(text)):
        return False  # a power whose exponent is not an integer literal
    return all(c in _LIGHT_CALLS for c in _CALL.findall(text))


def _sum_names(summed: Sequence[str]) -> dict[str, str]:
    return {v: f"sum_{v}" for v in summed}


def _rows_function(fname: str, body: Body, cw: str | None, summed: Sequence[str]) -> str:
    """The one-pass block function: the sums of ``fname`` over one block of rows X."""
    atoms, _ = _atom_lines(body.needs, rows=True)
    args = ["X"] + (["y"] if Y in body.needs else [])
    args += ["w", "b"] + [a for a in body.shared_args() if a != "b"]
    results = ([f"_numpy.dot({cw}, X)"] if cw else []) + [f"{v}.sum()" for v in summed]
    words = (["Σ cw·x"] if cw else []) + [f"Σ {v}" for v in summed]
    return _function(
        f"{fname}_rows",
        ", ".join(args),
        ["dt = X.dtype", *atoms, *body.per_sample, "return " + _tuple(results)],
        f"One block of rows of {fname} (one-pass schedule): {', '.join(words)}.",
    )


# -- the module ---------------------------------------------------------------------------
def default_doc(form: GradientForm, params: Mapping[str, float], name: str) -> str:
    """The module docstring: what the functions compute, in the form's own terms."""
    hyper = ", ".join(f"{k} = {v!r}" for k, v in params.items()) or "none"
    per = "1/n · " if form.mean else ""
    return (
        f"Numpy functions for the {name} loss, generated by gradproof.\n\n"
        f"    L(w, b) = {per}Σᵢ ℓᵢ + R,  ℓ = {form.loss},  R = {form.reg}\n"
        f"    ∂L/∂w = {per}Σᵢ (cwᵢ xᵢ + cqᵢ w) + rw w,  ∂L/∂b = {per}Σᵢ cbᵢ + rb\n"
        f"    cw = {form.cw}\n    cb = {form.cb}\n    cq = {form.cq}\n"
        f"    rw = {form.rw},  rb = {form.rb}\n\n"
        f"with the score s = w·x + b, z = w·x, q = w·w, xx = x·x; hyperparameters: {hyper}.\n"
        f"Only numpy is needed. Arguments: X (n, d), y (n,), w (d,), b a scalar; the result "
        f"is in X's floating dtype (float32 stays float32). Dask arrays give lazy results."
    )


NUMPY_IMPORT = "import numpy as np"
"""The line that binds the array namespace ``np``; another namespace (CuPy, jax.numpy) can
take its place (:meth:`CompiledLoss.on`). In-place, blocked work keys on real numpy
arrays (``_numpy.ndarray``), so other array types take the whole-array path."""


def generate_source(
    form: GradientForm,
    params: Mapping[str, float],
    name: str = "loss",
    doc: str | None = None,
    labels: str = "real",
) -> str:
    """Python source (numpy only) of loss, grad, loss_and_grad, coefficients and switches.

    ``labels`` is the label set the public functions check (``"pm1"``: every label −1 or
    +1; ``"real"``: any number).
    """
    doc = default_doc(form, params, name) if doc is None else doc
    form = compiled_form(form)
    check_finite(form, params)
    printer = CoefficientPrinter()
    parts = [
        f'"""{_docstring_safe(doc)}\n"""',
        "",
        "from __future__ import annotations",
        "",
        SCHEDULE_IMPORTS.rstrip(),
        "from typing import Any",
        "",
        "import numpy as _numpy",
        NUMPY_IMPORT,
        "",
    ]
    parts += [f"p_{k} = {float(v)!r}" for k, v in params.items()]
    helpers_at = len(parts) + 2  # filled in last: only the helpers the printed code calls
    parts += ["", "", "", "", SCHEDULE, "", inspect.getsource(prepare_arrays), ""]
    parts.append(_checked_source(labels))

    mean = form.mean
    hot: dict[str, Callable[[_Totals], str]] = {
        "_loss": lambda t: t.loss(mean),
        "_grad": lambda t: t.grad(mean),
        "_loss_and_grad": lambda t: f"{t.loss(mean)}, {t.grad(mean)}",
    }
    zero = at_zero(form)
    for fname, returns in hot.items():
        guard = zero_w_guard(form, _HOT[fname], fname)
        if guard:
            parts += (
                _hot(f"{fname}_w0", zero, printer, returns) if zero else [undefined(f"{fname}_w0")]
            )
        parts += _hot(fname, form, printer, returns, guard)
    guard = zero_w_guard(form, ("ell", "cw", "cb", "cq"), "_coefficients")
    if guard:
        parts.append(
            _coefficients(zero, printer, "_coefficients_w0")
            if zero
            else undefined("_coefficients_w0")
        )
    parts.append(_coefficients(form, printer, "_coefficients", guard))
    parts.append(_switches(form, printer))

    for fname in PUBLIC_FUNCTIONS:
        parts.append(
            _function(
                fname,
                "X, y, w, b",
                [f"return _{fname}(*_checked(X, y, w, b))"],
                _PUBLIC_DOCS[fname],
            )
        )
    parts[helpers_at] = printer.prelude()
    if not parts[helpers_at]:
        del parts[helpers_at : helpers_at + 2]
    return "\n".join(parts).rstrip() + "\n"


def _checked_source(labels: str) -> str:
    lines = ["_check_forced()", "X, y, w, b = prepare_arrays(X, y, w, b, error)"]
    doc = "The schedule asked for (GRADPROOF_SCHEDULE), prepare_arrays(X, y, w, b), then the labels"
    if labels == "pm1":
        lines.append("_check_pm1(y)")
        doc += ": each −1 or +1"
    else:
        doc += ": any real number"
    lines.append("return X, y, w, b")
    return _function("_checked", "X, y, w, b, error=ValueError", lines, doc + ".")


def _coefficients(
    form: GradientForm, printer: CoefficientPrinter, fname: str, guard: Sequence[str] = ()
) -> str:
    per_keys = ("ell", "cw", "cb", "cq")
    outputs = _outputs(form)
    body = Body(printer, [(k, outputs[k]) for k in per_keys], force=frozenset({S, Z}))
    lines = ["dt = X.dtype", "n = X.shape[0]", *guard]
    if Q in body.used:
        lines.append("q = w @ w")
    lines += body.shared + _atom_lines(body.used)[0] + body.per_sample
    ref = {k: body.var[k] for k in per_keys}
    out = ",\n        ".join(
        f'"{k}": _per_sample({v}, n, dt)' for k, v in [("s", "s"), ("z", "z"), *ref.items()]
    )
    lines.append("return {\n        " + out + ",\n    }")
    return _function(fname, "X, y, w, b", _prune(lines))


def _switches(form: GradientForm, printer: CoefficientPrinter) -> str:
    named = [(f"u{i}", sw.expr) for i, sw in enumerate(form.switches)]
    body = Body(printer, named)
    lines = ["dt = X.dtype", "n = X.shape[0]"]
    if Q in body.used:
        lines.append("q = w @ w")
    lines += body.shared + _atom_lines(body.used)[0] + body.per_sample
    values = ", ".join(f"_per_sample({body.var[k]}, n, dt)" for k, _ in named)
    lines.append(f"return [{values}]")
    return _function("_switches", "X, y, w, b", _prune(lines))


def _docstring_safe(text: str) -> str:
    """Text that can sit inside a triple-quoted docstring."""
    lines = []
    for line in text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        lines.append(
            textwrap.fill(
                line,
                96,
                subsequent_indent=indent + "    ",
                break_long_words=False,
                break_on_hyphens=False,
            )
            if len(line) > 96
            else line
        )
    return "\n".join(lines)
