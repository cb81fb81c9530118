"""The derivation assembled from named step builders, the convention registry and the
sentence templates: each fact has one home, and the pieces fit together."""

from __future__ import annotations

import string

import numpy as np
import pytest

import gradproof
from gradproof.errors import OptionError
from gradproof.symbolic import sentences as T
from gradproof.symbolic.builders import STEP_BUILDERS, build_steps
from gradproof.symbolic.context import build_context
from gradproof.symbolic.conventions import CONVENTIONS, active_mask, get_convention
from gradproof.symbolic.losses import LOSSES
from gradproof.symbolic.steps import Rule

RULES_OF = {
    "definition": {Rule.DEFINITION},
    "active_set": {Rule.ACTIVE_SET},
    "sum_rule": {Rule.SUM_RULE},
    "chain_rule": {Rule.CHAIN_RULE},
    "dot_product": {Rule.DOT_PRODUCT},
    "norm_rule": {Rule.NORM},
    "constant_rule": {Rule.CONSTANT},
    "regulariser": {Rule.NORM, Rule.POWER},
    "collect_terms": {Rule.COLLECT},
    "matrix_form": {Rule.MATRIX_FORM},
    "gradient": {Rule.RESULT},
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_the_builders_write_the_derivation(name):
    spec = LOSSES[name]
    d = gradproof.derive(name)
    ctx = build_context(spec, get_convention(spec.kink), mean=False, wrt=("w", "b"))
    assert build_steps(ctx) == d.steps
    # one rule per builder (the scalar derivatives use whichever rules the loss needs)
    for builder in STEP_BUILDERS:
        rules = {step.rule for step in builder(ctx)}
        if builder.__name__ != "scalar_derivatives":
            assert rules <= RULES_OF[builder.__name__], (builder.__name__, rules)


def test_perceptron_steps_by_rule():
    d = gradproof.derive("perceptron")
    assert [s.rule for s in d.steps] == [
        Rule.DEFINITION,
        Rule.ACTIVE_SET,
        Rule.SUM_RULE,
        Rule.CHAIN_RULE,
        Rule.CONSTANT_MULTIPLE,  # ∂(−y s)/∂s = −y
        Rule.DOT_PRODUCT,
        Rule.CONSTANT,
        Rule.COLLECT,
        Rule.MATRIX_FORM,
        Rule.RESULT,
    ]


def test_conventions_are_one_registry():
    assert {n: c.value for n, c in CONVENTIONS.items()} == {
        "include": 1.0,
        "exclude": 0.0,
        "average": 0.5,
    }
    for name in CONVENTIONS:  # every convention has its words
        assert name in T.CONVENTION and name in T.CONVENTION_SHORT
        assert (name, False) in T.ACTIVE_SET and (name, True) in T.ACTIVE_SET
    with pytest.raises(OptionError, match="unknown kink convention 'sideways'"):
        gradproof.derive("perceptron", kink="sideways")


@pytest.mark.parametrize(
    "name, expected",
    [("include", [False, True, True]), ("exclude", [False, False, True])],
    ids=["include", "exclude"],
)
def test_active_mask_on_the_kink(name, expected):
    u = np.array([-1.0, 0.0, 2.0])
    assert active_mask(u, CONVENTIONS[name].at_kink).tolist() == expected


def _templates():
    for key, value in vars(T).items():
        if key.isupper() and isinstance(value, str) and "SEPARATOR" not in key:
            yield key, value
        elif key.isupper() and isinstance(value, dict):
            for k, v in value.items():
                yield f"{key}[{k}]", v


@pytest.mark.parametrize("key, template", list(_templates()), ids=[k for k, _ in _templates()])
def test_each_template_is_a_whole_sentence_with_named_placeholders(key, template):
    fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    assert all(f.isidentifier() for f in fields), fields  # named, never positional
    filled = T.say(template, **{f: f"<{f}>" for f in fields})
    assert "{}" not in filled and not filled.endswith((" ", ","))
