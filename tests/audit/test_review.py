"""Regressions from the review of ``gradproof audit`` (A1–A10).

Every expected verdict here was decided by hand, with the arithmetic in a comment; none is
read back from the code under test.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gradproof.audit import audit
from gradproof.cli import cli


def verdicts(text: str, **kw):
    return [(c.line, c.verdict) for c in audit(text, **kw).claims]


# -- A1: a value beyond float64 is unchecked, never a traceback ---------------------------------
@pytest.mark.parametrize(
    "text",
    [
        r"$\log(1 + e^{800}) = 800$",  # true (log1p(e^800) = 800 + 1e-348), but e^800 overflows
        r"$e^{710} = 1$",  # e^710 > 1.8e308
        r"$e^{709} \cdot e^{709} = 1$",
        r"$10^{400} = 1$",
    ],
    ids=["log1p-exp-800", "exp-710", "product", "power"],
)
def test_overflow_is_unchecked_with_its_reason(text, tmp_path):
    r = audit(text)
    assert [c.verdict for c in r.claims] == ["unchecked"]
    assert "(" in r.claims[0].message  # the reason is given
    post = tmp_path / "x.md"
    post.write_text(text + "\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["audit", str(post)])
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "Traceback" not in res.output and "1 unchecked" in res.output


def test_exp_reason_names_the_overflow():
    (c,) = audit(r"$e^{710} = 1$").claims
    assert "too large" in c.message
