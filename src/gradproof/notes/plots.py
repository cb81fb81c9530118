"""Figures for a derivation: the loss landscape with −∇L and the descent path, and the loss
per epoch. matplotlib (the optional extra ``plot``) draws them on Agg; PNG and SVG are saved.

The landscape is a slice: two chosen coordinates of (w, b) vary over a grid, the others stay
at the starting point. The arrow is the negative gradient at that point, restricted to the
two coordinates, drawn in data coordinates on axes of equal scale so its direction on the
page is the direction of −∇L.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gradproof._typing import Array
from gradproof.datasets import Dataset, Point
from gradproof.errors import OptionError
from gradproof.i18n import CJK_LANGUAGES, LANGUAGES, N_, _, language
from gradproof.io import write_atomic
from gradproof.symbolic.sentences import loss_in_sentence

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from gradproof.notes.train import TrainResult
    from gradproof.symbolic.derivation import Derivation

__all__ = [
    "FigureFile",
    "make_figures",
    "require",
    "landscape_figure",
    "loss_figure",
    "cjk_font",
    "parse_coords",
    "Plane",
    "descent_plane",
    "landscape_plane",
    "figure_style",
    "save_figure",
    "LANGS",
    "ARROW_GID",
]

LANGS = tuple(LANGUAGES)
ARROW_GID = "neg-gradient"
MAX_KINK_LINES = 40  # kink lines (one per sample and switching function) drawn at most
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
)

CJK_FILES = re.compile(
    r"wqy|NotoSans(Mono)?CJK|NotoSans[ST]C|SourceHanSans|DroidSansFallback|"
    r"uming|ukai",
    re.IGNORECASE,
)

_WORDS = {
    "landscape": N_("Loss landscape of the {loss}"),
    "per_epoch": N_("Loss per epoch"),
    "per_epoch_method": N_("Loss per epoch — {method}"),
    "epoch": N_("epoch"),
    "loss": N_("loss L"),
    "path": N_("gradient-descent path"),
    "arrow": N_("first step −η∇L"),
    "start": N_("start"),
    "zero": N_("∇L = 0 here"),
    "converged": N_("converged"),
    "slice": N_("other coordinates fixed at the start"),
    "plane": N_("on the plane of the descent path"),
    "kinks": N_("kinks (a sample changes side)"),
    "gnorm": N_("gradient norm ‖∇L‖"),
    "zero_loss": N_("L = 0 at every epoch shown"),
    "scaled": N_("{label} (× {scale})"),
    "other_coords": N_("({where})"),
}
"""The figures' words: message ids, translated when a figure is drawn."""


def words(lang: str | None = None) -> dict[str, str]:
    """The figure (and document) words in ``lang`` (default: the current language)."""
    with language(lang):
        return {key: _(msgid) for key, msgid in _WORDS.items()}


def loss_name(d: Derivation, lang: str | None = None) -> str:
    """The loss's name as it reads inside a sentence in ``lang`` (default: the current
    language): lower case in English ("the hinge loss (soft-margin SVM)")."""
    with language(lang):
        return loss_in_sentence(d.title)


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise OptionError(
            _(
                "figures need matplotlib, which is not installed; install it with "
                "pip install 'gradproof[plot]' (or leave the figures out with "
                "--no-figures)"
            )
        ) from None
    return matplotlib


def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs, or None."""
    _matplotlib()
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = next((name for name in CJK_FONTS if name in {f.name for f in manager.ttflist}), None)
    if found is None:  # installed after matplotlib cached its font list: register the files
        for path in font_manager.findSystemFonts():
            if CJK_FILES.search(Path(path).name):
                with contextlib.suppress(Exception):
                    manager.addfont(path)
        found = next(
            (name for name in CJK_FONTS if name in {f.name for f in manager.ttflist}), None
        )
    return found


def require(lang: str | None = None) -> str | None:
    """Check figures can be drawn in ``lang`` (default: the current language): matplotlib,
    and for a language written in CJK characters a font with their glyphs (returned; found
    by matplotlib's font manager among :data:`CJK_FONTS`)."""
    with language(lang) as code:
        _matplotlib()
        if code not in CJK_LANGUAGES:
            return None
        font = cjk_font()
        if font is None:
            raise OptionError(
                _(
                    "--lang {lang} needs a font with Chinese glyphs and none is installed "
                    "(looked for Noto Sans CJK, WenQuanYi, Source Han Sans, ...); install one, "
                    "e.g. Debian/Ubuntu: apt install fonts-noto-cjk, then remove matplotlib's "
                    "font cache (~/.cache/matplotlib)",
                    lang=code,
                )
            )
        return font


@contextlib.contextmanager
def _style(lang: str | None) -> Iterator[None]:
    mpl = _matplotlib()
    rc: dict[str, Any] = {"svg.hashsalt": "gradproof", "axes.unicode_minus": True}
    font = require(lang)
    if font is not None:
        # a list of families: glyphs missing from the CJK font (−, ∇, ‖) come from DejaVu
        rc.update({"font.family": [font, "DejaVu Sans"], "axes.unicode_minus": False})
    fm_log = logging.getLogger("matplotlib.font_manager")
    level = fm_log.level
    fm_log.setLevel(logging.ERROR)  # CJK collections often lack a 'normal' weight: noise
    try:
        with mpl.rc_context(rc):
            yield
    finally:
        fm_log.setLevel(level)


def parse_coords(spec: str | Sequence[str] | None, d: int) -> tuple[int, int]:
    """Two coordinates of θ = (w₁, …, w_d, b) by name, e.g. ``"w1,w2"`` → (0, 1); b is d."""
    if spec is None:
        return (0, 1) if d >= 2 else (0, d)
    names = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else list(spec)
    valid = [f"w{i + 1}" for i in range(d)] + ["b"]
    if len(names) != 2 or any(n not in valid for n in names) or names[0] == names[1]:
        raise OptionError(
            _(
                "--coords expects two different coordinates out of {valid}, e.g. "
                "'w1,{second}'; got {spec!r}",
                valid=", ".join(valid),
                second=valid[1],
                spec=spec,
            )
        )
    return tuple(valid.index(n) for n in names)  # type: ignore[return-value]


def _coord_label(i: int, d: int) -> str:
    return "$b$" if i == d else f"$w_{{{i + 1}}}$"


def _theta(w: Array, b: float) -> Array:
    return np.append(np.asarray(w, dtype=float), float(b))


@dataclass(frozen=True)
class Plane:
    """Where the landscape is drawn: coordinates ``i`` and ``j`` of θ = (w, b) vary over the
    axes, and every other coordinate k moves with them, θₖ = θ₀ₖ + slope[k]·(Δθᵢ, Δθⱼ), so
    that the plane holds the descent path (exactly when ``off`` is 0). A slope of zero is the
    plain slice with the other coordinates fixed at the start."""

    i: int
    j: int
    theta0: Array
    others: tuple[int, ...]
    slope: Array  # (len(others), 2)
    off: float  # how far (in those coordinates) the path lies from the plane at most

    @property
    def fixed(self) -> bool:
        """True when the other coordinates stay at the start (or there are none)."""
        return not self.others or not np.any(self.slope)

    def at(self, a: float, c: float) -> Array:
        """θ at the point (a, c) of the plane."""
        th = self.theta0.copy()
        delta = np.array([a - self.theta0[self.i], c - self.theta0[self.j]])
        th[self.i], th[self.j] = a, c
        if self.others:
            th[list(self.others)] += self.slope @ delta
        return th


def descent_plane(theta0: Array, path: Array, i: int, j: int) -> Plane:
    """The plane through ``theta0`` over coordinates (i, j) that best holds ``path`` (rows
    are points θ): a least-squares fit of the other coordinates' displacements as linear
    functions of the displacement in (i, j)."""
    others = tuple(k for k in range(theta0.size) if k not in (i, j))
    delta = path - theta0
    if not others:
        return Plane(i, j, theta0, others, np.zeros((0, 2)), 0.0)
    A, R = delta[:, [i, j]], delta[:, list(others)]
    if not np.any(A):
        slope = np.zeros((len(others), 2))
    else:
        slope = np.linalg.lstsq(A, R, rcond=None)[0].T
    off = float(np.max(np.abs(A @ slope.T - R))) if len(path) else 0.0
    scale = 1.0 + float(np.max(np.abs(path))) if len(path) else 1.0
    return Plane(i, j, theta0, others, slope, 0.0 if off <= 1e-9 * scale else off)


def landscape_figure(
    d: Derivation,
    data: Dataset,
    start: Point,
    result: TrainResult | None = None,
    coords: tuple[int, int] | None = None,
    lang: str | None = None,
    grid: int = 61,
    lr: float | None = None,
) -> Figure:
    """Filled contours of L on the plane of the descent path (:func:`descent_plane`), the
    first step −η∇L at ``start`` as an arrow, and the descent path.

    The arrow is an annotation with gid :data:`ARROW_GID` from ``xytext`` (the start) to
    ``xy`` (the tip, the start plus one step of size ``lr``, default the run's), in data
    coordinates on axes of equal scale.
    """
    _matplotlib()
    from matplotlib.figure import Figure

    with language(lang):
        fig, _plane = _landscape(d, data, start, result, coords, grid, lr)
    assert isinstance(fig, Figure)
    return fig


def landscape_plane(
    d: Derivation, data: Dataset, start: Point, result: TrainResult | None, coords: tuple[int, int]
) -> Plane:
    """The plane :func:`landscape_figure` draws in."""
    theta0 = _theta(start.w, start.b)
    path = (
        np.array([_theta(w, b) for w, b in zip(result.ws, result.bs, strict=True)])
        if result is not None
        else theta0[None, :]
    )
    return descent_plane(theta0, path, *coords)


def _landscape(
    d: Derivation,
    data: Dataset,
    start: Point,
    result: TrainResult | None,
    coords: tuple[int, int] | None,
    grid: int,
    lr: float | None,
) -> tuple[Any, Plane]:
    # One long function on purpose: the grid, the contours, the kinks, the path and the
    # arrow share the same axes and ranges, and reading it top to bottom is the figure.
    from matplotlib.figure import Figure

    w_ = words()
    X, y = data.X, data.y
    dim = data.d
    i, j = coords if coords is not None else parse_coords(None, dim)
    compiled = d.numpy()
    plane = landscape_plane(d, data, start, result, (i, j))
    theta0 = plane.theta0
    _loss, gw, gb = compiled.loss_and_grad(X, y, start.w, start.b)
    g = _theta(gw, gb)
    eta = lr if lr is not None else (result.lr if result is not None else 0.1)
    step = -eta * g[[i, j]]
    path = (
        np.array([_theta(w, b)[[i, j]] for w, b in zip(result.ws, result.bs, strict=True)])
        if result is not None
        else theta0[[i, j]][None, :]
    )
    tip = theta0[[i, j]] + step if np.any(step) else None
    pts = np.vstack([path, theta0[[i, j]]] + ([tip[None, :]] if tip is not None else []))
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre = (lo + hi) / 2
    half = max(0.65 * float(np.max(hi - lo)), 1.0)
    a = np.linspace(centre[0] - half, centre[0] + half, grid)
    c = np.linspace(centre[1] - half, centre[1] + half, grid)
    A, C = np.meshgrid(a, c)
    kinked = [k for k, sw in enumerate(d.form.switches) if sw.kind in ("max", "abs")]
    if len(kinked) * data.n > MAX_KINK_LINES:
        kinked = []  # too many lines to read, and n × grid² numbers to hold
    Z = np.empty_like(A)
    U = np.empty((len(kinked) * data.n,) + A.shape)
    # A huge hyperparameter overflows far from the start: such points are left blank.
    with np.errstate(over="ignore", invalid="ignore"):
        for r in range(grid):
            for q in range(grid):
                th = plane.at(A[r, q], C[r, q])
                Z[r, q] = compiled.loss(X, y, th[:dim], th[dim])
                if kinked:
                    sw = compiled.switches(X, y, th[:dim], th[dim])
                    U[:, r, q] = np.concatenate([np.asarray(sw[k], dtype=float) for k in kinked])
    Z = np.ma.masked_invalid(Z)

    fig = Figure(figsize=(6.4, 6.0), layout="constrained")
    ax = fig.add_subplot()
    top = float(np.max(np.abs(Z))) if Z.count() else 0.0
    scale = top if top > 1e150 else 1.0  # contour levels near 1e308 overflow when averaged
    filled = ax.contourf(A, C, Z / scale, levels=20, cmap="viridis")
    scaled = f"{scale:.3g}"
    label = w_["loss"] if scale == 1.0 else _(_WORDS["scaled"], label=w_["loss"], scale=scaled)
    fig.colorbar(filled, ax=ax, label=label)
    if kinked:
        for k in range(U.shape[0]):
            if U[k].min() < 0 < U[k].max():
                ax.contour(
                    A,
                    C,
                    U[k],
                    levels=[0],
                    colors="white",
                    linewidths=0.8,
                    linestyles="dashed",
                    alpha=0.7,
                )
        ax.plot([], [], color="0.55", lw=0.8, ls="--", label=w_["kinks"])
    ax.plot(
        path[:, 0],
        path[:, 1],
        "-o",
        color="#ff7f0e",
        mec="black",
        ms=4,
        lw=1.5,
        label=w_["path"],
        zorder=3,
    )
    ax.plot(*theta0[[i, j]], "o", color="white", mec="black", ms=8, label=w_["start"], zorder=4)
    if tip is not None:
        arrow = ax.annotate(
            "",
            xy=tuple(tip),
            xytext=tuple(theta0[[i, j]]),
            arrowprops={"arrowstyle": "-|>", "color": "#d62728", "lw": 2.5, "mutation_scale": 18},
            zorder=5,
        )
        arrow.set_gid(ARROW_GID)
        ax.plot([], [], color="#d62728", lw=2.5, label=w_["arrow"])
    else:
        ax.annotate(
            w_["zero"],
            xy=tuple(theta0[[i, j]]),
            xytext=(8, 8),
            textcoords="offset points",
            color="white",
        )
    ax.set_xlim(a[0], a[-1])
    ax.set_ylim(c[0], c[-1])
    ax.set_aspect("equal")
    ax.set_xlabel(_coord_label(i, dim))
    ax.set_ylabel(_coord_label(j, dim))
    title = w_["landscape"].format(loss=loss_name(d))
    if plane.others:  # more coordinates than the two drawn: say where the others are
        where = w_["slice"] if plane.fixed else w_["plane"]
        title += "\n" + _(_WORDS["other_coords"], where=where)
    ax.set_title(title, fontsize=11)
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return fig, plane


def loss_figure(result: TrainResult, lang: str | None = None) -> Figure:
    """The full-data loss and gradient norm after each epoch (epoch 0 is the start)."""
    with language(lang):
        return _loss_figure(result)


def _loss_figure(result: TrainResult) -> Figure:
    _matplotlib()
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    w_ = words()
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.add_subplot()
    epochs = np.arange(len(result.losses))
    losses = np.asarray(result.losses, dtype=float)
    top = float(np.max(losses)) if losses.size else 0.0
    # clip_on=False: a loss of 0 sits on the x axis, where a clipped line would hide in it
    ax.plot(epochs, losses, "-o", color="#1f77b4", ms=5, label=w_["loss"], clip_on=False, zorder=3)
    ax.fill_between(epochs, losses, alpha=0.15, color="#1f77b4")
    gax = ax.twinx()
    gax.plot(
        epochs,
        result.grad_norms,
        "--s",
        color="#d62728",
        ms=3,
        lw=1.2,
        label=w_["gnorm"],
        clip_on=False,
    )
    gax.set_ylabel(w_["gnorm"], color="#d62728")
    gax.tick_params(axis="y", colors="#d62728")
    gnorm_top = max(result.grad_norms) if result.grad_norms else 0.0
    gax.set_ylim(bottom=0, top=gnorm_top * 1.08 if gnorm_top > 0 else 1)
    if result.converged:
        ax.annotate(
            w_["converged"],
            xy=(epochs[-1], losses[-1]),
            xytext=(-10, 24),
            textcoords="offset points",
            ha="right",
            arrowprops={"arrowstyle": "->", "color": "black"},
        )
    if losses.size and float(np.min(losses)) >= 0:
        ax.set_ylim(bottom=0, top=top * 1.08 if top > 0 else 1)
    if top == 0 and losses.size:  # a flat line on the axis says nothing by itself
        ax.text(0.5, 0.55, w_["zero_loss"], transform=ax.transAxes, ha="center", color="#1f77b4")
    ax.set_xlim(-0.3, max(len(epochs) - 1, 1) + 0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(w_["epoch"])
    ax.set_ylabel(w_["loss"])
    ax.set_title(_(_WORDS["per_epoch_method"], method=result.method))
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return fig


figure_style = _style
"""The figures' matplotlib style (fonts for ``lang``) as a context manager."""


@dataclass(frozen=True)
class FigureFile:
    """One saved figure: its PNG and SVG, and for the landscape the plane it is drawn in."""

    key: str
    png: Path
    svg: Path
    caption: str = ""
    plane: Plane | None = None


def _save(fig: Figure, stem: Path) -> tuple[Path, Path]:
    png, svg = _render(fig)
    return write_atomic(stem.with_suffix(".png"), png), write_atomic(stem.with_suffix(".svg"), svg)


save_figure = _save
"""Save a figure as PNG and SVG next to each other (atomically): (png, svg)."""


def make_figures(
    d: Derivation,
    data: Dataset,
    start: Point,
    result: TrainResult,
    folder: Path,
    prefix: str,
    lang: str | None = None,
    coords: tuple[int, int] | None = None,
) -> list[FigureFile]:
    """Draw and save the landscape and the loss-per-epoch figures into ``folder``, with the
    words of ``lang`` (default: the current language)."""
    with language(lang) as code:
        return _make_figures(d, data, start, result, folder, prefix, code, coords)


def _make_figures(
    d: Derivation,
    data: Dataset,
    start: Point,
    result: TrainResult,
    folder: Path,
    prefix: str,
    lang: str,
    coords: tuple[int, int] | None,
) -> list[FigureFile]:
    ij = coords if coords is not None else parse_coords(None, data.d)
    key = _drawing_key(d, data, start, result, lang, ij)
    drawn = _DRAWN.get(key) if key is not None else None
    if drawn is None:
        with _style(lang):
            land, drawn_plane = _landscape(d, data, start, result, ij, 61, result.lr)
            curve = _loss_figure(result)
            drawn = (_render(land), _render(curve), drawn_plane)
        if key is not None:
            _DRAWN[key] = drawn
            while len(_DRAWN) > _DRAWN_MAX:
                _DRAWN.pop(next(iter(_DRAWN)))
    files = []
    parts: tuple[tuple[str, tuple[bytes, bytes], Plane | None], ...] = (
        ("landscape", drawn[0], drawn[2]),
        ("loss", drawn[1], None),
    )
    for name, images, in_plane in parts:
        stem = folder / f"{prefix}-{name}"
        png = write_atomic(stem.with_suffix(".png"), images[0])
        svg = write_atomic(stem.with_suffix(".svg"), images[1])
        files.append(FigureFile(name, png, svg, "", in_plane))
    return files


_DRAWN: dict[Any, tuple[tuple[bytes, bytes], tuple[bytes, bytes], Plane]] = {}
_DRAWN_MAX = 8  # drawings kept: one note written for several sites draws its figures once


def _render(fig: Figure) -> tuple[bytes, bytes]:
    out = []
    for ext in ("png", "svg"):
        buf = io.BytesIO()
        kwargs: dict[str, Any] = {"dpi": 150} if ext == "png" else {"metadata": {"Date": None}}
        fig.savefig(buf, format=ext, **kwargs)
        out.append(buf.getvalue())
    return out[0], out[1]


def _drawing_key(
    d: Derivation,
    data: Dataset,
    start: Point,
    result: TrainResult,
    lang: str,
    coords: tuple[int, int],
) -> Any:
    """What the figures depend on, hashable (None where something is not)."""
    try:
        return (
            d.form,
            tuple(sorted(d.params.items())),
            d.kink,
            data.X.tobytes(),
            data.y.tobytes(),
            np.asarray(start.w, dtype=float).tobytes(),
            float(start.b),
            tuple(result.losses),
            tuple(float(b) for b in result.bs),
            tuple(np.asarray(w, dtype=float).tobytes() for w in result.ws),
            result.lr,
            result.method,
            lang,
            coords,
        )
    except (TypeError, AttributeError):
        return None
