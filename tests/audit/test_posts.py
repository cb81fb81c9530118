"""Precision and recall of ``gradproof audit`` on posts written for the purpose.

Each post below has errors planted by hand (or none). The table lists every planted error
by line, kind and verdict (and, for a consequence, the line it follows). The test audits the
post (with ``run=True`` so printed outputs are compared) and counts, over all posts:

- found: a planted error reported on its line with its kind and verdict,
- missed: a planted error not reported so,
- false-flagged: a claim reported wrong (or following a wrong value) that was not planted.

It asserts 100 % found and 0 false-flagged. The expected values in the posts were worked by
hand; the comments beside each row give the arithmetic.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gradproof.audit import audit

POSTS = Path(__file__).parent / "posts"
EXAMPLE = Path(__file__).parents[2] / "examples" / "posts" / "perceptron_wrong.md"

# post: [(line, kind, verdict, follows)]
PLANTED: dict[str, list[tuple[int, str, str, int | None]]] = {
    "perceptron_en.md": [
        (31, "data", "wrong", None),  # prose x₃ = [−1, 2], the code's X has [−1, 1]
        (49, "formula", "wrong", None),  # −Σ_{i∈M} xᵢ: the yᵢ is missing
        (55, "equation", "wrong", None),  # −[2, −3] = [−2, 3], written [−2, −3]
        (67, "update", "follows-wrong", 55),  # [−1, 1] − 0.5·[−2, −3] = [0, 2.5] copies it
        (78, "output", "wrong", None),  # the code prints [-2. 3.], the comment says [-2. -3.]
    ],
    "hinge_zh.md": [
        (21, "equation", "wrong", None),  # s₂ = 0.5·2 + 0·(−1) + 0.5 = 1.5, written 0.5
        (24, "equation", "follows-wrong", 21),  # y₂s₂ = −0.5 from s₂ = 0.5 (truly −1.5)
        (27, "equation", "follows-wrong", 21),  # L = 0 + 1.5 + 1 + 0.0125 from s₂ (truly 3.5125)
        (31, "formula", "wrong", None),  # ∂/∂w (λ/2)‖w‖² = 2λw (it is λw)
        (49, "update", "wrong", None),  # b_new = 0.5 − 0.1·0 = 0.4 (it is 0.5)
    ],
    "logistic_en.tex": [
        (17, "equation", "wrong", None),  # 2 log 2 ≈ 1.29 (it is 1.386)
        (21, "formula", "wrong", None),  # σ(yᵢsᵢ) instead of σ(−yᵢsᵢ)
        (
            29,
            "equation",
            "wrong",
            None,
        ),  # −([0.5, 0.5] + [0.5, −1]) = [−1, 0.5], written [−1, −0.5]
        (35, "update", "follows-wrong", 29),  # w − η∇L = [1, 0.5] from it (truly [1, −0.5])
    ],
    "squared_zh.tex": [
        (17, "equation", "wrong", None),  # r₃ = 0 − 2 = −1
        (20, "equation", "follows-wrong", 17),  # L = ½((−1)² + (−2)² + (−1)²) = 3 copies r₃
        (27, "formula", "wrong", None),  # Σ (yᵢ − w·xᵢ − b) xᵢ: the sign is flipped
        (34, "equation", "wrong", None),  # ∂L/∂b uses y₃ = 3, the data says 2: −6, not −5
        (41, "update", "follows-wrong", 34),  # b_new = 0 − 0.1·(−6) = 0.6 (truly 0.5)
    ],
    "perceptron_zh.ipynb": [
        (42, "equation", "wrong", None),  # −([2,3] − [1,−1]) = −[1, 4], written −[1, 2]
        (
            75,
            "update",
            "follows-wrong",
            42,
        ),  # [0, 0] − 0.1·[−1, −2] = [0.1, 0.2] (truly [0.1, 0.4])
        (87, "output", "wrong", None),  # the stored output [0.1 0.2]; the code prints [0.1 0.4]
        (118, "code-error", "wrong", None),  # print(los): NameError
    ],
    "clean_en.md": [],
    "clean_zh.ipynb": [],
    "perceptron_wrong.md": [  # the shipped example (examples/posts), the issue's own numbers
        (18, "equation", "wrong", None),  # −[1,2] + [3,0] = [2, −2], written [2, 2]
        (24, "update", "follows-wrong", 18),  # [0,0] − 0.1·[2, 2] = [−0.2, −0.2] follows it
    ],
    # -- posts from the review of the audit (tests/audit/test_review.py) ----------------------
    "review_p2.md": [  # logistic, w = 0: σ(0) = ½ for both samples
        (7, "equation", "wrong", None),  # ∂L/∂w = −½([1,2] − [2,−1]) = [0.5, −1.5], not [1, −3]
        (11, "update", "follows-wrong", 7),  # −0.5·[1, −3] copies it (truly [−0.25, 0.75])
        (13, "formula", "wrong", None),  # Σ yᵢσ(−yᵢsᵢ)xᵢ: the leading minus is missing
        (15, "equation", "wrong", None),  # L = 2 log 2 = 1.386 for two samples, not log 2
    ],
    # r = [−0.5, 4.5], L = ¼·20.5 = 5.125, ∇ = [6.5, −2.75], 2; w' = [0.35, 0.275], b' = 0.3;
    # then r' = [−0.8, 2.075] and L' = ¼(0.64 + 4.305625) = 1.2364 ≈ 1.24
    "review_p18.md": [],
    # one sample x = [1, 2], y = 1, w = 0: ∂L/∂w = −σ(0)·[1, 2] = [−0.5, −1], written [−0.5, −1.5]
    # the code changes its literal data (y = -y; X = X / 10): the claims, right for the
    # changed data ([−2, 2]; [1, −1]), must not be flagged against the literal
    "review_p25.md": [],
    "review_p26.md": [],
    # hinge + (λ/2)‖w‖², λ unvalued: ∂L/∂w = λw − Σ_{i∈V} yᵢxᵢ, written with + Σ
    "review_h1.md": [(3, "formula", "wrong", None)],
    # os._exit(0) in the first block: it does not finish (line 8's wrong output, 2 not 3, is
    # then out of reach and counted unchecked, so it is not in the table)
    "review_r3.md": [(2, "code-error", "wrong", None)],
    "review_p13.md": [(5, "equation", "wrong", None)],  # as x₁ = [1, 2], y = [1]
    "review_p15.md": [(5, "equation", "wrong", None)],  # as x = [1, 2], y = 1
    "review_p20.md": [(19, "equation", "wrong", None)],  # the same L' = 1.2364, written 7.77
}


def _audit(name: str):
    path = EXAMPLE if name == EXAMPLE.name else POSTS / name
    return audit(path, run=True)


@pytest.fixture(scope="module")
def reports():
    return {name: _audit(name) for name in PLANTED}


def _score(reports):
    found, missed, false = [], [], []
    for name, planted in PLANTED.items():
        flagged = {(c.line, c.kind, c.verdict, c.follows) for c in reports[name].wrong}
        for row in planted:
            (found if row in flagged else missed).append((name, *row))
        false.extend((name, *row) for row in flagged - set(planted))
    return found, missed, false


def test_precision_and_recall(reports):
    found, missed, false = _score(reports)
    total = sum(len(v) for v in PLANTED.values())
    assert total >= 20 and len(found) == total, f"missed: {missed}"
    assert false == [], f"false-flagged: {false}"


def test_the_table_covers_every_kind_of_planted_error():
    kinds = {row[1] for rows in PLANTED.values() for row in rows}
    assert kinds >= {"equation", "update", "formula", "output", "data", "code-error"}
    assert any(row[2] == "follows-wrong" for rows in PLANTED.values() for row in rows)
    formats = {Path(name).suffix for name in PLANTED}
    assert formats == {".md", ".tex", ".ipynb"}
    assert sum(1 for rows in PLANTED.values() if not rows) >= 2


@pytest.mark.parametrize("name", ["clean_en.md", "clean_zh.ipynb"])
def test_clean_posts_have_many_checked_claims_and_none_wrong(reports, name):
    r = reports[name]
    assert r.exit_code == 0
    assert r.summary["ok"] >= 8 and r.summary["unchecked"] == 0


def test_recognised_losses(reports):
    assert {n: r.loss for n, r in reports.items() if not n.startswith("review_")} == {
        "perceptron_en.md": "perceptron",
        "hinge_zh.md": "hinge",
        "logistic_en.tex": "logistic",
        "squared_zh.tex": "squared_error",
        "perceptron_zh.ipynb": "perceptron",
        "clean_en.md": "hinge",
        "clean_zh.ipynb": "logistic",
        "perceptron_wrong.md": "perceptron",
    }
    assert all("formula" in r.loss_note for n, r in reports.items() if not n.startswith("review_"))


def test_issue_example_post():
    r = audit(EXAMPLE)
    assert [f"{r.file}:{line}" for line in (18, 24)] == [f"{r.file}:{c.line}" for c in r.wrong]
    lines = r.lines()
    assert lines[0].endswith(":18: wrong: −[1,2] + [3,0] = [2, −2], not [2, 2]")
    assert lines[1].endswith(
        ":24: follows line 18: with ∂L/∂w = [2, −2] the update is [−0.2, 0.2], not [−0.2, −0.2]"
    )
    assert r.loss == "perceptron"
    assert r.summary == {"claims": 7, "ok": 5, "wrong": 1, "follows-wrong": 1, "unchecked": 0}


@pytest.mark.parametrize(
    "name", ["perceptron_en.md", "hinge_zh.md", "logistic_en.tex", "squared_zh.tex"]
)
def test_expected_values_of_the_findings(reports, name):
    """Each finding carries the value it should have; spot-check them against hand values."""
    hand = {
        ("perceptron_en.md", 55): "[−2, 3]",
        ("perceptron_en.md", 67): "[0, −0.5]",
        ("hinge_zh.md", 21): "1.5",
        ("hinge_zh.md", 27): "3.5125",
        ("hinge_zh.md", 31): "λw",
        ("hinge_zh.md", 49): "0.5",
        ("logistic_en.tex", 17): "1.39",
        ("logistic_en.tex", 35): "[1, −0.5]",
        ("squared_zh.tex", 20): "4.5",
        ("squared_zh.tex", 27): "Σᵢ (w·xᵢ + b − yᵢ) xᵢ",
        ("squared_zh.tex", 34): "−5",
        ("squared_zh.tex", 41): "0.5",
    }
    for c in reports[name].wrong:
        if (name, c.line) in hand:
            assert c.expected == hand[(name, c.line)], c
