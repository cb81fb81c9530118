"""--fix: the corrected copy fixes values and introduces nothing new."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradproof.audit import audit

POSTS = Path(__file__).parent / "posts"
EXAMPLE = Path(__file__).parents[2] / "examples" / "posts" / "perceptron_wrong.md"


@pytest.mark.parametrize(
    "path",
    [
        EXAMPLE,
        *(
            POSTS / n
            for n in ["perceptron_en.md", "hinge_zh.md", "logistic_en.tex", "squared_zh.tex"]
        ),
    ],
    ids=lambda p: p.name,
)
def test_fixed_copy_is_no_worse(path):
    before = audit(path)
    fmt = "latex" if path.suffix == ".tex" else "markdown"
    after = audit(before.fixed(), format=fmt)
    was = {(c.line, c.kind) for c in before.wrong}
    now = {(c.line, c.kind) for c in after.wrong}
    assert now <= was and len(now) < len(was)
    assert len(after.claims) == len(before.claims)
    # the fixed copy differs only on lines that held a finding
    old, new = before.source.splitlines(), after.source.splitlines()
    changed = {k + 1 for k, (a, b) in enumerate(zip(old, new, strict=True)) if a != b}
    assert changed and changed <= {c.line for c in before.wrong}


def test_fixed_example_is_clean():
    before = audit(EXAMPLE)
    after = audit(before.fixed())
    assert after.exit_code == 0 and after.summary["ok"] == before.summary["claims"]
    assert "0.1·[2, −2] = [−0.2, 0.2]" in before.diff()


def test_values_keep_their_style():
    text = (
        "$x_1 = (1, 2)$, $x_2 = (3, 0)$, $y = (1, -1)$, $w = 0$, $b = 0$.\n\n"
        "$$\\nabla_w L = (1.50, 1.00)$$\n\n"
        "Unicode: ∂L/∂w = [1.5, 1]\n"
    )
    r = audit(text, loss="perceptron")
    assert [(c.line, c.expected) for c in r.wrong] == [(3, "[2.00, −2.00]"), (5, "[2, −2]")]
    fixed = r.fixed()
    assert "$$\\nabla_w L = (2.00, -2.00)$$" in fixed  # brackets, decimals, LaTeX minus kept
    assert "∂L/∂w = [2, −2]" in fixed  # unicode minus in unicode math
