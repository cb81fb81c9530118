"""The note of a network on XOR: it renders in kramdown (Jekyll) and pandoc, its LaTeX
compiles, the decision-region figure shows at probe points the class of the largest score of
a forward pass computed here, and it says (with softmax regression's own run) that the linear
model of the first lesson cannot separate XOR."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from click.testing import CliRunner
from latex_helper import compile_latex, needs_pdflatex
from markup.engines import ENGINES, NEED, broken_images, missing, raw_tex, read
from network_oracle import ACTS

import gradproof
from gradproof.cli import cli
from gradproof.datasets import sample_xor_dataset
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


@functools.cache
def net():
    return gradproof.derive("mlp", layers="2-8-2", activation="tanh", loss="softmax")


def _scores(X, p):
    A = X
    for ly in (1, 2):
        Z = A @ p[f"W{ly}"].T + p[f"b{ly}"]
        A = Z if ly == 2 else ACTS["tanh"][0](Z)
    return A


@pytest.fixture(scope="module")
def note(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xor-note")
    return folder, write_notes(net(), folder, date=DATE, epochs=100)


def test_the_note_trains_on_xor_to_every_sample_and_says_the_linear_model_cannot(note):
    _folder, res = note
    assert res.training.source == sample_xor_dataset().source and res.training.n == 32
    assert res.training.correct[-1] == 32
    text = res.document.read_text()
    assert "the built-in XOR data \\(32 samples, 2 outputs\\)" in text
    assert "perceptron and the softmax regression of the first lesson cannot learn them" in text
    assert "the network classifies 32 of 32 right" in text
    linear = text.split("softmax regression trained the same way")[1]
    assert int(linear.split("classifies at best ")[1].split(" ")[0]) < 32
    # its lowest loss is about that of guessing, 32 log 2 = 22.1807 (on XOR's symmetric
    # corners a linear model does hardly better than W = 0, b = 0)
    lowest = float(linear.split("its lowest loss is ")[1].split(",")[0])
    assert lowest > 22.0 and "n \\log 2 = 22.1807" in linear


def test_the_start_is_the_worked_examples_random_point(note):
    _folder, res = note
    example = gradproof.derive("mlp", layers="2-8-2", activation="tanh", seed=0).example
    for k, v in example.point.items():
        np.testing.assert_array_equal(res.training.start[k], v)
        assert np.any(v != 0)


def test_region_colours_are_the_argmax_of_a_forward_pass_computed_here(note):
    _folder, res = note
    regions = [f for f in res.figures if isinstance(f, RegionFigure)]
    assert len(regions) == 1 and regions[0].png.read_bytes()[:8] == PNG_MAGIC
    fig, p = regions[0], res.training.point
    x0, x1, y0, y1 = fig.extent
    X = sample_xor_dataset().X
    rng = np.random.default_rng(0)
    probes = []
    while len(probes) < 16:  # inside the plane, clear of a boundary and of the samples
        q = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
        s = _scores(q[None, :], p)[0]
        if abs(s[1] - s[0]) > 0.5 and np.min(np.linalg.norm(X - q, axis=1)) > 0.08:
            probes.append(q)
    want = [int(np.argmax(_scores(q[None, :], p))) for q in probes]
    assert set(want) == {0, 1}
    assert _probe(fig, probes) == want
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    assert np.argmax(_scores(corners, p), axis=1).tolist() == [0, 1, 1, 0]  # XOR, learned


@pytest.mark.parametrize("engine", ["jekyll", "pandoc"])
def test_the_network_note_renders_in_kramdown_and_pandoc(tmp_path, engine):
    why = missing(engine)
    if why is not None:
        if NEED:
            pytest.fail(f"{engine} is needed in CI: {why}")
        pytest.skip(why)
    res = write_notes(net(), tmp_path, site=engine, date=DATE, epochs=30)
    pages = ENGINES[engine](tmp_path, {"mlp": res.document})
    if engine == "pandoc":
        for page in pages:
            page.root = tmp_path / PROFILES[engine].served
    expected = sorted((_normal(f.tex, engine), f.display) for f in math_fragments(res.model))
    assert len(expected) > 20
    for page in pages:
        reading = read(page.html, engine == "jekyll")
        found = sorted((_normal(t, engine), d) for t, d in reading.math)
        assert found == expected, page.name
        assert raw_tex(reading.text) == [], raw_tex(reading.text)[:5]
        assert len(reading.images) == 2 and broken_images(page, reading.images) == []
        assert "XOR" in page.html and "Decision regions" in page.html


@needs_pdflatex
def test_the_latex_note_compiles(tmp_path):
    res = write_notes(net(), tmp_path, format="latex", date=DATE, epochs=30)
    tex = res.document.read_text()
    assert tex.startswith(r"\documentclass") and all(ord(ch) < 128 for ch in tex)
    assert "XOR" in tex and r"W_{2}" in tex
    log = compile_latex(tex, tmp_path, "mlp")
    assert (tmp_path / "mlp.pdf").stat().st_size > 10_000
    assert "Missing character" not in log and "Overfull \\hbox" not in log


def test_cli_notes_mlp(tmp_path):
    args = ["notes", "mlp", "--layers", "2-8-2", "--activation", "tanh", "--loss", "softmax"]
    res = CliRunner().invoke(cli, [*args, "--seed", "0", "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [
        "mlp-loss.png",
        "mlp-loss.svg",
        "mlp-regions.png",
        "mlp-regions.svg",
    ]
    text = (tmp_path / "mlp.md").read_text()
    assert "| 100 |" in text and "32/32 |" in text.split("| 100 |")[1].splitlines()[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["notes", "softmax", "--seed", "1"], "--seed draws a network's random start"),
        (["notes", "hinge", "--layers", "2-3-2"], "belong to a network"),
        (["notes", "mlp", "--layers", "2-8-2", "--coords", "w1,b"], "--coords applies"),
    ],
    ids=["seed", "layers", "coords"],
)
def test_cli_notes_network_options_bad_input(tmp_path, args, words):
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, [*args, "-o", str(out)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and words in lines[0], res.output
    assert not out.exists()
