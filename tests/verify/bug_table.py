"""Gradient functions for the bug table: wrong ones (each a bug people write) and right ones
in different styles. Loaded by tests/verify/test_bug_table.py, in-process and through the CLI
(``--grad tests/verify/bug_table.py:NAME``), so every function takes (X, y, w, b) and uses
only numpy and math.

Each is registered with ``@case(loss, ...)``: ``correct`` says whether it is right, ``hint`` a
phrase the report must contain when it fails, ``kink`` a convention made binding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LAM = 0.01  # hinge and squared hinge
U1_LAM = 0.1  # the L1-regression user expression's λ


@dataclass(frozen=True)
class Case:
    name: str
    loss: str
    correct: bool
    hint: str | None
    kink: str | None


CASES: list[Case] = []


def case(loss: str, correct: bool = False, hint: str | None = None, kink: str | None = None):
    def register(fn):
        CASES.append(Case(fn.__name__, loss, correct, hint, kink))
        return fn

    return register


def _sig(u):
    """A stable logistic σ(u)."""
    e = np.exp(-np.abs(u))
    return np.where(u >= 0, 1.0, e) / (1.0 + e)


# -- perceptron: ℓ = max(0, −y s), 𝟙 = 1 at the kink ----------------------------------------


@case("perceptron", hint="filter to the active set")
def p_textbook(X, y, w, b):  # right only when handed the misclassified rows
    return -(y @ X), -y.sum()


@case("perceptron", hint="wrong inequality at the kink", kink="include")
def p_strict_lt(X, y, w, b):  # never leaves w = 0
    m = y * (X @ w + b) < 0
    return -(y * m) @ X, -(y * m).sum()


@case("perceptron", hint="1/n")
def p_mean(X, y, w, b):
    m = y * (X @ w + b) <= 0
    return -(y * m) @ X / len(y), -(y * m).sum() / len(y)


@case("perceptron", hint="hard-coded")
def p_b_zero(X, y, w, b):
    m = y * (X @ w + b) <= 0
    return -(y * m) @ X, 0.0


@case("perceptron", hint="reversed")
def p_reversed(X, y, w, b):
    m = y * (X @ w + b) > 0
    return -(y * m) @ X, -(y * m).sum()


@case("perceptron", hint="sign is flipped")
def p_sign(X, y, w, b):
    m = y * (X @ w + b) <= 0
    return (y * m) @ X, (y * m).sum()


@case("perceptron", hint="wrong sign")
def p_sign_b(X, y, w, b):
    m = y * (X @ w + b) <= 0
    return -(y * m) @ X, (y * m).sum()


@case("perceptron")
def p_drop_last(X, y, w, b):  # off by one: the last sample is never visited
    gw, gb = np.zeros(X.shape[1]), 0.0
    for i in range(len(y) - 1):
        if y[i] * (X[i] @ w + b) <= 0:
            gw = gw - y[i] * X[i]
            gb -= y[i]
    return gw, gb


@case("perceptron", hint="only w[")
def p_last_coordinate(X, y, w, b):  # off by one over the features
    m = y * (X @ w + b) <= 0
    gw = np.zeros(X.shape[1])
    for j in range(X.shape[1] - 1):
        gw[j] = -(y * m) @ X[:, j]
    return gw, -(y * m).sum()


@case("perceptron", hint="writes into one of its arguments")
def p_in_place(X, y, w, b):  # flips the negatives' rows in the caller's X
    X[y < 0] *= -1
    m = X @ w + b * y <= 0
    return -(m @ X), -(y * m).sum()


@case("perceptron", hint="shape")
def p_transposed(X, y, w, b):
    m = y * (X @ w + b) <= 0
    return -(X @ (y * m)), -(y * m).sum()


@case("perceptron", correct=True)
def p_ok_mask(X, y, w, b):
    m = y * (X @ w + b) <= 0
    return -(y * m) @ X, -(y * m).sum()


@case("perceptron", correct=True)
def p_ok_loop(X, y, w, b):
    gw, gb = np.zeros(X.shape[1]), 0.0
    for xi, yi in zip(X, y, strict=True):
        if yi * (xi @ w + b) <= 0:
            gw = gw - yi * xi
            gb -= yi
    return gw, gb


@case("perceptron", correct=True)
def p_ok_lt(X, y, w, b):  # exclude at the kink: a valid subgradient when none is binding
    m = y * (X @ w + b) < 0
    return -(y * m) @ X, -(y * m).sum()


@case("perceptron", correct=True)
def p_ok_mixed(X, y, w, b):  # a different choice on each kink sample
    u = -y * (X @ w + b)
    t = np.where(u > 0, 1.0, np.where(u < 0, 0.0, np.arange(len(y)) % 2))
    return -(y * t) @ X, -(y * t).sum()


@case("perceptron", correct=True)
def p_ok_float32(X, y, w, b):  # float32 arithmetic, returned as float64
    X32, y32, w32 = X.astype(np.float32), y.astype(np.float32), w.astype(np.float32)
    m = y32 * (X32 @ w32 + np.float32(b)) <= 0
    c = -(y32 * m)
    return (c @ X32).astype(np.float64), float(c.sum())


# -- hinge: max(0, 1 − y s) + (λ/2)‖w‖², 𝟙 = 0 at the kink ---------------------------------


@case("hinge", hint="regulariser's gradient is missing")
def h_no_reg(X, y, w, b):
    v = y * (X @ w + b) < 1
    return -(y * v) @ X, -(y * v).sum()


@case("hinge", hint="filter to the active set")
def h_no_filter(X, y, w, b):
    return -(y @ X) + LAM * w, -y.sum()


@case("hinge", hint="half")
def h_half_reg(X, y, w, b):
    v = y * (X @ w + b) < 1
    return -(y * v) @ X + LAM / 2 * w, -(y * v).sum()


@case("hinge", hint="wrong inequality at the kink", kink="exclude")
def h_strict_le(X, y, w, b):
    v = y * (X @ w + b) <= 1
    return -(y * v) @ X + LAM * w, -(y * v).sum()


@case("hinge", hint="wrong sign")
def h_sign_b(X, y, w, b):
    v = y * (X @ w + b) < 1
    return -(y * v) @ X + LAM * w, (y * v).sum()


@case("hinge")
def h_margin_without_b(X, y, w, b):
    v = y * (X @ w) < 1
    return -(y * v) @ X + LAM * w, -(y * v).sum()


@case("hinge", hint="reversed")
def h_reversed(X, y, w, b):
    v = y * (X @ w + b) > 1
    return -(y * v) @ X + LAM * w, -(y * v).sum()


@case("hinge", hint="twice")
def h_reg_twice(X, y, w, b):
    v = y * (X @ w + b) < 1
    return -(y * v) @ X + 2 * LAM * w, -(y * v).sum()


@case("hinge")
def h_threshold(X, y, w, b):  # the margin's threshold off by 0.1: wrong only just above 1
    v = y * (X @ w + b) < 1.1
    return -(y * v) @ X + LAM * w, -(y * v).sum()


@case("hinge", correct=True)
def h_ok(X, y, w, b):
    v = y * (X @ w + b) < 1
    return -(y * v) @ X + LAM * w, -(y * v).sum()


@case("hinge", correct=True)
def h_ok_loop(X, y, w, b):
    gw, gb = LAM * w.copy(), 0.0
    for i in range(len(y)):
        if 1 - y[i] * (X[i] @ w + b) > 0:
            gw -= y[i] * X[i]
            gb -= y[i]
    return gw, gb


@case("hinge", correct=True)
def h_ok_where_average(X, y, w, b):  # ½ at the margin
    u = 1 - y * (X @ w + b)
    t = np.where(u > 0, 1.0, np.where(u < 0, 0.0, 0.5))
    return -(y * t) @ X + LAM * w, -(y * t).sum()


# -- squared hinge: max(0, 1 − y s)² + (λ/2)‖w‖² --------------------------------------------


@case("squared_hinge", hint="½")
def sh_no_two(X, y, w, b):
    r = np.maximum(0, 1 - y * (X @ w + b))
    return -(y * r) @ X + LAM * w, -(y * r).sum()


@case("squared_hinge", hint="regulariser's gradient is missing")
def sh_no_reg(X, y, w, b):
    r = np.maximum(0, 1 - y * (X @ w + b))
    return -2 * (y * r) @ X, -2 * (y * r).sum()


@case("squared_hinge", hint="filter to the active set")
def sh_no_max(X, y, w, b):
    r = 1 - y * (X @ w + b)
    return -2 * (y * r) @ X + LAM * w, -2 * (y * r).sum()


@case("squared_hinge", hint="∂L/∂w is the negative")
def sh_sign_w(X, y, w, b):
    r = np.maximum(0, 1 - y * (X @ w + b))
    return -(-2 * (y * r) @ X + LAM * w), -2 * (y * r).sum()


@case("squared_hinge", correct=True)
def sh_ok(X, y, w, b):
    r = np.maximum(0, 1 - y * (X @ w + b))
    return -2 * (y * r) @ X + LAM * w, -2 * (y * r).sum()


@case("squared_hinge", correct=True)
def sh_ok_loop(X, y, w, b):
    gw, gb = LAM * np.array(w, dtype=float), 0.0
    for xi, yi in zip(X, y, strict=True):
        r = 1 - yi * (xi @ w + b)
        if r > 0:
            gw = gw - 2 * r * yi * xi
            gb -= 2 * r * yi
    return gw, gb


# -- logistic: log(1 + exp(−y s)) -----------------------------------------------------------


@case("logistic")
def l_sign_in_sigmoid(X, y, w, b):
    c = -y * _sig(y * (X @ w + b))
    return c @ X, c.sum()


@case("logistic", hint="finite")
def l_overflow(X, y, w, b):  # naive: exp(−y s) overflows at large margins
    e = np.exp(-y * (X @ w + b))
    c = -y * e / (1 + e)
    return c @ X, c.sum()


@case("logistic")
def l_drop_first(X, y, w, b):
    c = -y[1:] * _sig(-y[1:] * (X[1:] @ w + b))
    return c @ X[1:], c.sum()


@case("logistic", hint="1/n")
def l_mean(X, y, w, b):
    c = -y * _sig(-y * (X @ w + b)) / len(y)
    return c @ X, c.sum()


@case("logistic")
def l_scaled(X, y, w, b):
    c = -y * _sig(-y * (X @ w + b)) * (1 + 1e-4)
    return c @ X, c.sum()


@case("logistic", hint="hard-coded")
def l_b_zero(X, y, w, b):
    c = -y * _sig(-y * (X @ w + b))
    return c @ X, 0


@case("logistic", hint="sign is flipped")
def l_no_minus(X, y, w, b):
    c = y * _sig(-y * (X @ w + b))
    return c @ X, c.sum()


@case("logistic")
def l_zero_one_formula(X, y, w, b):  # the 0/1-label gradient used with ±1 labels
    c = _sig(X @ w + b) - y
    return c @ X, c.sum()


@case("logistic")
def l_tail_cut(X, y, w, b):  # "σ is 0 past a margin of 5": wrong only at medium margins
    m = y * (X @ w + b)
    c = np.where(m > 5, 0.0, -y * _sig(-m))
    return c @ X, c.sum()


@case("logistic")
def l_tail_cut_10(X, y, w, b):
    m = y * (X @ w + b)
    c = np.where(m > 10, 0.0, -y * _sig(-m))
    return c @ X, c.sum()


@case("logistic", hint="complex")
def l_complex(X, y, w, b):  # a stray imaginary part (e.g. from np.sqrt of a complex array)
    c = -y * _sig(-y * (X @ w + b))
    return c @ X + 5j, c.sum() + 0j


@case("logistic", correct=True)
def l_ok_logaddexp(X, y, w, b):
    c = -y * np.exp(-np.logaddexp(0, y * (X @ w + b)))
    return c @ X, c.sum()


@case("logistic", correct=True)
def l_ok_where(X, y, w, b):
    m = y * (X @ w + b)
    e = np.exp(-np.abs(m))
    c = -y * np.where(m > 0, e / (1 + e), 1 / (1 + e))
    return c @ X, c.sum()


@case("logistic", correct=True)
def l_ok_float32(X, y, w, b):
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    m = y32 * (X32 @ w.astype(np.float32) + np.float32(b))
    e = np.exp(-np.abs(m))
    c = -y32 * np.where(m > 0, e / (1 + e), 1 / (1 + e))
    return c @ X32, c.sum()


@case("logistic", correct=True)
def l_ok_loop(X, y, w, b):
    gw, gb = np.zeros(X.shape[1]), 0.0
    for xi, yi in zip(X, y, strict=True):
        m = yi * (float(xi @ w) + b)
        c = -yi * (math.exp(-m) / (1 + math.exp(-m)) if m > 0 else 1 / (1 + math.exp(m)))
        gw = gw + c * xi
        gb += c
    return gw, gb


# -- squared error: ½(s − y)² ------------------------------------------------------------------


@case("squared_error", hint="2 ×")
def se_two(X, y, w, b):
    r = X @ w + b - y
    return 2 * (r @ X), 2 * r.sum()


@case("squared_error", hint="shape")
def se_transposed(X, y, w, b):
    r = X @ w + b - y
    return X @ r, r.sum()


@case("squared_error", hint="sign is flipped")
def se_residual_flipped(X, y, w, b):
    r = y - (X @ w + b)
    return r @ X, r.sum()


@case("squared_error", hint="1/n")
def se_mean(X, y, w, b):
    r = X @ w + b - y
    return r @ X / len(y), r.mean()


@case("squared_error", hint="writes into one of its arguments")
def se_in_place(X, y, w, b):
    X -= X.mean(axis=0)  # centres the caller's data
    r = X @ w + b - y
    return r @ X, r.sum()


@case("squared_error")
def se_no_b_in_residual(X, y, w, b):
    r = X @ w - y
    return r @ X, r.sum()


@case("squared_error", hint="hard-coded")
def se_b_zero(X, y, w, b):
    r = X @ w + b - y
    return r @ X, 0.0


@case("squared_error", hint="one value per sample")
def se_wrong_axis(X, y, w, b):
    r = X @ w + b - y
    return (r[:, None] * X).sum(axis=1), r.sum()


@case("squared_error", correct=True)
def se_ok(X, y, w, b):
    r = X @ w + b - y
    return r @ X, r.sum()


@case("squared_error", correct=True)
def se_ok_transpose(X, y, w, b):
    r = X.dot(w) + b - y
    return X.T.dot(r), float(np.sum(r))


@case("squared_error", correct=True)
def se_ok_einsum(X, y, w, b):
    r = np.einsum("ij,j->i", X, w) + b - y
    return np.einsum("i,ij->j", r, X), r.sum()


# -- huber (δ = 1) -------------------------------------------------------------------------------


@case("huber")
def hu_unclipped(X, y, w, b):  # squared error's gradient
    r = X @ w + b - y
    return r @ X, r.sum()


@case("huber")
def hu_l1(X, y, w, b):  # absolute error's gradient
    r = np.sign(X @ w + b - y)
    return r @ X, r.sum()


@case("huber", hint="1/n")
def hu_mean(X, y, w, b):
    r = np.clip(X @ w + b - y, -1, 1) / len(y)
    return r @ X, r.sum()


@case("huber", hint="sign is flipped")
def hu_sign(X, y, w, b):
    r = np.clip(y - X @ w - b, -1, 1)
    return r @ X, r.sum()


@case("huber", correct=True)
def hu_ok_clip(X, y, w, b):
    r = np.clip(X @ w + b - y, -1.0, 1.0)
    return r @ X, r.sum()


@case("huber", correct=True)
def hu_ok_where(X, y, w, b):
    r = X @ w + b - y
    c = np.where(np.abs(r) <= 1.0, r, np.sign(r))
    return c @ X, c.sum()


# -- user expression U1: |w·x + b − y| + (λ/2)‖w‖², λ = 0.1 ----------------------------------


@case("u1_l1", hint="regulariser's gradient is missing")
def u1_no_reg(X, y, w, b):
    c = np.sign(X @ w + b - y)
    return c @ X, c.sum()


@case("u1_l1")
def u1_residual_without_b(X, y, w, b):
    c = np.sign(X @ w - y)
    return c @ X + U1_LAM * w, c.sum()


@case("u1_l1", hint="twice")
def u1_reg_twice(X, y, w, b):
    c = np.sign(X @ w + b - y)
    return c @ X + 2 * U1_LAM * w, c.sum()


@case("u1_l1", correct=True)
def u1_ok(X, y, w, b):
    c = np.sign(X @ w + b - y)
    return c @ X + U1_LAM * w, c.sum()


@case("u1_l1", correct=True)
def u1_ok_kink_choice(X, y, w, b):  # +1 where the residual is exactly 0: a valid choice
    r = X @ w + b - y
    c = np.where(r >= 0, 1.0, -1.0)
    return c @ X + U1_LAM * w, c.sum()


# -- user expression U2: exp(−y (w·x + b)), the exponential loss ----------------------------


@case("u2_exp")
def u2_no_label(X, y, w, b):
    c = -np.exp(-y * (X @ w + b))
    return c @ X, c.sum()


@case("u2_exp", hint="sign is flipped")
def u2_sign(X, y, w, b):
    c = y * np.exp(-y * (X @ w + b))
    return c @ X, c.sum()


@case("u2_exp", correct=True)
def u2_ok(X, y, w, b):
    c = -y * np.exp(-y * (X @ w + b))
    return c @ X, c.sum()


@case("u2_exp", correct=True)
def u2_ok_loop(X, y, w, b):
    gw, gb = np.zeros(X.shape[1]), 0.0
    for i in range(X.shape[0]):
        c = -y[i] * math.exp(-y[i] * (X[i] @ w + b))
        gw = gw + c * X[i]
        gb += c
    return gw, gb
