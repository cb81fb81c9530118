"""Oracle tests: compiled loss and gradient against numpy formulas written in the tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import mpmath
import numpy as np
import pytest

from gradproof import derive
from gradproof.numeric import clear_cache, compile_derivation
from gradproof.symbolic.losses import LOSSES


def _load(name: str):
    """A helper module next to this file (tests run with --import-mode=importlib)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


oracles = _load("oracles_numpy")

RTOL = 1e-12  # float64: the same formula summed in another order


def assert_close(actual, expected, rtol=RTOL):
    """|a − e| ≤ rtol·(|e| + scale): relative, with the magnitude of the whole result as scale
    so an entry that is a sum cancelling to ~0 is judged against the terms it came from."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


def check_all(f, X, y, w, b, ref, rtol=RTOL):
    L, gw, gb = ref(X, y, w, b)
    assert_close(f.loss(X, y, w, b), L, rtol)
    g = f.grad(X, y, w, b)
    assert_close(g[0], gw, rtol)
    assert_close(g[1], gb, rtol)
    lg = f.loss_and_grad(X, y, w, b)
    assert_close(lg[0], L, rtol)
    assert_close(lg[1], gw, rtol)
    assert_close(lg[2], gb, rtol)


# -- every built-in loss, random data, both code paths (whole arrays / blocks) -----------
@pytest.mark.parametrize("n", [37, 20_000], ids=["short", "blocked"])
@pytest.mark.parametrize("name", list(LOSSES))
def test_builtin_matches_oracle(name, n):
    X, y, w, b = oracles.make_data(n, 7, LOSSES[name].labels, seed=n)
    check_all(derive(name).numpy(), X, y, w, b, oracles.oracle(name))


@pytest.mark.parametrize(
    "name, params, ref",
    [
        ("hinge", {"lam": 0.7}, lambda X, y, w, b: oracles.hinge(X, y, w, b, lam=0.7)),
        ("squared_hinge", {"lam": 2.0}, lambda X, y, w, b: oracles.squared_hinge(X, y, w, b, 2.0)),
        ("huber", {"delta": 0.3}, lambda X, y, w, b: oracles.huber(X, y, w, b, delta=0.3)),
    ],
    ids=["hinge-lam", "squared_hinge-lam", "huber-delta"],
)
def test_hyperparameters(name, params, ref):
    X, y, w, b = oracles.make_data(500, 4, LOSSES[name].labels, seed=3)
    check_all(derive(name, params=params).numpy(), X, y, w, b, ref)


@pytest.mark.parametrize("name", ["perceptron", "hinge", "squared_hinge"])
def test_kink_convention_on_exact_kinks(name):
    X, y, w, b = oracles.integer_data(400, 3)
    margins = y * (X @ w + b)
    assert np.any(margins == 0) and np.any(margins == 1)  # the data does hit the kinks
    check_all(derive(name).numpy(), X, y, w, b, oracles.oracle(name))


def test_average_convention_takes_half_at_the_kink():
    X, y, w, b = oracles.integer_data(300, 3)
    m = y * (X @ w + b)
    h = np.where(m < 0, 1.0, np.where(m == 0, 0.5, 0.0))  # 1[−m ≥ 0], ½ at 0
    gw, gb = derive("perceptron", kink="average").numpy().grad(X, y, w, b)
    assert_close(gw, X.T @ (-y * h))
    assert_close(gb, np.sum(-y * h))


def test_mean_divides_by_n():
    X, y, w, b = oracles.make_data(300, 5, "pm1", seed=9)
    L, gw, gb = oracles.hinge(X, y, w, b)
    reg, reg_w = 0.01 / 2 * w @ w, 0.01 * w
    f = derive("hinge", mean=True).numpy()
    lm, gwm, gbm = f.loss_and_grad(X, y, w, b)
    assert_close(lm, (L - reg) / 300 + reg)
    assert_close(gwm, (gw - reg_w) / 300 + reg_w)
    assert_close(gbm, gb / 300)


# -- user expressions ----------------------------------------------------------------------
def _sig(u):
    return np.exp(-np.logaddexp(0, -u))


USER = [
    (
        "exp(-y*(w·x + b))",
        None,
        {},
        lambda X, y, w, b: (
            np.sum(np.exp(-y * (X @ w + b))),
            X.T @ (-y * np.exp(-y * (X @ w + b))),
            np.sum(-y * np.exp(-y * (X @ w + b))),
        ),
    ),
    (
        "sqrt(1 + (w·x + b - y)^2) - 1",
        "lam*norm(w)",
        {"lam": 0.1},
        lambda X, y, w, b: (
            np.sum(np.sqrt(1 + (X @ w + b - y) ** 2) - 1) + 0.1 * np.linalg.norm(w),
            X.T @ ((X @ w + b - y) / np.sqrt(1 + (X @ w + b - y) ** 2))
            + 0.1 * w / np.linalg.norm(w),
            np.sum((X @ w + b - y) / np.sqrt(1 + (X @ w + b - y) ** 2)),
        ),
    ),
    (
        "max(0, 1 - y*(w·x + b))^3",
        None,
        {},
        lambda X, y, w, b: (
            np.sum(np.clip(1 - y * (X @ w + b), 0, None) ** 3),
            X.T @ (-3 * y * np.clip(1 - y * (X @ w + b), 0, None) ** 2),
            np.sum(-3 * y * np.clip(1 - y * (X @ w + b), 0, None) ** 2),
        ),
    ),
    (
        "log(1 + exp(-y*(w·x + b))) + lam/2*dot(w, w)",
        None,
        {"lam": 0.5},
        lambda X, y, w, b: (
            np.sum(np.logaddexp(0, -y * (X @ w + b))) + len(y) * 0.25 * w @ w,
            X.T @ (-y * _sig(-y * (X @ w + b))) + len(y) * 0.5 * w,
            np.sum(-y * _sig(-y * (X @ w + b))),
        ),
    ),
    (
        "y*tanh(w·x) + b^2 + dot(x, x)*b",
        None,
        {},
        lambda X, y, w, b: (
            np.sum(y * np.tanh(X @ w) + b * b + np.sum(X * X, axis=1) * b),
            X.T @ (y * (1 - np.tanh(X @ w) ** 2)),
            np.sum(2 * b + np.sum(X * X, axis=1)),
        ),
    ),
    (
        "(w·x)^2 / (1 + dot(w, w))",
        None,
        {},
        lambda X, y, w, b: (
            np.sum((X @ w) ** 2) / (1 + w @ w),
            X.T @ (2 * (X @ w) / (1 + w @ w)) - np.sum((X @ w) ** 2) * 2 * w / (1 + w @ w) ** 2,
            0.0,
        ),
    ),
    (
        "abs(w·x + b - y)",
        None,
        {},
        lambda X, y, w, b: (
            np.sum(np.abs(X @ w + b - y)),
            X.T @ np.sign(X @ w + b - y),
            np.sum(np.sign(X @ w + b - y)),
        ),
    ),
    (
        "1/(1 + exp(y*(w·x + b)))",
        None,
        {},
        lambda X, y, w, b: (
            np.sum(_sig(-y * (X @ w + b))),
            X.T @ (-y * _sig(y * (X @ w + b)) * _sig(-y * (X @ w + b))),
            np.sum(-y * _sig(y * (X @ w + b)) * _sig(-y * (X @ w + b))),
        ),
    ),
]


@pytest.mark.parametrize("n", [29, 9_000], ids=["short", "blocked"])
@pytest.mark.parametrize("expr, reg, params, ref", USER, ids=[u[0] for u in USER])
def test_user_expression_matches_oracle(expr, reg, params, ref, n):
    X, y, w, b = oracles.make_data(n, 4, "pm1", seed=n + len(expr))
    X = X / 2
    check_all(derive(expr=expr, reg=reg, params=params).numpy(), X, y, w, b, ref)


def test_user_expression_matches_finite_differences():
    """A second, formula-free oracle: central differences of the compiled loss itself."""
    f = derive(expr="softplus(-y*(w·x + b)) + (w·x - y)^2/4 + sqrt(1 + dot(w, w))").numpy()
    X, y, w, b = oracles.make_data(50, 3, "pm1", seed=5)
    gw, gb = f.grad(X, y, w, b)
    h = 1e-6
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        fd = (f.loss(X, y, w + e, b) - f.loss(X, y, w - e, b)) / (2 * h)
        assert abs(fd - gw[j]) <= 1e-6 * max(1.0, abs(gw[j]))
    fd = (f.loss(X, y, w, b + h) - f.loss(X, y, w, b - h)) / (2 * h)
    assert abs(fd - gb) <= 1e-6 * max(1.0, abs(gb))


# -- dtypes and stability ---------------------------------------------------------------------
@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("n", [40, 10_000], ids=["short", "blocked"])
def test_float32_in_float32_out(name, n):
    X, y, w, b = oracles.make_data(n, 5, LOSSES[name].labels, seed=2, dtype=np.float32)
    f = derive(name).numpy()
    L, gw, gb = f.loss_and_grad(X, y, w, b)
    assert L.dtype == np.float32 and gw.dtype == np.float32 and gb.dtype == np.float32
    assert f.loss(X, y, w, b).dtype == np.float32
    g = f.grad(X, y, w, b)
    assert g[0].dtype == np.float32 and g[1].dtype == np.float32
    ref = oracles.oracle(name)(*(a.astype(np.float64) for a in (X, y, w)), b)
    for got, want in zip((L, gw, gb), ref, strict=True):
        assert_close(got, want, rtol=2e-5)


def test_float64_weights_follow_float32_data():
    X, y, w, b = oracles.make_data(20, 3, "pm1", dtype=np.float32)
    gw, gb = derive("logistic").numpy().grad(X, y, w.astype(np.float64), np.float64(b))
    assert gw.dtype == np.float32 and gb.dtype == np.float32


def test_integer_inputs_compute_in_float64():
    X = np.array([[1, 2], [3, -1]])
    gw, gb = derive("perceptron").numpy().grad(X, [1, -1], [0, 0], 0)
    assert gw.dtype == np.float64
    np.testing.assert_array_equal(gw, [2.0, -3.0])  # both on the boundary: both counted
    assert gb == 0.0


def _softplus_mp(u):
    return float(mpmath.log1p(mpmath.exp(mpmath.mpf(u))))


def _sigmoid_mp(u):
    return float(1 / (1 + mpmath.exp(-mpmath.mpf(u))))


@pytest.mark.parametrize("n_rep", [1, 2000], ids=["short", "blocked"])
def test_logistic_is_stable_at_large_margins(n_rep):
    margins = np.array([1000.0, -1000.0, 700.0, -745.0, 36.0, -36.0, 1e-3, 0.0])
    labels = np.array([1.0, 1.0, -1.0, -1.0, 1.0, -1.0, 1.0, 1.0])
    X = np.tile((margins * labels)[:, None], (n_rep, 1))  # w = 1, b = 0: yᵢ sᵢ = margin
    y = np.tile(labels, n_rep)
    ell = np.array([_softplus_mp(-v) for v in margins])
    c = np.array([-yy * _sigmoid_mp(-v) for v, yy in zip(margins, labels, strict=True)])
    f = derive("logistic").numpy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        L, gw, gb = f.loss_and_grad(X, y, np.ones(1), 0.0)
        coef = f.coefficients(X, y, np.ones(1), 0.0)
    np.testing.assert_allclose(coef["cw"][:8], c, rtol=1e-12, atol=0)
    np.testing.assert_allclose(coef["ell"][:8], ell, rtol=1e-12, atol=0)
    np.testing.assert_allclose(L, n_rep * ell.sum(), rtol=1e-12)
    np.testing.assert_allclose(gw, [n_rep * np.sum(c * X[:8, 0])], rtol=1e-12)
    np.testing.assert_allclose(gb, n_rep * np.sum(c), rtol=1e-12, atol=1e-12)


# -- the compiled object ------------------------------------------------------------------------
def test_coefficients_and_switches():
    X, y, w, b = oracles.make_data(30, 3, "pm1", seed=4)
    f = derive("hinge").numpy()
    c = f.coefficients(X, y, w, b)
    assert set(c) == {"s", "z", "ell", "cw", "cb", "cq"}
    s = X @ w + b
    assert_close(c["s"], s)
    assert_close(c["z"], X @ w)
    assert_close(c["ell"], np.clip(1 - y * s, 0, None))
    assert_close(c["cw"], np.where(y * s < 1, -y, 0.0))
    assert_close(c["cq"], np.zeros(30))
    assert all(v.shape == (30,) for v in c.values())
    (u,) = f.switches(X, y, w, b)
    assert_close(u, 1 - y * s)


def test_compiled_functions_are_cached():
    clear_cache()
    f1 = derive("hinge", params={"lam": 0.2}).numpy()
    assert derive("hinge", params={"lam": 0.2}).numpy() is f1
    assert derive("hinge", params={"lam": 0.3}).numpy() is not f1
    assert compile_derivation(derive("hinge", params={"lam": 0.2})) is f1
    clear_cache()
    assert derive("hinge", params={"lam": 0.2}).numpy() is not f1


def _function_source(source: str, name: str) -> str:
    start = source.index(f"def {name}(")
    end = source.find("\ndef ", start + 1)
    return source[start:end]


def test_source_is_kept_and_shows_both_schedules():
    f = derive("logistic").numpy()
    assert f.form == derive("logistic").form
    grad = _function_source(f.source, "_grad")
    assert '_scheduled("_grad", _grad_one_pass, _grad_two_pass, X, y, w, b)' in grad
    assert "_map_rows(_grad_rows" in _function_source(f.source, "_grad_one_pass")
    two = _function_source(f.source, "_grad_two_pass")
    # two-pass: one pass for the scores, one for cw @ X
    assert two.count("_scores(X, w, b)") == 1 and two.count("@ X") == 1
    # one-pass: each block of rows is used once for its scores and once for cw @ X
    rows = _function_source(f.source, "_grad_rows")
    assert rows.count("_scores(X, w, b)") == 1 and rows.count("_numpy.dot(cw, X)") == 1
    assert "@" not in rows  # np.dot lets the other threads run; numpy's @ may keep the GIL
    assert "X * X" not in f.source  # no temporary of X's size


def test_user_text_never_reaches_the_source():
    expr = "max(0, 1 - y*(w·x + b))   +   lam  *  dot(w,w)"
    src = derive(expr=expr, params={"lam": 0.25}).numpy().source
    assert expr not in src and "p_lam = 0.25" in src


def test_numeric_package_exports():
    import gradproof.numeric as numeric

    assert all(callable(getattr(numeric, name)) for name in numeric.__all__)
    assert isinstance(derive("logistic").numpy(), numeric.CompiledLoss)


@pytest.mark.parametrize(
    "expr",
    [
        "log(1 + exp(-y*(w·x + b)))",
        "1/(1 + exp(y*(w·x + b)))",
        "exp(y*(w·x + b))/(1 + exp(y*(w·x + b)))",
    ],
)
def test_user_logistic_forms_are_stable(expr):
    """The stable rewrites reach user expressions too: no overflow at margins ±1000."""
    X = np.array([[1000.0], [-1000.0], [0.5]])
    y = np.ones(3)
    f = derive(expr=expr).numpy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        L, gw, gb = f.loss_and_grad(X, y, np.ones(1), 0.0)
    m = X[:, 0]
    sig = np.array([_sigmoid_mp(v) for v in m])  # σ(margin)
    if expr.startswith("log"):
        want_c = -(1 - sig)
    elif expr.startswith("1/"):
        want_c = -sig * (1 - sig)
    else:
        want_c = sig * (1 - sig)
    np.testing.assert_allclose(
        f.coefficients(X, y, np.ones(1), 0.0)["cw"], want_c, rtol=1e-12, atol=0
    )
    assert np.isfinite(L) and np.isfinite(gb) and np.all(np.isfinite(gw))


def test_irrational_constants_keep_float32():
    X, y, w, b = oracles.make_data(30, 2, "real", dtype=np.float32)
    f = derive(expr="sqrt(2)*(w·x + b - y)^2 + log(3)*b").numpy()
    L, gw, gb = f.loss_and_grad(X, y, w, b)
    assert L.dtype == gw.dtype == gb.dtype == np.float32
    r = X.astype(float) @ w + np.float32(b) - y
    assert_close(L, np.sqrt(2) * np.sum(r * r) + 30 * np.log(3) * np.float32(b), rtol=2e-5)


def test_sigmoid_loss_gradient_keeps_relative_accuracy():
    """d/du σ(u) = σ(u)(1 − σ(u)) is printed as σ(u)σ(−u): no cancellation at margin 30."""
    X = np.array([[30.0], [-30.0], [2.0]])
    y = np.ones(3)
    f = derive(expr="sigmoid(-y*(w·x + b))").numpy()
    want = [-_sigmoid_mp(-v) * _sigmoid_mp(v) for v in X[:, 0]]
    np.testing.assert_allclose(
        f.coefficients(X, y, np.ones(1), 0.0)["cw"], want, rtol=1e-12, atol=0
    )
