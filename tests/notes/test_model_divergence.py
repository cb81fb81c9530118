"""A run whose step leaves the finite numbers is reported as divergence with the learning
rate to lower, for models and networks alike (it said "the point: b1[4] is not finite")."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gradproof.cli import cli


@pytest.mark.parametrize(
    "args",
    [["train", "softmax"], ["train", "mlp", "--layers", "2-8-2"]],
    ids=["softmax", "network"],
)
def test_a_diverging_run_names_the_learning_rate(args):
    res = CliRunner().invoke(cli, [*args, "--lr", "1e308"])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "diverged at epoch 1" in lines[0] and "--lr" in lines[0]
