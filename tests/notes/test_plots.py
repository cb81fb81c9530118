"""Figures: files produced, not blank, and the arrow points along −∇L."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import gradproof
from gradproof.datasets import Point, as_dataset
from gradproof.errors import OptionError
from gradproof.notes import plots, train

from .conftest import SAMPLE_X, SAMPLE_Y, hinge_grad, perceptron_grad

pytest.importorskip("matplotlib")


def _arrow(fig):
    ax = fig.axes[0]
    arrows = [t for t in ax.texts if t.get_gid() == plots.ARROW_GID]
    assert len(arrows) == 1
    a = arrows[0]
    start, tip = np.array(a.xyann, dtype=float), np.array(a.xy, dtype=float)
    fig.draw_without_rendering()  # apply the equal aspect, then look at it on the page
    page = ax.transData.transform(tip) - ax.transData.transform(start)
    return start, tip - start, page


def _unit(v):
    return np.asarray(v, dtype=float) / np.linalg.norm(v)


@pytest.mark.parametrize(
    ("w", "b"),
    [
        pytest.param([0.0, 0.0], 0.0, id="origin"),
        pytest.param([0.5, -1.0], 0.2, id="two-misclassified"),
        pytest.param([-1.0, 0.3], -0.5, id="other-side"),
    ],
)
def test_perceptron_arrow_points_along_negative_gradient(sample, w, b):
    d = gradproof.derive("perceptron")
    start = Point(np.array(w), b)
    fig = plots.landscape_figure(d, sample, start, coords=(0, 1), grid=15)
    origin, drawn, page = _arrow(fig)
    gw, _ = perceptron_grad(SAMPLE_X, SAMPLE_Y, np.array(w), b)
    np.testing.assert_allclose(origin, w)
    np.testing.assert_allclose(_unit(drawn), _unit(-gw), atol=1e-12)
    np.testing.assert_allclose(_unit(page), _unit(-gw), atol=1e-6)


def test_hinge_arrow_in_the_w1_b_plane(sample):
    d = gradproof.derive("hinge", params={"lam": 0.5})
    w, b = np.array([0.3, 0.1]), -0.2
    fig = plots.landscape_figure(d, sample, Point(w, b), coords=(0, 2), grid=15)
    origin, drawn, page = _arrow(fig)
    gw, gb = hinge_grad(SAMPLE_X, SAMPLE_Y, w, b, 0.5)
    expected = -np.array([gw[0], gb])
    np.testing.assert_allclose(origin, [w[0], b])
    np.testing.assert_allclose(_unit(drawn), _unit(expected), atol=1e-12)
    np.testing.assert_allclose(_unit(page), _unit(expected), atol=1e-6)
    assert fig.axes[0].get_xlabel() == "$w_{1}$" and fig.axes[0].get_ylabel() == "$b$"


def test_no_arrow_where_the_gradient_is_zero():
    data = as_dataset(SAMPLE_X, SAMPLE_Y)
    fig = plots.landscape_figure(
        gradproof.derive("perceptron"), data, Point(np.array([0.2, 0.7]), 0.0), grid=9
    )
    assert not [t for t in fig.axes[0].texts if t.get_gid() == plots.ARROW_GID]


def test_figures_are_written_and_not_blank(sample, tmp_path):
    import matplotlib.image as mpimg

    d = gradproof.derive("hinge")
    start = Point(np.zeros(2), 0.0)
    result = train(d, sample, lr=0.05, epochs=10)
    files = plots.make_figures(d, sample, start, result, tmp_path, "hinge")
    assert [f.key for f in files] == ["landscape", "loss"]
    for f in files:
        img = mpimg.imread(f.png)
        assert img.shape[0] > 300 and img.shape[1] > 500
        assert img[..., :3].std() > 0.1  # far from a blank page
        assert f.svg.read_text().lstrip().startswith("<?xml")
        assert "<svg" in f.svg.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "hinge-landscape.png",
        "hinge-landscape.svg",
        "hinge-loss.png",
        "hinge-loss.svg",
    ]


def test_path_is_drawn_through_every_epoch(sample):
    d = gradproof.derive("hinge")
    result = train(d, sample, lr=0.05, epochs=4)
    fig = plots.landscape_figure(d, sample, Point(np.zeros(2), 0.0), result, grid=9)
    lines = [ln for ln in fig.axes[0].lines if len(ln.get_xdata()) == 5]
    assert len(lines) == 1
    np.testing.assert_allclose(lines[0].get_xdata(), [w[0] for w in result.ws])
    np.testing.assert_allclose(lines[0].get_ydata(), [w[1] for w in result.ws])


def test_zh_without_a_cjk_font_says_what_to_install(monkeypatch):
    monkeypatch.setattr(plots, "cjk_font", lambda: None)
    with pytest.raises(OptionError, match="fonts-noto-cjk"):
        plots.require("zh")


@pytest.mark.skipif(plots.cjk_font() is None, reason="no CJK font installed")
def test_zh_figures_with_a_cjk_font(sample, tmp_path):
    d = gradproof.derive("perceptron")
    result = train(d, sample)
    files = plots.make_figures(d, sample, Point(np.zeros(2), 0.0), result, tmp_path, "p", "zh")
    assert all(f.png.stat().st_size > 0 for f in files)


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(OptionError, match=r"pip install 'gradproof\[plot\]'"):
        plots.require("en")


@pytest.mark.parametrize(
    ("spec", "d", "expected"),
    [
        pytest.param(None, 2, (0, 1), id="default-2d"),
        pytest.param(None, 1, (0, 1), id="default-1d-uses-b"),
        pytest.param("w2,b", 3, (1, 3), id="w2-b"),
        pytest.param(" w3 , w1 ", 3, (2, 0), id="spaces"),
    ],
)
def test_parse_coords(spec, d, expected):
    assert plots.parse_coords(spec, d) == expected


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("w1", id="one"),
        pytest.param("w1,w1", id="same"),
        pytest.param("w1,w3", id="out-of-range"),
        pytest.param("x,y", id="names"),
        pytest.param("w1,w2,b", id="three"),
    ],
)
def test_parse_coords_invalid(spec):
    with pytest.raises(OptionError, match="--coords"):
        plots.parse_coords(spec, 2)
