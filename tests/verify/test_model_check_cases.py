"""check_gradient / assert_gradient for models (issue 15), beyond the first slice: generated
data when none is given, fast mode, the usual wrong gradients (transposed, the regulariser
missing, one class off) failing with the right culprits, float32, the L1 kink at W = 0 (any
value of the subgradient interval, or the declared one when binding), multi-class hinge ties
under the declared convention, and a candidate that cannot be called refused in one line.
Every candidate here is an independent numpy formula written in the test."""

from __future__ import annotations

import numpy as np
import pytest

import gradproof
from gradproof.errors import OptionError

ROWS = np.arange


def softmax_G(S, y):
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[ROWS(len(y)), y] -= 1
    return P


def ww_G(S, y, include=False):
    """Weston–Watkins; ``include`` counts a margin of exactly 0 as violated."""
    M = S - S[ROWS(len(y)), y][:, None] + 1.0
    A = ((M >= 0) if include else (M > 0)).astype(float)
    A[ROWS(len(y)), y] = 0.0
    A[ROWS(len(y)), y] = -A.sum(axis=1)
    return A


def cs_G(S, y, last=False):
    """Crammer–Singer; ``last`` breaks ties between rivals towards the last one."""
    n, K = S.shape
    T = np.where(np.eye(K)[y] == 1, -np.inf, S)
    r = K - 1 - np.argmax(T[:, ::-1], axis=1) if last else np.argmax(T, axis=1)
    on = (1 + T[ROWS(n), r] - S[ROWS(n), y] > 0).astype(float)
    G = np.zeros_like(S)
    G[ROWS(n), r] += on
    G[ROWS(n), y] -= on
    return G


def mse_G(S, Y):
    return S - Y


G_OF = {
    "softmax": softmax_G,
    "multiclass_hinge": ww_G,
    "crammer_singer": cs_G,
    "multi_squared_error": mse_G,
}


def candidate(loss, lam2=0.0, lam1=0.0, sgn0=0.0, **kw):
    def grad(X, y, W, b):
        y = y if loss == "multi_squared_error" else np.asarray(y).astype(int)
        G = G_OF[loss](X @ W.T + b, y, **kw)
        reg = lam2 * W + lam1 * (np.sign(W) + sgn0 * (W == 0))
        return {"W": G.T @ X + reg, "b": G.sum(axis=0)}

    return grad


def data(loss, n=30, d=3, K=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.normal(size=(n, K)) if loss == "multi_squared_error" else rng.permutation(ROWS(n) % K)
    return X, y


RIGHT = [
    ("softmax", "l2", {"lam": 0.3}, dict(lam2=0.3)),
    ("multiclass_hinge", "l1", {"lam": 0.2}, dict(lam1=0.2)),
    ("crammer_singer", "elastic_net", {"lam1": 0.2, "lam2": 0.5}, dict(lam1=0.2, lam2=0.5)),
    ("multi_squared_error", "l2", {"lam": 0.1}, dict(lam2=0.1)),
]


@pytest.mark.parametrize(("loss", "reg", "params", "kw"), RIGHT, ids=[r[0] for r in RIGHT])
def test_right_candidates_pass_on_generated_and_given_data(loss, reg, params, kw):
    d = gradproof.derive(loss, reg=reg, params=params)
    report = gradproof.assert_gradient(d, grad=candidate(loss, **kw))
    assert report.passed and len(report.data) == 2 and len(report.points) == 8
    assert sum(p.verdict == "pass" for p in report.points) >= 6
    X, y = data(loss)
    assert gradproof.assert_gradient(d, grad=candidate(loss, **kw), X=X, y=y).passed


def test_self_test_without_a_candidate_passes():
    d = gradproof.derive("crammer_singer", reg="l1", params={"lam": 0.1})
    assert gradproof.check_gradient(d).passed


def test_transposed_on_square_W_fails_naming_the_off_diagonal_entries():
    X, y = data("softmax", d=3, K=3)

    def transposed(X, y, W, b):
        G = softmax_G(X @ W.T + b, y)
        return (X.T @ G), G.sum(axis=0)  # d×K = K×d here: only the values are wrong

    report = gradproof.check_gradient("softmax", grad=transposed, X=X, y=y)
    assert not report.passed
    assert {"W[1,2]", "W[2,1]"} <= set(report.culprits)
    assert not any(c.startswith("b") for c in report.culprits)
    assert "W[1,1]" not in report.culprits  # the diagonal of a transpose is right


def test_transposed_rectangular_W_fails_with_a_hint():
    report = gradproof.check_gradient(
        "softmax", grad=lambda X, y, W, b: (X.T @ softmax_G(X @ W.T + b, y), W[:, 0] * 0)
    )
    assert not report.passed
    assert all("transpose" in p.failure for p in report.points)
    assert str(report).count("transpose") == 2  # once per dataset, not once per point


def test_missing_regulariser_fails_on_W_only():
    d = gradproof.derive("softmax", reg="l2", params={"lam": 0.3})
    X, y = data("softmax")
    report = gradproof.check_gradient(d, grad=candidate("softmax"), X=X, y=y)
    assert not report.passed and report.culprits
    assert all(c.startswith("W[") for c in report.culprits)
    assert report.points[0].verdict == "pass"  # at W = 0, λW = 0: right there


def test_one_class_off_fails_and_names_b():
    X, y = data("softmax", K=4)

    def off(X, y, W, b):
        G = softmax_G(X @ W.T + b, (y + 1) % 4)
        return G.T @ X, G.sum(axis=0)

    report = gradproof.check_gradient("softmax", grad=off, X=X, y=y)
    assert not report.passed
    assert any(c.startswith("b[") for c in report.culprits)
    assert any(c.startswith("W[") for c in report.culprits)


def test_float32_right_passes_and_float32_off_fails():
    X, y = data("multi_squared_error", n=200)

    def f32(X, y, W, b, factor=1.0):
        g = candidate("multi_squared_error")(
            X.astype(np.float32), y.astype(np.float32), W.astype(np.float32), b.astype(np.float32)
        )
        return {k: (v * np.float32(factor)).astype(np.float32) for k, v in g.items()}

    assert gradproof.check_gradient("multi_squared_error", grad=f32, X=X, y=y).passed
    off = gradproof.check_gradient(
        "multi_squared_error", grad=lambda *a: f32(*a, factor=1.001), X=X, y=y
    )
    assert not off.passed


# -- the L1 kink: an entry of W equal to 0 --------------------------------------------------------
L1 = {"lam": 0.25}


@pytest.mark.parametrize("sgn0", [0.0, 1.0, -1.0, 0.5], ids=["zero", "plus", "minus", "half"])
def test_l1_kink_any_subgradient_passes_when_not_binding(sgn0):
    d = gradproof.derive("softmax", reg="l1", params=L1)
    X, y = data("softmax")
    report = gradproof.check_gradient(d, grad=candidate("softmax", lam1=0.25, sgn0=sgn0), X=X, y=y)
    first = report.points[0]  # W = 0: every entry on the kink
    assert first.kink == "l1" and first.verdict == "pass" and report.passed


def test_l1_kink_outside_the_interval_fails_at_the_zero_entries():
    d = gradproof.derive("softmax", reg="l1", params=L1)
    X, y = data("softmax")
    at = {"W": [[0.0, 0.5, -0.2]] + [[0.1, 0.2, 0.3]] * 3, "b": [0.0] * 4}
    report = gradproof.check_gradient(
        d, grad=candidate("softmax", lam1=0.25, sgn0=1.5), X=X, y=y, at=at, points=1
    )
    assert not report.passed and report.culprits == ("W[1,1]",)
    assert report.points[0].kink == "l1"


@pytest.mark.parametrize(("l1", "sgn0"), [("zero", 0.0), ("plus", 1.0), ("minus", -1.0)])
def test_l1_kink_binding_requires_the_declared_sgn0(l1, sgn0):
    d = gradproof.derive("softmax", reg="l1", params=L1, l1=l1, kink="include")
    X, y = data("softmax")
    right = gradproof.check_gradient(
        d, grad=candidate("softmax", lam1=0.25, sgn0=sgn0), X=X, y=y, kink="include"
    )
    assert right.passed and right.binding
    other = 1.0 if sgn0 != 1.0 else 0.0
    wrong = gradproof.check_gradient(
        d, grad=candidate("softmax", lam1=0.25, sgn0=other), X=X, y=y, kink="include"
    )
    assert not wrong.passed
    assert set(wrong.culprits) == {f"W[{k},{j}]" for k in range(1, 5) for j in range(1, 4)}


# -- multi-class hinge ties -----------------------------------------------------------------------
def _tied():
    """W = 0 and b = [0, 1, 0]: every sample of class 1 has both rival margins exactly 0."""
    X, _ = data("multiclass_hinge", n=12, d=2, K=3, seed=4)
    y = ROWS(12) % 3
    return X, y, {"W": [[0.0, 0.0]] * 3, "b": [0.0, 1.0, 0.0]}


def test_ww_ties_are_skipped_when_not_binding():
    X, y, at = _tied()
    for include in (False, True):
        report = gradproof.check_gradient(
            "multiclass_hinge", grad=candidate("multiclass_hinge", include=include), X=X, y=y, at=at
        )
        assert report.points[0].verdict == "kink" and report.passed


def test_ww_ties_binding_requires_the_declared_convention():
    X, y, at = _tied()
    for kink, include in (("exclude", False), ("include", True)):
        d = gradproof.derive("multiclass_hinge", kink=kink)
        ok = candidate("multiclass_hinge", include=include)
        bad = candidate("multiclass_hinge", include=not include)
        right = gradproof.check_gradient(d, grad=ok, X=X, y=y, at=at, kink=kink)
        assert right.passed and right.points[0].kink == "kink"
        assert right.points[0].verdict == "pass"
        wrong = gradproof.check_gradient(d, grad=bad, X=X, y=y, at=at, kink=kink)
        assert not wrong.passed and wrong.points[0].verdict == "fail" and wrong.culprits


def test_crammer_singer_rival_ties_binding_requires_the_first_rival():
    X, y = data("crammer_singer", seed=3)  # W = 0, b = 0: every rival ties
    d = gradproof.derive("crammer_singer", kink="exclude")
    right = gradproof.check_gradient(d, grad=candidate("crammer_singer"), X=X, y=y, kink="exclude")
    assert right.passed and right.points[0].kink == "kink"
    last = candidate("crammer_singer", last=True)
    assert gradproof.check_gradient(d, grad=last, X=X, y=y).passed  # not binding: valid
    wrong = gradproof.check_gradient(d, grad=last, X=X, y=y, kink="exclude")
    assert not wrong.passed and wrong.points[0].verdict == "fail"


# -- fast mode ------------------------------------------------------------------------------------
def test_fast_mode_passes_right_and_names_a_wrong_entry():
    X, y = data("softmax", n=50, d=30, K=20)  # 620 entries: auto picks fast mode
    right = gradproof.check_gradient("softmax", grad=candidate("softmax"), X=X, y=y)
    assert right.passed and right.mode == "fast"

    def wrong(X, y, W, b):
        g = candidate("softmax")(X, y, W, b)
        g["W"] = g["W"].copy()
        g["W"][4, 6] += 0.01
        return g

    report = gradproof.check_gradient("softmax", grad=wrong, X=X, y=y, mode="fast")
    assert not report.passed and report.culprits == ("W[5,7]",)
    small = gradproof.check_gradient("softmax", grad=candidate("softmax"), mode="fast")
    assert small.passed and small.mode == "fast"


def test_a_candidate_that_cannot_be_called_so_is_one_line():
    def three(X, y, W):
        return W

    with pytest.raises(OptionError, match=r"cannot be called as grad\(X, y, W, b\)") as info:
        gradproof.check_gradient("softmax", grad=three)
    assert "\n" not in str(info.value)


def test_report_to_dict_is_json_ready():
    import json

    report = gradproof.check_gradient("softmax", grad=candidate("softmax"))
    out = json.loads(json.dumps(report.to_dict()))
    assert out["passed"] is True and len(out["points"]) == 8 and out["mode"] == "full"


# -- hints: a mistake the numbers prove -----------------------------------------------------------
def _hint(report):
    hints = {p.hint for p in report.points if p.verdict == "fail"}
    assert len(hints) == 1, hints
    return hints.pop()


def test_hints_name_the_mistake():
    X, y = data("softmax", d=3, K=3)
    d = gradproof.derive("softmax", reg="l2", params={"lam": 0.3})
    missing = gradproof.check_gradient(d, grad=candidate("softmax"), X=X, y=y)
    assert "regulariser's term is missing" in _hint(missing)
    half = gradproof.check_gradient(d, grad=candidate("softmax", lam2=0.15), X=X, y=y)
    assert "half the regulariser's term" in _hint(half)

    def transposed(X, y, W, b):
        G = softmax_G(X @ W.T + b, y)
        return X.T @ G, G.sum(axis=0)

    t = gradproof.check_gradient("softmax", grad=transposed, X=X, y=y)
    assert "transpose" in _hint(t)

    def summed(X, y, W, b):
        g = candidate("softmax")(X, y, W, b)
        return {k: v for k, v in g.items()}

    mean = gradproof.check_gradient(gradproof.derive("softmax", mean=True), grad=summed, X=X, y=y)
    assert f"{len(X)} × the right one" in _hint(mean) and "--mean" in str(mean)
    flipped = gradproof.check_gradient(
        "softmax", grad=lambda *a: {k: -v for k, v in candidate("softmax")(*a).items()}, X=X, y=y
    )
    assert "wrong sign" in _hint(flipped)


def test_no_hint_for_an_error_no_hypothesis_explains():
    X, y = data("softmax")

    def off(X, y, W, b):
        g = candidate("softmax")(X, y, W, b)
        g["b"] = g["b"] + 0.01
        return g

    report = gradproof.check_gradient("softmax", grad=off, X=X, y=y)
    assert not report.passed and all(not p.hint for p in report.points)
    assert "hint:" not in str(report)
