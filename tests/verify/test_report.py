"""Reports a person can act on: where it was checked, one reference, numbers rounded to what
matters, no impossible numbers, named hints, one numbering, notebook display, pytest frames."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

from gradproof.cli import cli
from gradproof.verify import check_gradient

X = np.array([[1.0, 2.0, 0.5], [-1.0, 0.5, 2.0], [2.0, -1.0, 1.0], [0.5, 1.5, -2.0]])
Y = np.array([0.3, -1.2, 2.0, 0.7])
W = np.array([0.1, -0.2, 0.3])


def se(X, y, w, b):
    r = X @ w + b - y
    return r @ X, r.sum()


def _reports():
    """A spread of passing and failing reports (kinks, zero gradients, crashes, fast mode)."""
    yield check_gradient("squared_error", grad=se, X=X, y=Y, w=W, b=0.1)
    yield check_gradient("squared_error", grad=lambda *a: tuple(2 * v for v in se(*a)), X=X, y=Y)
    yield check_gradient("squared_error", claim={"w": [5], "b": 5}, X=[[1.0]], y=[1.0], w=[1.0])
    yield check_gradient("perceptron")
    yield check_gradient("perceptron", grad=lambda X, y, w, b: (-(y @ X), -y.sum()))
    yield check_gradient("logistic", grad=lambda X, y, w, b: 1 / 0)
    yield check_gradient("hinge", mode="fast")
    yield check_gradient("huber", grad=lambda X, y, w, b: (np.zeros(X.shape[1]), 0.0), mode="fast")


@pytest.fixture(scope="module")
def reports():
    return list(_reports())


def test_no_impossible_numbers_in_any_report(reports):
    for rep in reports:
        text = str(rep)
        assert "inf" not in text.replace("info", "")
        assert "nan" not in text
        assert not re.search(r"−0\.0 |-0\.0 significant| -0 ", text)
        assert not re.search(r"to -\d", text)  # no negative digits
        assert "\\d{16,}" not in text
        assert not re.search(r"\d\.\d{12,}", text), text  # no 17-digit float noise
        json.dumps(rep.to_dict())  # JSON-ready
        assert "numbered from 1" in text


def test_the_report_lists_the_points_it_checked(reports):
    text = str(reports[0])
    assert "checked at 6 point(s)" in text  # squared error has no kink point
    for label in (
        "given point",
        "random point 1 (data scale)",
        "random point 2 (large margins)",
        "random point 3 (medium margins)",
        "random point 4 (data scale)",
    ):
        assert label in text
    assert "your data (n = 4, d = 3)" in text


def test_a_failure_names_the_point_and_rounds_to_what_matters(reports):
    text = str(reports[1])
    assert "FAIL" in text and "fails at:" in text
    # the entries show the candidate and the one reference, just enough digits apart
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("w[1]:"))
    assert "candidate" in line and "correct" in line and "reference" not in line
    assert "2 × the correct gradient" in text


def test_the_interval_of_valid_values_appears_only_at_kink_samples(reports):
    smooth = str(reports[1])
    assert "can be right for this entry" not in smooth
    kinked = check_gradient(
        "perceptron",
        grad=lambda X, y, w, b: (np.full(X.shape[1], 9.0), 0.0),
        X=[[1.0, 2.0], [2.0, -1.0]],
        y=[1.0, -1.0],
        points=1,
    )
    text = str(kinked)
    assert "sit on a kink" in text
    assert "any value in [" in text and "can be right for this entry" in text
    assert "every such choice is a valid subgradient" in text


def test_a_zero_reference_has_no_relative_error(reports):
    rep = reports[2]
    assert all(e.rel_error is None for e in rep.entries if e.reference == 0)
    assert "significant digits" not in str(rep)


def test_the_self_test_says_so():
    res = CliRunner().invoke(cli, ["check", "hinge", "--json"])
    assert res.exit_code == 0
    data = json.loads(res.output)
    assert data["self_test"] is True and data["candidate"] == "derived gradient"
    text = CliRunner().invoke(cli, ["check", "hinge"]).output
    assert "self-test" in text and "gradproof's own derived gradient" in text


def test_no_self_test_line_for_a_users_gradient(reports):
    assert "self-test" not in str(reports[0])


def test_markdown_display_in_a_notebook(reports):
    md = reports[1]._repr_markdown_()
    assert md.startswith("**gradproof check: squared_error — ❌ FAIL**")
    assert "| ✗ |" in md and "| point | data | result |" in md
    assert md.count("```") == 2


def test_candidate_failures_are_named(reports):
    text = str(reports[5])
    assert "raised ZeroDivisionError" in text and "FAIL" in text


HINTS = [
    ("sign-b", lambda X, y, w, b: (se(X, y, w, b)[0], -se(X, y, w, b)[1]), "wrong sign"),
    ("only-b", lambda X, y, w, b: (se(X, y, w, b)[0], se(X, y, w, b)[1] + 1), "only ∂L/∂b"),
    (
        "one-coordinate",
        lambda X, y, w, b: (se(X, y, w, b)[0] * np.array([1, 1, 3.0]), se(X, y, w, b)[1]),
        "only w[3] is wrong",
    ),
    ("mean", lambda X, y, w, b: tuple(v / len(y) for v in se(X, y, w, b)), "1/n"),
    ("flip-w", lambda X, y, w, b: (-se(X, y, w, b)[0], se(X, y, w, b)[1]), "∂L/∂w is the negative"),
    ("broadcast", lambda X, y, w, b: ((X @ w + b - y)[:, None] * X, 0.0), "broadcast"),
    ("transposed", lambda X, y, w, b: (X @ (X @ w + b - y), 0.0), "shape"),
]


@pytest.mark.parametrize("grad,hint", [(g, h) for _, g, h in HINTS], ids=[i for i, _, _ in HINTS])
def test_classic_bugs_are_named(grad, hint):
    rep = check_gradient("squared_error", grad=grad, X=X, y=Y)
    assert not rep.passed
    assert hint in str(rep), str(rep)


def test_transposed_with_square_data_is_named():
    rng = np.random.default_rng(11)
    Xs, ys = rng.standard_normal((4, 4)), rng.standard_normal(4)

    def grad(X, y, w, b):
        r = X @ w + b - y
        return X @ r, r.sum()

    rep = check_gradient("squared_error", grad=grad, X=Xs, y=ys, w=rng.standard_normal(4), b=0.5)
    assert any("transposed" in h for h in rep.hints), str(rep)


def test_missing_regulariser_is_named():
    def no_reg(X, y, w, b):
        v = y * (X @ w + b) < 1
        return -(y * v) @ X, -(y * v).sum()

    rep = check_gradient("hinge", grad=no_reg)
    assert "regulariser's gradient is missing: the candidate lacks 0.01·w" in str(rep)


def test_assert_gradient_hides_its_own_frames_in_pytest(tmp_path):
    test = tmp_path / "test_user.py"
    test.write_text(
        textwrap.dedent(
            """
            import numpy as np
            from gradproof import assert_gradient

            def test_mine():
                def grad(X, y, w, b):
                    r = X @ w + b - y
                    return 2 * (r @ X), 2 * r.sum()
                assert_gradient("squared_error", grad=grad, X=np.eye(2), y=np.ones(2))
            """
        )
    )
    out = subprocess.run(
        [sys.executable, "-m", "pytest", str(test), "-q", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout
    assert "1 failed" in out
    assert "gradproof check: squared_error — FAIL" in out
    assert "report = check_gradient(loss, **kwargs)" not in out  # gradproof's frame is hidden


NORM = ["check", "--expr", "max(0, 1 - y*(dot(w,x) + b))", "--reg", "lam*norm(w)",
        "--param", "lam=0.1", "--labels", "pm1"]  # fmt: skip


@pytest.mark.parametrize("extra", [[], ["--fast"]], ids=["full", "fast"])
def test_a_norm_regulariser_at_w_0_is_a_clear_outcome(extra):
    # was: a ZeroDivisionError traceback and exit 1 at the default point
    res = CliRunner().invoke(cli, NORM + extra)
    assert res.exit_code == 0, res.output
    assert "the default point (w = 0) was skipped: norm(w) has no gradient there" in res.output
    given = CliRunner().invoke(cli, NORM + extra + ["--at", '{"w": [0, 0], "b": 0}'])
    assert given.exit_code == 2
    (line,) = given.stderr.splitlines()
    assert line.startswith("gradproof: error: the gradient is undefined at w = 0")
