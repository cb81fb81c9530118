"""What gradproof computes for a post: the quantities of one gradient step of the recognised
loss on the post's data, and the same quantities recomputed from the post's own values.

Quantities have string keys: ``s[k]`` (score of sample k, 1-based), ``m[k]`` (margin
yₖsₖ), ``set`` (the active set, e.g. M), ``ell[k]``, ``L``, ``gw``, ``gw[k]``, ``gb``,
``w_new``, ``b_new``; the inputs are ``X``, ``x[k]``, ``y``, ``y[k]``, ``w``, ``b``, ``eta``,
``lam``. :meth:`Model.truth` gives gradproof's values at a point, from the compiled
derivation (:func:`gradproof.numeric.example.worked_example`). :meth:`Model.recompute`
gives a quantity from values of its :data:`PARENTS` (the post's, where it stated them), by
evaluating the derived per-sample coefficients: that is how a claim that *follows* an earlier
wrong value is told from one that is wrong by itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np
import sympy as sp

from gradproof.audit import nodes as N
from gradproof.datasets import Dataset, Point
from gradproof.i18n import N_
from gradproof.numeric.example import worked_example
from gradproof.symbolic.atoms import XX, B, Q, S, Y, Z, hyperparameter
from gradproof.symbolic.conventions import active_mask
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.functions import Step

__all__ = ["Model", "AgreedModel", "quantity_key", "PARENTS", "describe", "SET_NAMES"]

SET_NAMES = ("M", "V", "A")
_ITERATE = {"new", "next", "t+1", "k+1", "1"}
_CURRENT = {"0", "old", "t", "k"}


def _sample(sub: str) -> int | None:
    return int(sub) if sub.isdigit() and 0 < int(sub) < 100_000 else None


def quantity_key(node: N.Node, set_names: tuple[str, ...] = SET_NAMES) -> str | None:
    """The quantity a name or derivative stands for (see the module docstring), else None."""
    if isinstance(node, N.Deriv):
        of, wrt = node.of, node.wrt
        if of.base not in ("L", "J", "E") or of.sub:
            return None
        k = _sample(wrt.sub)
        if wrt.base == "w" and not wrt.sub:
            return "gw"
        if wrt.base == "w" and k is not None:
            return f"gw[{k}]"
        return "gb" if wrt.base == "b" and not wrt.sub else None
    if not isinstance(node, N.Name):
        return None
    base, sub, k = node.base, node.sub, _sample(node.sub)
    if base in ("L", "J") and node.index == "1" and not sub and not node.primes:
        return "L"  # L^{(1)}: the loss after the step (the audit moves the point first)
    if node.index or node.primes:
        moved = node.primes == 1 or node.index == "1"
        return f"{base}_new" if base in ("w", "b") and moved else None
    if base in ("L", "J") and (not sub or sub in _ITERATE - {"1"}):
        return "L"  # L_new: the loss after the step (the audit moves the point first)
    if base in ("L", "ℓ", "l") and k is not None:
        return f"ell[{k}]"
    if base in ("s", "z") and k is not None:
        return f"s[{k}]"
    if base == "m" and k is not None:
        return f"m[{k}]"
    if base in ("x", "y") and k is not None:
        return f"{base}[{k}]"
    if base in ("X", "y") and not sub:
        return base
    if base in ("w", "b"):
        if not sub or sub in _CURRENT:
            return base
        return f"{base}_new" if sub in _ITERATE else None
    if base in ("g", "grad") and sub in ("w", "b"):
        return "g" + sub
    if base in ("η", "eta", "lr", "α", "alpha") and not sub:
        return "eta"
    if base in ("λ", "lam", "lambda") and not sub:
        return "lam"
    if base in set_names and not sub:
        return "set"
    return None


def after_step(node: N.Node) -> bool:
    """Is ``node`` the loss after an update (L_new, L_{t+1}, L^{(1)})?"""
    return isinstance(node, N.Name) and (
        node.sub in _ITERATE - {"1"} or (node.index == "1" and not node.sub)
    )


PARENTS: dict[str, tuple[str, ...]] = {
    "s": ("w", "b"),
    "m": ("s",),
    "set": ("s",),
    "ell": ("s",),
    "L": ("s", "w"),
    "gw": ("s", "set", "w"),
    "gb": ("s", "set"),
    "w_new": ("w", "eta", "gw"),
    "b_new": ("b", "eta", "gb"),
}
"""What each quantity is computed from (``s`` and ``set`` stand for all samples' scores)."""

_WORDS = {
    "s": N_("score"),
    "m": N_("margin"),
    "set": N_("active set"),
    "ell": N_("loss of the sample"),
    "L": N_("loss"),
    "gw": N_("gradient"),
    "gb": N_("gradient"),
    "w_new": N_("update"),
    "b_new": N_("update"),
}
"""The word for each quantity in messages (translated when printed)."""


def family(key: str) -> str:
    """``s[2]`` → ``s``; ``gw[1]`` → ``gw``."""
    return re.sub(r"\[\d+\]$", "", key)


def describe(key: str) -> str:
    """The word for a quantity in a message (``update``, ``score``), untranslated."""
    return _WORDS.get(family(key), key)


class Model:
    """The recognised loss on the post's data: gradproof's numbers and recomputations."""

    def __init__(self, d: Derivation, X: Any, y: Any, eta: float):
        self.d, self.X, self.y, self.eta = d, np.asarray(X, float), np.asarray(y, float), eta
        self.n, self.dim = self.X.shape
        self._truth: dict[tuple[bytes, float], dict[str, Any]] = {}
        f = d.form
        self.subs = {hyperparameter(k): sp.Float(v) for k, v in d.params.items()}
        self.cw, self.cb, self.cq = (e.xreplace(self.subs) for e in (f.cw, f.cb, f.cq))
        self.ell, self.reg = f.loss.xreplace(self.subs), f.reg.xreplace(self.subs)
        self.rw, self.rb = f.rw.xreplace(self.subs), f.rb.xreplace(self.subs)
        self.switch = d.form.switches[0] if len(d.form.switches) == 1 else None

    # -- gradproof's numbers --------------------------------------------------------------------
    def truth(self, w: Any, b: float) -> dict[str, Any]:
        """Every quantity at the point (w, b), from the compiled derivation."""
        w = np.broadcast_to(np.asarray(w, float), (self.dim,)).copy()
        key = (w.tobytes(), float(b))
        if key not in self._truth:
            ex = worked_example(self.d, Dataset(self.X, self.y), Point(w, float(b)), self.eta)
            out: dict[str, Any] = {"w": w, "b": np.float64(b), "eta": np.float64(self.eta)}
            out["s"] = np.asarray(ex.scores, float)
            if ex.active:
                out["set"] = frozenset(int(i) for i in next(iter(ex.active.values())))
            out["L"], out["gw"], out["gb"] = np.float64(ex.loss), ex.grad_w, np.float64(ex.grad_b)
            out["w_new"], out["b_new"] = ex.new_w, np.float64(ex.new_b)
            self._truth[key] = out
        return self._truth[key]

    def value(self, key: str, w: Any, b: float) -> Any:
        """The true value of one quantity key at (w, b), or None if gradproof has none."""
        t = self.truth(w, b)
        m = re.fullmatch(r"(\w+)\[(\d+)\]", key)
        if m is None:
            return t.get(key)
        fam, k = m.group(1), int(m.group(2)) - 1
        if fam == "s" and k < self.n:
            return t["s"][k]
        if fam == "m" and k < self.n:
            return np.float64(self.y[k] * t["s"][k])
        if fam == "ell" and k < self.n:
            return self._ell(t["s"][k], k, t["w"], t["b"])
        if fam == "gw" and k < self.dim:
            return t["gw"][k]
        return None

    # -- recomputation from given values --------------------------------------------------------
    def _atoms(self, s: float, k: int, w: Any, b: Any) -> dict[sp.Symbol, sp.Float]:
        x = self.X[k]
        w = np.broadcast_to(np.asarray(w, float), (self.dim,))
        return {
            S: sp.Float(float(s)),
            Y: sp.Float(float(self.y[k])),
            B: sp.Float(float(b)),
            Z: sp.Float(float(s) - float(b)),
            Q: sp.Float(float(w @ w)),
            XX: sp.Float(float(x @ x)),
        }

    def _num(self, e: sp.Expr, atoms: Mapping[sp.Symbol, sp.Float], member: bool | None) -> float:
        if member is not None:  # the post's active set decides the indicators
            e = e.replace(lambda n: isinstance(n, Step), lambda n: sp.Integer(int(member)))
        return float(e.xreplace(atoms))

    def _ell(self, s: float, k: int, w: Any, b: Any) -> Any:
        return np.float64(self._num(self.ell, self._atoms(s, k, w, b), None))

    def recompute(self, key: str, get: Callable[[str], Any]) -> Any:
        """``key`` computed from ``get(parent)`` for each of its parents (``get("s")`` is the
        vector of all scores), or None where this model cannot."""
        fam = family(key)
        m = re.fullmatch(r"\w+\[(\d+)\]", key)
        k = int(m.group(1)) - 1 if m else None
        if fam == "s":
            full = np.asarray(get("w"), float) @ self.X.T + float(get("b"))
            return full if k is None else full[k]
        s = np.asarray(get("s"), float)
        if fam == "m" and k is not None:
            return np.float64(self.y[k] * s[k])
        if fam == "set":
            if self.switch is None:
                return None
            u = [
                self._num(self.switch.expr, self._atoms(s[i], i, 0, 0), None) for i in range(self.n)
            ]
            return frozenset(int(i) for i in np.flatnonzero(active_mask(u, self.d.form.at_kink)))
        w, b = get("w"), get("b")
        if fam == "ell" and k is not None:
            return self._ell(s[k], k, w, b)
        if fam == "L":
            total = sum(float(self._ell(s[i], i, w, b)) for i in range(self.n))
            total = total / self.n if self.d.form.mean else total
            return np.float64(total + self._num(self.reg, self._atoms(0, 0, w, b), None))
        if fam in ("gw", "gb"):
            members = get("set") if self.switch is not None else None
            gw, gb = np.zeros(self.dim), 0.0
            wv = np.broadcast_to(np.asarray(w, float), (self.dim,))
            for i in range(self.n):
                a = self._atoms(s[i], i, w, b)
                inside = None if members is None else i in members
                gw += self._num(self.cw, a, inside) * self.X[i] + self._num(self.cq, a, inside) * wv
                gb += self._num(self.cb, a, inside)
            if self.d.form.mean:
                gw, gb = gw / self.n, gb / self.n
            a0 = self._atoms(0, 0, w, b)
            gw += self._num(self.rw, a0, None) * wv
            gb += self._num(self.rb, a0, None)
            if fam == "gb":
                return np.float64(gb)
            return gw if k is None else gw[k]
        if fam in ("w_new", "b_new"):
            p = fam[0]
            return np.asarray(get(p), float) - float(get("eta")) * np.asarray(get("g" + p), float)
        return None


class AgreedModel:
    """The loss at two stand-in values of a hyperparameter the post gives no value for: a
    number is gradproof's only where the two agree (a hinge's ∂L/∂b does not depend on λ, its
    ∂L/∂w does), so no number is judged at a λ the post never chose."""

    def __init__(self, first: Model, second: Model, unvalued: tuple[str, ...]):
        self.first, self.second = first, second
        params = {k: v for k, v in first.d.params.items() if k not in unvalued}
        self.d = SimpleNamespace(params=params)  # λ itself has no value

    def truth(self, w: Any, b: float) -> dict[str, Any]:
        self.second.truth(w, b)
        return self.first.truth(w, b)

    def value(self, key: str, w: Any, b: float) -> Any:
        return _agreed(self.first.value(key, w, b), self.second.value(key, w, b))

    def recompute(self, key: str, get: Callable[[str], Any]) -> Any:
        return _agreed(self.first.recompute(key, get), self.second.recompute(key, get))


def _agreed(a: Any, b: Any) -> Any:
    """``a`` when it equals ``b`` (to rounding), else None."""
    if a is None or b is None:
        return None
    if isinstance(a, frozenset) or isinstance(b, frozenset):
        return a if a == b else None
    aa, bb = np.asarray(a, float), np.asarray(b, float)
    if aa.shape != bb.shape or not np.allclose(aa, bb, rtol=1e-12, atol=1e-12):
        return None
    return a
