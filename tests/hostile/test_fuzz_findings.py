"""Failures the CLI fuzz found, each pinned by its reproducer with the clean outcome.

(Once the fuzz's KNOWN_OPEN list named them; they are fixed, and these keep them fixed.)
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gradproof.cli import cli

CASES = [
    # a loss that does not depend on the data: the complex step returned one number
    ("constant-loss", ["check", "--expr", "softplus(2)"], 0, "PASS"),
    # y^y at a negative label is not real: the exact reference compared complex numbers
    ("not-real-on-data", ["check", "--expr", "max(b, y^y)"], 2, "is not real at sample"),
    # w·w overflowed (a RuntimeWarning) while explaining a non-finite worked example
    (
        "huge-point",
        ["derive", "perceptron", "--at", '{"w": [1e308, 1e308], "b": 0}'],
        2,
        "not finite in float64",
    ),
]


@pytest.mark.parametrize("args, code, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_fuzz_finding_stays_fixed(args, code, words):
    res = CliRunner().invoke(cli, args)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert res.exit_code == code, res.output
    assert words in res.output
    assert "Traceback" not in res.output
    if code == 2:
        assert len(res.output.strip().splitlines()) == 1
