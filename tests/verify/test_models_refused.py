"""The Python API's commands that do not support models with K scores yet refuse them with
one OptionError line (issue 15), instead of failing deeper down."""

from __future__ import annotations

import pytest

import gradproof
from gradproof.errors import OptionError
from gradproof.notes.compare import compare
from gradproof.notes.train import train
from gradproof.numeric.export import export_module


@pytest.mark.parametrize(
    "call",
    [
        lambda: gradproof.check_gradient("softmax"),
        lambda: gradproof.assert_gradient(gradproof.derive("multiclass_hinge")),
        lambda: gradproof.check_gradient(gradproof.derive(expr="logsumexp(s) - s[y]")),
        lambda: export_module(gradproof.derive("softmax")),
        lambda: train(gradproof.derive("softmax", example=True), None),
        lambda: compare(["softmax", "hinge"]),
    ],
    ids=["check", "assert", "check-expr", "codegen", "train", "compare"],
)
def test_refused_in_one_line(call):
    with pytest.raises(OptionError, match="does not support models") as info:
        call()
    assert "\n" not in str(info.value)
