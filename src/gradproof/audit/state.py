"""The audit's memory: the post's values and the true ones, and which was computed from which.

Every value the post states is an :class:`Entry` holding the post's number, the true one, the
line it was stated on and the line of the error it carries (``origin``, None when right).
:class:`Values` answers "what is this name?" twice: as the post has it (``post``: its stated
values, or a quantity recomputed from the post's values of its parents) and in truth
(``true``: gradproof's numbers). A claim that matches the post's numbers but not the true ones
*follows* the entries it used; :class:`DocScope` records them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradproof.audit import nodes as N
from gradproof.audit.model import SET_NAMES, AgreedModel, Model, family, quantity_key
from gradproof.audit.values import Scope, Unevaluable, close
from gradproof.i18n import lazy

__all__ = ["Entry", "Values", "DocScope", "INPUTS"]

INPUTS = ("X", "y", "w", "b", "eta", "lam")
"""Quantity families the post gives rather than computes (with x[k], y[k])."""


@dataclass
class Entry:
    """A value the post states: its number, the true one, where, and the error it carries."""

    post: Any
    true: Any
    line: int
    label: str
    origin: int | None = None  # the line of the first wrong value this one carries
    fixed: bool = False  # --fix corrects it (so what copied it may be corrected too)

    @property
    def wrong(self) -> bool:
        return self.origin is not None


@dataclass
class Values:
    """The post's data, point and stated values, with the model that gives the true ones."""

    model: Model | AgreedModel | None = None
    X: Any = None
    y: Any = None
    eta: float | None = None
    set_names: tuple[str, ...] = SET_NAMES
    point: tuple[Any, float] | None = None  # the post's (w, b)
    true_point: tuple[Any, float] | None = None
    point_origin: Entry | None = None  # the wrong update a moved point came from
    names: dict[str, Entry] = field(default_factory=dict)  # plain names the post defines
    claimed: dict[str, Entry] = field(default_factory=dict)  # quantities it states

    @property
    def n(self) -> int | None:
        return None if self.X is None else int(self.X.shape[0])

    def input(self, key: str, which: str) -> Any:
        """X, x[k], y, y[k], w, b, eta, lam — or None."""
        fam = family(key)
        k = int(key[key.index("[") + 1 : -1]) - 1 if "[" in key else None
        if fam in ("X", "x") and self.X is not None:
            return self.X if k is None else (self.X[k] if k < self.n else None)  # type: ignore[operator]
        if fam == "y" and self.y is not None:
            return self.y if k is None else (self.y[k] if k < self.n else None)  # type: ignore[operator]
        point = self.point if which == "post" else self.true_point
        if fam in ("w", "b") and point is not None:
            return np.asarray(point[0] if fam == "w" else point[1], float)
        if fam == "eta" and self.eta is not None:
            return np.float64(self.eta)
        if fam == "lam" and self.model is not None and "lam" in self.model.d.params:
            return np.float64(self.model.d.params["lam"])
        return None

    def true(self, key: str) -> Any:
        """gradproof's value of a quantity at the true point, or None."""
        v = self.input(key, "true")
        if v is not None or family(key) in INPUTS or family(key) in ("x",):
            return v
        if self.model is None or self.true_point is None:
            return None
        if family(key) in ("w_new", "b_new") and self.eta is None:
            return None
        return self.model.value(key, *self.true_point)

    def post(self, key: str, used: list[Entry]) -> Any:
        """The post's value of a quantity: stated, or recomputed from its stated parents."""
        if key in self.claimed:
            used.append(self.claimed[key])
            return self.claimed[key].post
        if key == "s":  # all scores: recomputed, with the ones the post stated
            s = self.post_recompute("s", used)
            if s is None:
                return None
            s = np.array(s, float)
            for k in range(len(s)):
                if f"s[{k + 1}]" in self.claimed:
                    used.append(self.claimed[f"s[{k + 1}]"])
                    s[k] = float(self.claimed[f"s[{k + 1}]"].post)
            return s
        v = self.input(key, "post")
        if v is not None:
            if family(key) in ("w", "b") and self.point_origin is not None:
                used.append(self.point_origin)
            return v
        return self.post_recompute(key, used)

    def post_recompute(self, key: str, used: list[Entry]) -> Any:
        if self.model is None or self.point is None:
            return None
        if family(key) in ("w_new", "b_new") and self.eta is None:
            return None

        def get(parent: str) -> Any:
            v = self.post(parent, used)
            if v is None:
                raise Unevaluable(lazy("no value for {name}", name=parent))
            return v

        try:
            return self.model.recompute(key, get)
        except (Unevaluable, IndexError, TypeError, ValueError):
            return None

    def carried(self, key: str, value: Any, tol: Any) -> tuple[Any, list[Entry]] | None:
        """If ``value`` is what the post's own earlier values give for ``key`` (and not the
        truth), the wrong entries it follows; else None."""
        used: list[Entry] = []
        saved = self.claimed.pop(key, None)
        try:
            p = self.post_recompute(key, used)
        finally:
            if saved is not None:
                self.claimed[key] = saved
        wrong = [e for e in used if e.wrong]
        if p is None or not wrong or not close(value, p, tol):
            return None
        return p, wrong


class DocScope(Scope):
    """Names of the post for the evaluator: ``which`` is ``post`` or ``true``."""

    def __init__(self, values: Values, which: str):
        self.v, self.which = values, which
        self.used: list[Entry] = []
        self.n = values.n

    def _quantity(self, key: str) -> Any:
        v = self.v.post(key, self.used) if self.which == "post" else self.v.true(key)
        if v is None:
            raise Unevaluable(lazy("no value for {name}", name=key))
        return v

    def name(self, node: N.Name, bound: Mapping[str, int]) -> Any:
        if node.sub and node.sub in bound:
            i = bound[node.sub] + 1
            fam = {"x": "x", "y": "y", "s": "s", "z": "s", "m": "m", "ℓ": "ell"}.get(node.base)
            named = self.v.names.get(node.base)
            if fam is None and named is not None and np.ndim(named.post) == 1:
                self.used.append(named)  # cᵢ: sample i of a vector c the post defined
                value = named.post if self.which == "post" else named.true
                if i > len(value):
                    raise Unevaluable(lazy("{name} has no entry {i}", name=node.base, i=i))
                return np.float64(value[i - 1])
            if fam is None:
                raise Unevaluable(lazy("{name} for one sample", name=node.key))
            return self._quantity(f"{fam}[{i}]")
        if node.key in bound:
            return np.float64(bound[node.key] + 1)
        if node.key in self.v.names:
            e = self.v.names[node.key]
            self.used.append(e)
            return e.post if self.which == "post" else e.true
        key = quantity_key(node, self.v.set_names)
        if key is not None:
            return self._quantity(key)
        return super().name(node, bound)

    def deriv(self, node: N.Deriv, bound: Mapping[str, int]) -> Any:
        key = quantity_key(node, self.v.set_names)
        if key is None:
            raise Unevaluable(lazy("a derivative gradproof does not compute here"))
        return self._quantity(key)

    def set_named(self, node: N.Node, bound: Mapping[str, int]) -> frozenset[int]:
        if isinstance(node, N.Name) and quantity_key(node, self.v.set_names) == "set":
            v = self._quantity("set")
            assert isinstance(v, frozenset)
            return v
        return super().set_named(node, bound)
