"""Which loss a post is about: from its formula (``L = Σᵢ max(0, −yᵢ(w·xᵢ + b))``), else from
its words (perceptron, 感知机, hinge, 逻辑回归 …), else from ``--loss``.

A formula is translated into gradproof's expression language
(:mod:`gradproof.audit.translate`), parsed by the whitelist parser and compared with every
built-in loss at random points; a match is named after the built-in, anything else is derived
as a user loss (``custom``). The derivation is gradproof's own (:func:`gradproof.derive`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from gradproof.audit import nodes as N
from gradproof.audit.reader import Statement
from gradproof.audit.translate import NoTranslation, loss_expression
from gradproof.errors import GradproofError
from gradproof.numeric.derive import derive
from gradproof.symbolic.atoms import B, Q, S, Y, Z, hyperparameter
from gradproof.symbolic.calculus import to_score_form
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.losses import LOSSES, LossSpec
from gradproof.symbolic.parse import parse_loss

__all__ = ["Recognised", "recognise", "KEYWORDS"]

KEYWORDS = (
    (r"squared[ -]hinge|平方合页|平方铰链|L2-SVM", "squared_hinge"),
    (r"perceptron|感知机|感知器", "perceptron"),
    (r"hinge|合页损失|铰链损失|支持向量机|\bSVM\b", "hinge"),
    (r"logistic|逻辑回归|对数几率|交叉熵", "logistic"),
    (r"huber", "huber"),
    (r"squared error|least squares|\bMSE\b|均方误差|最小二乘|平方误差|线性回归", "squared_error"),
)
"""Words that name a built-in loss, most specific first."""

_HEADS = {"L", "J", "ℓ", "l", "E", "Loss", "loss"}


@dataclass(frozen=True)
class Recognised:
    """The loss of a post: its name (a built-in, or ``custom``), gradproof's derivation of
    it, and where and how it was found (``formula``, ``words`` or ``option``)."""

    name: str
    derivation: Derivation
    how: str
    line: int | None = None
    expression: str | None = None
    unvalued: tuple[str, ...] = ()  # hyperparameters the post names but gives no value
    variants: tuple[Derivation, ...] = ()  # the same loss at other values of those

    @property
    def label(self) -> str:
        """What the report calls the loss: ``perceptron`` or ``custom: max(0, …)``."""
        return self.name if self.name != "custom" else f"custom: {self.expression}"


STAND_INS = {"lam": 0.37, "delta": 1.3}
"""Values that stand in for a hyperparameter the post names but gives no value, so that its
loss is still recognised and its formulas compared; :data:`SECOND_STAND_INS` are a second
set, so that a formula is checked at two values of each (a claim wrong in how it depends on
λ is caught unless it agrees with the truth at both)."""
SECOND_STAND_INS = {"lam": 1.91, "delta": 0.55}


@dataclass(frozen=True)
class Found:
    name: str
    derivation: Derivation
    expression: str
    unvalued: tuple[str, ...] = ()
    variants: tuple[Derivation, ...] = ()


def _same(spec: LossSpec, per: sp.Expr, reg: sp.Expr, values: Mapping[str, float]) -> bool:
    """Does the parsed loss equal the built-in one at random points?"""
    rng = np.random.default_rng(0)
    subs = {hyperparameter(k): sp.Float(v) for k, v in {**spec.params, **values}.items()}
    per = to_score_form(per)
    for _ in range(8):
        s, bb, q = (sp.Float(float(v)) for v in rng.normal(size=3) * 2)
        yv = sp.Float(float(rng.choice([-1.0, 1.0]) if spec.labels == "pm1" else rng.normal()))
        at = {S: s, Y: yv, Z: s - bb, B: bb, Q: abs(q), **subs}
        try:
            a, b = float(per.xreplace(at)), float(spec.per_sample.xreplace(at))
            ra, rb = float(reg.xreplace(at)), float(spec.regularizer.xreplace(at))
        except TypeError:  # a symbol left over: not this loss
            return False
        if not (np.isclose(a, b, rtol=1e-9, atol=1e-12) and np.isclose(ra, rb, atol=1e-12)):
            return False
    return True


def _from_formula(
    node: N.Node,
    per_sample: dict[str, N.Node],
    params: Mapping[str, float],
    labels: str,
    kink: str | None,
) -> Found | None:
    try:
        per_text, reg_text, mean = loss_expression(node, per_sample)
    except NoTranslation:
        return None
    text = per_text + (reg_text or "")
    used = {k: v for k, v in params.items() if re.search(rf"\b{k}\b", text)}
    unvalued = {
        k: v for k, v in STAND_INS.items() if k not in used and re.search(rf"\b{k}\b", text)
    }
    used.update(unvalued)
    try:
        per = parse_loss(per_text, used).expr
        reg = parse_loss(reg_text, used, allow_data=False).expr if reg_text else sp.Integer(0)
    except GradproofError:
        return None
    sets = [{}, {k: SECOND_STAND_INS[k] for k in unvalued}] if unvalued else [{}]
    for spec in LOSSES.values():
        if _same(spec, per, reg, used):
            extra = {k: v for k, v in used.items() if k in spec.params}
            ds = [_derive_builtin(spec.name, {**extra, **o}, kink, mean) for o in sets]
            return Found(spec.name, ds[0], per_text, tuple(unvalued), tuple(ds[1:]))
    how = {"labels": labels, "kink": kink, "mean": mean}
    ds = [derive(expr=per_text, reg=reg_text, params={**used, **o}, **how) for o in sets]  # type: ignore[arg-type]
    text = per_text + (f" + {reg_text}" if reg_text else "")
    return Found("custom", ds[0], text, tuple(unvalued), tuple(ds[1:]))


def _derive_builtin(
    name: str, params: dict[str, float], kink: str | None, mean: bool
) -> Derivation:
    return derive(name, params=params, kink=kink, mean=mean)  # type: ignore[arg-type]


def recognise(
    statements: Sequence[tuple[Statement, int]],
    prose: Sequence[tuple[str, int]],
    *,
    params: Mapping[str, float],
    labels: str,
    kink: str | None = None,
    option: str | None = None,
) -> Recognised | None:
    """The post's loss, or None. ``statements`` are the post's chains with their lines,
    ``prose`` its sentences; ``params`` the hyperparameter values it states (``lam``)."""
    if option:
        name = option.strip().lower().replace("-", "_")
        extra = (
            {k: v for k, v in params.items() if k in LOSSES[name].params} if name in LOSSES else {}
        )
        if name in LOSSES:
            return Recognised(name, derive(name, params=extra, kink=kink), "option")  # type: ignore[arg-type]
        d = derive(expr=option, params=dict(params), labels=labels, kink=kink)  # type: ignore[arg-type]
        return Recognised("custom", d, "option", None, option)
    per_sample: dict[str, N.Node] = {}
    for st, _line in statements:
        head = st.parts[0].node
        if isinstance(head, N.Name) and head.base in ("ℓ", "l") and len(st.parts) == 2:
            per_sample[head.base] = st.parts[1].node
    for st, line in statements:
        head = st.parts[0].node
        if not isinstance(head, N.Name) or head.base not in _HEADS or head.sub:
            continue
        for part in st.parts[1:]:
            try:
                found = _from_formula(part.node, per_sample, params, labels, kink)
            except GradproofError:
                found = None
            if found is not None:
                return Recognised(
                    found.name,
                    found.derivation,
                    "formula",
                    line,
                    found.expression,
                    found.unvalued,
                    found.variants,
                )
    for text, line in prose:
        for pattern, name in KEYWORDS:
            if re.search(pattern, text, re.IGNORECASE):
                spec = LOSSES[name]
                if spec.labels == "pm1" and labels == "real":
                    continue  # the data's labels are not ±1: not this loss
                extra = {k: v for k, v in params.items() if k in spec.params}
                # a hyperparameter the post gives no value for is not gradproof's default
                # silently: stand-ins, as for a formula, and its numbers are left unchecked
                unvalued = tuple(k for k in spec.params if k not in extra)
                sets = [{k: STAND_INS[k] for k in unvalued}]
                if unvalued:
                    sets.append({k: SECOND_STAND_INS[k] for k in unvalued})
                try:
                    ds = [derive(name, params={**extra, **o}, kink=kink) for o in sets]  # type: ignore[arg-type]
                except GradproofError:
                    continue
                return Recognised(name, ds[0], "words", line, None, unvalued, tuple(ds[1:]))
    return None
