"""The Python API's commands that do not support models with K scores yet refuse them with
one OptionError line (issue 15), instead of failing deeper down; check_gradient's own
first slice for models refuses the options it does not support the same way."""

from __future__ import annotations

import pytest

import gradproof
from gradproof.errors import OptionError


@pytest.mark.parametrize(
    "extra",
    [{"loss_fn": len}, {"search": True}, {"w": [0.0]}],
    ids=["loss_fn", "search", "w"],
)
def test_model_check_refuses_what_it_does_not_support(extra):
    def grad(X, y, W, b):
        return W, b

    with pytest.raises(OptionError, match="supports grad=") as info:
        gradproof.check_gradient("softmax", grad=grad, X=[[1.0]], y=[0], **extra)
    assert "\n" not in str(info.value)
