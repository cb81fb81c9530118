"""gradproof's own notes are right by construction: auditing them must flag nothing.

This is the audit's false-positive check on documents it did not write for itself: real
derivations, worked examples, descent tables and code, in Markdown and LaTeX, English and
Chinese. The code blocks are run too (``run=True``).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gradproof.audit import audit
from gradproof.cli import cli


@pytest.mark.parametrize(
    "loss, fmt, lang",
    [
        ("perceptron", "markdown", "en"),
        ("perceptron", "markdown", "zh"),
        ("hinge", "markdown", "zh"),
        ("hinge", "latex", "en"),
        ("logistic", "markdown", "en"),
        ("squared_error", "latex", "en"),
    ],
)
def test_own_notes_have_no_wrong_claim(tmp_path, loss, fmt, lang):
    out = tmp_path / "notes"
    args = [
        "notes",
        loss,
        "--X",
        "[[2,3],[1,-1],[0.5,2]]",
        "--y",
        "[1,-1,1]",
        "--format",
        fmt,
        "--lang",
        lang,
        "--no-figures",
        "-o",
        str(out),
    ]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    (post,) = [p for p in out.iterdir() if p.suffix in (".md", ".tex")]
    r = audit(post, run=True)
    assert r.wrong == [], "\n".join(r.lines())
    assert r.loss == loss
    assert r.summary["ok"] >= 10
