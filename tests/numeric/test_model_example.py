"""The worked example of a model with K scores per sample in the rendered derivation (issue 15):
every printed number (S, P, G, ∂L/∂W, ∂L/∂b, the update) equals an independent numpy
computation written here; text, LaTeX and Markdown print the same numbers; built-in data
when none is given; long data is cut to the first rows; the LaTeX compiles without a display
running into the margin."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

import gradproof
from gradproof.symbolic.render.example import MAX_LISTED

X = np.array([[1.0, 2.0], [0.0, 1.0], [2.0, 0.0], [-1.0, 0.5]])
LABELS = np.array([0, 2, 1, 2])
TARGETS = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0], [0.0, 1.0, 1.5], [0.2, -0.3, 0.4]])
W0 = np.array([[0.3, -0.2], [0.1, 0.4], [-0.5, 0.25]])
B0 = np.array([0.1, -0.3, 0.2])
AT = {"W": W0.tolist(), "b": B0.tolist()}
PARAMS = {"l2": {"lam": 0.3}, "l1": {"lam": 0.2}, "elastic_net": {"lam1": 0.2, "lam2": 0.5}}


# -- the oracle: G = ∂ℓᵢ/∂sᵢ of each loss, written out in numpy ---------------------------------
def oracle_G(loss, S, y):
    n, K = S.shape
    rows = np.arange(n)
    if loss == "multi_squared_error":
        return S - y
    if loss == "softmax":
        P = np.exp(S - S.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        P[rows, y] -= 1
        return P
    M = S - S[rows, y][:, None] + 1.0
    M[rows, y] = -np.inf
    G = np.zeros_like(S)
    if loss == "multiclass_hinge":  # Weston–Watkins
        G = (M > 0).astype(float)
        G[rows, y] = -G.sum(axis=1)
        return G
    r = M.argmax(axis=1)  # Crammer–Singer: the strongest rival
    on = M[rows, r] > 0
    G[rows[on], r[on]] = 1.0
    G[rows[on], y[on]] = -1.0
    return G


def oracle_reg(reg, W):
    p = PARAMS.get(reg or "", {})
    if reg == "l2":
        return p["lam"] * W
    if reg == "l1":
        return p["lam"] * np.sign(W)
    if reg == "elastic_net":
        return p["lam1"] * np.sign(W) + p["lam2"] * W
    return np.zeros_like(W)


def numbers(text):
    """The numbers in a printed matrix '[1, −2; 0.5, 3]' (rows) or vector '[1, 2]'."""
    body = text.strip().strip("[]").replace("−", "-")
    return np.array([[float(v) for v in row.split(",")] for row in body.split(";")])


def last_bracket(line):
    return numbers(re.findall(r"\[[^\[\]]*\]", line)[-1])


def line_of(text, start):
    found = [ln.strip() for ln in text.splitlines() if ln.strip().startswith(start) and "[" in ln]
    assert len(found) == 1, (start, text)
    return found[0]


def after(text, start, k):
    """The line ``k`` lines below the one that starts with ``start``."""
    lines = [ln.strip() for ln in text.splitlines()]
    (i,) = [j for j, ln in enumerate(lines) if ln.startswith(start)]
    return lines[i + k]


def close(printed, want):
    # six significant digits are printed
    want = np.atleast_2d(want)
    assert printed.shape == want.shape
    assert np.allclose(printed, want, rtol=1e-5, atol=1e-6 * (1 + np.max(np.abs(want))))


CASES = [
    ("softmax", None, False),
    ("softmax", "l2", True),
    ("multiclass_hinge", "l1", False),
    ("crammer_singer", "elastic_net", False),
    ("multi_squared_error", "elastic_net", True),
]


@pytest.mark.parametrize(("loss", "reg", "mean"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_printed_numbers_equal_numpy(loss, reg, mean):
    y = TARGETS if loss == "multi_squared_error" else LABELS
    lr = 0.05
    d = gradproof.derive(
        loss, reg=reg, params=PARAMS.get(reg or ""), mean=mean, X=X, y=y, at=AT, lr=lr
    )
    text = d.render("text")
    n = len(X)
    S = X @ W0.T + B0
    G = oracle_G(loss, S, y)
    scale = 1 / n if mean else 1.0
    gW = scale * G.T @ X + oracle_reg(reg, W0)
    gb = scale * G.sum(axis=0)
    close(last_bracket(line_of(text, "S = ")), S)
    close(last_bracket(line_of(text, "G = ")), G)
    close(last_bracket(line_of(text, "∂L/∂W = ")), gW)
    close(last_bracket(line_of(text, "∂L/∂b = ")), gb)
    close(last_bracket(after(text, "W ← ", 2)), W0 - lr * gW)
    close(last_bracket(after(text, "b ← ", 2)), B0 - lr * gb)
    close(last_bracket(after(text, "b ← ", 1)), gb)  # old − η·[∂L/∂b]
    if loss == "softmax":
        P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
        close(last_bracket(line_of(text, "P = ")), P)
    else:
        assert not [ln for ln in text.splitlines() if ln.strip().startswith("P = ")]


def _tex_matrices(tex):
    return [
        np.array([[float(v) for v in r.split("&")] for r in m.split(r"\\")])
        for m in re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", tex)
    ]


def test_latex_and_markdown_print_the_same_numbers_as_text():
    d = gradproof.derive("softmax", reg="l2", params={"lam": 0.3}, X=X, y=LABELS, at=AT)
    text = d.render("text")
    latex, md = d.render("latex"), d.render("markdown")
    in_tex, in_md = _tex_matrices(latex), _tex_matrices(md)
    assert len(in_tex) == len(in_md) >= 10
    assert all(np.array_equal(a, b) for a, b in zip(in_tex, in_md, strict=True))
    # ∂L/∂W in the text is one of the LaTeX matrices, to the printed digit
    gW = last_bracket(line_of(text, "∂L/∂W = "))
    assert any(a.shape == gW.shape and np.array_equal(a, gW) for a in in_tex)
    assert r"\subsection*{Worked example}" in latex


def test_without_data_the_builtin_example_has_three_classes_of_2d_data():
    d = gradproof.derive("softmax", example=True)
    ex = d.example
    assert (ex.n, ex.d, ex.K) == (3, 2, 3)
    text = d.render("text")
    assert "Worked example" in text and "K = 3 classes" in text
    S = ex.X @ np.zeros((3, 2)).T
    close(last_bracket(line_of(text, "G = ")), oracle_G("softmax", S, ex.y.astype(int)))


def test_cli_derive_prints_the_example_and_no_example_drops_it():
    from click.testing import CliRunner

    from gradproof.cli import cli

    res = CliRunner().invoke(cli, ["derive", "crammer_singer", "--lr", "0.5"])
    assert res.exit_code == 0, res.output
    assert "worked example: update step" in res.output and "η = 0.5" in res.output
    res = CliRunner().invoke(cli, ["derive", "crammer_singer", "--no-example"])
    assert res.exit_code == 0 and "Worked example" not in res.output


def test_long_data_lists_the_first_rows_only():
    rng = np.random.default_rng(3)
    n = 40
    Xl, yl = rng.normal(size=(n, 2)), rng.integers(0, 3, n)
    d = gradproof.derive("softmax", X=Xl, y=yl, at=AT)
    assert d.example.score_gradient.shape == (MAX_LISTED, 3)
    text = d.render("text")
    G = line_of(text, "G = ")
    assert G.endswith("; …]") and f"the first {MAX_LISTED} of {n} rows" in text
    rows = numbers(re.findall(r"\[[^\[\]]*\]", G)[-1].replace("; …", ""))
    close(rows, oracle_G("softmax", Xl @ W0.T + B0, yl)[:MAX_LISTED])
    assert r"\vdots" in d.render("latex")


_NEED_TEX = bool(__import__("os").environ.get("CI"))


@pytest.mark.skipif(shutil.which("pdflatex") is None and not _NEED_TEX, reason="no pdflatex")
def test_latex_with_the_example_compiles_and_no_display_overflows(tmp_path):
    # every loss with a regulariser in one document: one pdflatex run
    docs = [
        gradproof.derive(
            loss,
            reg="elastic_net",
            params=PARAMS["elastic_net"],
            mean=mean,
            X=X,
            y=TARGETS if loss == "multi_squared_error" else LABELS,
            at=AT,
        ).render("latex")
        for loss, _reg, mean in CASES
    ]
    tex = gradproof.derive("softmax", example=True).render("latex", standalone=True)
    tex = tex.replace(r"\end{document}", "\n\n".join(docs) + "\n\\end{document}")
    (tmp_path / "doc.tex").write_text(tex)
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    # fragments are not scaled to fit (a standalone document is): the example's own displays
    # must fit the line unscaled
    lines = tex.splitlines()
    inside, in_example = set(), False
    for number, line in enumerate(lines, 1):
        if line.startswith(r"\section*"):
            in_example = False
        if line.startswith(r"\subsection*{Worked example}"):
            in_example = True
        if in_example:
            inside.add(number)
    assert len(inside) > 100
    overfull = [
        ln
        for ln in log.splitlines()
        if "Overfull \\hbox" in ln and int(re.findall(r"at lines? (\d+)", ln)[0]) in inside
    ]
    assert not overfull, overfull
