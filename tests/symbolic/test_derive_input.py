"""Hostile input to the derivation (issue 10): hyperparameters that are not finite real
numbers, losses that are not real, and constants that are degenerate for the values given.
Each is refused by derive() itself with one line naming what is wrong; values just inside
the boundary still derive the right gradient."""

from __future__ import annotations

import numpy as np
import pytest

import gradproof
from gradproof.errors import OptionError, ParseError

REFUSED = [
    # unused hyperparameters are validated too (they reach generated code as p_foo = ...)
    (
        "unused-inf",
        {"expr": "y", "params": {"foo": float("inf")}},
        OptionError,
        "foo must be a finite",
    ),
    (
        "unused-nan",
        {"expr": "y", "params": {"foo": float("nan")}},
        OptionError,
        "foo must be a finite",
    ),
    (
        "unused-1e309",
        {"expr": "y", "params": {"foo": "1e309"}},
        OptionError,
        "foo must be a finite",
    ),
    (
        "unused-huge-int",
        {"expr": "y", "params": {"foo": 10**400}},
        OptionError,
        "foo must be a finite",
    ),
    (
        "unused-complex",
        {"expr": "y", "params": {"foo": 1j}},
        OptionError,
        "foo must be a real number",
    ),
    ("unused-text", {"expr": "y", "params": {"foo": "abc"}}, OptionError, "foo must be a number"),
    ("unused-negative", {"expr": "y", "params": {"foo": -1}}, OptionError, "foo = -1 is negative"),
    (
        "builtin-inf",
        {"loss": "hinge", "params": {"lam": float("inf")}},
        OptionError,
        "lam must be a finite",
    ),
    # not real: refused with the sub-expression that is complex
    ("sqrt-negative", {"expr": "sqrt(-1-b^2)"}, ParseError, "the loss is not real: √(−1 − b²)"),
    (
        "sqrt-minus-lam",
        {"expr": "sqrt(-lam)*y", "params": {"lam": 1}},
        ParseError,
        "the loss is not real: i y √(λ)",
    ),
    ("negative-power", {"expr": "(-1)^(w·x)"}, ParseError, "the loss is not real: (−1)^(w·x)"),
    ("log-negative", {"expr": "log(-1-b^2)"}, ParseError, "the loss is not real: log(−1 − b²)"),
    (
        "reg-not-real",
        {"expr": "y", "reg": "sqrt(-1-b^2)"},
        ParseError,
        "the regulariser is not real",
    ),
    # degenerate constants once the values are put in
    (
        "divide-by-zero-lam",
        {"expr": "y/lam", "params": {"lam": 0}},
        OptionError,
        "with lam = 0, the loss contains 1/λ",
    ),
    (
        "lam-overflows",
        {"expr": "lam^2*b", "params": {"lam": 1e308}},
        OptionError,
        "with lam = 1e+308, the loss contains λ², which is beyond the float64 range",
    ),
    (
        "exp-lam-overflows",
        {"expr": "exp(lam)*b", "params": {"lam": 1e308}},
        OptionError,
        "contains exp(λ), which is beyond",
    ),
    (
        "root-of-negative-value",
        {"expr": "sqrt(lam-1)*b", "params": {"lam": 0.5}},
        OptionError,
        "with lam = 0.5, the loss contains √(λ − 1)",
    ),
    # 0^b is fine; its derivative 0^b·log(0) is not: a constant only the gradient has
    (
        "only-after-differentiating",
        {"expr": "lam^b", "params": {"lam": 0}},
        OptionError,
        "with lam = 0, the gradient contains log(λ)",
    ),
    (
        "zero-in-a-sum",
        {"expr": "y/(lam + lam*b)", "params": {"lam": 0}},
        OptionError,
        "with lam = 0, the loss contains 1/(λ b + λ), which is undefined there",
    ),
    (
        "zero-under-log",
        {"expr": "log(lam*b^2 + lam)", "params": {"lam": 0}},
        OptionError,
        "log(λ b² + λ), which is undefined there",
    ),
]


@pytest.mark.parametrize(
    "kwargs, error, message", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_refused_at_derive_time_with_one_line(kwargs, error, message):
    with pytest.raises(error) as info:
        gradproof.derive(**kwargs)
    text = str(info.value)
    assert message in text
    assert "\n" not in text and len(text) < 300


def test_refused_before_any_code_is_generated(monkeypatch):
    # derive() refuses: nothing downstream (numpy(), codegen, the worked example) ever sees it
    import gradproof.numeric.compile as compile_module

    def fail(*args, **kwargs):
        raise AssertionError("compiled a refused loss")

    monkeypatch.setattr(compile_module, "generate_source", fail)
    for _, kwargs, error, _ in REFUSED:
        with pytest.raises(error):
            gradproof.derive(**kwargs, example=True)


@pytest.mark.parametrize(
    "expr, params",
    [("b/lam", {"lam": 0.5}), ("lam^2*b", {"lam": 1e150}), ("sqrt(lam - 1)*b", {"lam": 5.0})],
    ids=["lam-positive", "lam-large-but-finite", "root-of-positive"],
)
def test_values_inside_the_boundary_derive_the_right_gradient(expr, params):
    # L = Σᵢ c·b with c = 1/λ, λ², √(λ − 1): ∂L/∂b = n·c, ∂L/∂w = 0 (by hand)
    lam = params["lam"]
    c = {
        "b/lam": lambda: 1 / lam,
        "lam^2*b": lambda: lam**2,
        "sqrt(lam - 1)*b": lambda: (lam - 1) ** 0.5,
    }[expr]()
    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    y = np.array([1.0, -1.0, 1.0])
    gw, gb = gradproof.derive(expr=expr, params=params).numpy().grad(X, y, np.ones(2), 0.5)
    np.testing.assert_allclose(gb, 3 * c, rtol=1e-12)
    np.testing.assert_array_equal(gw, np.zeros(2))


def test_hyperparameters_are_kept_as_floats_whether_used_or_not():
    d = gradproof.derive(expr="lam*b", params={"lam": "0.25", "unused": 2})
    assert dict(d.params) == {"lam": 0.25, "unused": 2.0}
    assert all(type(v) is float for v in d.params.values())
