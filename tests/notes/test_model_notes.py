"""The note of a model with K scores per sample: it renders in the real engines (kramdown via
Jekyll, pandoc, Hugo, markdown-it), its LaTeX compiles (pdflatex; XeLaTeX in Chinese), and the
decision-region figure shows, at probe points, the class of the largest score computed here."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner
from markup.engines import ENGINES, NEED, broken_images, missing, raw_tex, read
from zh_text import english_words

import gradproof
from gradproof.cli import cli
from gradproof.datasets import sample_model_dataset
from gradproof.errors import GradproofError
from gradproof.markup.blocks import math_fragments
from gradproof.markup.escape import rewrite_tex
from gradproof.markup.platforms import PROFILES, TABLE_TEX
from gradproof.notes import write_notes
from gradproof.notes.model_plots import REGION_COLOURS, RegionFigure

pytest.importorskip("matplotlib")

DATE = "2026-01-02"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _normal(tex: str, profile: str) -> str:
    return " ".join(rewrite_tex(tex, TABLE_TEX + PROFILES[profile].tex).split())


def _engine(engine: str) -> None:
    why = missing(engine)
    if why is not None:
        if NEED:
            pytest.fail(f"{engine} is needed in CI: {why}")
        pytest.skip(why)


CASES = [("jekyll", "jekyll"), ("pandoc", "pandoc"), ("hugo", "hugo"), ("default", "markdown-it")]


@pytest.mark.parametrize(("profile", "engine"), CASES, ids=[e for _, e in CASES])
def test_the_softmax_note_renders_in_the_real_engines(tmp_path, profile, engine):
    _engine(engine)
    site = None if profile == "default" else profile
    res = write_notes("softmax", tmp_path, site=site, date=DATE, epochs=8)
    pages = ENGINES[engine](tmp_path, {"softmax": res.document})
    if engine not in ("jekyll", "hugo"):
        for page in pages:
            page.root = tmp_path / PROFILES[profile].served
    expected = sorted((_normal(f.tex, profile), f.display) for f in math_fragments(res.model))
    assert len(expected) > 20
    for page in pages:
        reading = read(page.html, engine in ("jekyll", "hugo"))
        found = sorted((_normal(t, profile), d) for t, d in reading.math)
        assert found == expected, page.name
        assert raw_tex(reading.text) == [], raw_tex(reading.text)[:5]
        assert len(reading.images) == 2 and broken_images(page, reading.images) == []
        assert "Decision regions" in page.html and "Gradient descent" in page.html


def _pdflatex(folder, name):
    if shutil.which("pdflatex") is None and not NEED:
        pytest.skip("pdflatex is not installed")
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", name],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]


@pytest.mark.parametrize("loss", ["softmax", "crammer_singer", "multi_squared_error"])
def test_the_latex_note_compiles(tmp_path, loss):
    res = write_notes(loss, tmp_path, format="latex", date=DATE, epochs=6)
    tex = res.document.read_text()
    assert tex.startswith(r"\documentclass") and all(ord(ch) < 128 for ch in tex)
    assert r"\begin{bmatrix}" in tex  # the final parameters
    _pdflatex(tmp_path, res.document.name)
    assert (tmp_path / f"{loss}.pdf").stat().st_size > 10_000
    log = (tmp_path / f"{loss}.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in "\n".join(
        ln for ln in log.splitlines() if "detected at line" in ln
    )


def test_the_chinese_note_compiles_with_xelatex_and_speaks_chinese(tmp_path):
    md = write_notes("softmax", tmp_path / "md", lang="zh", date=DATE, epochs=5)
    text = md.document.read_text(encoding="utf-8")
    assert "## 梯度下降" in text
    names = {"Softmax", "softmax", "log-sum-exp"}  # the loss's name and its function
    assert [w for w in english_words(text) if w not in names] == [], english_words(text)[:10]
    res = write_notes("softmax", tmp_path, format="latex", lang="zh", epochs=5)
    if shutil.which("xelatex") is None and not NEED:
        pytest.skip("xelatex is missing")
    proc = subprocess.run(
        ["xelatex", "-interaction=nonstopmode", "-halt-on-error", res.document.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "Missing character" not in proc.stdout


# -- the decision regions ---------------------------------------------------------------------
def _probe(figure: RegionFigure, points) -> list[int]:
    """The class whose region colour the PNG has at each point (−1 for any other colour)."""
    from matplotlib.image import imread

    image = imread(str(figure.png))
    colours = [np.array([int(c[i : i + 2], 16) for i in (1, 3, 5)]) for c in REGION_COLOURS]
    out = []
    for x, y in points:
        row, col = figure.pixel(x, y)
        rgb = np.round(image[row, col, :3] * 255)
        hit = [k for k, c in enumerate(colours) if np.all(np.abs(rgb - c) <= 1)]
        out.append(hit[0] if hit else -1)
    return out


@pytest.mark.parametrize("loss", ["softmax", "multiclass_hinge"])
def test_region_colours_are_the_argmax_of_the_scores(tmp_path, loss):
    res = write_notes(loss, tmp_path, date=DATE, epochs=10)
    regions = [f for f in res.figures if isinstance(f, RegionFigure)]
    assert len(regions) == 1
    fig = regions[0]
    assert fig.png.read_bytes()[:8] == PNG_MAGIC and fig.svg.stat().st_size > 1000
    W, b = res.training.point["W"], res.training.point["b"]
    data = sample_model_dataset()
    x0, x1, y0, y1 = fig.extent
    rng = np.random.default_rng(0)
    probes = []
    while len(probes) < 12:  # inside the plane, clear of a boundary and of the samples
        p = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
        top2 = np.sort(W @ p + b)[-2:]
        near = np.min(np.linalg.norm(data.X - p, axis=1))
        if top2[1] - top2[0] > 0.2 and near > 0.6:
            probes.append(p)
    want = [int(np.argmax(W @ p + b)) for p in probes]  # the class, computed here
    assert len(set(want)) == 3  # every region is probed
    assert _probe(fig, probes) == want


def test_no_region_figure_without_2_d_class_data(tmp_path):
    res = write_notes("multi_squared_error", tmp_path, date=DATE, epochs=4)
    assert [f.key for f in res.figures] == ["loss"]
    X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    d = gradproof.derive("softmax", X=X, y=[0, 1, 2])
    res = write_notes(d, tmp_path / "3d", date=DATE, epochs=4)
    assert [f.key for f in res.figures] == ["loss"]
    assert res.training.n == 3  # trained on the worked example's data


def test_the_note_trains_on_the_example_data_from_its_point(tmp_path):
    X, y = [[1.0, 2.0], [-1.0, 0.5], [0.5, -1.5], [2.0, 0.0]], [0, 2, 1, 0]
    at = {"W": [[0.1, 0.0], [0.0, 0.1], [-0.1, 0.2]], "b": [0.0, 0.1, 0.0]}
    d = gradproof.derive("softmax", X=X, y=y, at=at, lr=0.2)
    res = write_notes(d, tmp_path, figures=False, epochs=3)
    np.testing.assert_allclose(res.training.start["W"], at["W"])
    assert res.training.lr == 0.2 and res.training.n == 4
    text = res.document.read_text()
    assert "the data of the worked example" in text and "4 samples, 3 outputs" in text


def test_cli_notes_softmax(tmp_path):
    res = CliRunner().invoke(cli, ["notes", "softmax", "-o", str(tmp_path), "--epochs", "5"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [
        "softmax-loss.png",
        "softmax-loss.svg",
        "softmax-regions.png",
        "softmax-regions.svg",
    ]
    text = (tmp_path / "softmax.md").read_text()
    assert "the built-in 3-class data \\(9 samples, 3 outputs\\)" in text  # ( escaped
    assert re.search(r"\| 5 \| [0-9.]+ \| [0-9.]+ \| 9/9 \|", text)


BAD = [
    pytest.param(["--coords", "w1,b"], "--coords applies to the loss landscape", id="coords"),
    pytest.param(["--X", "[[1,2]]", "--y", "[0.5]"], "class labels", id="labels"),
    pytest.param(["--lr", "-1"], "--lr must be a positive number", id="lr"),
    pytest.param(["--format", "latex", "--site", "jekyll"], "--site applies to", id="site"),
]


@pytest.mark.parametrize(("args", "words"), BAD)
def test_cli_notes_bad_input_writes_nothing(tmp_path, args, words):
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["notes", "softmax", "-o", str(out), *args])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and words in lines[0], res.output
    assert not out.exists()


def test_data_is_only_for_a_model(tmp_path):
    with pytest.raises(GradproofError, match="data= is for a model's note"):
        write_notes("hinge", tmp_path, data=sample_model_dataset(), figures=False)


def test_coords_are_for_the_linear_landscape(tmp_path):
    with pytest.raises(GradproofError, match="--coords applies to the loss landscape"):
        write_notes("softmax", tmp_path / "x", coords=(0, 1), figures=False)
    assert not (tmp_path / "x").exists()
