"""The worked example: numbers computed by the numeric layer, formatted by the renderers,
and only the numbers shown are formatted (issue 10: a million samples, twelve numbers)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import gradproof
from gradproof.symbolic.example import WorkedExample
from gradproof.symbolic.render.example import MAX_LISTED, fmt

example_render = importlib.import_module("gradproof.symbolic.render.example")


def test_a_million_samples_format_only_what_is_shown(monkeypatch):
    rng = np.random.default_rng(0)
    n = 1_000_000
    X = rng.normal(size=(n, 2))
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    calls = [0]

    def counting(x):
        calls[0] += 1
        return fmt(x)

    monkeypatch.setattr(example_render, "fmt", counting)
    d = gradproof.derive("hinge", X=X, y=y, at={"w": [0.5, -0.25], "b": 0.1})
    # data (12 rows × 2 + y + w + b), 12 scores, loss, gradient, coefficients, update: < 150
    assert 0 < calls[0] < 150
    text = d.render()
    assert f"(the first {MAX_LISTED} of {n})" in text
    # the numbers shown are the right ones: by hand, V = {i : yᵢ sᵢ < 1} and
    # ∂L/∂w = λw − Σ_{i∈V} yᵢ xᵢ with λ = 0.01
    w, b = np.array([0.5, -0.25]), 0.1
    s = X @ w + b
    V = y * s < 1
    grad_w = 0.01 * w - (y[V, None] * X[V]).sum(axis=0)
    np.testing.assert_allclose(d.example.grad_w, grad_w, rtol=1e-10)
    assert f"[{fmt(grad_w[0])}, {fmt(grad_w[1])}]".replace("-", "−") in text
    np.testing.assert_array_equal(d.example.active["V"], np.flatnonzero(V))
    assert f"of the {n} samples, {V.sum()} are in V" in text


def test_long_vectors_list_the_first_ten_and_the_last():
    v = np.arange(1.0, 31.0)
    assert example_render._vector(v).text == "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, …, 30]"
    assert example_render._vector(v[:MAX_LISTED]).text.count(",") == MAX_LISTED - 1


def test_the_example_is_numbers_only():
    d = gradproof.derive("perceptron", example=True)
    ex = d.example
    assert isinstance(ex, WorkedExample)
    for name in ("X", "y", "w", "scores", "grad_w", "new_w"):
        assert isinstance(getattr(ex, name), np.ndarray), name
    assert all(isinstance(v, np.ndarray) for v in ex.active.values())
    assert set(ex.coefficients) <= {"cw", "cb", "cq", "rw"}
    # by hand at w = 0, b = 0 on the sample data: every margin is 0, so M is every sample
    assert ex.to_dict()["active"] == list(range(1, ex.n + 1))


def test_numpy_needs_a_registered_compiler(monkeypatch):
    derivation = importlib.import_module("gradproof.symbolic.derivation")
    monkeypatch.setattr(derivation, "_COMPILER", [])
    with pytest.raises(RuntimeError, match="internal error: no numeric compiler"):
        gradproof.derive("perceptron").numpy()
