"""search=True: hypothesis finds, shrinks and prints a failing dataset as a ready pytest test."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from gradproof import derive
from gradproof.verify import check_gradient


def _run_snippet(snippet, my_grad):
    """Execute the printed test (with ``my_grad`` supplied) and call its test function."""
    lines = [ln for ln in snippet.splitlines() if "import my_grad" not in ln]
    namespace = {"my_grad": my_grad}
    exec("\n".join(lines), namespace)  # our own snippet
    (test,) = [v for k, v in namespace.items() if k.startswith("test_")]
    return test


def test_search_finds_and_shrinks_a_missing_filter():
    def no_filter(X, y, w, b):
        c = -y
        return c @ X, c.sum()

    report = check_gradient("perceptron", grad=no_filter, search=True, seed=0, max_examples=50)
    assert not report.passed
    assert report.reproduce is not None
    assert "def test_perceptron_gradient_counterexample():" in report.reproduce
    assert "assert_gradient(loss, grad=my_grad" in report.reproduce
    assert report.n <= 2  # shrunk
    with pytest.raises(AssertionError, match="FAIL"):
        _run_snippet(report.reproduce, no_filter)()
    assert "reproduce with this pytest test:" in str(report)


def test_search_catches_a_strict_inequality_when_the_convention_is_binding():
    # `<` where `<=` belongs: w = 0 stays a fixed point of training. It is a valid
    # subgradient, so only a binding convention makes it wrong, and only on a kink.
    def lt(X, y, w, b):
        m = y * (X @ w + b) < 0
        return -(y * m) @ X, -(y * m).sum()

    loose = check_gradient("perceptron", grad=lt, search=True, seed=3, max_examples=30)
    assert loose.passed
    report = check_gradient(
        "perceptron", grad=lt, search=True, seed=3, max_examples=60, kink="include"
    )
    assert not report.passed
    assert "kink='include'" in report.reproduce
    assert any("wrong inequality at the kink" in h for h in report.hints)
    with pytest.raises(AssertionError):
        _run_snippet(report.reproduce, lt)()

    # and the right one passes the same test
    def le(X, y, w, b):
        m = y * (X @ w + b) <= 0
        return -(y * m) @ X, -(y * m).sum()

    _run_snippet(report.reproduce, le)()


def test_search_passes_a_correct_gradient(hand):
    report = check_gradient("hinge", grad=hand("hinge"), search=True, seed=1, max_examples=15)
    assert report.passed, str(report)
    assert any("no failing dataset" in n for n in report.notes)


def test_search_uses_real_labels_for_regression():
    def grad(X, y, w, b):
        r = X @ w + b - y
        return r @ X, r.sum()

    assert check_gradient("squared_error", grad=grad, search=True, seed=2, max_examples=10).passed


def test_search_snippet_rebuilds_a_user_expression():
    d = derive(
        expr="max(0, 1 - y*(dot(w,x)+b))", reg="lam/2*norm(w)^2", params={"lam": 0.1}, labels="pm1"
    )

    def my_grad(X, y, w, b):  # sign error in b
        act = y * (X @ w + b) < 1
        return -(y * act) @ X + 0.1 * w, (y * act).sum()

    report = check_gradient(d, grad=my_grad, search=True, seed=1)
    assert not report.passed
    assert "expr='max(0, 1 - y*(dot(w,x)+b))'" in report.reproduce
    with pytest.raises(AssertionError):
        _run_snippet(report.reproduce, my_grad)()


def test_snippet_imports_a_function_that_lives_in_a_module(tmp_path, monkeypatch):
    (tmp_path / "grads_for_search.py").write_text(
        "def grad(X, y, w, b):\n    r = X @ w + b - y\n    return 2 * (r @ X), 2 * r.sum()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import grads_for_search

    report = check_gradient(
        "squared_error", grad=grads_for_search.grad, search=True, seed=0, max_examples=20
    )
    assert "from grads_for_search import grad as my_grad" in report.reproduce
    namespace: dict = {}
    exec(report.reproduce, namespace)  # our own snippet, as pytest would run it
    with pytest.raises(AssertionError):
        namespace["test_squared_error_gradient_counterexample"]()
    sys.modules.pop("grads_for_search", None)
    assert np.isfinite(report.n)
