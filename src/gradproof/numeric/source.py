"""Generate the numpy source of a compiled loss from its :class:`GradientForm`.

Every generated function has the shape of the memory-bandwidth bound of a linear model:

1. one pass over X for the scores, ``s = X @ w + b`` (b added in place);
2. elementwise work on the n scores: the per-sample loss ℓ and coefficients cw, cb, cq, with
   common sub-expressions shared (``sympy.cse``) and nothing computed that is not returned;
3. one pass over X for the gradient, ``grad_w = cw @ X``; the other sums over samples are
   sums of n numbers.

Step 2 is a separate ``<name>_block`` function that ``_map_blocks`` runs on blocks of
``BLOCK`` samples for numpy arrays: its temporaries stay in cache and are reused instead of
being fresh arrays of n numbers (whose page faults cost more than the arithmetic), and cw
is written over the scores, so a gradient allocates no more than the bare ``X @ w``. Dask
arrays and short inputs run through it whole. No temporary of the size of X is made (only a
user loss using x·x reads X a third time, with ``einsum``).

The functions ``_loss``, ``_grad``, ``_loss_and_grad``, ``_coefficients`` and ``_switches``
expect checked arrays; the public ``loss``, ``grad``, ... check their arguments first with
:func:`prepare_arrays`, whose source is copied in so the module needs only numpy.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Mapping, Sequence

import sympy as sp

from gradproof.numeric.prepare import prepare_arrays
from gradproof.numeric.printer import CoefficientPrinter, stable_rewrite
from gradproof.symbolic.atoms import XX, B, Q, S, Y, Z
from gradproof.symbolic.calculus import GradientForm

__all__ = ["generate_source", "default_doc", "PUBLIC_FUNCTIONS", "SCHEDULE"]

SCHEDULE = '''\
BLOCK = 8192
"""Samples per block of elementwise work: temporaries of 64 kB stay in cache and are reused."""


def _scores(X, w, b):
    """X @ w + b, adding b in place (no second array of n numbers) when X is a numpy array."""
    s = X @ w
    if isinstance(s, _numpy.ndarray):
        s += b
        return s
    return s + b


def _map_blocks(f, n_full, out, arrays, shared):
    """f(*arrays, *shared) → (n_full per-sample arrays, then sums), computed block by block.

    With numpy arrays, f runs on BLOCK samples at a time and the per-sample result (at most
    one) is written into ``out``, a buffer of n numbers owned by the caller (the scores,
    consumed block by block); the sums are accumulated. Dask arrays, short inputs, or no
    buffer: f runs once on the whole arrays.
    """
    n = arrays[0].shape[0]
    if out is None or n <= BLOCK or not all(isinstance(a, _numpy.ndarray) for a in arrays):
        return f(*arrays, *shared)
    sums = None
    for i in range(0, n, BLOCK):
        j = slice(i, i + BLOCK)
        res = f(*(a[j] for a in arrays), *shared)
        if n_full:
            out[j] = res[0]
        part = res[n_full:]
        sums = part if sums is None else tuple(t + p for t, p in zip(sums, part, strict=True))
    return (out,) * n_full + tuple(sums)


def _cast(v, dt):
    """v in dtype dt: a constant becomes a dt scalar; an array is converted only if needed."""
    if isinstance(v, (bool, int, float)):
        return dt.type(v)
    return v if v.dtype == dt else v.astype(dt)


def _per_sample(v, n, dt):
    """v as an array of n numbers in dtype dt (a value shared by all samples is repeated)."""
    v = _cast(v, dt)
    return v if np.ndim(v) == 1 else np.full(n, v, dtype=dt)
'''
"""Helpers that schedule the work of a generated function: blocks, in-place scores, dtypes."""

PER_SAMPLE = frozenset({S, Z, Y, XX})
"""Atoms that differ from sample to sample; an expression without them is one shared value."""

PUBLIC_FUNCTIONS = ("loss", "grad", "loss_and_grad", "coefficients", "switches")

_PUBLIC_DOCS = {
    "loss": "L(w, b) on data X (n, d), y (n,); a scalar in X's dtype.",
    "grad": "(∂L/∂w, ∂L/∂b): an array of shape (d,) and a scalar, in X's dtype.",
    "loss_and_grad": "(L, ∂L/∂w, ∂L/∂b), sharing the work between the loss and its gradient.",
    "coefficients": "Per-sample arrays: s (scores), z (w·x), ell (losses), cw, cb, cq.",
    "switches": "Each switching function u (kink at u = 0) per sample, in the form's order.",
}


_ATOM_ORDER = (Z, S, Y, XX)


class _Body:
    """One generated function: its atoms, CSE temporaries and named outputs.

    ``named`` are (name, expression) pairs; ``full`` names the per-sample outputs returned as
    arrays (the others are only summed). With ``blocked``, the per-sample work is a separate
    block function run by ``_map_blocks``; otherwise everything is written inline.
    """

    def __init__(
        self,
        fname: str,
        printer: CoefficientPrinter,
        named: Sequence[tuple[str, sp.Expr]],
        *,
        full: Sequence[str] = (),
        blocked: bool = True,
        force: frozenset[sp.Symbol] = frozenset(),
    ) -> None:
        self.block = ""  # source of the per-sample block function, if there is one
        self.sums: dict[str, str] = {}  # output → the variable holding its sum over samples
        exprs = [stable_rewrite(e) for _, e in named]
        used = set(force).union(*(e.free_symbols for e in exprs))
        subs, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_t"), optimizations=None)
        per_sample_syms = set(PER_SAMPLE)
        outer: list[str] = []  # shared by all samples: computed once
        inner: list[str] = []  # per sample
        for sym, e in subs:
            target = outer
            if e.free_symbols & per_sample_syms:
                per_sample_syms.add(sym)
                target = inner
            target.append(f"{sym} = {printer.doprint(e)}")
        self.names: dict[str, str] = {}
        self.uniform: set[str] = set()
        seen: dict[sp.Expr, str] = {}
        inner_exprs: list[sp.Expr] = [e for sym, e in subs if sym in per_sample_syms]
        for (name, _), r in zip(named, reduced, strict=True):
            if r in seen:
                self.names[name] = seen[r]
                continue
            self.names[name] = seen[r] = name
            code = printer.doprint(r)
            if r.free_symbols & per_sample_syms:
                inner.append(f"{name} = _cast({code}, dt)")
                inner_exprs.append(r)
            else:
                outer.append(f"{name} = {code}")
                self.uniform.add(name)
        self.lines = ["dt = X.dtype", "n = X.shape[0]"]
        if Q in used:
            self.lines.append("q = w @ w")
        self.lines += outer
        owned = self._atoms(used)
        if not inner:
            return
        if not blocked:
            self.lines += inner
            return
        outputs = [k for k, v in self.names.items() if k == v and k not in self.uniform]
        full = [k for k in full if k in outputs]
        needs = set().union(*(e.free_symbols for e in inner_exprs))
        arrays = [printer.doprint(a) for a in _ATOM_ORDER if a in needs]
        shared = [printer.doprint(a) for a in (B, Q) if a in needs]
        shared += sorted(str(a) for a in needs - per_sample_syms if a.name.startswith("_t"))
        self.block = _function(
            f"{fname}_block",
            ", ".join(arrays + shared),
            "\n".join(
                "    " + line
                for line in [
                    f"dt = {arrays[0]}.dtype",
                    *inner,
                    "return " + _tuple(full + [f"{k}.sum()" for k in outputs]),
                ]
            ),
            f"The per-sample part of {fname}, on a block of samples: "
            f"{', '.join(full + [f'Σ {k}' for k in outputs])}.",
        )
        self.sums = {k: f"sum_{k}" for k in outputs}
        targets = full + list(self.sums.values())
        call = (
            f"_map_blocks({fname}_block, {len(full)}, {owned or 'None'}, "
            f"{_tuple(arrays)}, {_tuple(shared)})"
        )
        self.lines.append(
            f"{_tuple(targets) if len(targets) == 1 else ', '.join(targets)} = {call}"
        )

    def _atoms(self, used: set[sp.Symbol]) -> str | None:
        """Lines computing the per-sample atoms; the name of the X @ w buffer, if any."""
        owned = None
        if S in used and Z in used:
            self.lines += ["z = X @ w", "s = z + b"]
            owned = "z"
        elif S in used:
            self.lines.append("s = _scores(X, w, b)")
            owned = "s"
        elif Z in used:
            self.lines.append("z = X @ w")
            owned = "z"
        if XX in used:
            self.lines.append("xx = np.einsum('ij,ij->i', X, X)")
        return owned

    def total(self, name: str) -> str:
        """Σᵢ of a named output over the samples."""
        ref = self.names[name]
        if ref in self.uniform:
            return f"(n * {ref})"
        return self.sums.get(ref, f"{ref}.sum()")

    def text(self, returns: str) -> str:
        """The function body, without the ``dt``/``n`` lines when nothing reads them."""
        lines = [*self.lines, f"return {returns}"]
        for var in ("n", "dt"):
            rest = [ln for ln in lines if not ln.startswith(f"{var} = ")]
            if not any(re.search(rf"\b{var}\b", ln) for ln in rest):
                lines = rest
        return "\n".join("    " + line for line in lines)


def _nonzero(form: GradientForm, keys: Sequence[str]) -> list[tuple[str, sp.Expr]]:
    key_expr = {
        "ell": form.loss,
        "reg": form.reg,
        "cw": form.cw,
        "cb": form.cb,
        "cq": form.cq,
        "rw": form.rw,
        "rb": form.rb,
    }
    return [(k, key_expr[k]) for k in keys if key_expr[k] != 0]


def _terms(*terms: str | None) -> str:
    kept = [t for t in terms if t]
    return " + ".join(kept) if kept else "0"


def _loss_expr(body: _Body, mean: bool) -> str:
    ell = None
    if "ell" in body.names:
        ell = body.total("ell") + (" / n" if mean else "")
    return f"_cast({_terms(ell, body.names.get('reg'))}, dt)"


def _grad_exprs(body: _Body, mean: bool) -> tuple[str, str]:
    scale = " / n" if mean else ""
    data = None
    if "cw" in body.names:
        cw = body.names["cw"]
        data = (f"({cw} * X.sum(axis=0))" if cw in body.uniform else f"({cw} @ X)") + scale
    shrink = None
    if "cq" in body.names or "rw" in body.names:
        cq = body.total("cq") + scale if "cq" in body.names else None
        shrink = f"({_terms(cq, body.names.get('rw'))}) * w"
    grad_w = f"_cast({_terms(data, shrink)}, dt)" if data or shrink else "np.zeros_like(w)"
    cb = body.total("cb") + scale if "cb" in body.names else None
    grad_b = f"_cast({_terms(cb, body.names.get('rb'))}, dt)"
    return grad_w, grad_b


def _tuple(items: Sequence[str]) -> str:
    """A Python tuple display: (), (a,), (a, b)."""
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _function(name: str, args: str, body: str, doc: str | None = None) -> str:
    head = f"def {name}({args}):\n"
    if doc:
        head += f'    """{doc}"""\n'
    return head + body + "\n\n"


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
    form: GradientForm, params: Mapping[str, float], name: str = "loss", doc: str | None = None
) -> str:
    """Python source (numpy only) of loss, grad, loss_and_grad, coefficients and switches."""
    printer = CoefficientPrinter()
    doc = default_doc(form, params, name) if doc is None else doc
    args = "X, y, w, b"
    parts = [
        f'"""{_docstring_safe(doc)}\n"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
        "import numpy as _numpy",
        NUMPY_IMPORT,
        "",
    ]
    parts += [f"p_{k} = {float(v)!r}" for k, v in params.items()]
    helpers_at = len(parts) + 2  # filled in last: only the helpers the printed code calls
    parts += [
        "",
        "",
        "",
        "",
        SCHEDULE,
        "",
        inspect.getsource(prepare_arrays),
        "",
    ]  # two blank lines

    mean = form.mean
    hot = [
        ("_loss", ("ell", "reg"), (), lambda body: _loss_expr(body, mean)),
        (
            "_grad",
            ("cw", "cb", "cq", "rw", "rb"),
            ("cw",),
            lambda body: ", ".join(_grad_exprs(body, mean)),
        ),
        (
            "_loss_and_grad",
            ("ell", "reg", "cw", "cb", "cq", "rw", "rb"),
            ("cw",),
            lambda body: ", ".join((_loss_expr(body, mean), *_grad_exprs(body, mean))),
        ),
    ]
    for fname, keys, full, returns in hot:
        body = _Body(fname, printer, _nonzero(form, keys), full=full)
        if body.block:
            parts.append(body.block)
        parts.append(_function(fname, args, body.text(returns(body))))

    per_keys = ("ell", "cw", "cb", "cq")
    named = list(zip(per_keys, (form.loss, form.cw, form.cb, form.cq), strict=True))
    coef = _Body("_coefficients", printer, named, blocked=False, force=frozenset({S, Z}))
    ref = {k: coef.names[k] for k in per_keys}
    out = ",\n            ".join(
        f'"{k}": _per_sample({v}, n, dt)' for k, v in [("s", "s"), ("z", "z"), *ref.items()]
    )
    parts.append(_function("_coefficients", args, coef.text("{\n            " + out + "}")))

    sw_named = [(f"u{i}", sw.expr) for i, sw in enumerate(form.switches)]
    sw_body = _Body("_switches", printer, sw_named, blocked=False)
    parts.append(
        _function(
            "_switches",
            args,
            sw_body.text(
                "["
                + ", ".join(f"_per_sample({sw_body.names[k]}, n, dt)" for k, _ in sw_named)
                + "]"
            ),
        )
    )

    for fname in PUBLIC_FUNCTIONS:
        parts.append(
            _function(
                fname, args, f"    return _{fname}(*prepare_arrays({args}))", _PUBLIC_DOCS[fname]
            )
        )
    parts[helpers_at] = printer.prelude()
    if not parts[helpers_at]:
        del parts[helpers_at : helpers_at + 2]
    return "\n".join(parts).rstrip() + "\n"


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
