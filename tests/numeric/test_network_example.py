"""A network's worked example in the rendered derivation (issue 16): every printed number
(the point, Z₁, A₁, …, S, P, L, G, each δ, every ∂L/∂Wₗ and ∂L/∂bₗ, the update) equals an
independent numpy backprop (tests/network_oracle.py, which imports nothing from gradproof);
wide matrices are cut to their first rows and columns; text, Markdown and LaTeX print the same
numbers; the 2-16-3 LaTeX compiles with no display running into the margin."""

from __future__ import annotations

import re

import numpy as np
import pytest
from latex_helper import compile_latex, needs_pdflatex
from network_oracle import backprop, stages, total_loss

import gradproof
from gradproof.symbolic.render.network_example import COLS, ROWS

X = np.array([[1.0, 2.0], [3.0, -4.0], [0.0, 1.0], [-1.0, 0.5]])
CASES = {
    # id: (layers, activation, loss, mean, reg, X, y)
    "2-16-3-relu-softmax": ("2-16-3", "relu", "softmax", False, None, X, np.array([0, 2, 1, 2])),
    "2-5-4-3-tanh-squared-mean": (
        "2-5-4-3",
        "tanh",
        "squared_error",
        True,
        None,
        X,
        np.random.default_rng(1).standard_normal((4, 3)),
    ),
    "3-4-1-sigmoid-logistic-l2": (
        "3-4-1",
        "sigmoid",
        "logistic",
        False,
        "l2",
        np.random.default_rng(2).standard_normal((5, 3)),
        np.array([1.0, -1.0, -1.0, 1.0, 1.0]),
    ),
    "2-3-2-identity-softmax": (
        "2-3-2",
        "identity",
        "softmax",
        False,
        None,
        X,
        np.array([0, 1, 1, 0]),
    ),
}
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def derived(case, seed=3, lr=0.1):
    layers, act, loss, mean, reg, Xc, yc = CASES[case]
    params = {"lam": 0.01} if reg else None
    return gradproof.derive(
        "mlp",
        layers=layers,
        activation=act,
        loss=loss,
        mean=mean,
        reg=reg,
        params=params,
        X=Xc,
        y=yc,
        seed=seed,
        lr=lr,
    )


def example_text(d) -> list[str]:
    lines = d.render("text").splitlines()
    start = next(i for i, ln in enumerate(lines) if "worked example" in ln)
    return [ln.strip() for ln in lines[start:]]


def grid(text: str) -> list[list[float | None]]:
    """The numbers of a printed matrix [a, b, ⋯, c; …; ⋮] (⋯ as None, a ⋮ row dropped)."""
    body = text.strip()
    assert body.startswith("[") and body.endswith("]"), body
    rows = [r for r in body[1:-1].split("; ") if r != "⋮"]
    return [[None if a == "⋯" else float(a.replace("−", "-")) for a in r.split(", ")] for r in rows]


def printed(lines: list[str], head: str) -> str:
    """The numbers after the last ' = ' of the example line that starts with ``head``."""
    found = [ln for ln in lines if ln.startswith(head)]
    assert found, f"no line starts with {head!r}:\n" + "\n".join(lines)
    return found[0].rsplit(" = ", 1)[1]


def assert_shows(text: str, want: np.ndarray) -> None:
    """Printed ``text`` is ``want`` cut to ROWS × COLS (first columns, ⋯, last), 6 digits."""
    want = np.atleast_2d(np.asarray(want, dtype=float))
    got = grid(text)
    assert len(got) == min(len(want), ROWS), text
    cols = list(range(want.shape[1]))
    if len(cols) > COLS:
        cols = [*cols[: COLS - 1], None, cols[-1]]
    for g_row, w_row in zip(got, want, strict=False):
        assert len(g_row) == len(cols), text
        for g, j in zip(g_row, cols, strict=True):
            if j is None:
                assert g is None, text
                continue
            e = w_row[j]
            assert g is not None and abs(g - e) <= 6e-6 * abs(e) + 1e-12, (text, g, e)


@pytest.mark.parametrize("case", list(CASES))
def test_every_printed_number_is_the_independent_backprop(case):
    layers, act, loss, mean, reg, Xc, yc = CASES[case]
    d = derived(case)
    point = {k: np.asarray(v) for k, v in d.example.point.items()}
    # the point of seed 3 is drawn as documented: N(0, 1/fan-in) weights, N(0, 0.1²) biases
    rng = np.random.default_rng(3)
    for name, v in point.items():
        scale = 1 / np.sqrt(v.shape[1]) if name[0] == "W" else 0.1
        np.testing.assert_allclose(v, scale * rng.standard_normal(v.shape), rtol=1e-15)
    lines = example_text(d)
    st = stages(layers, act, loss, Xc, yc, point)
    grad = backprop(layers, act, loss, Xc, yc, point, mean=mean, reg=reg)
    depth = len(layers.split("-")) - 1
    for name, v in point.items():
        assert_shows(printed(lines, f"{name[0]}{name[1:].translate(SUB)} = "), v)
    for ly in range(1, depth):
        sub = str(ly).translate(SUB)
        assert_shows(printed(lines, f"Z{sub} = "), st[f"Z{ly}"])
        assert_shows(printed(lines, f"A{sub} = "), st[f"A{ly}"])
        assert_shows(printed(lines, f"δ{sub} = "), st[f"δ{ly}"])
    assert_shows(printed(lines, "S = "), st["S"])
    if loss == "softmax":
        assert_shows(printed(lines, "P = "), st["P"])
    assert_shows(printed(lines, "G = "), st["G"])
    L = total_loss(layers, act, loss, Xc, yc, point, mean=mean, reg=reg)
    assert abs(float(printed(lines, "L = ").replace("−", "-")) - L) <= 6e-6 * abs(L)
    for name in point:
        sub = name[1:].translate(SUB)
        assert_shows(printed(lines, f"∂L/∂{name[0]}{sub} = "), grad[name])
        new = point[name] - 0.1 * grad[name]
        assert_shows(printed(lines, f"{name[0]}{sub} ← "), new)


def test_wide_matrices_are_cut_and_the_steps_run_top_down():
    lines = example_text(derived("2-16-3-relu-softmax"))
    w1 = printed(lines, "W₁ = ")
    assert w1.endswith("; ⋮]") and w1.count(";") == ROWS  # 16 rows: the first 4, then ⋮
    assert printed(lines, "b₁ = ").count("⋯") == 1  # 16 entries: the first 3, ⋯, the last
    heads = [ln.split(" = ")[0] for ln in lines if " = " in ln]
    order = ["Z₁", "A₁", "S", "P", "L", "G", "∂L/∂W₂", "∂L/∂b₂", "δ₁", "∂L/∂W₁", "∂L/∂b₁"]
    assert [h for h in heads if h in order] == order
    assert "δ₁ = (GW₂) ⊙ relu′(Z₁)" in "\n".join(lines)


def test_the_update_uses_lr_and_a_seed_changes_the_point():
    one, other = derived("2-3-2-identity-softmax", lr=0.5), derived("2-3-2-identity-softmax", 4)
    lines = example_text(one)
    point = {k: np.asarray(v) for k, v in one.example.point.items()}
    layers, act, loss, *_rest, Xc, yc = CASES["2-3-2-identity-softmax"]
    grad = backprop(layers, act, loss, Xc, yc, point)
    assert_shows(printed(lines, "W₂ ← "), point["W2"] - 0.5 * grad["W2"])
    assert "η = 0.5" in "\n".join(lines)
    assert example_text(other) != example_text(derived("2-3-2-identity-softmax"))


def test_markdown_and_latex_print_the_same_numbers():
    d = derived("2-16-3-relu-softmax")
    loss = printed(example_text(d), "L = ")
    g = grid(printed(example_text(d), "∂L/∂b₂ = "))[0]
    for fmt in ("markdown", "latex"):
        out = d.render(fmt)
        assert loss in out
        for v in g:
            assert f"{v:.6g}" in out, (fmt, v)
        assert "begin{bmatrix}" in out and r"\cdots" in out and r"\vdots" in out


def test_json_is_unchanged_by_the_steps():
    d = derived("2-16-3-relu-softmax")
    out = d.example.to_dict()
    assert set(out) == {"n", "d", "K", "point", "scores", "loss", "gradient", "update"}


@needs_pdflatex
def test_the_2_16_3_latex_compiles_with_no_overfull_display(tmp_path):
    d = derived("2-16-3-relu-softmax")
    log = compile_latex(d.render("latex", standalone=True), tmp_path)
    assert "Overfull" not in log, re.findall(r"Overfull.*", log)[:3]
    assert "Missing character" not in log
