"""Gradient descent, SGD and momentum driven by the derived (compiled) gradient.

Every step calls ``derivation.numpy().loss_and_grad`` on the current batch, so the active set
of a piecewise loss is recomputed at every step. After each epoch the full-data loss, the
gradient norm and the size of the active set are recorded; a zero gradient (a perceptron on
separable data) stops the run early and marks it converged.

The work is bounded (:data:`TRAIN_LIMITS`): at most 100 000 epochs, and a history of at most
2048 rows (fewer for wide data, so that the stored weights stay under 2^24 numbers). A longer
run keeps evenly spread epochs — every epoch while there is room, then every 2nd, 10th, 20th,
100th, … — plus the first and the last, so the table and the sparklines of a long run cost
the same as those of a short one; a run within the history size keeps every epoch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gradproof._typing import Array
from gradproof.datasets import (
    Dataset,
    Point,
    as_dataset,
    parse_point,
    sample_dataset,
    validate_labels,
)
from gradproof.errors import DataError, OptionError
from gradproof.i18n import N_, _, language, ngettext
from gradproof.markup import blocks as B
from gradproof.markup.markdown import to_markdown
from gradproof.numeric.derive import derive
from gradproof.symbolic.model_derivation import ModelDerivation

if TYPE_CHECKING:  # pragma: no cover
    from gradproof.numeric.compile import CompiledLoss
    from gradproof.symbolic.derivation import Derivation

__all__ = [
    "TRAIN_LIMITS",
    "TrainResult",
    "train",
    "active_count",
    "sparkline",
    "format_table",
    "summary",
    "table_header",
    "table_rows",
    "fmt_vector",
    "method_name",
    "register_model_trainer",
]

SPARKS = "▁▂▃▄▅▆▇█"
ALL = N_("all")  # the active-set column of a loss without one: every sample counts

TRAIN_LIMITS = {
    "max_epochs": 100_000,  # --epochs
    "history_rows": 2048,  # epochs kept in the history, at most
    "history_values": 2**24,  # numbers of the stored weights (rows × d), at most
}
"""Bounds on one training run; tests monkeypatch this dict."""


_MODEL_TRAINER: list[Callable[..., Any]] = []  # gradproof.notes.model_train registers itself


def register_model_trainer(trainer: Callable[..., Any]) -> None:
    """Make ``trainer`` what :func:`train` calls for a model with K scores per sample
    (:mod:`gradproof.notes.model_train` does this when it is imported)."""
    _MODEL_TRAINER[:] = [trainer]


@dataclass(frozen=True)
class TrainResult:
    """The history of a run: row i is the state at the end of epoch ``epochs[i]`` (epoch 0
    is the starting point). A run within the history size keeps every epoch, so row k is
    epoch k; a longer one keeps evenly spread epochs, the first and the last among them.

    ``active`` holds the number of samples in the active set (e.g. the misclassified samples
    M of the perceptron) or None for a loss without one (every sample contributes).
    """

    loss_name: str
    set_name: str | None
    losses: list[float]
    grad_norms: list[float]
    ws: list[Array]
    bs: list[float]
    active: list[int | None]
    converged: bool
    lr: float
    momentum: float
    batch_size: int | None
    seed: int | None
    n: int
    epochs: list[int] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.epochs:  # built by hand with every epoch
            self.epochs.extend(range(len(self.losses)))

    @property
    def epochs_run(self) -> int:
        """Number of epochs actually run (fewer than asked when the run converged)."""
        return self.epochs[-1]

    @property
    def w(self) -> Array:
        """The final weights."""
        return self.ws[-1]

    @property
    def b(self) -> float:
        """The final bias."""
        return self.bs[-1]

    @property
    def method(self) -> str:
        """'gradient descent', 'SGD' and/or 'momentum', as run (in the current language)."""
        return method_name(self.batch_size, self.momentum)

    # -- display (a notebook shows the table; repr stays one line) --------------------------
    def __repr__(self) -> str:
        return (
            f"TrainResult({self.loss_name!r}, method={self.method!r}, lr={self.lr:g}, "
            f"epochs={self.epochs_run}, converged={self.converged}, "
            f"loss={fmt_number(self.losses[-1])}, w={fmt_vector(self.w)}, b={fmt_number(self.b)})"
        )

    def __str__(self) -> str:
        return f"{summary(self)}\n{format_table(self)}"

    def _repr_markdown_(self) -> str:
        title = _("gradproof train: {loss}", loss=self.loss_name)
        line = _(
            "{method}, learning rate {lr}: {summary}",
            method=self.method,
            lr=format(self.lr, "g"),
            summary=summary(self),
        )
        head = B.Paragraph((B.Strong((B.Text(title),)), B.Text(" — " + line)))
        table = B.Table(
            tuple((B.Text(h),) for h in table_header(self)),
            tuple(tuple((B.Text(c),) for c in row) for row in table_rows(self)),
            ("r", "r", "r", "l", "r", "r"),
        )
        return to_markdown(B.Document((head, table)))


def method_name(batch_size: int | None, momentum: float) -> str:
    """'gradient descent', 'SGD' and/or 'momentum' (in the current language)."""
    if batch_size is None:
        base = _("gradient descent")
    else:
        base = _("SGD (batch size {size})", size=batch_size)
    if not momentum:
        return base
    return _("{method} with momentum β = {beta:g}", method=base, beta=momentum)


def active_count(
    d: Derivation, compiled: CompiledLoss, X: Array, y: Array, w: Array, b: float
) -> int | None:
    """How many samples are in the derivation's (first) active set at (w, b).

    Uses the switching functions and the kink convention as the worked example does: a
    sample is active where u > 0, and on the kink u = 0 unless the convention leaves it out.
    """
    if not d.set_names:
        return None
    values = dict(
        zip([sw.expr for sw in d.form.switches], compiled.switches(X, y, w, b), strict=True)
    )
    u = next(iter(d.set_names))
    uval = np.asarray(values[u], dtype=float)
    mask = (uval > 0) | ((uval == 0) & (float(d.form.at_kink) > 0))
    return int(mask.sum())


def _check(
    lr: float, epochs: int, momentum: float, batch_size: int | None, seed: int | None, n: int
) -> None:
    if not np.isfinite(lr) or lr <= 0:
        raise OptionError(_("--lr must be a positive number, got {lr}", lr=lr))
    if epochs < 1:
        raise OptionError(_("--epochs must be at least 1, got {epochs}", epochs=epochs))
    if epochs > TRAIN_LIMITS["max_epochs"]:
        raise OptionError(
            _(
                "--epochs must be at most {most}, got {epochs}; a run that long is better "
                "stopped by its gradient (it stops early at zero)",
                most=TRAIN_LIMITS["max_epochs"],
                epochs=epochs,
            )
        )
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise OptionError(_("--seed must be a whole number ≥ 0, got {seed!r}", seed=seed))
    if not np.isfinite(momentum) or not 0 <= momentum < 1:
        raise OptionError(_("--momentum must be in [0, 1), got {momentum}", momentum=momentum))
    if batch_size is not None and not 1 <= batch_size <= n:
        raise OptionError(
            _(
                "--batch-size must be between 1 and the number of samples ({n}), got {size}",
                n=n,
                size=batch_size,
            )
        )


def train(
    derivation: Derivation | ModelDerivation | str,
    data: Dataset | None = None,
    *,
    X: Any = None,
    y: Any = None,
    lr: float = 0.1,
    epochs: int = 100,
    momentum: float = 0.0,
    batch_size: int | None = None,
    seed: int | None = None,
    at: Point | str | None = None,
    tol: float = 0.0,
    callback: Callable[[int], None] | None = None,
    history: int | None = None,
) -> TrainResult:
    """Minimise the derived loss by gradient descent, SGD (``batch_size``) and/or momentum.

    Parameters
    ----------
    derivation
        What :func:`gradproof.derive` returned (or a built-in loss's name, derived with its
        default parameters); its compiled ``loss_and_grad`` drives every step.
    data, X, y
        The samples (labels are checked against the loss): a
        :class:`~gradproof.Dataset` (:func:`gradproof.load_data`), or the arrays ``X`` (n, d)
        and ``y`` (n,); with neither, the data of the derivation's worked example, or else
        the built-in sample data (as on the command line).
    lr, epochs
        Learning rate η and the number of passes over the data.
    momentum
        Heavy-ball β: v ← βv + g, θ ← θ − ηv (0 is plain gradient descent).
    batch_size
        None for full-batch gradient descent; k for minibatches of k samples in a fresh
        random order each epoch (``seed`` makes it reproducible).
    at
        The starting point (default zeros).
    tol
        The run stops, converged, once the full-data gradient norm is at most ``tol``.
    callback
        Called with the epoch number after each epoch (e.g. to advance a progress bar).
    history
        The most rows the history keeps (default from :data:`TRAIN_LIMITS` and the width of
        the data); ``epochs + 1`` keeps every epoch.

    Returns
    -------
    TrainResult
        The history (loss, ‖g‖, w, b and the active set per epoch); in Jupyter it shows its
        table. A model with K scores per sample (``derive("softmax")``) is trained by
        :func:`gradproof.notes.model_train.train_model` and gives its
        :class:`~gradproof.notes.model_train.ModelTrainResult`.

    Examples
    --------
    >>> from gradproof import derive, train
    >>> result = train(derive("perceptron"), X=[[2, 3], [1, -1]], y=[1, -1], lr=0.1)
    >>> result.converged, result.epochs_run, result.w.tolist(), result.b
    (True, 1, [0.1, 0.4], 0.0)
    """
    # long for its docstring and the training loop, which reads best in one piece
    if isinstance(derivation, str):
        derivation = _derived(derivation)
    if isinstance(derivation, ModelDerivation):  # K scores per sample: the model trainer
        return _MODEL_TRAINER[0](
            derivation, data, X=X, y=y, lr=lr, epochs=epochs, momentum=momentum,
            batch_size=batch_size, seed=seed, at=at, tol=tol, callback=callback,
            history=history,
        )  # fmt: skip
    if "w" not in derivation.wrt or "b" not in derivation.wrt:
        raise OptionError(
            _("training needs the gradient with respect to both w and b (use --wrt w,b)")
        )
    data = _training_data(derivation, data, X, y)
    validate_labels(data, derivation.spec.labels)
    _check(lr, epochs, momentum, batch_size, seed, data.n)
    compiled = derivation.numpy()
    X, y = data.X, data.y
    start = at if isinstance(at, Point) else parse_point(at, data.d)
    w, b = np.array(start.w, dtype=float), float(start.b)
    vw, vb = np.zeros_like(w), 0.0
    rng = np.random.default_rng(seed)
    kept = _History(history if history is not None else _history_rows(data.d))

    def record(epoch: int) -> float:
        loss, gw, gb = compiled.loss_and_grad(X, y, w, b)
        # numpy squares: a diverging run overflows to inf (reported below), not OverflowError
        norm = float(np.sqrt(np.sum(np.square(np.asarray(gw, dtype=float))) + np.square(float(gb))))
        act = active_count(derivation, compiled, X, y, w, b)
        kept.add((epoch, float(loss), norm, w.copy(), b, act))
        return norm

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # reported below
        converged = record(0) <= tol
        _check_start(kept.rows[0])
        for epoch in range(1, epochs + 1):
            if converged:
                break
            for idx in _batches(rng, data.n, batch_size):
                _loss, gw, gb = compiled.loss_and_grad(X[idx], y[idx], w, b)
                vw = momentum * vw + np.asarray(gw, dtype=float)
                vb = momentum * vb + float(gb)
                w = w - lr * vw
                b = b - lr * vb
            converged = record(epoch) <= tol
            if not (np.all(np.isfinite(w)) and np.isfinite(b) and np.isfinite(kept.rows[-1][1])):
                raise OptionError(
                    _(
                        "the run diverged at epoch {epoch} (the loss or w, b is no longer "
                        "finite); use a smaller --lr than {lr:g}",
                        epoch=epoch,
                        lr=lr,
                    )
                )
            if callback is not None:
                callback(epoch)
    rows = kept.rows
    return TrainResult(
        loss_name=derivation.name,
        set_name=next(iter(derivation.set_names.values()), None),
        losses=[r[1] for r in rows],
        grad_norms=[r[2] for r in rows],
        ws=[r[3] for r in rows],
        bs=[r[4] for r in rows],
        active=[r[5] for r in rows],
        epochs=[r[0] for r in rows],
        converged=converged,
        lr=lr,
        momentum=momentum,
        batch_size=batch_size,
        seed=seed,
        n=data.n,
    )


def _check_start(row: tuple[Any, ...]) -> None:
    """A run must start where the loss and its gradient are finite numbers."""
    if not np.isfinite(row[1]):
        raise DataError(
            _(
                "the loss at the starting point is {loss} (not a finite number); the data "
                "or the point lies outside the loss's domain (e.g. log or sqrt of a negative "
                "value)",
                loss=row[1],
            )
        )
    if not np.isfinite(row[2]):
        raise DataError(
            _(
                "the gradient at the starting point is not finite (‖g‖ = {norm}); start "
                "elsewhere with --at",
                norm=row[2],
            )
        )


def _batches(rng: np.random.Generator, n: int, batch_size: int | None) -> list[Any]:
    """One epoch's batches: all samples at once, or shuffled slices of ``batch_size``."""
    if batch_size is None:
        return [slice(None)]
    order = rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def _training_data(d: Derivation, data: Dataset | None, X: Any, y: Any) -> Dataset:
    """The samples to train on: ``data``, or X and y, or the worked example's."""
    if data is not None and (X is not None or y is not None):
        raise OptionError(_("give the samples once: a Dataset, or X and y, not both"))
    if data is not None:
        return data
    if X is not None or y is not None:
        if X is None or y is None:
            raise OptionError(_("give both X and y (or a Dataset)"))
        return as_dataset(X, y, "X, y")
    if d.example is None:  # as on the command line: the built-in sample data
        return sample_dataset(d.spec.labels)
    return Dataset(d.example.X, d.example.y, "worked example")


def _history_rows(d: int) -> int:
    """History rows for weights of dimension ``d``: the row limit, fewer for wide data."""
    return max(100, min(TRAIN_LIMITS["history_rows"], TRAIN_LIMITS["history_values"] // d))


class _History:
    """The rows of a run at evenly spread epochs: every epoch while there is room; when the
    rows overflow, only every 2nd, then 10th, 20th, 100th, … epoch (round numbers, each a
    multiple of the one before), and always the latest one."""

    def __init__(self, size: int) -> None:
        self.size = max(2, size)
        self.stride = 1
        self.rows: list[tuple[Any, ...]] = []  # (epoch, loss, ‖g‖, …): the rest is the caller's

    def add(self, row: tuple[Any, ...]) -> None:
        if self.rows and self.rows[-1][0] % self.stride:
            self.rows.pop()  # kept only as the latest, and it no longer is
        self.rows.append(row)
        if len(self.rows) > self.size:
            self.stride *= 2 if str(self.stride)[0] == "1" else 5
            last = self.rows[-1]
            self.rows = [r for r in self.rows if r[0] % self.stride == 0 or r is last]


# -- presentation -----------------------------------------------------------------------------
def fmt_number(x: float) -> str:
    """Six significant digits, integers without '.0'."""
    from gradproof.symbolic.render.example import fmt

    return fmt(x)


def fmt_vector(v: Array, limit: int = 4) -> str:
    """(a, b, …) with at most ``limit`` entries shown."""
    items = [fmt_number(a) for a in v]
    if len(items) > limit:
        items = items[: limit - 1] + ["…", items[-1]]
    return "(" + ", ".join(items) + ")"


def rows_to_show(count: int, limit: int = 25) -> list[int]:
    """Indices of the history to list: all of them, or an even spread keeping the ends."""
    if count <= limit:
        return list(range(count))
    picks = {round(i * (count - 1) / (limit - 1)) for i in range(limit)}
    return sorted(picks)


def _shown(result: TrainResult, limit: int) -> list[int]:
    """History indices to list: the epochs of :func:`rows_to_show`, or the nearest ones kept."""
    epochs = result.epochs
    wanted = rows_to_show(epochs[-1] + 1, limit)
    if len(epochs) == epochs[-1] + 1:
        return wanted  # every epoch kept: index k is epoch k
    pos = np.searchsorted(epochs, wanted).clip(1, len(epochs) - 1)
    nearer_left = np.asarray(wanted) - np.asarray(epochs)[pos - 1] <= (
        np.asarray(epochs)[pos] - np.asarray(wanted)
    )
    return sorted({int(i) for i in np.where(nearer_left, pos - 1, pos)})


def table_rows(result: TrainResult, limit: int = 25) -> list[list[str]]:
    """One row of strings per shown epoch: epoch, loss, ‖g‖, w, b, active ("all" in the
    current language for a loss without an active set)."""
    out = []
    for k in _shown(result, limit):
        act = result.active[k]
        out.append(
            [
                str(result.epochs[k]),
                fmt_number(result.losses[k]),
                fmt_number(result.grad_norms[k]),
                fmt_vector(result.ws[k]),
                fmt_number(result.bs[k]),
                _(ALL) if act is None else f"{act}/{result.n}",
            ]
        )
    return out


def table_header(result: TrainResult, lang: str | None = None) -> list[str]:
    """Column titles of :func:`table_rows` in ``lang`` (default: the current language)."""
    with language(lang):
        return [
            _("epoch"),
            _("loss"),
            "‖g‖",
            "w",
            "b",
            f"|{result.set_name}|" if result.set_name else _("active"),
        ]


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters take two."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" and ch not in "‖─" else 1 for ch in text)


def format_table(result: TrainResult, limit: int = 25, lang: str | None = None) -> str:
    """The history as an aligned plain-text table, in ``lang`` (default: the current
    language)."""
    with language(lang):
        header = table_header(result)
        rows = table_rows(result, limit)
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(" " * (wd - _width(c)) + c for c, wd in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("─" * wd for wd in widths))
    return "\n".join(lines)


def sparkline(values: list[float], width: int = 60) -> str:
    """A one-line unicode chart of ``values`` (resampled to at most ``width`` characters).

    Positive values spanning more than a factor 50 are drawn on a log scale.

    >>> sparkline([3, 2, 1, 0])
    '█▆▃▁'
    """
    vals = np.asarray(values, dtype=float)
    if vals.size == 0:
        return ""
    if vals.size > width:
        idx = np.linspace(0, vals.size - 1, width).round().astype(int)
        vals = vals[idx]
    finite = np.isfinite(vals)
    if not finite.all():  # a gap for nan, the ends for ±inf, the rest drawn as usual
        inner = iter(sparkline(list(vals[finite]), width) if finite.any() else "")
        return "".join(
            next(inner) if ok else " " if np.isnan(v) else SPARKS[-1 if v > 0 else 0]
            for v, ok in zip(vals, finite, strict=True)
        )
    with np.errstate(over="ignore"):  # a range beyond the floats is drawn by rank below
        if vals.min() > 0 and vals.max() / vals.min() > 50:
            vals = np.log(vals)  # a log scale keeps the tail of a fast decay visible
        lo, hi = float(vals.min()), float(vals.max())
        if hi == lo or not np.isfinite(hi - lo):
            return SPARKS[0] * vals.size if hi == lo else _spark_ranks(vals)
    levels = ((vals - lo) / (hi - lo) * (len(SPARKS) - 1)).round().astype(int)
    return "".join(SPARKS[i] for i in levels)


def _spark_ranks(vals: Array) -> str:
    """Levels by rank, for values whose range overflows a float (from -1e308 to 1e308)."""
    order = np.argsort(np.argsort(vals, kind="stable"), kind="stable")
    levels = (order * (len(SPARKS) - 1) // max(len(vals) - 1, 1)).astype(int)
    return "".join(SPARKS[i] for i in levels)


def summary(result: TrainResult, lang: str | None = None) -> str:
    """One sentence on how the run ended, in ``lang`` (default: the current language)."""
    k = result.epochs_run
    loss = fmt_number(result.losses[-1])
    with language(lang):
        if result.converged and k == 0:
            return _("converged at the start: the gradient is zero, loss = {loss}", loss=loss)
        if result.converged:
            return ngettext(
                "converged after {n} epoch: the gradient is zero, loss = {loss}",
                "converged after {n} epochs: the gradient is zero, loss = {loss}",
                k,
                loss=loss,
            )
        return _(
            "stopped after {n} epochs without reaching a zero gradient: loss = {loss}, "
            "‖g‖ = {norm}",
            n=k,
            loss=loss,
            norm=fmt_number(result.grad_norms[-1]),
        )


def _derived(name: str) -> Derivation:
    """A built-in loss, derived with its defaults (the numeric layer's derive is untyped)."""
    d: Derivation = derive(name)
    return d
