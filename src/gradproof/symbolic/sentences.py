"""Every sentence a derivation shows, as a whole-sentence template with named placeholders.

The step builders, the worked example and the document renderers take their prose from here
and nowhere else, through :func:`say`. Each template is one complete sentence (or heading), so
a translator sees the sentence whole and may move its placeholders; where a sentence has
optional clauses, each combination is written out as its own template (keyed by what decides
it) instead of being glued together from fragments. Placeholders stand for formulas, names and
numbers, which are never translated: ``{title}``, ``{set}``, ``{meaning}``, ``{n}`` ...
Literal braces are doubled (``{{`` ``}}``), as :meth:`str.format` wants.

:func:`say` is the one seam a translation catalog goes behind (a gettext lookup of the
template before it is filled).

>>> say(ACTIVE_SAMPLES, count=2, n=4, set="M", meaning="misclassified samples")
'2 of 4 samples are in M (misclassified samples); samples are numbered from 1'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["say", "join"]


def say(template: str, **fields: Any) -> str:
    """The sentence ``template`` (one of this module's templates) with its placeholders filled."""
    return template.format(**fields)


def join(items: Iterable[str]) -> str:
    """Items of an enumeration inside a sentence ("a, b, c")."""
    return LIST_SEPARATOR.join(items)


LIST_SEPARATOR = ", "
CLAUSE_SEPARATOR = "; "  # between independent facts written on one line

# -- the derivation's steps ---------------------------------------------------------------------
DEFINITION = {
    # (averaged, with a regulariser, with the score sᵢ) → the definition step's justification
    (False, False, False): "{title}, summed over the n samples",
    (False, False, True): "{title}, summed over the n samples, with the score sᵢ = w·xᵢ + b",
    (False, True, False): "{title}, summed over the n samples plus a regulariser outside the sum",
    (False, True, True): (
        "{title}, summed over the n samples plus a regulariser outside the sum, with the score "
        "sᵢ = w·xᵢ + b"
    ),
    (True, False, False): "{title}, summed over the n samples, averaged",
    (True, False, True): (
        "{title}, summed over the n samples, averaged, with the score sᵢ = w·xᵢ + b"
    ),
    (True, True, False): (
        "{title}, summed over the n samples, averaged plus a regulariser outside the sum"
    ),
    (True, True, True): (
        "{title}, summed over the n samples, averaged plus a regulariser outside the sum, with "
        "the score sᵢ = w·xᵢ + b"
    ),
}

ACTIVE_SET = {
    # (convention, with the loss's own note on its kink) → the active-set step's justification
    ("include", False): (
        "max(0, u) is u where u ≥ 0 and 0 elsewhere, so only the {meaning} ({set}) contribute; "
        "a sample exactly on the kink u = 0 is counted in {set}"
    ),
    ("include", True): (
        "max(0, u) is u where u ≥ 0 and 0 elsewhere, so only the {meaning} ({set}) contribute; "
        "a sample exactly on the kink u = 0 is counted in {set} ({note})"
    ),
    ("exclude", False): (
        "max(0, u) is u where u ≥ 0 and 0 elsewhere, so only the {meaning} ({set}) contribute; "
        "a sample exactly on the kink u = 0 is left out of {set}"
    ),
    ("exclude", True): (
        "max(0, u) is u where u ≥ 0 and 0 elsewhere, so only the {meaning} ({set}) contribute; "
        "a sample exactly on the kink u = 0 is left out of {set} ({note})"
    ),
    ("average", False): (
        "max(0, u) is u where u ≥ 0 and 0 elsewhere, so only the {meaning} ({set}) contribute; "
        "a sample exactly on the kink u = 0 is counted with weight ½ in {set}"
    ),
    ("average", True): (
        "max(0, u) is u where u ≥ 0 and 0 elsewhere, so only the {meaning} ({set}) contribute; "
        "a sample exactly on the kink u = 0 is counted with weight ½ in {set} ({note})"
    ),
}

SUM_RULE = {
    # with an active set held fixed?
    False: "the derivative of a sum is the sum of the derivatives",
    True: (
        "the derivative of a sum is the sum of the derivatives; {set} is held fixed, as it "
        "changes only where a sample crosses the kink"
    ),
}
CHAIN_RULE = "w and b reach the loss only through {atoms}"
SCALAR_DERIVATIVE = {
    # also using further rules (named in {rules})?
    False: "the per-sample loss differentiated as a function of {atom}",
    True: "the per-sample loss differentiated as a function of {atom}, also using the {rules}",
}
DOT_PRODUCT = {
    # through the score s = w·x + b (rather than w·x alone)?
    False: "∂(w·x)/∂w = x for any fixed vector x",
    True: "∂(w·x)/∂w = x for any fixed vector x; b does not depend on w",
}
NORM = "‖w‖² = w·w and ∂(w·w)/∂w = 2w"
CONSTANT = "w·xᵢ does not depend on b, and ∂b/∂b = 1"
REGULARISER = "the regulariser, differentiated directly; ∂‖w‖²/∂w = 2w"
COLLECT = {
    # over an active set?
    False: "put the pieces together",
    True: "put the pieces together; the sum runs over {set} only",
}
MATRIX_FORM = {
    # with an active set?
    False: "stack the samples as the rows of X and the labels in y; ⊙ is the elementwise product",
    True: (
        "stack the samples as the rows of X and the labels in y; ⊙ is the elementwise product "
        "and 𝟙_{set} the indicator vector of {set}"
    ),
}
RESULT = "the gradient with respect to (w, b)"

# -- the worked example -------------------------------------------------------------------------
EXAMPLE_DATA = {
    # with hyperparameters ({params}: "λ = 0.01, ...")?
    False: "n = {n} samples with d = {d} features; the point where the gradient is evaluated",
    True: (
        "n = {n} samples with d = {d} features; the point where the gradient is evaluated; {params}"
    ),
}
EXAMPLE_SCORES = {
    # only the first {shown} of the n samples listed?
    False: "the score of each sample, sᵢ = w·xᵢ + b",
    True: "the score of each sample, sᵢ = w·xᵢ + b (the first {shown} of {n})",
}
ACTIVE_SAMPLES = "{count} of {n} samples are in {set} ({meaning}); samples are numbered from 1"
EXAMPLE_LOSS = "the loss formula evaluated at this point"
EXAMPLE_GRADIENT_W = {
    # (with a ‖w‖² term Σᵢ dᵢ w, with a regulariser term); {scale} is "(1/n) " or ""
    (False, False): (
        "the derived formula evaluated: per-sample coefficients c = {c}, then "
        "∂L/∂w = {scale}Σᵢ cᵢ xᵢ"
    ),
    (False, True): (
        "the derived formula evaluated: per-sample coefficients c = {c}, then "
        "∂L/∂w = {scale}Σᵢ cᵢ xᵢ + the regulariser's term"
    ),
    (True, False): (
        "the derived formula evaluated: per-sample coefficients c = {c}, then "
        "∂L/∂w = {scale}Σᵢ cᵢ xᵢ + {scale}(Σᵢ dᵢ) w with d = {d}"
    ),
    (True, True): (
        "the derived formula evaluated: per-sample coefficients c = {c}, then "
        "∂L/∂w = {scale}Σᵢ cᵢ xᵢ + {scale}(Σᵢ dᵢ) w with d = {d} + the regulariser's term"
    ),
}
EXAMPLE_GRADIENT_B = {
    # with a regulariser term?
    False: (
        "the derived formula evaluated: per-sample coefficients c = {c}, then ∂L/∂b = {scale}Σᵢ cᵢ"
    ),
    True: (
        "the derived formula evaluated: per-sample coefficients c = {c}, then "
        "∂L/∂b = {scale}Σᵢ cᵢ + the regulariser's term"
    ),
}
EXAMPLE_UPDATE = "one gradient-descent step with learning rate η = {eta}"

# -- the document around the steps --------------------------------------------------------------
TITLE_TEXT = "{title} — gradient derivation"
TITLE = "{title}: gradient derivation"
WORKED_EXAMPLE = "Worked example"
SOURCE = {
    # with a regulariser? — the loss as the user typed it
    False: "{expr}",
    True: "{expr}; regulariser: {reg}",
}
AS_WRITTEN_TEXT = "as written: {source}"
AS_WRITTEN = {
    # with a regulariser? ({expr} and {reg} already marked up as code)
    False: "As written: {expr}",
    True: "As written: {expr}, regulariser {reg}",
}
LOSS_FORMULA = "loss: {formula}"
HYPERPARAMETERS = "hyperparameters: {values}"
LABEL_SETS = {
    "pm1": "labels in {{−1, +1}}",
    "real": "real-valued targets",
}
CONVENTION = {
    # the header's description of max(0, u) under each convention
    "include": (
        "subgradient convention 'include': max(0, u) counts a sample exactly on the kink as "
        "active (𝟙 = 1 at 0)"
    ),
    "exclude": (
        "subgradient convention 'exclude': max(0, u) leaves a sample exactly on the kink out "
        "(𝟙 = 0 at 0)"
    ),
    "average": (
        "subgradient convention 'average': max(0, u) gives a sample exactly on the kink weight ½"
    ),
}
CONVENTION_SHORT = {
    # the same, in a table cell
    "include": "include: a sample on the kink counts (𝟙 = 1 at 0)",
    "exclude": "exclude: a sample on the kink is left out (𝟙 = 0 at 0)",
    "average": "average: a sample on the kink has weight ½",
}
ABS_CONVENTION = "|u| uses the subgradient 0 at u = 0"
ABS_CONVENTION_SHORT = "|u| has subgradient 0 at u = 0"
NO_KINK = "piecewise definition (no kink in the gradient)"
ALL_SAMPLES = "all samples (no max(0, ·))"  # the active set of a loss without one
NO_CONVENTION_SMOOTH = "differentiable: no convention needed"
NO_CONVENTION_PIECEWISE = "piecewise, differentiable at the boundaries"
