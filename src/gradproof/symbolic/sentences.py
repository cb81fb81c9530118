"""Every sentence a derivation shows, as a whole-sentence template with named placeholders.

The step builders, the worked example and the document renderers take their prose from here
and nowhere else. Each template is one complete sentence (or heading), so a translator sees
the sentence whole and may move its placeholders; where a sentence has optional clauses, each
combination is written out as its own template (keyed by what decides it) instead of being
glued together from fragments. Placeholders stand for formulas, names and numbers, which are
never translated: ``{title}``, ``{set}``, ``{meaning}``, ``{n}`` ... Literal braces are doubled
(``{{`` ``}}``), as :meth:`str.format` wants.

Formulas inside a sentence are placeholders too: either a field the caller passes (a set name,
the numbers of the example) or a name of the notation table
(:data:`~gradproof.symbolic.notation.NOTATION`: ``{score}`` is sᵢ = w·xᵢ + b). :func:`say` fills
every placeholder with text; :func:`say_inline` keeps the formulas as formulas, which LaTeX and
Markdown set as math.

Both look the template up in the message catalog first (:func:`gradproof.i18n._`): English is
the source text.

>>> say(ACTIVE_SAMPLES, count=2, n=4, set="M", meaning="misclassified samples")
'of the 4 samples, 2 are in M (misclassified samples); samples are numbered from 1'
>>> [type(p).__name__ for p in say_inline(CHAIN_RULE, atoms="b")]
['str', 'Formula', 'str', 'Formula', 'str']
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Any

import sympy as sp

from gradproof.i18n import _
from gradproof.symbolic import notation
from gradproof.symbolic.display import Lit
from gradproof.symbolic.steps import Formula, Inline

__all__ = ["say", "say_inline", "prose_inline", "join", "join_inline"]

_FORMATTER = string.Formatter()


def _as_text(value: Any) -> str:
    if isinstance(value, Lit):
        return value.text
    if isinstance(value, Formula) and len(value.chain) == 1 and isinstance(value.chain[0], Lit):
        return value.chain[0].text
    if isinstance(value, tuple):
        return "".join(_as_text(v) for v in value)
    if isinstance(value, (sp.Basic, Formula)):
        raise TypeError(f"say() prints text; give say_inline() the formula {value!r}")
    return str(value)


def _fields(template: str) -> list[tuple[str, str | None, str]]:
    return [(literal, name, spec or "") for literal, name, spec, _c in _FORMATTER.parse(template)]


def say(template: str, **fields: Any) -> str:
    """The sentence ``template`` (one of this module's templates) as text: placeholders filled
    from ``fields``, then from the notation table."""
    out = []
    for literal, name, spec in _fields(_(template)):
        out.append(literal)
        if name is not None:
            value = fields[name] if name in fields else notation.NOTATION[name]
            out.append(format(value, spec) if spec else _as_text(value))
    return "".join(out)


def say_inline(template: str, **fields: Any) -> tuple[Inline, ...]:
    """The sentence ``template`` as pieces: text, and formulas where a placeholder holds one
    (a notation name, a SymPy or display expression, a :class:`Formula`); a tuple of pieces
    is spliced in, and any other object (a renderer's own markup) is kept as a piece."""
    out: list[Inline] = []

    def add(piece: Any) -> None:
        if isinstance(piece, str):
            if out and isinstance(out[-1], str):
                out[-1] += piece
            elif piece:
                out.append(piece)
        elif isinstance(piece, Formula):
            out.append(piece)
        elif isinstance(piece, tuple):
            for p in piece:
                add(p)
        elif isinstance(piece, sp.Basic):
            out.append(Formula((piece,), "index"))
        elif isinstance(piece, (int, float)):
            add(str(piece))
        else:  # a piece the caller marked up itself (code, a link): kept as it is
            out.append(piece)

    for literal, name, spec in _fields(_(template)):
        add(literal)
        if name is not None:
            value = fields[name] if name in fields else notation.NOTATION[name]
            add(format(value, spec) if spec else value)
    return tuple(out)


_IN_PROSE = ("origin", "on_margin", "r_delta", "pm1", "score")
"""Notation recognised inside the plain strings of a loss entry (its notes and description)."""


def prose_inline(text: str) -> tuple[Inline, ...]:
    """A plain string of a loss entry as pieces: the notation it contains (``w = 0, b = 0``,
    ``±1`` …, matched exactly) becomes formulas, the rest stays text."""
    out: list[Inline] = []
    rest = text
    while rest:
        hits = [
            (rest.find(notation.NOTATION[k].text), k)
            for k in _IN_PROSE
            if notation.NOTATION[k].text in rest
        ]
        if not hits:
            out.append(rest)
            break
        at, key = min(hits)
        if at:
            out.append(rest[:at])
        out.append(Formula((notation.NOTATION[key],), "index"))
        rest = rest[at + len(notation.NOTATION[key].text) :]
    return tuple(out)


def join(items: Iterable[str]) -> str:
    """Items of an enumeration inside a sentence ("a, b, c")."""
    return _(LIST_SEPARATOR).join(items)


def join_inline(items: Iterable[Any]) -> tuple[Any, ...]:
    """Formulas (or pieces) of an enumeration, with the separator between them."""
    out: list[Any] = []
    for i, item in enumerate(items):
        if i:
            out.append(_(LIST_SEPARATOR))
        out.append(item)
    return tuple(out)


LIST_SEPARATOR = ", "
CLAUSE_SEPARATOR = "; "  # between independent facts written on one line

# -- the derivation's steps ---------------------------------------------------------------------
DEFINITION = {
    # (averaged, with a regulariser, with the score sᵢ) → the definition step's justification
    (False, False, False): "{title}, summed over the {n} samples",
    (False, False, True): "{title}, summed over the {n} samples, with the score {score}",
    (False, True, False): "{title}, summed over the {n} samples plus a regulariser outside the sum",
    (False, True, True): (
        "{title}, summed over the {n} samples plus a regulariser outside the sum, with the score "
        "{score}"
    ),
    (True, False, False): "{title}, summed over the {n} samples, averaged",
    (True, False, True): "{title}, summed over the {n} samples, averaged, with the score {score}",
    (True, True, False): (
        "{title}, summed over the {n} samples, averaged plus a regulariser outside the sum"
    ),
    (True, True, True): (
        "{title}, summed over the {n} samples, averaged plus a regulariser outside the sum, with "
        "the score {score}"
    ),
}

ACTIVE_SET = {
    # (convention, with the loss's own note on its kink) → the active-set step's justification
    ("include", False): (
        "since {max0u} is {u} where {u_ge_0} and {zero} elsewhere, only the {meaning} ({set}) "
        "contribute; a sample exactly on the kink {u_eq_0} is counted in {set}"
    ),
    ("include", True): (
        "since {max0u} is {u} where {u_ge_0} and {zero} elsewhere, only the {meaning} ({set}) "
        "contribute; a sample exactly on the kink {u_eq_0} is counted in {set} ({note})"
    ),
    ("exclude", False): (
        "since {max0u} is {u} where {u_ge_0} and {zero} elsewhere, only the {meaning} ({set}) "
        "contribute; a sample exactly on the kink {u_eq_0} is left out of {set}"
    ),
    ("exclude", True): (
        "since {max0u} is {u} where {u_ge_0} and {zero} elsewhere, only the {meaning} ({set}) "
        "contribute; a sample exactly on the kink {u_eq_0} is left out of {set} ({note})"
    ),
    ("average", False): (
        "since {max0u} is {u} where {u_ge_0} and {zero} elsewhere, only the {meaning} ({set}) "
        "contribute; a sample exactly on the kink {u_eq_0} is counted with weight {half} in {set}"
    ),
    ("average", True): (
        "since {max0u} is {u} where {u_ge_0} and {zero} elsewhere, only the {meaning} ({set}) "
        "contribute; a sample exactly on the kink {u_eq_0} is counted with weight {half} in {set} "
        "({note})"
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
CHAIN_RULE = "the parameters {w} and {b} reach the loss only through {atoms}"
SCALAR_DERIVATIVE = {
    # also using further rules (named in {rules})?
    False: "the per-sample loss differentiated as a function of {atom}",
    True: "the per-sample loss differentiated as a function of {atom}, also using the {rules}",
}
DOT_PRODUCT = {
    # through the score s = w·x + b (rather than w·x alone)?
    False: "by the rule {dot_rule} for any fixed vector {x}",
    True: "by the rule {dot_rule} for any fixed vector {x}; {b} does not depend on {w}",
}
NORM = "because {norm_sq} and {norm_rule}"
CONSTANT = "the term {wx_i} does not depend on {b}, and {db_db}"
REGULARISER = "the regulariser, differentiated directly; {reg_rule}"
COLLECT = {
    # over an active set?
    False: "put the pieces together",
    True: "put the pieces together; the sum runs over {set} only",
}
MATRIX_FORM = {
    # with an active set?
    False: (
        "stack the samples as the rows of {X} and the labels in {y}; {odot} is the elementwise "
        "product"
    ),
    True: (
        "stack the samples as the rows of {X} and the labels in {y}; {odot} is the elementwise "
        "product and {indicator} the indicator vector of {set}"
    ),
}
RESULT = "the gradient with respect to {wb}"

# -- the worked example -------------------------------------------------------------------------
EXAMPLE_DATA = {
    # with hyperparameters ({params}: "λ = 0.01, ...")?
    False: "the data, {n_eq} samples with {d_eq} features, and the point where the gradient is "
    "evaluated",
    True: (
        "the data, {n_eq} samples with {d_eq} features, and the point where the gradient is "
        "evaluated; {params}"
    ),
}
EXAMPLE_SCORES = {
    # (only the first {shown} of the n samples listed?, with the margins yᵢ sᵢ?)
    (False, False): "the score of each sample, {score}",
    (True, False): "the score of each sample, {score} (the first {shown} of {n_samples})",
    (False, True): "the score of each sample, {score}, and its margin {y_i_s_i}",
    (True, True): (
        "the score of each sample, {score}, and its margin {y_i_s_i} (the first {shown} of "
        "{n_samples})"
    ),
}
ACTIVE_SAMPLES = "of the {n} samples, {count} are in {set} ({meaning}); samples are numbered from 1"
ACTIVE_WHY = (
    "a sample is in {set} when {condition}; of the {n} samples, {count} are in {set} "
    "({meaning}); samples are numbered from 1"
)
EXAMPLE_LOSS = "the loss formula evaluated at this point"
EXAMPLE_GRADIENT_W = {
    # (with a ‖w‖² term (Σᵢ dᵢ) w, with a regulariser term); {formula} is ∂L/∂w = Σᵢ cᵢ xᵢ …
    (False, False): "the derived formula evaluated: per-sample coefficients {c}, then {formula}",
    (False, True): (
        "the derived formula evaluated: per-sample coefficients {c}, then {formula} plus the "
        "regulariser's term"
    ),
    (True, False): (
        "the derived formula evaluated: per-sample coefficients {c} and {d}, then {formula}"
    ),
    (True, True): (
        "the derived formula evaluated: per-sample coefficients {c} and {d}, then {formula} plus "
        "the regulariser's term"
    ),
}
EXAMPLE_GRADIENT_B = {
    # with a regulariser term? {formula} is ∂L/∂b = Σᵢ cᵢ
    False: "the derived formula evaluated: per-sample coefficients {c}, then {formula}",
    True: (
        "the derived formula evaluated: per-sample coefficients {c}, then {formula} plus the "
        "regulariser's term"
    ),
}
EXAMPLE_UPDATE = "one gradient-descent step with learning rate {eta}"

# -- the document around the steps --------------------------------------------------------------
TITLE_TEXT = "{title} — gradient derivation"
TITLE = "{title}: gradient derivation"
WORKED_EXAMPLE = "Worked example"
STEP_LABEL = "{number}. {rule}."  # the bold label before a step's justification
SENTENCE_END = "."  # after a justification in LaTeX and Markdown
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
    "pm1": "labels in {labels_pm1}",
    "real": "real-valued targets",
    "classes": "class labels {labels_classes} (or one-hot rows)",
    "targets": "real-valued targets, K per sample",
}
CONVENTION = {
    # the header's description of max(0, u) under each convention
    "include": (
        "subgradient convention 'include': {max0u} counts a sample exactly on the kink as "
        "active ({one} at {zero})"
    ),
    "exclude": (
        "subgradient convention 'exclude': {max0u} leaves a sample exactly on the kink out "
        "({nought} at {zero})"
    ),
    "average": (
        "subgradient convention 'average': {max0u} gives a sample exactly on the kink weight {half}"
    ),
}
CONVENTION_SHORT = {
    # the same, in a table cell
    "include": "include: a sample on the kink counts ({one} at {zero})",
    "exclude": "exclude: a sample on the kink is left out ({nought} at {zero})",
    "average": "average: a sample on the kink has weight {half}",
}
ABS_CONVENTION = "{abs_u} uses the subgradient 0 at {u_eq_0}"
ABS_CONVENTION_SHORT = "{abs_u} has subgradient 0 at {u_eq_0}"
NO_KINK = "piecewise definition (no kink in the gradient)"
ALL_SAMPLES = "all samples (no max(0, ·))"  # the active set of a loss without one
NO_CONVENTION_SMOOTH = "differentiable: no convention needed"
NO_CONVENTION_PIECEWISE = "piecewise, differentiable at the boundaries"

# -- models with K scores per sample (softmax regression, multi-class SVM, …) -------------------
MODEL_DEFINITION = {
    # (averaged, with a regulariser) → the definition step's justification
    (False, False): (
        "{title} of the {model}, summed over the {n} samples; sample {i} has the {K} scores "
        "{score_row}, row {i} of {scores}"
    ),
    (False, True): (
        "{title} of the {model}, summed over the {n} samples plus a regulariser outside the "
        "sum; sample {i} has the {K} scores {score_row}, row {i} of {scores}"
    ),
    (True, False): (
        "{title} of the {model}, averaged over the {n} samples; sample {i} has the {K} scores "
        "{score_row}, row {i} of {scores}"
    ),
    (True, True): (
        "{title} of the {model}, averaged over the {n} samples plus a regulariser outside "
        "the sum; sample {i} has the {K} scores {score_row}, row {i} of {scores}"
    ),
}
LAYOUT = (
    "layout convention: a gradient has the shape of its parameter, so {example}, and its "
    "entry ({index}) is {entry}"
)
MODEL_SUM = {
    # with a regulariser?
    False: "the derivative of a sum over the samples is the sum of the samples' derivatives",
    True: (
        "the derivative of a sum over the samples is the sum of the samples' derivatives; "
        "the regulariser sits outside the sum"
    ),
}
SCORE_CHAIN = (
    "the parameters reach {ell_i} only through the scores {score_entry}; since {ds_dw} and "
    "{ds_db}, only {l_eq_k} is left of the sum over the classes, and {g_entry} is entry {entry_ik} "
    "of {g_def}"
)
SCORE_RULE = {
    # the loss's rule for ∂ℓ/∂s
    "softmax": (
        "the softmax–cross-entropy rule: the derivative of the log-sum-exp {lse} is the "
        "softmax probability {p}, and that of the true class's score {sy} is the one-hot "
        "label {yk}"
    ),
    "multiclass_hinge": (
        "the multi-class hinge rule (Weston–Watkins): each rival class {rival} whose margin is "
        "violated, {violated}, adds 1 to its own entry of g and −1 to the true class's entry"
    ),
    "crammer_singer": (
        "the multi-class hinge rule (Crammer–Singer): only the strongest rival class r "
        "counts; where its margin is violated, {violated}, g is {diff}"
    ),
    "multi_squared_error": "the squared-error rule: the derivative of {half_sq} is {residual}",
    "custom": (
        "the chain rule through the score functions: {ell} reaches {s} through {atoms}, whose "
        "derivatives with respect to the scores are {directions}"
    ),
}
ROW_SUM = (
    "each row of {G} sums to 0: adding the same number to all scores of a sample does not "
    "change its loss"
)
MODEL_REGULARISER = {
    # (with an L2 part, with an L1 part)
    (True, False): "the regulariser, differentiated directly, entry by entry: {l2_rule}",
    (False, True): (
        "the regulariser, differentiated directly, entry by entry: {l1_rule}, with {sgn0} "
        "(any value in [−1, 1] is a subgradient of |·| at 0)"
    ),
    (True, True): (
        "the regulariser, differentiated directly, entry by entry: {l2_rule} and {l1_rule}, "
        "with {sgn0} (any value in [−1, 1] is a subgradient of |·| at 0)"
    ),
}
MODEL_COLLECT = "put the pieces together, entry by entry"
MATRIX_PRODUCT = (
    "{sum_gx} is entry {entry_kj} of {gtx} and {sum_g} is entry {entry_k} of {gt1}: the "
    "samples are summed by the matrix product; the shapes multiply as {product}, the shape "
    "of {param}"
)
MODEL_RESULT = "the gradient with respect to each parameter, of that parameter's shape"
L1_CONVENTION = (
    "subgradient of {l1norm} at an entry equal to 0: {sgn0} (the L1 convention '{name}')"
)
TIE_CONVENTION = (
    "where classes tie for a maximum, the first one (the lowest label) is taken; any of "
    "them gives a valid subgradient"
)
