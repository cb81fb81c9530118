"""``gradproof codegen`` and ``gradproof derive`` on hyperparameters and losses that would
generate code that cannot run (issue 10): refused with one line and exit code 2, before any
file is written."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gradproof.cli import cli

ATTACKS = [
    ("unused-inf", ["--expr", "y", "--param", "foo=inf"], "foo must be a finite number"),
    ("unused-nan", ["--expr", "y", "--param", "foo=nan"], "foo must be a finite number"),
    ("unused-1e309", ["--expr", "y", "--param", "foo=1e309"], "foo must be a finite number"),
    ("sqrt-negative", ["--expr", "sqrt(-1-b^2)"], "the loss is not real: √(−1 − b²)"),
    ("sqrt-minus-lam", ["--expr", "sqrt(-lam)*y", "--param", "lam=1"], "is not real"),
    ("negative-power", ["--expr", "(-1)^(w·x)"], "the loss is not real: (−1)^(w·x)"),
    ("lam-zero", ["--expr", "y/lam", "--param", "lam=0"], "with lam = 0, the loss contains 1/λ"),
    ("lam-1e308", ["--expr", "lam^2*b", "--param", "lam=1e308"], "beyond the float64 range"),
    ("gradient-only", ["--expr", "lam^b", "--param", "lam=0"], "the gradient contains log(λ)"),
    # d|y^b|/db needs im(y^b) for y < 0 (found by the CLI fuzz test in a fresh venv)
    ("abs-of-power", ["--expr", "abs((y)^(b))"], "the derivative of this loss is not real"),
]


@pytest.mark.parametrize("command", ["codegen", "derive"])
@pytest.mark.parametrize("args, message", [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS])
def test_refused_with_one_line_and_nothing_written(command, args, message, tmp_path):
    out = tmp_path / "module.py"
    res = CliRunner().invoke(cli, [command, *args, "-o", str(out)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], res.stderr
    assert "Traceback" not in res.output + res.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_library_errors_do_not_name_flags_but_the_cli_does():
    from gradproof import derive
    from gradproof.errors import OptionError

    with pytest.raises(OptionError) as info:
        derive("perceptron", example=True, lr=-1)
    assert "--" not in str(info.value) and "lr" in str(info.value)
    res = CliRunner().invoke(cli, ["derive", "perceptron", "--lr", "-1"])
    assert res.exit_code == 2 and "--lr must be a positive number" in res.stderr
