r"""Models with K scores per sample side by side: one row per item (ℓᵢ, the rule for
G = ∂L/∂S, ∂L/∂W and ∂L/∂b in matrix form, the convention), one column (or line) per loss; then
each loss trained on the same data from the same point (loss, ‖g‖, samples classified right,
epochs) and, with ``figure``, the decision regions of each next to the loss curves. As text,
Markdown for a platform profile, or a standalone LaTeX document.

Formulas are printed from the derivations; every number comes from a training run of the
derived gradient (:func:`gradproof.notes.model_train.train_model`). A loss over real targets
(multi_squared_error) compared with classifiers is trained on the one-hot rows of the labels.

>>> from gradproof.notes.model_compare import compare_models
>>> from gradproof import derive
>>> text = compare_models([derive("softmax"), derive("multiclass_hinge")], epochs=5)
>>> print("\n".join(text.splitlines()[10:13]))
∂L/∂W
  softmax           (P − Y)ᵀX
  multiclass_hinge  (V − diag(V𝟏)Y)ᵀX
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gradproof.datasets import Dataset, sample_model_dataset
from gradproof.i18n import N_, _
from gradproof.markup import blocks as B
from gradproof.markup.latex import to_latex as emit_latex
from gradproof.markup.markdown import to_markdown
from gradproof.markup.platforms import Profile
from gradproof.notes.model_train import (
    ModelTrainResult,
    class_labels,
    model_data,
    run_objective,
    train_model,
)
from gradproof.symbolic import sentences as T
from gradproof.symbolic.render.document import LATEX_PREAMBLE, inline_pieces
from gradproof.symbolic.render.example import fmt
from gradproof.symbolic.render.printers import to_latex, to_text
from gradproof.symbolic.sentences import say_inline
from gradproof.symbolic.steps import Formula

__all__ = ["compare_models", "model_rows", "MODEL_ITEMS"]

MODEL_ITEMS = (N_("loss"), N_("the rule for G"), "∂L/∂W", "∂L/∂b", N_("convention"))
"""The rows of a comparison of models (message ids; ∂L/∂W and ∂L/∂b are maths)."""
_ITEM_MATH = {
    N_("the rule for G"): r"G = \partial L/\partial S",
    "∂L/∂W": r"\partial L/\partial W",
    "∂L/∂b": r"\partial L/\partial \mathbf{b}",
}
SEPARATOR = N_(" vs ")
TRAINED = N_(
    "Trained on {data} ({n} samples, {K} classes): {method}, {eta}, {epochs} epochs from the "
    "same point"
)
TRAINED_NETWORK = N_(
    "Trained on {data} ({n} samples, {K} classes): {method}, {eta}, {epochs} epochs, the linear "
    "models from zeros, the networks from their seeded random point"
)
ONE_HOT = N_("{losses} trained on the one-hot rows of the labels (targets {Y}).")
ROWS = (N_("loss at the start"), N_("final loss"), "‖g‖", N_("correct"), N_("epochs run"))
ALT_FIGURE = N_("Decision regions and loss curves of the compared losses")
CAPTION_FIGURE = N_(
    "The decision regions of each loss after training (the colour of the class with the "
    "largest score) and the loss of each run relative to its start, {ratio}."
)
BUILT_IN = N_("the built-in 3-class data")
CONVERGED = N_("✓: the gradient reached zero and the run stopped.")


def _convention(d: Any) -> tuple[Any, ...]:
    """The convention at the kinks of max(0, ·), as sentence pieces (a cell of its own)."""
    kinds = {s.kind for s in d.form.switches}
    if "max" in kinds:
        return say_inline(T.CONVENTION_SHORT[d.kink])
    return (_(T.NO_CONVENTION_SMOOTH) if not kinds else _(T.NO_CONVENTION_PIECEWISE),)


def _cells(d: Any) -> list[Formula | tuple[Any, ...]]:
    """One cell per item of :data:`MODEL_ITEMS`: a formula, or sentence pieces."""
    definition = d.steps[0].formulas[1] if len(d.steps[0].formulas) > 1 else ("—",)
    rule = next((s.formulas[0] for s in d.steps if s.rule == d.spec.rule and s.formulas), None)
    cells: list[Formula | tuple[Any, ...]] = [definition, rule or ("—",)]
    for p in ("W", "b"):
        cells.append(Formula((d.matrix_form[p],)) if p in d.matrix_form else ("—",))
    cells.append(_convention(d))
    return cells


def _text(cell: Formula | tuple[Any, ...]) -> str:
    if isinstance(cell, Formula):
        return to_text(cell.chain, atoms=cell.atoms, expand_score=cell.expand_score)
    return "".join(p if isinstance(p, str) else _text(p) for p in cell)


def _tex(cell: Formula) -> str:
    return to_latex(cell.chain, atoms=cell.atoms, expand_score=cell.expand_score)


def model_rows(derivations: Sequence[Any], format: str = "text") -> list[tuple[str, list[str]]]:
    """(item, one cell per derivation): unicode text, or LaTeX maths without ``$`` (prose
    cells are text in every format)."""
    cells = [_cells(d) for d in derivations]
    rows = []
    for k, item in enumerate(MODEL_ITEMS):
        out: list[str] = []
        for cs in cells:
            cell = cs[k]
            if isinstance(cell, Formula):
                out.append(_tex(cell) if format != "text" else _text(cell))
            else:
                out.append(_text(cell))
        rows.append((item, out))
    return rows


def _names(derivations: Sequence[Any]) -> list[str]:
    return [d.name if d.name != "custom" else (d.expression or "custom") for d in derivations]


def _title(derivations: Sequence[Any]) -> str:
    return _(SEPARATOR).join(_(d.title) for d in derivations)


# -- training on the same data -------------------------------------------------------------------
def _runs(
    derivations: Sequence[Any], data: Dataset | None, at: Any, lr: float, epochs: int
) -> tuple[Dataset, list[ModelTrainResult], list[int], list[str]]:
    """Each derivation trained on the same data: (data, runs, samples right, one-hot losses)."""
    classes = [d for d in derivations if d.spec.labels == "classes"]
    networks = [d for d in derivations if hasattr(d, "widths")]
    if data is None and networks:  # a network's built-in data (XOR for 2 inputs)
        data = model_data(networks[0], None)
    if data is None:
        data = sample_model_dataset("classes" if classes else "targets")
    if classes:
        data = model_data(classes[0], data)  # class labels, or one line saying why not
        labels = class_labels(data.y)
    runs, right, one_hot = [], [], []
    for d in derivations:
        own = data
        if d.spec.labels == "targets" and classes:
            K = max(int(labels.max()) + 1, 2)
            own = Dataset(data.X, np.eye(K)[labels], data.source)
            one_hot.append(d.name)
        run = train_model(d, own, lr=lr, epochs=epochs, at=at, history=epochs + 1)
        runs.append(run)
        if classes:  # a run on one-hot targets counts no classes itself: count them here
            scores = run_objective(d, run.layout, run.K).scores(data.X, run.point)
            right.append(int(np.sum(np.argmax(scores, axis=1) == labels)))
    return data, runs, right, one_hot


def _number_rows(runs: list[ModelTrainResult], right: list[int]) -> list[tuple[str, list[str]]]:
    out = [
        (ROWS[0], [fmt(r.losses[0]) for r in runs]),
        (ROWS[1], [fmt(r.losses[-1]) for r in runs]),
        (ROWS[2], [fmt(r.grad_norms[-1]) for r in runs]),
    ]
    if right:
        out.append((ROWS[3], [f"{k}/{r.n}" for k, r in zip(right, runs, strict=True)]))
    out.append((ROWS[4], [str(r.epochs_run) + (" ✓" if r.converged else "") for r in runs]))
    return out


def _trained(data: Dataset, runs: list[ModelTrainResult], math: bool) -> tuple[Any, ...]:
    r = runs[0]
    eta = B.Math(rf"\eta = {fmt(r.lr)}") if math else f"η = {fmt(r.lr)}"
    source = _(BUILT_IN) if data.source == sample_model_dataset().source else _(data.source)
    networks = any("W1" in x.layout.names for x in runs)  # a network: W1, b1, W2, …
    return B.fill(
        _(TRAINED_NETWORK if networks else TRAINED),
        data=source,
        n=str(data.n),
        K=str(r.K),
        method=r.method,
        eta=eta,
        epochs=str(max(x.epochs_run for x in runs)),
    )


def _plain(pieces: tuple[Any, ...]) -> str:
    return "".join(p.text if isinstance(p, B.Text) else str(p) for p in pieces)


# -- output --------------------------------------------------------------------------------------
def _render_text(derivations: Sequence[Any], numbers: Any) -> str:
    names = _names(derivations)
    width = max(len(n) for n in names)
    lines = [_title(derivations), ""]
    for item, cells in model_rows(derivations, "text"):
        lines.append(_(item))
        lines += [f"  {n:<{width}}  {c}" for n, c in zip(names, cells, strict=True)]
        lines.append("")
    data, runs, right, one_hot = numbers
    lines += [_plain(_trained(data, runs, False)), ""]
    for label, values in _number_rows(runs, right):
        lines.append(_(label))
        lines += [f"  {n:<{width}}  {v}" for n, v in zip(names, values, strict=True)]
        lines.append("")
    if any(r.converged for r in runs):
        lines.append(_(CONVERGED))
    if one_hot:
        lines.append(_(ONE_HOT, losses=", ".join(one_hot), Y="Y = onehot(y)"))
    return "\n".join(lines).rstrip() + "\n"


def _item(item: str) -> tuple[B.Inline, ...]:
    return (B.Math(_ITEM_MATH[item]),) if item in _ITEM_MATH else (B.Text(_(item)),)


def _blocks(derivations: Sequence[Any], numbers: Any, figure: str | None) -> list[B.Block]:
    names = _names(derivations)
    header: tuple[tuple[B.Inline, ...], ...] = (
        (B.Text(""),),
        *((B.Strong((B.Text(n),)),) for n in names),
    )
    cells = [_cells(d) for d in derivations]
    rows = []
    for k, item in enumerate(MODEL_ITEMS):
        row: list[tuple[B.Inline, ...]] = [_item(item)]
        for d, cs in zip(derivations, cells, strict=True):
            cell = cs[k]
            row.append(
                (B.Math(_tex(cell)),) if isinstance(cell, Formula) else inline_pieces(d, cell)
            )
        rows.append(tuple(row))
    data, runs, right, one_hot = numbers
    out: list[B.Block] = [
        B.Heading(2, (B.Text(_title(derivations)),)),
        B.Table(header, tuple(rows), ("l",) * (1 + len(names))),
        B.Heading(3, _trained(data, runs, True)),
    ]
    num_rows = tuple(
        (((B.Math(r"\lVert g\rVert"),) if label == "‖g‖" else (B.Text(_(label)),)),
         *(((B.Text(v.replace("-", "−")),)) for v in values))
        for label, values in _number_rows(runs, right)
    )  # fmt: skip
    out.append(B.Table(header, num_rows, ("l",) + ("r",) * len(names)))
    if any(r.converged for r in runs):
        out.append(B.Paragraph((B.Text(_(CONVERGED)),)))
    if one_hot:
        said = B.fill(_(ONE_HOT), losses=", ".join(one_hot), Y=B.Math(r"Y = \mathrm{onehot}(y)"))
        out.append(B.Paragraph(said))
    if figure is not None:
        ratio = B.Math(r"L / L_{0}")
        out.append(B.Figure(figure, _(ALT_FIGURE), B.fill(_(CAPTION_FIGURE), ratio=ratio)))
    return out


def compare_models(
    derivations: Sequence[Any],
    format: str = "text",
    *,
    data: Dataset | None = None,
    at: Any = None,
    lr: float = 0.1,
    epochs: int = 50,
    site: str | Profile | None = None,
    figure: str | Path | None = None,
    lang: str = "en",
) -> str:
    """Compare model derivations: formulas, then each trained on ``data`` (default the built-in
    3-class data) from ``at`` (default zeros) by ``epochs`` of gradient descent with ``lr``;
    ``figure`` is a PNG path (SVG beside it) for the decision regions and loss curves."""
    numbers = _runs(derivations, data, at, lr, epochs)
    name = None
    if figure is not None:
        from gradproof.notes.model_plots import compare_figure

        name = compare_figure(derivations, numbers[0], numbers[1], Path(figure), lang).name
    if format == "text":
        return _render_text(derivations, numbers)
    doc = B.Document(tuple(_blocks(derivations, numbers, name)), lang=lang)
    if format == "markdown":
        return to_markdown(doc, site, slug="compare", assets_url="" if name else None)
    return emit_latex(doc, standalone=True, preamble=LATEX_PREAMBLE, assets="")
