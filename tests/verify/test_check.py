"""check_gradient against hand-written gradients: correct ones pass, buggy ones are named."""

from __future__ import annotations

import json

import numpy as np
import pytest
from verify_oracles import LOSSES, SMOOTH, hand_coefficient, labels_of, numeric_coefficient

import gradproof
from gradproof.errors import GradproofError
from gradproof.verify import CandidateError, assert_gradient, check_gradient


@pytest.mark.parametrize("name", LOSSES)
def test_the_registry_oracle_agrees_with_the_hand_algebra(name):
    # a loss added to the registry gets the numerical oracle; it must be right for the
    # ones we can write by hand
    rng = np.random.default_rng(1)
    s = rng.uniform(-3, 3, 20) + 0.0137  # off every kink of the built-in losses
    y = 2 * rng.standard_normal(20) if labels_of(name) == "real" else rng.choice([-1.0, 1.0], 20)
    np.testing.assert_allclose(
        numeric_coefficient(name, s, y), hand_coefficient(name, s, y), rtol=1e-9, atol=1e-12
    )


@pytest.mark.parametrize("name", LOSSES)
def test_correct_user_gradient_passes(name, hand, make_problem):
    X, y, w, b = make_problem(name)
    report = check_gradient(name, grad=hand(name), X=X, y=y, w=w, b=b)
    assert report.passed, str(report)
    assert report.candidate == "your gradient function"
    assert all(e.ok for e in report.entries)


@pytest.mark.parametrize("name", LOSSES)
def test_derived_gradient_passes(name, make_problem):
    X, y, w, b = make_problem(name, seed=3)
    assert check_gradient(name, X=X, y=y, w=w, b=b).passed


@pytest.mark.parametrize("name", SMOOTH + ["squared_hinge", "hinge"])
def test_smooth_points_report_at_least_ten_digits(name, hand, make_problem):
    X, y, w, b = make_problem(name, seed=5)
    report = check_gradient(name, grad=hand(name), X=X, y=y, w=w, b=b)
    assert report.passed
    assert report.digits >= 10, str(report)
    assert report.fd_digits >= 10, str(report)
    assert report.noise_floor_digits >= 10
    assert "agrees with the exact gradient to" in str(report)


@pytest.mark.parametrize("name", LOSSES)
def test_float32_correct_gradient_passes(name, hand, make_problem):
    X, y, w, b = make_problem(name, n=50, d=6, seed=7, dtype=np.float32)
    report = check_gradient(name, grad=hand(name), X=X, y=y, w=w, b=b)
    assert report.passed, str(report)
    assert report.precision == "float32"


def test_float32_gradient_of_float64_data_needs_precision_flag(hand, make_problem):
    X, y, w, b = make_problem("logistic", n=200, d=5, seed=2)

    def grad32(X, y, w, b):
        gw, gb = hand("logistic")(
            X.astype(np.float32), y.astype(np.float32), w.astype(np.float32), np.float32(b)
        )
        return gw.astype(np.float64), float(gb)

    assert check_gradient("logistic", grad=grad32, X=X, y=y, w=w, b=b, precision="float32").passed


# -- bugs, each named ----------------------------------------------------------------------


def test_sign_error_in_b_is_named(make_problem):
    X, y, w, b = make_problem("logistic")

    def grad(X, y, w, b):
        c = -y / (1 + np.exp(y * (X @ w + b)))
        return c @ X, -c.sum()

    report = check_gradient("logistic", grad=grad, X=X, y=y, w=w, b=b)
    assert not report.passed
    assert report.culprits == ["b"]
    assert any("wrong sign" in h for h in report.hints)
    s = X @ w + b
    assert report.correct["b"] == pytest.approx(float((-y / (1 + np.exp(y * s))).sum()), rel=1e-12)


def test_missing_misclassified_filter_is_named():
    # sample 0 and 2 misclassified (y·s < 0), 1 and 3 correctly classified
    X = np.array([[1.0, 2.0], [2.0, 1.0], [-1.0, 1.0], [0.5, -1.0]])
    y = np.array([-1.0, 1.0, 1.0, -1.0])
    w = np.array([1.0, 0.5])
    b = -0.25

    def no_filter(X, y, w, b):
        c = -y
        return c @ X, c.sum()

    report = check_gradient("perceptron", grad=no_filter, X=X, y=y, w=w, b=b, points=1)
    assert not report.passed
    assert set(report.samples) == {2, 4}  # numbered from 1: rows 1 and 3 in Python
    assert any("filter" in h for h in report.hints)
    s = X @ w + b
    m = y * s <= 0
    assert report.correct["w"] == pytest.approx(list(-(y * m) @ X))
    text = str(report)
    assert "samples responsible: 2, 4" in text


def test_missing_filter_in_hinge_is_named():
    X = np.array([[1.0, 2.0], [2.0, 1.0], [-1.0, 1.0], [0.5, -1.0], [3.0, 0.0]])
    y = np.array([1.0, 1.0, 1.0, -1.0, 1.0])
    w = np.array([0.75, 0.25])
    b = 0.125

    def no_filter(X, y, w, b):
        c = -y
        return c @ X + 0.01 * w, c.sum()

    report = check_gradient("hinge", grad=no_filter, X=X, y=y, w=w, b=b, points=1)
    assert not report.passed
    inactive = np.flatnonzero(1 - y * (X @ w + b) < 0)
    assert set(report.samples) == set((inactive + 1).tolist())


def test_factor_two_is_named(make_problem):
    X, y, w, b = make_problem("squared_error")

    def grad(X, y, w, b):
        r = X @ w + b - y
        return 2 * (r @ X), 2 * r.sum()

    report = check_gradient("squared_error", grad=grad, X=X, y=y, w=w, b=b)
    assert not report.passed
    assert any("2 × the correct gradient" in h for h in report.hints)
    assert len(report.culprits) == X.shape[1] + 1


def test_transposed_term_is_named():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((4, 4))
    y = rng.standard_normal(4)
    w = rng.standard_normal(4)

    def grad(X, y, w, b):
        r = X @ w + b - y
        return X @ r, r.sum()  # should be X.T @ r

    report = check_gradient("squared_error", grad=grad, X=X, y=y, w=w, b=0.5)
    assert not report.passed
    assert "b" not in report.culprits
    assert any("transposed" in h for h in report.hints)


def test_one_wrong_sample_is_named():
    X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    y = np.array([0.5, -1.0])
    w = np.array([0.25, 0.5, -0.5])

    def grad(X, y, w, b):
        r = X @ w + b - y
        r = r.copy()
        r[1] *= 3
        return r @ X, r.sum()

    report = check_gradient("squared_error", grad=grad, X=X, y=y, w=w, b=0.0, points=1)
    assert not report.passed
    assert report.samples == [2]  # Python's row 1
    r1 = X[1] @ w - y[1]
    assert f"{2 * r1:.6g}" in " ".join(report.hints)


# -- kinks -----------------------------------------------------------------------------------

KINK_DATA = {
    # sample 0 exactly on the kink: perceptron y·s = 0, hinge y·s = 1
    "perceptron": (
        np.array([[1.0, 2.0], [2.0, -1.0], [-1.0, 1.0]]),
        np.array([1.0, -1.0, 1.0]),
        np.array([1.0, 1.0]),
        -3.0,
    ),
    "hinge": (
        np.array([[1.0, 2.0], [2.0, -1.0], [-1.0, 1.0]]),
        np.array([1.0, -1.0, 1.0]),
        np.array([1.0, 1.0]),
        -2.0,
    ),
}


@pytest.mark.parametrize("name", ["perceptron", "hinge"])
@pytest.mark.parametrize("convention,h", [("include", 1.0), ("exclude", 0.0), ("average", 0.5)])
def test_kink_conventions_pass_and_are_named(name, convention, h, hand):
    X, y, w, b = KINK_DATA[name]
    s = X @ w + b
    u = -y * s if name == "perceptron" else 1 - y * s
    assert u[0] == 0.0
    report = check_gradient(name, grad=hand(name, at_kink=h), X=X, y=y, w=w, b=b)
    assert report.passed, str(report)
    assert convention in report.kink_convention_matched
    assert [k.sample for k in report.kinks] == (np.flatnonzero(u == 0) + 1).tolist()
    assert all(k.exact for k in report.kinks)
    assert f"follows the {convention} convention" in str(report)


@pytest.mark.parametrize("name", ["perceptron", "hinge"])
@pytest.mark.parametrize("convention", ["include", "exclude", "average"])
def test_derived_gradient_under_each_convention_passes(name, convention):
    X, y, w, b = KINK_DATA[name]
    gw, gb = gradproof.derive(name, kink=convention).numpy().grad(X, y, w, b)
    # a fixed value: checked at its own point only
    report = check_gradient(name, grad=lambda *a: (gw, gb), X=X, y=y, w=w, b=b, points=1)
    assert report.passed
    assert report.kink_convention_matched == (convention,)


@pytest.mark.parametrize("h", [0.0, 0.5, 1.0])
def test_two_kink_samples_any_convention(h, hand):
    # found by hypothesis: samples 0 and 1 on the hinge's margin (y·s = 1); the rounding
    # bound must allow for the kink samples' coefficients whatever side they take
    X = np.array([[0.0, 0.5], [0.0, 0.5], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    y = np.array([-1.0, -1.0, -1.0, -1.0, 1.0])
    w = np.array([0.0, 0.75])
    assert check_gradient("hinge", grad=hand("hinge", at_kink=h), X=X, y=y, w=w, b=-1.375).passed


def test_subgradient_outside_the_interval_fails_at_a_kink(hand):
    X, y, w, b = KINK_DATA["perceptron"]

    def grad(X, y, w, b):
        gw, gb = hand("perceptron", at_kink=1.0)(X, y, w, b)
        return gw - 0.5 * y[0] * X[0], gb  # the kink sample counted 1.5 times in w only

    report = check_gradient("perceptron", grad=grad, X=X, y=y, w=w, b=b)
    assert not report.passed


def test_all_samples_on_kinks_at_zero(hand):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((6, 3))
    y = np.where(rng.standard_normal(6) > 0, 1.0, -1.0)
    w = np.zeros(3)
    for h in (0.0, 0.5, 1.0):
        report = check_gradient("perceptron", grad=hand("perceptron", h), X=X, y=y, w=w, b=0.0)
        assert report.passed
        assert len(report.kinks) == 6


def test_sample_within_rounding_of_a_kink_may_take_either_side(hand):
    # 0.1 + 0.2 − 0.3 is not 0 in float64 but is in exact arithmetic
    X = np.array([[0.1, 0.2], [1.0, 1.0]])
    y = np.array([1.0, -1.0])
    w = np.array([1.0, 1.0])
    b = -0.3
    for h in (0.0, 1.0):
        assert check_gradient("perceptron", grad=hand("perceptron", h), X=X, y=y, w=w, b=b).passed


def test_squared_hinge_kink_is_not_a_jump(hand):
    X, y, w, b = KINK_DATA["hinge"]
    report = check_gradient("squared_hinge", grad=hand("squared_hinge"), X=X, y=y, w=w, b=b)
    assert report.passed
    assert set(report.kink_convention_matched) <= {"include", "exclude", "average"}


# -- claims, loss values, reports --------------------------------------------------------


def test_claim_right_and_wrong():
    X, y, w, b = KINK_DATA["perceptron"]
    assert check_gradient("perceptron", claim={"w": [0, -3], "b": -2}, X=X, y=y, w=w, b=b).passed
    report = check_gradient("perceptron", claim={"w": [0, -3.5], "b": -2}, X=X, y=y, w=w, b=b)
    assert not report.passed
    assert report.culprits == ["w[2]"]
    assert report.correct["w"] == [0.0, -3.0]
    assert report.correct["difference"]["w"] == [0.0, -0.5]


def test_claim_is_held_to_its_written_digits():
    X = np.array([[1.0], [2.0], [0.0]])
    y = np.array([0.0, 0.0, 1.0])
    w = np.array([1.0 / 3.0])
    # ∂L/∂w = Σ (x w − y) x = 5/3, ∂L/∂b = Σ (x w − y) = 0
    assert check_gradient(
        "squared_error", claim={"w": ["1.667"], "b": "0"}, X=X, y=y, w=w, b=0.0
    ).passed
    assert check_gradient(
        "squared_error", claim={"w": ["1.67"], "b": "0"}, X=X, y=y, w=w, b=0.0
    ).passed
    # 1.66 is off by 0.0067, more than half a unit in its last digit
    assert not check_gradient(
        "squared_error", claim={"w": ["1.66"], "b": "0"}, X=X, y=y, w=w, b=0.0
    ).passed
    assert not check_gradient(
        "squared_error", claim={"w": [1.6666], "b": 0}, X=X, y=y, w=w, b=0.0
    ).passed


def test_loss_fn_value_is_checked(make_problem):
    X, y, w, b = make_problem("logistic")

    def good(X, y, w, b):
        return float(np.logaddexp(0, -y * (X @ w + b)).sum())

    def bad(X, y, w, b):
        return float(np.logaddexp(0, -y * (X @ w + b)).mean())

    assert check_gradient("logistic", loss_fn=good, X=X, y=y, w=w, b=b).passed
    report = check_gradient("logistic", loss_fn=bad, X=X, y=y, w=w, b=b)
    assert not report.passed and report.culprits[0] == "L"


def test_report_json_and_text(make_problem, hand):
    X, y, w, b = make_problem("hinge")
    report = check_gradient("hinge", grad=hand("hinge"), X=X, y=y, w=w, b=b)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["passed"] is True
    assert [e["name"] for e in data["entries"]] == ["w[1]", "w[2]", "w[3]", "w[4]", "b"]
    assert str(report).startswith("gradproof check: hinge — PASS")


def test_assert_gradient_raises_with_report(make_problem):
    X, y, w, b = make_problem("squared_error")

    def grad(X, y, w, b):
        r = X @ w + b - y
        return r @ X, -r.sum()

    with pytest.raises(AssertionError, match="b: candidate"):
        assert_gradient("squared_error", grad=grad, X=X, y=y, w=w, b=b)
    assert assert_gradient("squared_error", X=X, y=y, w=w, b=b).passed


def test_mean_and_derivation_objects(make_problem, hand):
    X, y, w, b = make_problem("logistic")
    d = gradproof.derive("logistic", mean=True)

    def grad(X, y, w, b):
        gw, gb = hand("logistic")(X, y, w, b)
        return gw / len(y), gb / len(y)

    assert check_gradient(d, grad=grad, X=X, y=y, w=w, b=b).passed
    assert not check_gradient(d, grad=hand("logistic"), X=X, y=y, w=w, b=b).passed


def test_user_expression_with_regulariser():
    d = gradproof.derive(
        expr="max(0, 1 - y*dot(w, x))", reg="lam/2*norm(w)^2", params={"lam": 0.5}, labels="pm1"
    )
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [2.0, 2.0]])
    y = np.array([1.0, -1.0, 1.0])
    w = np.array([0.2, -0.1])

    def grad(X, y, w, b):
        c = -y * (1 - y * (X @ w) > 0)
        return c @ X + 0.5 * w, 0.0

    assert check_gradient(d, grad=grad, X=X, y=y, w=w, b=0.0).passed


# -- invalid input -----------------------------------------------------------------------

X0 = np.array([[1.0, 2.0], [3.0, 4.0]])
Y0 = np.array([1.0, -1.0])

INVALID = [
    ("claim-bad-key", dict(claim={"v": [1, 2]}), CandidateError),
    ("claim-text", dict(claim={"w": ["one", 2], "b": 0}), CandidateError),
    ("grad-and-claim", dict(grad=lambda *a: None, claim={"w": [0, 0]}), GradproofError),
    ("bad-mode", dict(mode="slow"), GradproofError),
    ("seed-negative", dict(seed=-1), GradproofError),
    ("seed-float", dict(seed=1.5), GradproofError),
    ("seed-bool", dict(seed=True), GradproofError),
    ("points-zero", dict(points=0), GradproofError),
    ("points-huge", dict(points=10**6), GradproofError),
    ("kink-unknown", dict(kink="sometimes"), GradproofError),
    ("precision-unknown", dict(precision="float8"), GradproofError),
    ("labels-01", dict(y=np.array([0.0, 1.0])), GradproofError),
    ("w-shape", dict(w=[1.0, 2.0, 3.0]), GradproofError),
    ("search-with-data", dict(search=True), GradproofError),
    ("X-inf", dict(X=np.array([[np.inf, 1.0], [1.0, 1.0]])), GradproofError),
    ("X-nan", dict(X=np.array([[1.0, 1.0], [np.nan, 1.0]])), GradproofError),
    ("y-nan", dict(y=np.array([1.0, np.nan])), GradproofError),
]


@pytest.mark.parametrize(
    "kwargs,error", [(k, e) for _, k, e in INVALID], ids=[i for i, _, _ in INVALID]
)
def test_invalid_input(kwargs, error):
    args = dict(X=X0, y=Y0, w=[0.5, 0.5], b=0.0)
    args.update(kwargs)
    with pytest.raises(error):
        check_gradient("perceptron", **args)


FAILING_CANDIDATES = [
    ("wrong-shape", lambda X, y, w, b: (np.zeros(3), 0.0), "shape (3,)"),
    ("not-a-pair", lambda X, y, w, b: np.zeros(2), "must return a pair"),
    ("raises", lambda X, y, w, b: 1 / 0, "ZeroDivisionError"),
    ("nan", lambda X, y, w, b: (np.array([np.nan, 0]), 0.0), "w[1] is nan"),
    ("exits", lambda X, y, w, b: exit(0), "sys.exit(0)"),
    ("interrupt", lambda X, y, w, b: (_ for _ in ()).throw(KeyboardInterrupt()), "interrupted"),
]


@pytest.mark.parametrize(
    "fn,message",
    [(f, m) for _, f, m in FAILING_CANDIDATES],
    ids=[i for i, _, _ in FAILING_CANDIDATES],
)
def test_a_candidate_that_produces_no_gradient_fails(fn, message):
    report = check_gradient("perceptron", grad=fn, X=X0, y=Y0, w=[0.5, 0.5], b=0.0)
    assert not report.passed
    assert message in str(report)
    assert report.points[report.primary].failure is not None


def test_data_too_large_to_check_is_refused():
    # every entry is finite but the sums overflow float64: refuse rather than guess
    X = np.array([[1e308, 1e308], [1e308, 1.0]])
    with pytest.raises(GradproofError, match="too large"):
        check_gradient("perceptron", X=X, y=np.array([1.0, -1.0]), w=[0.0, 0.0], b=0.0)
