"""From Python and Jupyter: readable display expressions, one-line reprs, results that show
themselves in a notebook (the Markdown parses, KaTeX parses every formula in it), and
``derive --json`` with the steps."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner
from markup.engines import NEED, katex_errors, katex_missing, raw_tex, read

import gradproof
from gradproof.cli import cli

LOSSES = ("perceptron", "hinge", "logistic", "squared_error", "huber", "squared_hinge")
X2, Y2 = [[2.0, 3.0], [1.0, -1.0]], [1.0, -1.0]


def _katex(fragments: list[tuple[str, bool]]) -> list[dict[str, object]]:
    why = katex_missing()
    if why is not None:
        if NEED:
            pytest.fail(f"KaTeX is needed in CI: {why}")
        pytest.skip(why)
    return katex_errors(fragments)


def _markdown_math(text: str) -> tuple[list[tuple[str, bool]], str]:
    """The math of a Markdown text as a notebook's $-aware renderer finds it, and the HTML."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark").enable(["table"]).use(dollarmath_plugin)
    tokens = md.parse(text)
    found = []
    for tok in tokens:
        if tok.type == "math_block":
            found.append((tok.content, True))
        for child in tok.children or []:
            if child.type == "math_inline":
                found.append((child.content, False))
    return found, md.render(text)


# -- display expressions ------------------------------------------------------------------------
def test_the_gradient_reads_as_a_formula():
    g = gradproof.derive("perceptron").gradient
    assert str(g["w"]) == repr(g["w"]) == "-Σ_{i∈M} yᵢ xᵢ"
    assert str(g["b"]) == "-Σ_{i∈M} yᵢ"
    assert g["w"]._repr_latex_() == r"$\displaystyle - \sum_{i \in M} y_{i} \mathbf{x}_{i}$"
    assert sp.pretty(g["w"]) == "-Σ_{i∈M} yᵢ xᵢ"
    assert repr(dict(g)) == "{'w': -Σ_{i∈M} yᵢ xᵢ, 'b': -Σ_{i∈M} yᵢ}"


@pytest.mark.parametrize("name", LOSSES)
def test_no_display_node_shows_its_class_name(name):
    d = gradproof.derive(name)
    for form in (d.gradient, d.matrix_form):
        for e in form.values():
            shown = str(e) + sp.latex(e)
            assert not re.search(r"SampleSum|MatTVec|Partial|Expanded|StackedGradient", shown)


def test_every_gradient_latex_parses_in_katex():
    fragments = []
    for name in LOSSES:
        d = gradproof.derive(name)
        for form in (d.gradient, d.matrix_form):
            fragments += [(sp.latex(e), True) for e in form.values()]
    assert _katex(fragments) == []


def test_the_display_still_is_the_sympy_expression():
    # printing changed, not the data: the numeric layer and the renderers read the same tree
    g = gradproof.derive("perceptron").gradient["w"]
    assert sp.srepr(g).startswith("Mul(Integer(-1), SampleSum(")
    assert g == -gradproof.symbolic.display.SampleSum(
        sp.Symbol("y", real=True) * gradproof.symbolic.display.XI,
        gradproof.symbolic.display.Sym("M"),
    )


# -- one-line reprs -------------------------------------------------------------------------------
def test_reprs_are_one_short_line():
    d = gradproof.derive("hinge", params={"lam": 0.1}, X=X2, y=Y2)
    assert repr(d) == (
        "Derivation('hinge', loss='max(0, 1 − y(w·x + b)) + (λ/2)‖w‖²', params={'lam': 0.1}, "
        "wrt=('w', 'b'), kink='exclude', example=True)"
    )
    report = gradproof.check_gradient("hinge", params={"lam": 0.1})
    result = gradproof.train(d, lr=0.1, epochs=3)
    for r in (repr(report), repr(result)):
        assert "\n" not in r and len(r) < 200, r
    assert repr(report).startswith("CheckReport('hinge', passed=True,")
    assert repr(result).startswith("TrainResult('hinge', method='gradient descent', lr=0.1,")


# -- notebook display -----------------------------------------------------------------------------
def test_derivation_displays_in_a_notebook():
    d = gradproof.derive("hinge", X=X2, y=Y2)
    fragments, html = _markdown_math(d._repr_markdown_())
    assert len(fragments) > 30 and raw_tex(read(html, False).text) == []  # no TeX left as text
    latex = d._repr_latex_()
    assert latex.startswith("$$") and latex.endswith("$$")
    assert _katex(fragments + [(latex[2:-2], True)]) == []


def test_check_report_displays_in_a_notebook():
    def wrong(X, y, w, b):  # no active-set filter
        return -(y @ X), -y.sum()

    report = gradproof.check_gradient("perceptron", grad=wrong, X=X2, y=Y2)
    fragments, html = _markdown_math(report._repr_markdown_())
    assert "FAIL" in html and html.count("<tr>") == len(report.points) + 1
    if fragments:
        assert _katex(fragments) == []


def test_train_result_displays_its_table():
    d = gradproof.derive("perceptron")
    result = gradproof.train(d, X=X2, y=Y2, lr=0.1, epochs=5)
    text = result._repr_markdown_()
    _, html = _markdown_math(text)
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S) for r in rows]
    assert cells[0] == ["epoch", "loss", "‖g‖", "w", "b", "|M|"]  # the bars survive the table
    # epoch 1 by hand: both samples have margin 0 (in M), ∇w = −(1·[2,3] − 1·[1,−1]) = [−1, −4]
    assert cells[2] == ["1", "0", "0", "(0.1, 0.4)", "0", "0/2"]
    assert "converged after 1 epoch" in html
    assert str(result).startswith("converged after 1 epoch")


def test_train_takes_arrays_a_dataset_or_the_worked_example():
    d = gradproof.derive("perceptron", X=X2, y=Y2)
    by_arrays = gradproof.train(d, X=np.array(X2), y=np.array(Y2), epochs=3)
    by_example = gradproof.train(d, epochs=3)
    by_data = gradproof.train(d, gradproof.Dataset(np.array(X2), np.array(Y2)), epochs=3)
    for r in (by_example, by_data):
        assert r.losses == by_arrays.losses and np.array_equal(r.w, by_arrays.w)
    with pytest.raises(gradproof.OptionError, match="give both X and y"):
        gradproof.train(d, X=X2)
    with pytest.raises(gradproof.OptionError, match="not both"):
        gradproof.train(d, gradproof.Dataset(np.array(X2), np.array(Y2)), X=X2, y=Y2)
    # no data and no worked example: the built-in sample data, as on the command line
    sample = gradproof.datasets.sample_dataset("pm1")
    r = gradproof.train(gradproof.derive("perceptron", example=False), epochs=3)
    assert r.n == sample.n
    assert gradproof.train("perceptron", epochs=3).losses == r.losses  # a loss's name


# -- derive --json ---------------------------------------------------------------------------------
def test_derive_json_keeps_its_keys_and_adds_the_steps():
    args = ["derive", "hinge", "--X", "[[2,3],[1,-1]]", "--y", "[1,-1]", "--json"]
    out = json.loads(CliRunner().invoke(cli, args).stdout)
    assert list(out) == [
        "loss",
        "title",
        "formula",
        "kink",
        "params",
        "gradient",
        "example",
        "steps",
    ]
    d = gradproof.derive("hinge", X=X2, y=Y2)
    text = d.render("text")
    assert [s["number"] for s in out["steps"]] == list(range(1, len(out["steps"]) + 1))
    assert len(out["steps"]) == len(re.findall(r"^ ?\d+\. ", text, re.M))
    fragments = []
    for step in out["steps"]:
        assert f"{step['number']:>2}. {step['rule']}" in text
        assert step["justification"] in text
        for f in step["formulas"]:
            assert f"      {f['text']}\n" in text  # the same formula the text output prints
            fragments.append((f["latex"], True))
        fragments += [(m, False) for m in re.findall(r"\$([^$]+)\$", step["justification_latex"])]
    assert out["steps"][-1]["rule"] == "worked example: update step"
    assert _katex(fragments) == []


def test_write_notes_takes_a_loss_name(tmp_path):
    by_name = gradproof.write_notes("hinge", tmp_path / "a", figures=False)
    by_derivation = gradproof.write_notes(
        gradproof.derive("hinge", example=True), tmp_path / "b", figures=False
    )
    assert by_name.document.read_text() == by_derivation.document.read_text()
