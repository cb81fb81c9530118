"""Named, shaped parameters: the one representation every layer uses for a model's point.

A model's parameters are an ordered mapping name → shape (:class:`ParameterLayout`): the
linear model has ``w`` (d,) and ``b`` (); the multi-class linear model ``W`` (K, d) and ``b``
(K,); a network ``W1, b1, W2, b2, …``. Everything that handles a point goes through the
layout: the compiled functions take the parameters in its order, checks flatten a gradient
to one vector θ and name its entries (``W[2,1]``), ``--at`` and ``--json`` read and write one
nested list per name, examples and training update each parameter.

Entries are numbered from 1, as in the check reports: ``W[2,1]`` is row 2, column 1 of W
(Python's ``W[1, 0]``); ``b[3]`` is Python's ``b[2]``. A scalar parameter is named alone
(``b``).

>>> lay = ParameterLayout({"W": (3, 2), "b": (3,)})
>>> lay.size, lay.entry_name(1), lay.entry_name(6)
(9, 'W[1,2]', 'b[1]')
>>> lay.to_json(lay.unflatten(list(range(9))))["b"]
[6.0, 7.0, 8.0]
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradproof._typing import Array
from gradproof.errors import DataError, ShapeError
from gradproof.i18n import N_, _, lazy

__all__ = ["ParameterLayout", "parse_parameters", "shape_text", "NUMBERING"]

NUMBERING = lazy(
    "entries are numbered from 1, as in gradproof derive: W[2,1] is row 2, column 1 of W "
    "(Python's W[1, 0]); class labels count from 0, so row 2 of W belongs to class 1"
)
"""How a report numbers the entries of matrix parameters."""


def shape_text(shape: Sequence[int | str]) -> str:
    """A shape as people write it: ``3×2``, ``3``, or ``scalar``.

    >>> shape_text((3, 2)), shape_text(("K",)), shape_text(())
    ('3×2', 'K', 'scalar')
    """
    return "×".join(str(s) for s in shape) if shape else "scalar"


@dataclass(frozen=True)
class _Slot:
    name: str
    shape: tuple[int, ...]
    offset: int

    @property
    def size(self) -> int:
        return math.prod(self.shape)


class ParameterLayout:
    """The parameters of a model at concrete sizes: an ordered mapping name → shape.

    A point is a mapping name → array (:meth:`check` makes one from any array-likes); the
    flat vector θ concatenates the parameters in order, each in row-major (C) order.
    """

    def __init__(self, shapes: Mapping[str, Sequence[int]]) -> None:
        slots = []
        offset = 0
        for name, shape in shapes.items():
            sh = tuple(int(s) for s in shape)
            if any(s < 1 for s in sh):
                raise ValueError(f"internal error: parameter {name} has shape {sh}")
            slots.append(_Slot(name, sh, offset))
            offset += math.prod(sh)
        self._slots = tuple(slots)
        self._by_name = {s.name: s for s in slots}
        self.size = offset

    # -- the mapping ---------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names in order."""
        return tuple(s.name for s in self._slots)

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Name → shape, in order."""
        return {s.name: s.shape for s in self._slots}

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self._slots)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParameterLayout) and self.shapes == other.shapes

    def __hash__(self) -> int:
        return hash(tuple(self.shapes.items()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}: {shape_text(s)}" for n, s in self.shapes.items())
        return f"ParameterLayout({inner})"

    def slice_of(self, name: str) -> slice:
        """Where parameter ``name`` sits in θ."""
        s = self._by_name[name]
        return slice(s.offset, s.offset + s.size)

    # -- points ----------------------------------------------------------------------------
    def zeros(self, dtype: Any = np.float64) -> dict[str, Array]:
        """The point with every parameter 0."""
        return {s.name: np.zeros(s.shape, dtype=dtype) for s in self._slots}

    def flatten(self, point: Mapping[str, Any]) -> Array:
        """θ: the parameters of ``point`` in order, as one float64 vector."""
        parts = [np.asarray(point[s.name], dtype=np.float64).reshape(-1) for s in self._slots]
        return np.concatenate(parts) if parts else np.zeros(0)

    def unflatten(self, theta: Any) -> dict[str, Array]:
        """The point whose flat vector is ``theta``."""
        v = np.asarray(theta, dtype=np.float64).reshape(-1)
        if v.size != self.size:
            raise ValueError(f"internal error: θ has {v.size} entries, the layout {self.size}")
        return {s.name: v[s.offset : s.offset + s.size].reshape(s.shape) for s in self._slots}

    def entry_name(self, k: int) -> str:
        """The name of entry ``k`` (0-based) of θ, numbered from 1: ``W[2,1]``, ``b[3]``, ``b``."""
        for s in self._slots:
            if s.offset <= k < s.offset + s.size:
                if not s.shape:
                    return s.name
                idx = np.unravel_index(k - s.offset, s.shape)
                return f"{s.name}[{','.join(str(int(i) + 1) for i in idx)}]"
        raise IndexError(f"internal error: entry {k} of a layout of {self.size}")

    def entry_names(self) -> list[str]:
        """Every entry's name, in θ's order."""
        return [self.entry_name(k) for k in range(self.size)]

    def to_json(self, point: Mapping[str, Any]) -> dict[str, Any]:
        """Name → nested lists of floats (a scalar parameter is a float)."""
        out: dict[str, Any] = {}
        for s in self._slots:
            a = np.asarray(point[s.name], dtype=np.float64)
            out[s.name] = float(a) if not s.shape else a.tolist()
        return out

    def check(
        self, point: Mapping[str, Any], what: str = "the point", dtype: Any = np.float64
    ) -> dict[str, Array]:
        """``point`` as arrays of the layout's shapes in ``dtype``, or a
        :class:`~gradproof.errors.ShapeError` naming the parameter, the shape received and
        the shape expected."""
        unknown = sorted(str(k) for k in point if k not in self._by_name)
        if unknown:
            raise DataError(
                _(
                    "{what}: unknown parameter(s) {unknown}; this model has {names}",
                    what=what,
                    unknown=", ".join(unknown),
                    names=", ".join(self.names),
                )
            )
        out = {}
        for s in self._slots:
            if s.name not in point:
                raise DataError(_("{what}: parameter {name} is missing", what=what, name=s.name))
            a = np.asarray(point[s.name])
            if a.dtype.kind not in "biuf":
                raise DataError(
                    _(
                        "{what}: {name} must hold real numbers, got dtype {dtype}",
                        what=what,
                        name=s.name,
                        dtype=str(a.dtype),
                    )
                )
            if a.shape != s.shape:
                raise ShapeError(
                    _(
                        "{what}: {name} has shape {shape} but this model needs {want}",
                        what=what,
                        name=s.name,
                        shape=shape_text(a.shape),
                        want=shape_text(s.shape),
                    )
                )
            a = a.astype(dtype, copy=False)
            if not np.all(np.isfinite(a)):
                bad = np.unravel_index(int(np.argmax(~np.isfinite(a.reshape(-1)))), a.shape)
                name = self.entry_name(s.offset + int(np.ravel_multi_index(bad, s.shape)))
                raise DataError(
                    _("{what}: {name} is not finite; give finite numbers", what=what, name=name)
                )
            out[s.name] = a
        return out


def _nested(value: Any, shape: tuple[int, ...], name: str, what: str) -> Array:
    """A JSON value (nested lists, or a number for a scalar) as an array of ``shape``."""

    def walk(v: Any, at: tuple[int, ...]) -> None:
        part = f"{name}[{','.join(str(i) for i in at)}]" if at else name
        if len(at) == len(shape):
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise DataError(
                    _(
                        "{what}: {part} is {value}, not a number",
                        what=what,
                        part=part,
                        value=_short(v),
                    )
                )
            return
        if not isinstance(v, (list, tuple)):
            raise ShapeError(
                _(
                    "{what}: {name} must be {nesting} of shape {shape}",
                    what=what,
                    name=name,
                    nesting=_nesting(shape),
                    shape=shape_text(shape),
                )
            )
        if len(v) != shape[len(at)]:
            raise ShapeError(
                _(
                    "{what}: {part} has {count} entries but {name} needs shape {shape}",
                    what=what,
                    part=part,
                    count=len(v),
                    name=name,
                    shape=shape_text(shape),
                )
            )
        for i, item in enumerate(v, start=1):
            walk(item, (*at, i))

    walk(value, ())
    try:
        return np.asarray(value, dtype=np.float64).reshape(shape)
    except OverflowError:
        raise DataError(
            _("{what}: {name} has a number too large for a float", what=what, name=name)
        ) from None


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:39] + "…"


def _nesting(shape: tuple[int, ...]) -> str:
    return _({0: N_("a number"), 1: N_("a list")}.get(len(shape), N_("a list of lists")))


def parse_parameters(
    spec: str | Mapping[str, Any] | None, layout: ParameterLayout, what: str = "--at"
) -> dict[str, Array]:
    """A point written as JSON (or a mapping), e.g. ``{"W": [[1, 0], [0, 1]], "b": [0, 0]}``.

    Parameters left out are zeros; the default is all zeros. Every problem is one line
    naming the parameter and the shape it needs.
    """
    raw: Any = {} if spec is None else spec
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DataError(
                _(
                    "{what}: not valid JSON ({why} at character {at}); write e.g. {example}",
                    what=what,
                    why=exc.msg,
                    at=exc.pos + 1,
                    example=_example(layout),
                )
            ) from None
        except (RecursionError, ValueError):
            raise DataError(
                _(
                    "{what}: unreadable JSON; write e.g. {example}",
                    what=what,
                    example=_example(layout),
                )
            ) from None
    if not isinstance(raw, Mapping):
        raise DataError(
            _("{what}: expected an object like {example}", what=what, example=_example(layout))
        )
    unknown = sorted(str(k) for k in raw if k not in layout)
    if unknown:
        raise DataError(
            _(
                "{what}: unknown parameter(s) {unknown}; this model has {names}",
                what=what,
                unknown=", ".join(unknown),
                names=", ".join(layout.names),
            )
        )
    point = layout.zeros()
    for name, shape in layout.shapes.items():
        if name in raw:
            value = raw[name]
            if isinstance(value, np.ndarray):
                value = value.tolist()
            point[name] = _nested(value, shape, name, what)
    return layout.check(point, what)


def _example(layout: ParameterLayout) -> str:
    """A JSON example of a point of this layout (zeros), cut to a readable length."""
    text = json.dumps({n: np.zeros(s).tolist() if s else 0 for n, s in layout.shapes.items()})
    return text if len(text) <= 80 else text[:77] + "…"
