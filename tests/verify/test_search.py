"""search=True: hypothesis finds, shrinks and prints a failing dataset."""

from __future__ import annotations

from gradproof import derive
from gradproof.verify import check_gradient


def test_search_finds_and_shrinks_a_missing_filter():
    def no_filter(X, y, w, b):
        c = -y
        return c @ X, c.sum()

    report = check_gradient("perceptron", grad=no_filter, search=True, seed=0, max_examples=50)
    assert not report.passed
    assert report.reproduce is not None
    assert "d = derive('perceptron'" in report.reproduce
    assert "check_gradient(d, grad=my_grad" in report.reproduce
    assert report.n <= 2  # shrunk
    # the snippet reproduces the failure
    namespace = {"my_grad": no_filter}
    exec(report.reproduce.replace("print(", "result = ("), namespace)  # our own snippet
    result = namespace["result"]
    assert not result.passed
    assert "reproduce with:" in str(report)


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
    namespace = {"my_grad": my_grad}
    exec(report.reproduce.replace("print(", "result = ("), namespace)  # our own snippet
    assert not namespace["result"].passed
