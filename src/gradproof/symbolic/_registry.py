"""The machinery of the primitive registry: what an entry is, how entries are found, and the
completeness check every entry must pass. The entries themselves are in
:mod:`gradproof.symbolic.primitives`.

A :class:`Primitive` is one function of the expression language (or a SymPy node that
derivatives produce, such as sign or sinh): its parser name and builder, the SymPy node
classes it is recognised by, its derivative and the rule the steps name, its text, LaTeX and
numpy printing, its verify evaluators and its float sizing. Every layer that needs to know
about functions asks the active :class:`Registry`; a node no entry claims is a
:class:`RegistryError` (a bug in gradproof, not a user mistake), never a silent fallback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Union

import mpmath
import numpy as np
import sympy as sp

__all__ = [
    "Primitive",
    "PrimitiveRule",
    "Registry",
    "RegistryError",
    "NOT_ANALYTIC",
    "INDICATOR",
    "NumpyPrint",
    "Kink",
    "PIECES",
    "ScoreRule",
    "validate",
]

INDICATOR = "indicator"
"""The text/LaTeX template of an indicator node: the printer core writes 𝟙[condition]."""

Kink = Literal["none", "max", "abs"]
"""How a primitive switches: ``max`` like max(0, u) (the gradient jumps; the indicator's value
at u = 0 is the kink convention), ``abs`` like |u| (subgradient 0 at u = 0), ``none``."""

NumpyPrint = Union[str, Callable[[Callable[[sp.Basic], str], sp.Expr], str]]
"""A numpy template such as ``"np.tanh({0})"`` (``{0}``, ``{1}`` are the printed arguments),
or ``f(print_, node) -> str`` where ``print_`` prints a sub-expression."""


class RegistryError(LookupError):
    """A SymPy node no primitive claims, or an entry without a piece a layer needs.

    Always a bug in gradproof (user text only ever builds registered nodes), so this is not a
    :class:`~gradproof.errors.GradproofError`.
    """


class _NotAnalytic:
    """Marker: the complex step must not be used through this primitive."""

    def __repr__(self) -> str:
        return "NOT_ANALYTIC"


NOT_ANALYTIC: Any = _NotAnalytic()
"""``complex=`` value of a primitive the complex-step check must not continue (a kink it
cannot see, a branch it does not implement): checks fall back to real differences."""


@dataclass(frozen=True)
class PrimitiveRule:
    """The rule a derivation step names when it differentiates one primitive.

    Like :class:`~gradproof.symbolic.steps.Rule` members it has a ``name`` and a ``value``
    (the English title); two primitives never share one rule object.
    """

    name: str
    value: str

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ScoreRule:
    """What a *score function* (a function of a model's whole score vector s ∈ ℝᴷ, such as
    logsumexp(s)) is to every layer: the scalar atom it builds and the vector ∂atom/∂s.

    Attributes
    ----------
    atom
        The per-sample atom symbol (:mod:`gradproof.symbolic.atoms`).
    text, latex
        The atom as written, by printer mode: ``scalar`` (one sample's s) and ``index``
        (sample i, with the class index l inside).
    direction
        ``(symbol, matrix, definition)`` of ∂atom/∂s: the letter of its entries (``p``, so
        pᵢₖ), the letter of the n×K matrix they form (``P``) and, as (text, LaTeX), the
        definition of an entry (pᵢₖ = exp(sᵢₖ)/Σₗ exp(sᵢₗ)).
    meaning
        The atom in words, for sentences.
    labels
        True when the atom reads the class label y (then the loss needs labels 0…K−1).
    tie
        True for a maximum: where two classes tie, ∂atom/∂s may be e_k for either (a kink).
    numpy_value, numpy_add, numpy_helper
        Source templates for generated code: a statement computing the atom ``{v}`` (and
        the data ``{dv}`` its direction needs) from a block of scores ``S`` and labels
        ``y``; an expression adding ``{c}``·∂atom/∂s to the gradient block ``G``; the
        helpers they call. ``{v}``/``{dv}``/``{c}`` are variable names.
    inplace
        The statement of ``numpy_value`` that may overwrite S with its direction (used on a
        block of scores nothing reads afterwards), or "".
    real, mp
        Evaluators for the verify layer, independent of the templates: ``real(S, y)`` →
        (values (n,), directions (n, K)) on float64 arrays; ``mp(s, y)`` → (value,
        direction list) on one sample's scores as mpmath numbers.
    ties
        ``ties(s, y, tol)`` → the classes ∂atom/∂s may point to at one sample (those within
        ``tol`` of the maximum); None for atoms without ties.
    """

    atom: sp.Symbol
    text: dict[str, str]
    latex: dict[str, str]
    direction: tuple[str, str, tuple[str, str]]
    meaning: str
    labels: bool
    tie: bool
    numpy_value: str
    numpy_add: str
    numpy_helper: str
    real: Callable[..., Any]
    mp: Callable[..., Any]
    inplace: str = ""
    ties: Callable[..., Any] | None = None


@dataclass(frozen=True)
class Primitive:
    """One function of the expression language: every layer's view of it, side by side.

    Attributes
    ----------
    name
        The parser name (``"sigmoid"``), or an internal name for a node only derivatives
        produce (``"sign"``); see ``build``.
    arity, variadic
        Number of arguments; ``variadic`` entries take ``arity`` or more (max, min).
    build
        Builds the SymPy node from the parsed scalar arguments; None for a node the parser
        never builds. An entry with ``build`` and no ``nodes`` is *parser sugar*: its
        builder expands into other primitives (log1p(u) → log(1 + u)).
    nodes
        The SymPy classes this entry prints, compiles and evaluates.
    derivative, rule
        f′(u) as a formula in u (checked against SymPy's own derivative), and the rule the
        derivation steps show for it.
    text, latex
        Leaf templates for the printer core, with ``{0}`` for the printed argument; the
        template ``"indicator"`` asks the core to write the node as 𝟙[condition].
    numpy, numpy_helper
        The elementwise numpy printing (in its stable form) and the source of the helper
        function it calls, if any; only the helpers a module uses are written into it.
    real, complex, mp
        Evaluators for the verify layer, independent of the numpy printing: numpy on real
        arrays, numpy on complex arrays for the complex step (or :data:`NOT_ANALYTIC`),
        mpmath scalars for the exact reference. Indicators take (u, value at 0).
    to_float
        The function on Python floats, for :func:`gradproof.limits.approx_float`.
    kink, subgradient
        Whether it creates a switching function, and the subgradient convention at it.
    indicator
        For an indicator node (a derivative's jump): ``(kind, value below 0, value above 0,
        value at 0)`` of a given node, which the reference uses to force either side.
    size
        The parser's size estimate of the built tree from the arguments' (size, is_number);
        the default is the sum of the sizes plus 3.
    example
        An expression in the language that uses the primitive (documentation and the
        contract test; internal nodes appear in its derivative).
    notes
        Domain and limits notes.
    argument, score
        ``argument`` is ``"scores"`` for a function of a model's whole score vector s (an
        entry of the score kind, e.g. ``logsumexp(s)``): its ``build`` takes no argument
        and returns a score atom, whose :class:`ScoreRule` is ``score``, or (sugar, with
        ``score`` None) an expression in score atoms.
    """

    name: str
    arity: int = 1
    variadic: bool = False
    build: Callable[..., sp.Expr] | None = None
    nodes: tuple[type, ...] = ()
    derivative: Callable[[sp.Expr], sp.Expr] | None = None
    rule: PrimitiveRule | None = None
    text: str | None = None
    latex: str | None = None
    numpy: NumpyPrint | None = None
    numpy_helper: str = ""
    real: Callable[..., Any] | None = None
    complex: Callable[..., Any] | None = None
    mp: Callable[..., Any] | None = None
    to_float: Callable[..., float] | None = None
    kink: Kink = "none"
    subgradient: str = ""
    indicator: Callable[[sp.Expr], tuple[str, int, int, sp.Expr]] | None = None
    size: Callable[[Sequence[tuple[int, bool]]], int] | None = None
    example: str = ""
    notes: str = ""
    argument: Literal["scalar", "scores"] = "scalar"
    score: ScoreRule | None = None
    helper_names: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        names = tuple(re.findall(r"^def (\w+)\(", self.numpy_helper, flags=re.M))
        object.__setattr__(self, "helper_names", names)

    @property
    def parsed(self) -> bool:
        """True when users can write it (it has a parser builder)."""
        return self.build is not None

    @property
    def sugar(self) -> bool:
        """True for parser sugar: a builder that expands into other primitives."""
        return self.build is not None and not self.nodes and self.argument == "scalar"

    def print_numpy(self, print_: Callable[[sp.Basic], str], node: sp.Expr) -> str:
        """The numpy source of ``node``; ``print_`` prints its sub-expressions."""
        if self.numpy is None:
            raise RegistryError(f"primitive {self.name!r} has no numpy printing")
        if isinstance(self.numpy, str):
            return self.numpy.format(*(print_(a) for a in node.args))
        return self.numpy(print_, node)


# The pieces a layer may ask for, and what each means in an error message.
PIECES = {
    "text": "text printing",
    "latex": "LaTeX printing",
    "numpy": "numpy printing",
    "real": "real numpy evaluator",
    "complex": "complex-step evaluator (or NOT_ANALYTIC)",
    "mp": "mpmath evaluator",
    "to_float": "float sizing",
    "derivative": "derivative formula",
    "rule": "rule name",
}


def _missing(entry: Primitive) -> list[str]:
    """The pieces ``entry`` lacks, in words."""
    if entry.score is not None:
        return _missing_score(entry)
    if entry.sugar or entry.argument == "scores":
        return []
    need = ["text", "latex", "numpy", "real", "complex", "mp", "derivative"]
    if entry.parsed:
        need += ["to_float", "rule"]
    out = [PIECES[k] for k in need if getattr(entry, k) is None]
    if entry.kink != "none" and not entry.subgradient:
        out.append("subgradient convention (kink is set)")
    if isinstance(entry.numpy, str):
        calls = set(re.findall(r"(?<![\w.])(_\w+)\(", entry.numpy))
        for name in sorted(calls - set(entry.helper_names)):
            out.append(f"numpy helper {name}() (the printing calls it; add its source)")
    return out


def _missing_score(entry: Primitive) -> list[str]:
    """The pieces a score entry lacks: a builder, text and LaTeX for both modes, the
    direction, templates whose helpers are given, and ties for a maximum."""
    rule = entry.score
    assert rule is not None
    out = [] if entry.build is not None else ["a builder (build=) returning the atom"]
    for piece in ("text", "latex"):
        if set(getattr(rule, piece)) != {"scalar", "index"}:
            out.append(f"{piece} for the scalar and index modes")
    if rule.tie and rule.ties is None:
        out.append("ties() for a maximum")
    if entry.rule is None:
        out.append(PIECES["rule"])
    helpers = set(re.findall(r"^def (\w+)\(", rule.numpy_helper, flags=re.M))
    calls = set(re.findall(r"(?<![\w.])(_\w+)\(", rule.numpy_value + rule.numpy_add + rule.inplace))
    for name in sorted(calls - helpers):
        out.append(f"numpy helper {name}() (a template calls it; add its source)")
    return out


def validate(entry: Primitive, registry: Registry | None = None) -> None:
    """Raise :class:`RegistryError` naming every piece ``entry`` lacks.

    Also checks, on a symbol u, that the entry's derivative formula agrees with the one
    SymPy computes for the node (at a few points away from any kink), and that parser sugar
    expands only into nodes ``registry`` knows.
    """
    problems = _missing(entry)
    if entry.build is None and not entry.nodes:
        problems.append("SymPy node classes (nodes=) or a parser builder (build=)")
    if entry.variadic and entry.arity < 1:
        problems.append("arity ≥ 1 for a variadic function")
    if problems:
        raise RegistryError(
            f"primitive {entry.name!r} is incomplete: missing {', '.join(problems)}"
        )
    u = sp.Symbol("u", real=True)
    if entry.sugar and registry is not None:
        assert entry.build is not None
        args = [u + k for k in range(entry.arity)]
        built = entry.build(*args)
        for node in sp.preorder_traversal(built):
            if isinstance(node, sp.Function) and registry.node_entry(node, None) is None:
                raise RegistryError(
                    f"parser sugar {entry.name!r} builds {type(node).__name__}, which no "
                    f"primitive claims"
                )
    if entry.nodes and entry.derivative is not None:
        _check_derivative(entry, u)
    if entry.score is not None:
        _check_direction(entry)


def _check_direction(entry: Primitive) -> None:
    """The mpmath direction of a score entry against central differences of its value, and
    the real evaluators against the mpmath ones, at a point without ties."""
    rule = entry.score
    assert rule is not None
    y = 2
    with mpmath.workdps(40):
        s = [mpmath.mpf(v) for v in ("0.3", "-1.25", "0.8", "2.1")]
        value, direction = rule.mp(s, y)
        h = mpmath.mpf(10) ** -15
        for k in range(len(s)):
            hi = [v + (h if j == k else 0) for j, v in enumerate(s)]
            lo = [v - (h if j == k else 0) for j, v in enumerate(s)]
            fd = (rule.mp(hi, y)[0] - rule.mp(lo, y)[0]) / (2 * h)
            if abs(fd - direction[k]) > mpmath.mpf(10) ** -20:
                raise RegistryError(
                    f"score function {entry.name!r}: direction entry {k} is {direction[k]} "
                    f"but the value's derivative is {fd}"
                )
    rv, rd = rule.real(np.array([[float(v) for v in s]]), np.array([y]))
    if (
        abs(float(rv[0]) - float(value)) > 1e-12
        or np.max(np.abs(np.asarray(rd[0], dtype=float) - [float(v) for v in direction])) > 1e-12
    ):
        raise RegistryError(f"score function {entry.name!r}: real and mpmath evaluators differ")


def _check_derivative(entry: Primitive, u: sp.Symbol) -> None:
    assert entry.derivative is not None
    node = entry.nodes[0](*([u] * entry.arity))
    claimed = entry.derivative(u)
    actual = sp.diff(node, u)
    for v in (sp.Rational(-7, 3), sp.Rational(1, 5), sp.Rational(9, 4)):
        a = complex(sp.N(actual.subs(u, v), 30))
        c = complex(sp.N(sp.sympify(claimed).subs(u, v), 30))
        if abs(a - c) > 1e-20 * max(1.0, abs(a)):
            raise RegistryError(
                f"primitive {entry.name!r}: derivative formula {claimed} disagrees with "
                f"SymPy's {actual} at u = {v} ({c} vs {a})"
            )


class Registry:
    """An ordered collection of primitives, looked up by parser name or by node class."""

    def __init__(self, entries: Iterable[Primitive]):
        self.entries: tuple[Primitive, ...] = tuple(entries)
        self._by_name: dict[str, Primitive] = {}
        self._by_node: dict[type, Primitive] = {}
        for e in self.entries:
            if e.name in self._by_name:
                raise RegistryError(f"two primitives are called {e.name!r}")
            self._by_name[e.name] = e
            for cls in e.nodes:
                if cls in self._by_node:
                    raise RegistryError(
                        f"{cls.__name__} is claimed by {self._by_node[cls].name!r} and {e.name!r}"
                    )
                self._by_node[cls] = e

    def with_entries(self, *entries: Primitive) -> Registry:
        """A copy with ``entries`` added (or replacing those of the same name)."""
        names = {e.name for e in entries}
        return Registry([e for e in self.entries if e.name not in names] + list(entries))

    def parser_entry(self, name: str) -> Primitive | None:
        """The entry users call ``name``, or None."""
        e = self._by_name.get(name)
        return e if e is not None and e.parsed else None

    def parser_names(self) -> tuple[str, ...]:
        """The scalar functions users call (score functions are :meth:`score_names`)."""
        return tuple(e.name for e in self.entries if e.parsed and e.argument == "scalar")

    def score_names(self) -> tuple[str, ...]:
        """The functions of a model's score vector users call (logsumexp, …)."""
        return tuple(e.name for e in self.entries if e.parsed and e.argument == "scores")

    def score_rule(self, atom: sp.Basic) -> ScoreRule | None:
        """The rule of a score atom symbol, or None."""
        for e in self.entries:
            if e.score is not None and e.score.atom == atom:
                return e.score
        return None

    def by_name(self, name: str) -> Primitive:
        try:
            return self._by_name[name]
        except KeyError:
            raise RegistryError(f"no primitive is called {name!r}") from None

    def node_entry(self, node: sp.Basic, need: str | None = None) -> Primitive | None:
        """The entry of ``node``'s class, checked to have the piece ``need``.

        With ``need`` None, returns None for a node no entry claims; otherwise raises
        :class:`RegistryError` naming the node and the missing piece.
        """
        e = self._by_node.get(type(node))
        if e is None:
            for cls in type(node).__mro__[1:]:
                if cls in self._by_node:
                    e = self._by_node[cls]
                    break
        if need is None:
            return e
        if e is None:
            raise RegistryError(
                f"no primitive is registered for the SymPy node {type(node).__name__} "
                f"(needed: {PIECES.get(need, need)}); add an entry to "
                f"gradproof/symbolic/primitives.py"
            )
        piece = getattr(e, need)
        if piece is None or piece is NOT_ANALYTIC:
            why = "is marked NOT_ANALYTIC" if piece is NOT_ANALYTIC else "has no"
            raise RegistryError(
                f"primitive {e.name!r} ({type(node).__name__}) {why} {PIECES.get(need, need)}"
            )
        return e

    def require(self, expr: sp.Basic, need: str) -> None:
        """Check every function node in ``expr`` has an entry with the piece ``need``."""
        for node in functions_in(expr):
            self.node_entry(node, need)

    def table(self, need: str) -> dict[str, Callable[..., Any]]:
        """``{node class name: evaluator}`` for lambdify, from the piece ``need``."""
        out: dict[str, Callable[..., Any]] = {}
        for e in self.entries:
            fn = getattr(e, need)
            if fn is None or fn is NOT_ANALYTIC:
                continue
            for cls in e.nodes:
                out[cls.__name__] = fn
        return out

    def float_functions(self) -> dict[type, Callable[..., float]]:
        """``{node class: float function}`` for :func:`gradproof.limits.approx_float`."""
        return {cls: e.to_float for e in self.entries if e.to_float for cls in e.nodes}


def functions_in(expr: sp.Basic) -> Iterator[sp.Basic]:
    """Each distinct function-like node of ``expr`` once (SymPy functions and applications,
    such as Max), without walking a shared sub-tree twice. Piecewise is structure (printed
    and compiled by the layers themselves), so it is walked but not yielded."""
    seen: set[sp.Basic] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if node in seen or not isinstance(node, sp.Basic) or node.is_Atom:
            continue
        seen.add(node)
        if isinstance(node, sp.core.function.Application) and not isinstance(node, sp.Piecewise):
            yield node
        stack.extend(node.args)


@contextmanager
def _swap(holder: list[Registry], registry: Registry) -> Iterator[Registry]:
    saved = holder[0]
    holder[0] = registry
    try:
        yield registry
    finally:
        holder[0] = saved
