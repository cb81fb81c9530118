"""The code blocks of a post run as they stand, with numpy only, in a fresh interpreter, and
print exactly the numbers the post shows (issue 12): the first block the worked example's
gradient, the first and second together the gradient-descent table, row by row."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import gradproof
from gradproof.notes import write_notes

from .conftest import SAMPLE_X, SAMPLE_Y, hinge_grad, perceptron_grad

CASES = {
    "perceptron": {},
    "hinge": {},
    "logistic": {},
    "squared_hinge": {},
    "squared_error": {"X": [[2.0, 3.0], [1.0, -1.0]], "y": [1.5, -2.0]},
    "huber": {"X": [[2.0, 3.0], [1.0, -1.0], [0.5, 0.5]], "y": [1.5, -2.0, 4.0], "epochs": 30},
    "mean-expression": {
        "expr": "max(0, 1 - y*dot(w, x))^2 + abs(b)",
        "reg": "lam*norm(w)",
        "params": {"lam": 0.5},
        "mean": True,
        "at": {"w": [0.5, 0.1], "b": 0.2},
    },
}

GUARD = (
    "\nimport sys\n"
    "assert not [m for m in sys.modules if m.split('.')[0] in ('gradproof', 'sympy')]\n"
)


def _run(code: str, tmp_path) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code + GUARD],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.splitlines()


def _post(name: str, tmp_path):
    kwargs = dict(CASES[name])
    epochs = kwargs.pop("epochs", 20)
    loss = None if "expr" in kwargs else name
    d = gradproof.derive(loss, example=True, **kwargs)
    res = write_notes(d, tmp_path / "post", figures=False, epochs=epochs)
    return d, res.document.read_text()


def _shown_gradient(text: str) -> tuple[str, str]:
    """∂L/∂w and ∂L/∂b of the worked example, as the post writes them (plain minus signs)."""
    example = text.split("### Worked example", 1)[1]
    w_line = next(
        ln
        for ln in example.splitlines()
        if ln.startswith(r"\frac{\partial L}{\partial \mathbf{w}}")
    )
    b_line = next(
        ln for ln in example.splitlines() if ln.startswith(r"\frac{\partial L}{\partial b}")
    )
    entries = re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", w_line)[-1].split(" & ")
    b_value = b_line.rstrip(" \\").split(" = ")[-1]
    return "dL/dw = [" + ", ".join(entries) + "]", f"dL/db = {b_value}"


def _table(text: str) -> list[str]:
    """The table's rows as the loop prints them: cells unescaped (Markdown's backslash before
    a parenthesis), plain minus signs."""
    rows = [ln for ln in text.splitlines() if ln.startswith("| ")][1:]
    cells = [[re.sub(r"\\(.)", r"\1", c.strip()) for c in r.strip("| ").split(" | ")] for r in rows]
    return [" ".join(r).replace("−", "-") for r in cells]


@pytest.mark.parametrize("name", list(CASES))
def test_code_blocks_run_and_print_the_posts_numbers(name, tmp_path):
    d, text = _post(name, tmp_path)
    blocks = re.findall(r"```python\n(.*?)\n```", text, re.S)
    assert len(blocks) == 2
    grad_block, loop_block = blocks
    assert "def grad(X, y, w, b):" in grad_block and "gradproof" not in grad_block
    assert _run(grad_block, tmp_path) == list(_shown_gradient(text))
    printed = _run(grad_block + "\n\n" + loop_block, tmp_path)
    assert printed[:2] == list(_shown_gradient(text))
    table = _table(text)
    assert printed[2:] == table and len(table) >= 2


@pytest.mark.parametrize(
    ("name", "oracle"),
    [
        ("perceptron", lambda X, y, w, b: perceptron_grad(X, y, w, b)),
        ("hinge", lambda X, y, w, b: hinge_grad(X, y, w, b, 0.01)),
    ],
)
def test_the_printed_gradient_is_right(name, oracle, tmp_path):
    # An independent check of the generated code: the hand-written gradient of conftest.
    _, text = _post(name, tmp_path)
    grad_block = re.findall(r"```python\n(.*?)\n```", text, re.S)[0]
    code = (
        grad_block
        + "\ngw, gb = grad(X, y, np.array([0.3, -0.2]), 0.1)\nprint([*map(float, gw), float(gb)])"
    )
    out = _run(code, tmp_path)[-1]
    gw, gb = oracle(SAMPLE_X, SAMPLE_Y, np.array([0.3, -0.2]), 0.1)
    values = [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", out)]
    np.testing.assert_allclose(values, [*gw, gb], rtol=1e-12, atol=1e-12)
