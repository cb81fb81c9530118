"""Figures of a model with K scores per sample: the decision regions in the plane (each point
coloured by the class of its largest score) with the data on top, and the loss per epoch.

The regions are an image of argmax over the scores on a grid, drawn with one flat colour per
class and no smoothing, so that every pixel inside a region has exactly that class's colour
(:data:`REGION_COLOURS`); :class:`RegionFigure` keeps where the axes are in the PNG, so a pixel
can be read back at any point of the plane.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from gradproof._typing import Array
from gradproof.datasets import Dataset
from gradproof.i18n import N_, _, language
from gradproof.io import write_atomic
from gradproof.notes.plots import figure_style, loss_figure

__all__ = [
    "RegionFigure",
    "REGION_COLOURS",
    "POINT_COLOURS",
    "class_colours",
    "decision_regions",
    "decision_figure",
    "model_figures",
    "region_grid",
    "compare_figure",
]

DPI = 150
GRID = 400  # cells per side of the region image
POINT_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
"""The colour of class k's points (matplotlib's tab10; more classes cycle through hues)."""
MARKERS = "os^Dv<>PX*"


def _light(hex_colour: str, mix: float = 0.62) -> str:
    """``hex_colour`` mixed with white (the region behind the points of that class)."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
    out = np.round(rgb + (255 - rgb) * mix).astype(int)
    return "#" + "".join(f"{v:02x}" for v in out)


REGION_COLOURS = tuple(_light(c) for c in POINT_COLOURS)
"""The flat colour of class k's region (the point colour, lightened)."""

_WORDS = {
    "title": N_("Decision regions of the {loss} after {epochs} epochs"),
    "title_start": N_("Decision regions of the {loss} at the start"),
    "class": N_("class {k}"),
    "relative": N_("loss relative to the start"),
    "curves": N_("Loss per epoch"),
    "epoch": N_("epoch"),
}


def class_colours(K: int) -> tuple[list[str], list[str]]:
    """(point colours, region colours) of K classes."""
    if K <= len(POINT_COLOURS):
        return list(POINT_COLOURS[:K]), list(REGION_COLOURS[:K])
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    points = [to_hex(colormaps["hsv"](k / K)) for k in range(K)]
    return points, [_light(c) for c in points]


@dataclass(frozen=True)
class RegionFigure:
    """A saved decision-region figure: its files, the plane it shows (``extent``: x₀, x₁,
    y₀, y₁) and where the axes are in the PNG (``box``: left, top, right, bottom pixels)."""

    key: str
    png: Path
    svg: Path
    extent: tuple[float, float, float, float]
    box: tuple[float, float, float, float]

    def pixel(self, x: float, y: float) -> tuple[int, int]:
        """(row, column) of the PNG pixel at the point (x, y) of the plane."""
        x0, x1, y0, y1 = self.extent
        left, top, right, bottom = self.box
        col = left + (x - x0) / (x1 - x0) * (right - left)
        row = top + (y1 - y) / (y1 - y0) * (bottom - top)
        return int(row), int(col)


def region_grid(X: Array, cells: int = GRID) -> tuple[Array, Array, tuple[float, ...]]:
    """Grid centres (xx, yy) over the data with a margin, and the extent they tile."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.15 * np.maximum(hi - lo, 1e-9) + 0.5
    lo, hi = lo - pad, hi + pad
    step = (hi - lo) / cells
    xs = lo[0] + step[0] * (np.arange(cells) + 0.5)
    ys = lo[1] + step[1] * (np.arange(cells) + 0.5)
    xx, yy = np.meshgrid(xs, ys)
    return xx, yy, (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


def decision_regions(objective: Any, point: Mapping[str, Array], X: Array) -> tuple[Array, ...]:
    """(class of every grid cell, xx, yy, extent) for 2-d data: argmax of the scores."""
    xx, yy, extent = region_grid(X)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    S = objective.scores(grid, point)
    return np.argmax(S, axis=1).reshape(xx.shape), xx, yy, np.array(extent)


def decision_figure(
    objective: Any,
    point: Mapping[str, Array],
    data: Dataset,
    loss: str,
    epochs: int,
    lang: str | None = None,
) -> Any:
    """The decision regions of ``point`` over 2-d data with the samples on top (a matplotlib
    Figure, and its axes)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    K = int(objective.scores(data.X[:1], point).shape[1])
    classes, _xx, _yy, extent = decision_regions(objective, point, data.X)
    points, regions = class_colours(K)
    labels = np.asarray(data.y)
    labels = labels.argmax(axis=1) if labels.ndim == 2 else labels.astype(int)
    with language(lang):
        fig = Figure(figsize=(6.0, 5.4), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        ax.imshow(
            classes,
            origin="lower",
            extent=tuple(extent),
            cmap=ListedColormap(regions),
            vmin=-0.5,
            vmax=K - 0.5,
            interpolation="nearest",
            interpolation_stage="data",
            aspect="auto",
            resample=False,
        )
        for k in range(K):
            mine = labels == k
            if mine.any():
                ax.scatter(
                    data.X[mine, 0],
                    data.X[mine, 1],
                    s=42,
                    c=points[k],
                    marker=MARKERS[k % len(MARKERS)],
                    edgecolors="black",
                    linewidths=0.8,
                    label=_(_WORDS["class"], k=k),
                    zorder=3,
                )
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xlabel("$x_{1}$")
        ax.set_ylabel("$x_{2}$")
        title = _WORDS["title"] if epochs else _WORDS["title_start"]
        ax.set_title(_(title, loss=loss, epochs=epochs), fontsize=11)
        fig.legend(loc="outside lower center", ncols=min(K, 5), fontsize=8, frameon=False)
    return fig, ax


def _save(fig: Any, stem: Path) -> tuple[Path, Path, bytes]:
    import io

    out = []
    for ext in ("png", "svg"):
        buf = io.BytesIO()
        kwargs: dict[str, Any] = {"dpi": DPI} if ext == "png" else {"metadata": {"Date": None}}
        fig.savefig(buf, format=ext, **kwargs)
        out.append(buf.getvalue())
    png = write_atomic(stem.with_suffix(".png"), out[0])
    svg = write_atomic(stem.with_suffix(".svg"), out[1])
    return png, svg, out[0]


def model_figures(
    objective: Any,
    result: Any,
    data: Dataset,
    folder: Path,
    prefix: str,
    loss: str,
    lang: str,
) -> list[Any]:
    """Draw and save the decision regions (2-d data with class labels) and the loss per
    epoch into ``folder``: a :class:`RegionFigure` and a
    :class:`~gradproof.notes.plots.FigureFile`-like record, in that order."""
    from gradproof.notes.plots import FigureFile

    files: list[Any] = []
    with figure_style(lang):
        if data.d == 2 and objective.labels == "classes":
            fig, ax = decision_figure(objective, result.point, data, loss, result.epochs_run, lang)
            png, svg, _bytes = _save(fig, folder / f"{prefix}-regions")
            box = ax.get_window_extent()  # after savefig: the constrained layout is drawn
            height = fig.bbox.height
            extent = (*ax.get_xlim(), *ax.get_ylim())
            files.append(
                RegionFigure(
                    "regions",
                    png,
                    svg,
                    cast(tuple[float, float, float, float], tuple(float(v) for v in extent)),
                    (box.x0, height - box.y1, box.x1, height - box.y0),
                )
            )
        curve = loss_figure(result, lang)
        png, svg, _bytes = _save(curve, folder / f"{prefix}-loss")
        files.append(FigureFile("loss", png, svg))
    return files


def _regions_on(ax: Any, objective: Any, point: Mapping[str, Array], data: Dataset) -> None:
    """The regions and the samples of one panel."""
    from matplotlib.colors import ListedColormap

    K = int(objective.scores(data.X[:1], point).shape[1])
    classes, _xx, _yy, extent = decision_regions(objective, point, data.X)
    points, regions = class_colours(K)
    labels = np.asarray(data.y)
    labels = labels.argmax(axis=1) if labels.ndim == 2 else labels.astype(int)
    ax.imshow(
        classes, origin="lower", extent=tuple(extent), cmap=ListedColormap(regions),
        vmin=-0.5, vmax=K - 0.5, interpolation="nearest", aspect="auto",
    )  # fmt: skip
    for k in range(K):
        mine = labels == k
        marker = MARKERS[k % len(MARKERS)]
        ax.scatter(data.X[mine, 0], data.X[mine, 1], s=30, c=points[k], marker=marker,
                   edgecolors="black", linewidths=0.7)  # fmt: skip
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])


def compare_figure(
    derivations: Sequence[Any], data: Dataset, runs: Sequence[Any], png: Path, lang: str
) -> Path:
    """One panel of decision regions per loss (2-d data with class labels) and one of the
    loss curves L/L₀, saved as ``png`` and the SVG beside it; returns the PNG's path."""
    from matplotlib.figure import Figure

    from gradproof.notes.model_train import run_objective

    regions = data.d == 2 and np.asarray(data.y).ndim == 1
    panels = (len(runs) if regions else 0) + 1
    with figure_style(lang):
        fig = Figure(figsize=(3.2 * panels, 3.4), dpi=DPI, layout="constrained")
        axes = fig.subplots(1, panels, squeeze=False)[0]
        if regions:
            for ax, d, run in zip(axes, derivations, runs, strict=False):
                objective = run_objective(d, run.layout, run.K)
                _regions_on(ax, objective, run.point, data)
                ax.set_title(d.name, fontsize=9)
        ax = axes[-1]
        for d, run in zip(derivations, runs, strict=True):
            losses = np.asarray(run.losses, dtype=float)
            ax.plot(run.epochs, losses / losses[0] if losses[0] else losses, label=d.name)
        ax.set_xlabel(_(_WORDS["epoch"]))
        ax.set_ylabel(_(_WORDS["relative"]))
        ax.set_title(_(_WORDS["curves"]), fontsize=9)
        top = max(float(np.nanmax(np.asarray(r.losses) / (r.losses[0] or 1))) for r in runs)
        ax.set_ylim(0, max(1.05, min(top * 1.05, 1.5)))  # a diverging run leaves the top
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        png_path, _svg, _bytes = _save(fig, png.with_suffix(""))
    return png_path
