"""The primitive registry: every function of the expression language, one entry each.

An entry holds everything the layers need to know about one function, side by side: its
parser name and how it builds the SymPy node, the function and its derivative with the rule
the steps name, its text, LaTeX and numpy printing (with the numpy helper it calls), its
verify evaluators, its float sizing and its kink. Adding a function is adding one entry here
(plus a numpy helper in :mod:`~gradproof.symbolic._numpy_helpers` where numpy lacks it);
:func:`validate` and ``tests/symbolic/test_primitives_contract.py`` catch a missing piece.

Parser sugar (log1p, sqrt, max, min, relu) is registered the same way, with a builder that
expands into other primitives. The vector atoms dot(u, v) and norm(u) are parser specials
(:data:`VECTOR_FUNCTIONS`). Entries for SymPy nodes users cannot write (sign, sinh, the
indicator Step) exist because derivatives produce them. Functions of a model's whole score
vector (logsumexp(s), max(s), softmax(s)[y]) are entries of the score kind, in
:mod:`~gradproof.symbolic.score_primitives`.

>>> by_name("sigmoid").rule.value
'derivative of the sigmoid'
>>> parser_entry("relu").build(sp.Symbol("u"))
Ramp(u)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from gradproof.i18n import N_
from gradproof.symbolic import _numpy_helpers as H
from gradproof.symbolic._registry import (
    INDICATOR,
    NOT_ANALYTIC,
    Primitive,
    PrimitiveRule,
    Registry,
    RegistryError,
    _swap,
    validate,
)
from gradproof.symbolic.functions import Ramp, Sigmoid, Softplus, Step
from gradproof.symbolic.score_primitives import ENTRIES as SCORE_ENTRIES

__all__ = [
    "Primitive",
    "PrimitiveRule",
    "Registry",
    "RegistryError",
    "NOT_ANALYTIC",
    "INDICATOR",
    "DEFAULT",
    "VECTOR_FUNCTIONS",
    "active",
    "using",
    "by_name",
    "parser_entry",
    "parser_names",
    "score_names",
    "score_rule",
    "node_entry",
    "require",
    "validate",
]

VECTOR_FUNCTIONS = ("dot", "norm")
"""Parser specials on vectors: they build atom symbols, not function nodes."""


def _silent(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` with numpy's floating-point warnings off (evaluators may overflow to inf)."""

    def g(*a: Any) -> Any:
        with np.errstate(all="ignore"):
            return f(*a)

    return g


def _r_step(u: Any, h: Any = 0.5) -> Any:
    return np.where(u > 0, 1.0, np.where(u < 0, 0.0, h))


def _mp_step(u: Any, h: Any = 0.5) -> Any:
    return mpmath.mpf(1) if u > 0 else mpmath.mpf(0) if u < 0 else mpmath.mpf(h)


def _f_step(u: float, h: float = 0.5) -> float:
    return 1.0 if u > 0 else 0.0 if u < 0 else h


def _comparison(u: sp.Expr, strict: bool) -> tuple[str, sp.Expr, sp.Expr]:
    """u ≥ 0 (u > 0 when strict) as (ufunc, lhs, rhs) with constants moved to the right.

    1 − y·s ≥ 0 becomes y·s ≤ 1: fewer operations, and the same sign as evaluating u, since
    a rounded difference of two floats is zero exactly when they are equal.
    """
    const, rest = u.as_coeff_Add()
    if rest.could_extract_minus_sign():
        return ("less" if strict else "less_equal"), -rest, const
    return ("greater" if strict else "greater_equal"), rest, -const


def _numpy_step(p: Callable[[sp.Basic], str], e: sp.Expr) -> str:
    """A comparison converted to ``dt`` (a local of every generated function)."""
    at = e.at_kink
    if at is None:
        raise ValueError("an indicator without a kink convention cannot be compiled")
    u = e.args[0]
    if at in (0, 1):
        op, lhs, rhs = _comparison(u, strict=(at == 0))
        return f"np.{op}({p(lhs)}, {p(rhs)}).astype(dt)"
    if at == sp.Rational(1, 2):
        return f"(0.5 * np.sign({p(u)}) + 0.5)"
    return f"_step({p(u)}, {p(at)})"


def _numpy_log(p: Callable[[sp.Basic], str], e: sp.Expr) -> str:
    """log(1 + u) as log1p(u), which keeps its accuracy for small u."""
    const, rest = e.args[0].as_coeff_Add()
    if const == 1 and rest != 0:
        return f"np.log1p({p(rest)})"
    return f"np.log({p(e.args[0])})"


def _numpy_sigmoid(p: Callable[[sp.Basic], str], e: sp.Expr) -> str:
    """σ(−v) as ``_sigmoid(v, neg=True)``: the helper negates in its exponent, which saves the
    two negations of printing −v and negating it again."""
    (u,) = e.args
    if u.could_extract_minus_sign():
        return f"_sigmoid({p(-u)}, neg=True)"
    return f"_sigmoid({p(u)})"


def _r_sigmoid(u: Any) -> Any:
    e = np.exp(-np.abs(u))
    return np.where(u >= 0, 1.0, e) / (1.0 + e)


def _c_sigmoid(u: Any) -> Any:
    # The branch is chosen by Re u, which is exact for the complex step (Im u is tiny).
    pos = u.real > 0
    e = np.exp(np.where(pos, -u, u))
    return np.where(pos, 1, e) / (1 + e)


def _c_softplus(u: Any) -> Any:
    # log(1 + e^u) = max(Re u, 0) + log(1 + e^(−|u|)) continued analytically, branch by Re u.
    pos = u.real > 0
    e = np.exp(np.where(pos, -u, u))
    return np.where(pos, u, 0) + np.log1p(e)


def _mp_softplus(u: Any) -> Any:
    return u + mpmath.log1p(mpmath.exp(-u)) if u > 0 else mpmath.log1p(mpmath.exp(u))


def _f_sigmoid(u: float) -> float:
    return 1.0 / (1.0 + math.exp(-u)) if u >= 0 else math.exp(u) / (1.0 + math.exp(u))


def _f_softplus(u: float) -> float:
    return u + math.log1p(math.exp(-u)) if u > 0 else math.log1p(math.exp(u))


def _maxmin(fname: str, vals: Sequence[sp.Expr]) -> sp.Expr:
    """max/min as chains of Ramp: max(a, c) = a + max(0, c − a), min(a, c) = a − max(0, a − c).

    A numeric argument is taken as the base, so max(0, u) becomes exactly Ramp(u).
    """
    numeric = [v for v in vals if v.is_number]
    rest = [v for v in vals if not v.is_number]
    if numeric:
        base = sp.Max(*numeric) if fname == "max" else sp.Min(*numeric)
    else:
        base, rest = rest[0], rest[1:]
    acc = base
    for v in rest:
        acc = acc + Ramp(v - acc) if fname == "max" else acc - Ramp(acc - v)
    return acc


def _maxmin_size(args: Sequence[tuple[int, bool]]) -> int:
    """Nodes of the chain :func:`_maxmin` builds (acc appears twice in acc + Ramp(v − acc)),
    from each argument's (size, is a number): numbers first, folded into one."""
    rest = [size for size, is_number in args if not is_number]
    size = 1 if len(rest) < len(args) or not rest else rest.pop(0)
    for a_size in rest:
        size = 2 * size + a_size + 4
    return size


_MAX_KINK = "𝟙[u ≥ 0], worth the kink convention at u = 0 (include 1, exclude 0, average ½)"

# fmt: off
_ENTRIES = [
    # -- kinks: max(0, u), |u|, and the indicators their derivatives are made of -----------
    Primitive(
        "ramp", nodes=(Ramp,),
        derivative=Step, rule=PrimitiveRule("RAMP", N_("subgradient of max(0, ·)")),
        text="max(0, {0})", latex=r"\max\left(0, {0}\right)",
        numpy="np.maximum({0}, 0)",
        real=lambda u: np.maximum(u, 0.0), complex=lambda u: np.where(u.real > 0, u, 0),
        mp=lambda u: u if u > 0 else mpmath.mpf(0), to_float=lambda u: max(0.0, u),
        kink="max", subgradient=_MAX_KINK,
        example="max(0, 1 - y*(w·x + b))",
        notes="built by max, min and relu; never by name",
    ),
    Primitive(
        "step", nodes=(Step,),
        derivative=lambda u: sp.Integer(0),
        rule=PrimitiveRule("STEP", N_("derivative of an indicator (0 away from its kink)")),
        text=INDICATOR, latex=INDICATOR,
        numpy=_numpy_step, numpy_helper=H.STEP,
        real=_r_step, complex=lambda u, h=0.5: _r_step(u.real, h), mp=_mp_step, to_float=_f_step,
        kink="max", subgradient=_MAX_KINK,
        indicator=lambda e: ("step", 0, 1, e.at_kink if e.at_kink is not None else sp.S.Half),
        example="max(0, 1 - y*(w·x + b))",
        notes="the derivative of max(0, u); Step(u, h) has the value h at u = 0",
    ),
    Primitive(
        "abs", build=sp.Abs, nodes=(sp.Abs,),
        derivative=sp.sign, rule=PrimitiveRule("ABS", N_("subgradient of |·|")),
        text="|{0}|", latex=r"\left|{{{0}}}\right|",
        numpy="np.abs({0})",
        real=np.abs, complex=lambda u: np.where(u.real >= 0, u, -u), mp=abs, to_float=abs,
        kink="abs", subgradient="sgn(u), with sgn(0) = 0",
        example="abs(w·x + b - y)",
    ),
    Primitive(
        "sign", nodes=(sp.sign,),
        derivative=lambda u: sp.Integer(0),
        rule=PrimitiveRule("SIGN", N_("derivative of sgn (0 away from 0)")),
        text="sgn({0})", latex=r"\operatorname{{sgn}}\left({0}\right)",
        numpy="np.sign({0})",
        real=np.sign, complex=lambda u: np.sign(u.real), mp=mpmath.sign,
        to_float=lambda u: float(np.sign(u)),
        kink="max", subgradient="sgn(0) = 0, the subgradient of |u| at 0",
        indicator=lambda e: ("sign", -1, 1, sp.Integer(0)),
        example="abs(w·x + b - y)",
        notes="the derivative of |u|",
    ),
    # -- exponentials and logarithms --------------------------------------------------------
    Primitive(
        "exp", build=sp.exp, nodes=(sp.exp,),
        derivative=sp.exp, rule=PrimitiveRule("EXP", N_("derivative of exp")),
        text="exp({0})", latex="e^{{{0}}}",
        numpy="np.exp({0})",
        real=np.exp, complex=np.exp, mp=mpmath.exp, to_float=math.exp,
        example="exp(-y*(w·x + b))",
    ),
    Primitive(
        "log", build=sp.log, nodes=(sp.log,),
        derivative=lambda u: 1 / u, rule=PrimitiveRule("LOG", N_("derivative of log")),
        text="log({0})", latex=r"\log{{\left({0} \right)}}",
        numpy=_numpy_log,
        real=np.log, complex=np.log, mp=mpmath.log, to_float=math.log,
        example="log(1 + (w·x + b - y)^2)",
        notes="needs u > 0; log(1 + u) compiles to log1p(u)",
    ),
    # -- logistic functions ---------------------------------------------------------------
    Primitive(
        "sigmoid", build=Sigmoid, nodes=(Sigmoid,),
        derivative=lambda u: Sigmoid(u) * Sigmoid(-u),
        rule=PrimitiveRule("SIGMOID", N_("derivative of the sigmoid")),
        text="σ({0})", latex=r"\sigma\left({0}\right)",
        numpy=_numpy_sigmoid, numpy_helper=H.SIGMOID,
        real=_silent(_r_sigmoid), complex=_silent(_c_sigmoid),
        mp=lambda u: 1 / (1 + mpmath.exp(-u)), to_float=_f_sigmoid,
        example="sigmoid(-y*(w·x + b))",
    ),
    Primitive(
        "softplus", build=Softplus, nodes=(Softplus,),
        derivative=Sigmoid, rule=PrimitiveRule("SOFTPLUS", N_("derivative of softplus")),
        text="softplus({0})", latex=r"\operatorname{{softplus}}\left({0}\right)",
        numpy="_softplus({0})", numpy_helper=H.SOFTPLUS,
        real=_silent(lambda u: np.logaddexp(0.0, u)), complex=_silent(_c_softplus),
        mp=_mp_softplus, to_float=_f_softplus,
        example="softplus(-y*(w·x + b))",
    ),
    # -- hyperbolic functions (the complex step is not used through them) -----------------
    Primitive(
        "tanh", build=sp.tanh, nodes=(sp.tanh,),
        derivative=lambda u: 1 - sp.tanh(u) ** 2,
        rule=PrimitiveRule("TANH", N_("derivative of tanh")),
        text="tanh({0})", latex=r"\tanh{{\left({0} \right)}}",
        numpy="np.tanh({0})",
        real=np.tanh, complex=NOT_ANALYTIC, mp=mpmath.tanh, to_float=math.tanh,
        example="tanh(w·x + b - y)",
    ),
    Primitive(
        "cosh", build=sp.cosh, nodes=(sp.cosh,),
        derivative=sp.sinh, rule=PrimitiveRule("COSH", N_("derivative of cosh")),
        text="cosh({0})", latex=r"\cosh{{\left({0} \right)}}",
        numpy="np.cosh({0})",
        real=np.cosh, complex=NOT_ANALYTIC, mp=mpmath.cosh, to_float=math.cosh,
        example="log(cosh(w·x + b - y))",
    ),
    Primitive(
        "sinh", nodes=(sp.sinh,),
        derivative=sp.cosh, rule=PrimitiveRule("SINH", N_("derivative of sinh")),
        text="sinh({0})", latex=r"\sinh{{\left({0} \right)}}",
        numpy="np.sinh({0})",
        real=np.sinh, complex=NOT_ANALYTIC, mp=mpmath.sinh, to_float=math.sinh,
        example="log(cosh(w·x + b - y))",
        notes="the derivative of cosh",
    ),
    # -- special functions ----------------------------------------------------------------
    Primitive(
        "erf", build=sp.erf, nodes=(sp.erf,),
        derivative=lambda u: 2 * sp.exp(-(u**2)) / sp.sqrt(sp.pi),
        rule=PrimitiveRule("ERF", N_("derivative of erf")),
        text="erf({0})", latex=r"\operatorname{{erf}}{{\left({0} \right)}}",
        numpy="_erf({0})", numpy_helper=H.ERF,
        real=np.vectorize(math.erf, otypes=[float]), complex=NOT_ANALYTIC, mp=mpmath.erf,
        to_float=math.erf,
        example="erf(w·x + b - y)",
        notes="numpy has no erf: generated code uses Cody's rational approximation",
    ),
    # -- parser sugar: builders that expand into the primitives above ---------------------
    Primitive(
        "max", arity=2, variadic=True, build=lambda *v: _maxmin("max", v), size=_maxmin_size,
        example="max(w·x + b, y)",
    ),
    Primitive(
        "min", arity=2, variadic=True, build=lambda *v: _maxmin("min", v), size=_maxmin_size,
        example="min(1, (w·x + b - y)^2)",
    ),
    Primitive("relu", build=Ramp, example="relu(1 - y*(w·x + b))"),
    Primitive("log1p", build=lambda u: sp.log(1 + u), example="log1p((w·x + b - y)^2)"),
    Primitive("sqrt", build=sp.sqrt, example="sqrt(1 + (w·x + b - y)^2)"),
]
# fmt: on

DEFAULT = Registry(_ENTRIES + SCORE_ENTRIES)
"""The registry gradproof ships with."""

_ACTIVE = [DEFAULT]


def active() -> Registry:
    """The registry every layer reads (:data:`DEFAULT` unless inside :func:`using`)."""
    return _ACTIVE[0]


def using(registry: Registry) -> Any:
    """A context manager under which ``registry`` is the active one (for tests and
    extensions): ``with using(DEFAULT.with_entries(entry)): ...``."""
    return _swap(_ACTIVE, registry)


def by_name(name: str) -> Primitive:
    """The entry called ``name`` (parser or internal name)."""
    return active().by_name(name)


def parser_entry(name: str) -> Primitive | None:
    """The entry users write as ``name(...)``, or None."""
    return active().parser_entry(name)


def parser_names() -> tuple[str, ...]:
    """Every function name of the language, vector specials first."""
    return VECTOR_FUNCTIONS + active().parser_names()


def score_names() -> tuple[str, ...]:
    """The functions of a model's score vector s users call (logsumexp, max, softmax)."""
    return active().score_names()


def score_rule(atom: sp.Basic) -> Any:
    """The :class:`~gradproof.symbolic._registry.ScoreRule` of a score atom (None for any
    other symbol)."""
    return active().score_rule(atom)


def node_entry(node: sp.Basic, need: str | None = None) -> Primitive | None:
    """The entry of a SymPy node (see :meth:`Registry.node_entry`)."""
    return active().node_entry(node, need)


def require(expr: sp.Basic, need: str) -> None:
    """Raise :class:`RegistryError` unless every function node of ``expr`` has ``need``."""
    active().require(expr, need)


def entries() -> Iterator[Primitive]:
    """The active registry's entries, in table order."""
    return iter(active().entries)
