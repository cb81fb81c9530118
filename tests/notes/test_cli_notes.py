"""The ``gradproof notes``, ``train`` and ``compare`` commands."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner

from gradproof.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_notes_markdown_post_with_figures(tmp_path):
    out = tmp_path / "out"
    res = run("notes", "perceptron", "--X", "[[2,3],[1,-1]]", "--y", "[1,-1]", "-o", str(out))
    assert res.exit_code == 0, res.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "figures/perceptron-landscape.png",
        "figures/perceptron-landscape.svg",
        "figures/perceptron-loss.png",
        "figures/perceptron-loss.svg",
        "perceptron.md",
    ]
    text = (out / "perceptron.md").read_text()
    assert "](figures/perceptron-landscape.png)" in text


def test_notes_latex_and_front_matter_options(tmp_path):
    res = run(
        "notes",
        "hinge",
        "--format",
        "latex",
        "--no-figures",
        "-o",
        str(tmp_path),
        "--title",
        "SVM notes",
        "--date",
        "2026-05-06",
    )
    assert res.exit_code == 0, res.output
    tex = (tmp_path / "hinge.tex").read_text()
    assert r"\title{SVM notes}" in tex and r"\date{2026-05-06}" in tex
    res = run("notes", "hinge", "--format", "latex", "--front-matter", "-o", str(tmp_path))
    assert res.exit_code == 2 and "--front-matter applies to --format markdown" in res.output


def test_train_perceptron_converges_on_the_sample_data():
    res = run("train", "perceptron")
    assert res.exit_code == 0, res.output
    assert "built-in sample data" in res.output
    assert "converged after 1 epoch: the gradient is zero" in res.output
    rows = [ln.split() for ln in res.output.splitlines() if re.match(r"\s+\d+\s", ln)]
    assert [r[0] for r in rows] == ["0", "1"]
    assert rows[-1][-1] == "0/4"  # nobody misclassified at the end
    # The final weights separate the data (checked here by hand).
    X = np.array([[2, 3], [1, -1], [-1, 2], [-2, -1]])
    y = np.array([1, -1, 1, -1])
    w = np.array([float(v) for v in re.findall(r"[-\d.]+", " ".join(rows[-1][3:5]))])
    assert np.all(y * (X @ w + float(rows[-1][5])) > 0)


def test_train_sgd_momentum_is_reproducible_with_a_seed():
    args = (
        "train",
        "hinge",
        "--epochs",
        "12",
        "--momentum",
        "0.9",
        "--batch-size",
        "2",
        "--seed",
        "3",
    )
    a, b = run(*args), run(*args)
    assert a.exit_code == 0, a.output
    assert a.output == b.output
    assert "SGD (batch size 2) with momentum β = 0.9" in a.output
    c = run(*args[:-1], "4")
    assert c.output != a.output


def test_train_long_run_shows_a_progress_bar_and_a_sparkline(monkeypatch):
    import gradproof.cli.notes

    monkeypatch.setattr(gradproof.cli.notes, "_interactive", lambda: True)  # a terminal
    res = run("train", "logistic", "--epochs", "250", "--rows", "5")
    assert res.exit_code == 0, res.output
    assert "training" in res.output  # the progress bar's label (stderr is mixed in here)
    assert re.search(r"^loss  [▁▂▃▄▅▆▇█]{60}  \(epochs 0–250\)$", res.output, flags=re.M)
    assert "stopped after 250 epochs" in res.output


def test_no_progress_bar_in_a_log_and_a_late_error_stays_one_line():
    # Not a terminal (CliRunner): no bar. A run that diverges after 200 epochs: one line.
    ok = run("train", "logistic", "--epochs", "250", "--rows", "5")
    assert ok.exit_code == 0 and "training" not in ok.stderr
    bad = run("train", "squared_error", "--epochs", "300", "--lr", "5")
    assert bad.exit_code == 2, bad.output
    assert bad.stderr.count("\n") == 1 and "the run diverged at epoch" in bad.stderr


def test_bar_appears_only_after_the_options_are_checked(monkeypatch):
    import gradproof.cli.notes

    monkeypatch.setattr(gradproof.cli.notes, "_interactive", lambda: True)
    res = run("train", "perceptron", "--epochs", "300", "--batch-size", "2", "--seed", "-1")
    assert res.exit_code == 2
    assert res.stderr == "gradproof: error: --seed must be a whole number ≥ 0, got -1\n"


def test_issue_attacks_on_train_are_refused_at_once():
    import time

    t0 = time.perf_counter()
    res = run("train", "perceptron", "--epochs", "1000000")
    assert time.perf_counter() - t0 < 2.0
    assert res.exit_code == 2 and res.stderr.startswith(
        "gradproof: error: --epochs must be at most 100000, got 1000000"
    )
    res = run("train", "hinge", "--batch-size", "2", "--seed", "-1")
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "Traceback" not in res.output


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown"])
def test_compare_all_formats(fmt, tmp_path):
    res = run("compare", "perceptron", "hinge", "--format", fmt)
    assert res.exit_code == 0, res.output
    assert "perceptron" in res.output and "hinge" in res.output
    target = tmp_path / "c.txt"
    res = run("compare", "perceptron", "hinge", "--format", fmt, "-o", str(target))
    assert res.exit_code == 0 and target.read_text().strip()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(("notes",), "name a loss", id="notes-no-loss"),
        pytest.param(("notes", "perceptron", "--X", "[[1,2]]"), "--X and --y", id="notes-x-only"),
        pytest.param(("notes", "perceptron", "--coords", "w1,w9"), "--coords", id="notes-coords"),
        pytest.param(("notes", "perceptron", "--date", "tomorrow"), "YYYY-MM-DD", id="notes-date"),
        pytest.param(("train",), "name a loss", id="train-no-loss"),
        pytest.param(("train", "perceptron", "--lr", "0"), "--lr", id="train-lr"),
        pytest.param(("train", "perceptron", "--momentum", "1"), "--momentum", id="train-momentum"),
        pytest.param(
            ("train", "perceptron", "--batch-size", "9"), "--batch-size", id="train-batch"
        ),
        pytest.param(("train", "perceptron", "--rows", "1"), "--rows", id="train-rows"),
        pytest.param(
            ("train", "perceptron", "--y", "[0,1]", "--X", "[[1],[2]]"), "0/1", id="train-labels"
        ),
        pytest.param(("compare", "perceptron"), "at least two", id="compare-one"),
        pytest.param(("compare", "perceptron", "nope"), "unknown loss", id="compare-unknown"),
        pytest.param(
            ("compare", "perceptron", "hinge", "--param", "mu=1"), "'mu'", id="compare-param"
        ),
        pytest.param(
            ("notes", "perceptron", "--site", "jekyll", "--format", "latex"),
            "--site",
            id="notes-site-latex",
        ),
        pytest.param(
            ("notes", "perceptron", "--format", "latex", "--assets-url", "/x"),
            "--assets-url",
            id="notes-assets-latex",
        ),
        pytest.param(("notes", "perceptron", "--tags", "a,b\tc"), "--tags", id="notes-tags"),
        pytest.param(
            ("compare", "perceptron", "hinge", "--site", "hugo"), "--site", id="compare-site-text"
        ),
        pytest.param(
            ("compare", "perceptron", "hinge", "--at", '{"w":[0,0],"b":0}'),
            "--at needs data",
            id="compare-at-without-data",
        ),
        pytest.param(
            ("compare", "perceptron", "hinge", "--X", "[[1,2]]", "--y", "[1]", "--lr", "-1"),
            "--lr",
            id="compare-lr",
        ),
        pytest.param(
            ("compare", "perceptron", "squared_error", "--X", "[[1,2]]", "--y", "[0.5]"),
            "labels",
            id="compare-labels",
        ),
    ],
)
def test_errors_are_one_line_and_exit_2(args, words, tmp_path):
    res = CliRunner().invoke(
        cli, [*args, *(["-o", str(tmp_path / "o")] if args[0] == "notes" else [])]
    )
    assert res.exit_code == 2, res.output
    assert words in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_notes_for_jekyll_site(tmp_path):
    res = run(
        "notes",
        "hinge",
        "--site",
        "jekyll",
        "-o",
        str(tmp_path),
        "--date",
        "2026-01-02",
        "--tags",
        "svm, gradients",
        "--no-figures",
    )
    assert res.exit_code == 0, res.output
    post = tmp_path / "_posts" / "2026-01-02-hinge.md"
    head = post.read_text().split("---")[1]
    assert 'tags: ["svm", "gradients"]' in head and "math: true" in head


def test_compare_with_data_and_a_figure(tmp_path):
    fig = tmp_path / "m.png"
    res = run(
        "compare",
        "perceptron",
        "hinge",
        "--X",
        "[[2,3],[1,-1],[0.2,0.1]]",
        "--y",
        "[1,-1,1]",
        "--at",
        '{"w":[0.5,0.5],"b":0}',
        "--figure",
        str(fig),
    )
    assert res.exit_code == 0, res.output
    assert "perceptron  M = {2}" in res.stdout and "hinge       V = {2, 3}" in res.stdout
    assert fig.is_file() and f"wrote {fig}" in res.stderr
