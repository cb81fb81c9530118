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
every placeholder with text; :func:`say_inline` keeps the formulas as formulas, which LaTeX
and Markdown set as math.

Both look the template up in the message catalog first (:func:`gradproof.i18n._`): English is
the source text, and every template is marked with :func:`~gradproof.i18n.N_` for it. A
derivation step keeps a :class:`~gradproof.symbolic.steps.Sentence` (made by :func:`sentence`)
instead of its words, and :func:`pieces_of` says it in the language of the rendering.

>>> say(ACTIVE_SAMPLES, count=2, n=4, set="M", meaning="misclassified samples")
'of the 4 samples, 2 are in M (misclassified samples); samples are numbered from 1'
>>> [type(p).__name__ for p in say_inline(CHAIN_RULE, atoms="b")]
['str', 'Formula', 'str', 'Formula', 'str']
>>> from gradproof.i18n import language
>>> s = sentence(ACTIVE_SAMPLES, count=2, n=4, set="M", meaning=words("misclassified samples"))
>>> with language("zh"):
...     print(text_of(s))
4 个样本中有 2 个属于 M（误分类样本集）；样本从 1 开始编号
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Any

import sympy as sp

from gradproof.i18n import N_, Message, _, current_language
from gradproof.symbolic import notation
from gradproof.symbolic.display import Lit
from gradproof.symbolic.steps import Formula, Inline, Join, Justification, Sentence

__all__ = [
    "say",
    "say_inline",
    "said",
    "sentence",
    "words",
    "prose",
    "pieces_of",
    "text_of",
    "prose_inline",
    "join",
    "join_inline",
    "loss_in_sentence",
]

_FORMATTER = string.Formatter()


def _as_text(value: Any) -> str:
    if isinstance(value, Lit):
        return value.text
    if isinstance(value, Formula) and len(value.chain) == 1 and isinstance(value.chain[0], Lit):
        return value.chain[0].text
    if isinstance(value, tuple):
        return "".join(_as_text(v) for v in value)
    if isinstance(value, Sentence):
        return text_of(value)
    if isinstance(value, Join):
        return join(_as_text(v) for v in value.items)
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


def said(template: str, **fields: Any) -> Message:
    """:func:`say` kept for later: a :class:`~gradproof.i18n.Message` that is the English
    sentence and is translated when printed (:func:`gradproof.i18n.tr`). The notation the
    template names is filled in as text."""
    names = {name for _l, name, _s in _fields(template) if name is not None}
    values = {k: fields[k] if k in fields else notation.NOTATION[k].text for k in names}
    return Message(template, **values)


def say_inline(template: str, **fields: Any) -> tuple[Inline, ...]:
    """The sentence ``template`` as pieces: text, and formulas where a placeholder holds one
    (a notation name, a SymPy or display expression, a :class:`Formula`); a tuple of pieces
    is spliced in, a :class:`~gradproof.symbolic.steps.Sentence` or
    :class:`~gradproof.symbolic.steps.Join` is said in the current language, and any other
    object (a renderer's own markup) is kept as a piece."""
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
        elif isinstance(piece, Sentence):
            add(pieces_of(piece))
        elif isinstance(piece, Join):
            add(join_inline(piece.items))
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


# -- sentences kept as data, said when rendered -------------------------------------------------
def sentence(template: str, **fields: Any) -> Sentence:
    """The sentence ``template`` with its fields, to be said (in whatever language the
    rendering asks for) by :func:`pieces_of`."""
    return Sentence(template, tuple(fields.items()))


def words(msgid: str) -> Sentence:
    """A phrase from the catalog (a loss's title, its active set's meaning), said when
    rendered."""
    return Sentence(msgid)


def prose(msgid: str) -> Sentence:
    """A plain sentence from the catalog (a loss's note on its kink) whose notation
    (``w = 0, b = 0`` …) is set as math when rendered (:func:`prose_inline`)."""
    return Sentence(msgid, prose=True)


def pieces_of(justification: Justification) -> tuple[Inline, ...]:
    """A step's justification as pieces in the current language."""
    if not isinstance(justification, Sentence):
        return justification
    if justification.prose:
        return prose_inline(_(justification.template))
    return say_inline(justification.template, **dict(justification.fields))


def text_of(s: Sentence) -> str:
    """A sentence without formulas (or whose formulas are display literals) as text."""
    if s.prose or not s.fields:
        return _(s.template)
    return say(s.template, **dict(s.fields))


def loss_in_sentence(title: str) -> str:
    """A loss's title as it reads inside a sentence in the current language ("the hinge loss
    (soft-margin SVM)"): English starts it with a small letter, the catalog writes it for
    the other languages."""
    text = _(title)
    return text[:1].lower() + text[1:] if current_language() == "en" else text


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
    """Formulas (or pieces) of an enumeration, with the separator between them; sentences
    among them are said in the current language."""
    out: list[Any] = []
    for i, item in enumerate(items):
        if i:
            out.append(_(LIST_SEPARATOR))
        out.extend(pieces_of(item) if isinstance(item, Sentence) else (item,))
    return tuple(out)


LIST_SEPARATOR = N_(", ")
CLAUSE_SEPARATOR = N_("; ")  # between independent facts written on one line

# -- the derivation's steps ---------------------------------------------------------------------
DEFINITION = {
    # (averaged, with a regulariser, with the score sᵢ) → the definition step's justification
    (False, False, False): N_("{title}, summed over the {n} samples"),
    (False, False, True): N_("{title}, summed over the {n} samples, with the score {score}"),
    (False, True, False): N_(
        "{title}, summed over the {n} samples plus a regulariser outside the sum"
    ),
    (False, True, True): (
        N_(
            "{title}, summed over the {n} samples plus a regulariser outside the sum, with the "
            "score "
            "{score}"
        )
    ),
    (True, False, False): N_("{title}, summed over the {n} samples, averaged"),
    (True, False, True): N_(
        "{title}, summed over the {n} samples, averaged, with the score {score}"
    ),
    (True, True, False): (
        N_("{title}, summed over the {n} samples, averaged plus a regulariser outside the sum")
    ),
    (True, True, True): (
        N_(
            "{title}, summed over the {n} samples, averaged plus a regulariser outside the sum, "
            "with "
            "the score {score}"
        )
    ),
}

ACTIVE_SET = {
    # (convention, with the loss's own note on its kink) → the active-set step's justification
    ("include", False): (
        N_(
            "since {max0u} is {u} where {u_ge_0} and {zero} elsewhere, only the {meaning} ({set}) "
            "contribute; a sample exactly on the kink {u_eq_0} is counted in {set}"
        )
    ),
    ("include", True): (
        N_(
            "since {max0u} is {u} where {u_ge_0} and {zero} elsewhere, only the {meaning} ({set}) "
            "contribute; a sample exactly on the kink {u_eq_0} is counted in {set} ({note})"
        )
    ),
    ("exclude", False): (
        N_(
            "since {max0u} is {u} where {u_ge_0} and {zero} elsewhere, only the {meaning} ({set}) "
            "contribute; a sample exactly on the kink {u_eq_0} is left out of {set}"
        )
    ),
    ("exclude", True): (
        N_(
            "since {max0u} is {u} where {u_ge_0} and {zero} elsewhere, only the {meaning} ({set}) "
            "contribute; a sample exactly on the kink {u_eq_0} is left out of {set} ({note})"
        )
    ),
    ("average", False): (
        N_(
            "since {max0u} is {u} where {u_ge_0} and {zero} elsewhere, only the {meaning} ({set}) "
            "contribute; a sample exactly on the kink {u_eq_0} is counted with weight {half} in "
            "{set}"
        )
    ),
    ("average", True): (
        N_(
            "since {max0u} is {u} where {u_ge_0} and {zero} elsewhere, only the {meaning} ({set}) "
            "contribute; a sample exactly on the kink {u_eq_0} is counted with weight {half} in "
            "{set} "
            "({note})"
        )
    ),
}

SUM_RULE = {
    # with an active set held fixed?
    False: N_("the derivative of a sum is the sum of the derivatives"),
    True: (
        N_(
            "the derivative of a sum is the sum of the derivatives; {set} is held fixed, as it "
            "changes only where a sample crosses the kink"
        )
    ),
}
CHAIN_RULE = N_("the parameters {w} and {b} reach the loss only through {atoms}")
SCALAR_DERIVATIVE = {
    # also using further rules (named in {rules})?
    False: N_("the per-sample loss differentiated as a function of {atom}"),
    True: N_("the per-sample loss differentiated as a function of {atom}, also using the {rules}"),
}
DOT_PRODUCT = {
    # through the score s = w·x + b (rather than w·x alone)?
    False: N_("by the rule {dot_rule} for any fixed vector {x}"),
    True: N_("by the rule {dot_rule} for any fixed vector {x}; {b} does not depend on {w}"),
}
NORM = N_("because {norm_sq} and {norm_rule}")
CONSTANT = N_("the term {wx_i} does not depend on {b}, and {db_db}")
REGULARISER = N_("the regulariser, differentiated directly; {reg_rule}")
COLLECT = {
    # over an active set?
    False: N_("put the pieces together"),
    True: N_("put the pieces together; the sum runs over {set} only"),
}
MATRIX_FORM = {
    # with an active set?
    False: (
        N_(
            "stack the samples as the rows of {X} and the labels in {y}; {odot} is the elementwise "
            "product"
        )
    ),
    True: (
        N_(
            "stack the samples as the rows of {X} and the labels in {y}; {odot} is the elementwise "
            "product and {indicator} the indicator vector of {set}"
        )
    ),
}
RESULT = N_("the gradient with respect to {wb}")

# -- the worked example -------------------------------------------------------------------------
EXAMPLE_DATA = {
    # with hyperparameters ({params}: "λ = 0.01, ...")?
    False: N_(
        "the data, {n_eq} samples with {d_eq} features, and the point where the gradient is "
        "evaluated"
    ),
    True: (
        N_(
            "the data, {n_eq} samples with {d_eq} features, and the point where the gradient is "
            "evaluated; {params}"
        )
    ),
}
EXAMPLE_SCORES = {
    # (only the first {shown} of the n samples listed?, with the margins yᵢ sᵢ?)
    (False, False): N_("the score of each sample, {score}"),
    (True, False): N_("the score of each sample, {score} (the first {shown} of {n_samples})"),
    (False, True): N_("the score of each sample, {score}, and its margin {y_i_s_i}"),
    (True, True): (
        N_(
            "the score of each sample, {score}, and its margin {y_i_s_i} (the first {shown} of "
            "{n_samples})"
        )
    ),
}
ACTIVE_SAMPLES = N_(
    "of the {n} samples, {count} are in {set} ({meaning}); samples are numbered from 1"
)
ACTIVE_WHY = N_(
    "a sample is in {set} when {condition}; of the {n} samples, {count} are in {set} "
    "({meaning}); samples are numbered from 1"
)
EXAMPLE_LOSS = N_("the loss formula evaluated at this point")
EXAMPLE_GRADIENT_W = {
    # (with a ‖w‖² term (Σᵢ dᵢ) w, with a regulariser term); {formula} is ∂L/∂w = Σᵢ cᵢ xᵢ …
    (False, False): N_(
        "the derived formula evaluated: per-sample coefficients {c}, then {formula}"
    ),
    (False, True): (
        N_(
            "the derived formula evaluated: per-sample coefficients {c}, then {formula} plus the "
            "regulariser's term"
        )
    ),
    (True, False): (
        N_("the derived formula evaluated: per-sample coefficients {c} and {d}, then {formula}")
    ),
    (True, True): (
        N_(
            "the derived formula evaluated: per-sample coefficients {c} and {d}, then {formula} "
            "plus "
            "the regulariser's term"
        )
    ),
}
EXAMPLE_GRADIENT_B = {
    # with a regulariser term? {formula} is ∂L/∂b = Σᵢ cᵢ
    False: N_("the derived formula evaluated: per-sample coefficients {c}, then {formula}"),
    True: (
        N_(
            "the derived formula evaluated: per-sample coefficients {c}, then {formula} plus the "
            "regulariser's term"
        )
    ),
}
EXAMPLE_UPDATE = N_("one gradient-descent step with learning rate {eta}")
# a model with K scores per sample
MODEL_EXAMPLE_DATA = {
    # with hyperparameters ({params}: "λ = 0.01, ...")?
    False: N_(
        "the data, {n_eq} samples with {d_eq} features and {K_eq} classes (outputs), and the "
        "point where the gradient is evaluated"
    ),
    True: N_(
        "the data, {n_eq} samples with {d_eq} features and {K_eq} classes (outputs), and the "
        "point where the gradient is evaluated; {params}"
    ),
}
MODEL_EXAMPLE_SCORES = {
    # (with the softmax probabilities, only the first {shown} of the n rows listed?)
    (False, False): N_("the scores, one row per sample and one column per class"),
    (False, True): N_(
        "the scores, one row per sample and one column per class (the first {shown} of "
        "{n_samples} rows)"
    ),
    (True, False): N_(
        "the scores, one row per sample and one column per class, and the softmax "
        "probabilities {p_ik} of each row"
    ),
    (True, True): N_(
        "the scores, one row per sample and one column per class, and the softmax "
        "probabilities {p_ik} of each row (the first {shown} of {n_samples} rows)"
    ),
}
MODEL_EXAMPLE_GRADIENT = {
    # only the first {shown} of the n rows of G listed?
    False: N_(
        "the loss's rule evaluated for each sample, {g_ik}, then the matrix products of the "
        "matrix-product rule"
    ),
    True: N_(
        "the loss's rule evaluated for each sample, {g_ik} (the first {shown} of {n_samples} "
        "rows of G), then the matrix products of the matrix-product rule"
    ),
}

# -- the document around the steps --------------------------------------------------------------
TITLE_TEXT = N_("{title} — gradient derivation")
TITLE = N_("{title}: gradient derivation")
WORKED_EXAMPLE = N_("Worked example")
STEP_LABEL = N_("{number}. {rule}.")  # the bold label before a step's justification
SENTENCE_END = N_(".")  # after a justification in LaTeX and Markdown
SOURCE = {
    # with a regulariser? — the loss as the user typed it
    False: N_("{expr}"),
    True: N_("{expr}; regulariser: {reg}"),
}
AS_WRITTEN_TEXT = N_("as written: {source}")
AS_WRITTEN = {
    # with a regulariser? ({expr} and {reg} already marked up as code)
    False: N_("As written: {expr}"),
    True: N_("As written: {expr}, regulariser {reg}"),
}
LOSS_FORMULA = N_("loss: {formula}")
HYPERPARAMETERS = N_("hyperparameters: {values}")
LABEL_SETS = {
    "pm1": N_("labels in {labels_pm1}"),
    "real": N_("real-valued targets"),
    "classes": N_("class labels {labels_classes} (or one-hot rows)"),
    "targets": N_("real-valued targets, K per sample"),
}
CONVENTION = {
    # the header's description of max(0, u) under each convention
    "include": (
        N_(
            "subgradient convention 'include': {max0u} counts a sample exactly on the kink as "
            "active ({one} at {zero})"
        )
    ),
    "exclude": (
        N_(
            "subgradient convention 'exclude': {max0u} leaves a sample exactly on the kink out "
            "({nought} at {zero})"
        )
    ),
    "average": (
        N_(
            "subgradient convention 'average': {max0u} gives a sample exactly on the kink weight "
            "{half}"
        )
    ),
}
CONVENTION_SHORT = {
    # the same, in a table cell
    "include": N_("include: a sample on the kink counts ({one} at {zero})"),
    "exclude": N_("exclude: a sample on the kink is left out ({nought} at {zero})"),
    "average": N_("average: a sample on the kink has weight {half}"),
}
ABS_CONVENTION = N_("{abs_u} uses the subgradient 0 at {u_eq_0}")
ABS_CONVENTION_SHORT = N_("{abs_u} has subgradient 0 at {u_eq_0}")
NO_KINK = N_("piecewise definition (no kink in the gradient)")
ALL_SAMPLES = N_("all samples (no max(0, ·))")  # the active set of a loss without one
NO_CONVENTION_SMOOTH = N_("differentiable: no convention needed")
NO_CONVENTION_PIECEWISE = N_("piecewise, differentiable at the boundaries")

# -- models with K scores per sample (softmax regression, multi-class SVM, …) -------------------
MODEL_DEFINITION = {
    # (averaged, with a regulariser) → the definition step's justification
    (False, False): N_(
        "{title} of the {model}, summed over the {n} samples; sample {i} has the {K} scores "
        "{score_row}, row {i} of {scores}"
    ),
    (False, True): N_(
        "{title} of the {model}, summed over the {n} samples plus a regulariser outside the "
        "sum; sample {i} has the {K} scores {score_row}, row {i} of {scores}"
    ),
    (True, False): N_(
        "{title} of the {model}, averaged over the {n} samples; sample {i} has the {K} scores "
        "{score_row}, row {i} of {scores}"
    ),
    (True, True): N_(
        "{title} of the {model}, averaged over the {n} samples plus a regulariser outside "
        "the sum; sample {i} has the {K} scores {score_row}, row {i} of {scores}"
    ),
}
LAYOUT = N_(
    "layout convention: a gradient has the shape of its parameter, so {example}, and its "
    "entry ({index}) is {entry}"
)
MODEL_SUM = {
    # with a regulariser?
    False: N_("the derivative of a sum over the samples is the sum of the samples' derivatives"),
    True: N_(
        "the derivative of a sum over the samples is the sum of the samples' derivatives; "
        "the regulariser sits outside the sum"
    ),
}
SCORE_CHAIN = N_(
    "the parameters reach {ell_i} only through the scores {score_entry}; since {ds_dw} and "
    "{ds_db}, only {l_eq_k} is left of the sum over the classes, and {g_entry} is entry {entry_ik} "
    "of {g_def}"
)
SCORE_RULE = {
    # the loss's rule for ∂ℓ/∂s
    "softmax": N_(
        "the softmax–cross-entropy rule: the derivative of the log-sum-exp {lse} is the "
        "softmax probability {p}, and that of the true class's score {sy} is the one-hot "
        "label {yk}"
    ),
    "multiclass_hinge": N_(
        "the multi-class hinge rule (Weston–Watkins): each rival class {rival} whose margin is "
        "violated, {violated}, adds 1 to its own entry of g and −1 to the true class's entry"
    ),
    "crammer_singer": N_(
        "the multi-class hinge rule (Crammer–Singer): only the strongest rival class r "
        "counts; where its margin is violated, {violated}, g is {diff}"
    ),
    "multi_squared_error": N_("the squared-error rule: the derivative of {half_sq} is {residual}"),
    # a network's one output unit with labels ±1
    "logistic": N_(
        "the chain rule through the logarithm and the exponential: the derivative of "
        "{logistic} with respect to the score is {logistic_prime}, the label's sign times "
        "the sigmoid of minus the margin"
    ),
    "custom": N_(
        "the chain rule through the score functions: {ell} reaches {s} through {atoms}, whose "
        "derivatives with respect to the scores are {directions}"
    ),
}
ROW_SUM = N_(
    "each row of {G} sums to 0: adding the same number to all scores of a sample does not "
    "change its loss"
)
MODEL_REGULARISER = {
    # (with an L2 part, with an L1 part)
    (True, False): N_("the regulariser, differentiated directly, entry by entry: {l2_rule}"),
    (False, True): N_(
        "the regulariser, differentiated directly, entry by entry: {l1_rule}, with {sgn0} "
        "(any value in [−1, 1] is a subgradient of |·| at 0)"
    ),
    (True, True): N_(
        "the regulariser, differentiated directly, entry by entry: {l2_rule} and {l1_rule}, "
        "with {sgn0} (any value in [−1, 1] is a subgradient of |·| at 0)"
    ),
}
MODEL_COLLECT = N_("put the pieces together, entry by entry")
MATRIX_PRODUCT = N_(
    "{sum_gx} is entry {entry_kj} of {gtx} and {sum_g} is entry {entry_k} of {gt1}: the "
    "samples are summed by the matrix product; the shapes multiply as {product}, the shape "
    "of {param}"
)
MODEL_RESULT = N_("the gradient with respect to each parameter, of that parameter's shape")
L1_CONVENTION = N_(
    "subgradient of {l1norm} at an entry equal to 0: {sgn0} (the L1 convention '{name}')"
)
TIE_CONVENTION = N_(
    "where classes tie for a maximum, the first one (the lowest label) is taken; any of "
    "them gives a valid subgradient"
)
