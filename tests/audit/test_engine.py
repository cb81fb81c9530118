"""The audit as a whole: consequences across steps, user losses, the public API, limits."""

from __future__ import annotations

import time

import pytest

import gradproof
import gradproof.audit as A
from gradproof.errors import LimitError
from gradproof.markup.scan import scan

DATA = "x₁ = [1, 2], x₂ = [3, 0], y = [1, −1], w = 0, b = 0, η = 0.1.\n\n"


def findings(report):
    return [(c.line, c.kind, c.verdict, c.follows, c.expected) for c in report.wrong]


def test_root_package_exports_audit():
    r = gradproof.audit(DATA + "∂L/∂w = [2, −2]\n", loss="perceptron")
    assert isinstance(r, gradproof.AuditReport) and r.exit_code == 0


def test_a_wrong_update_carried_into_the_next_step():
    text = DATA + (
        "∂L/∂w = [2, 2]\n\n"  # 3: wrong (true [2, −2])
        "w_new = [0, 0] − 0.1·[2, 2] = [−0.2, −0.2]\n\n"  # 5: follows 3
        "Now w = [−0.2, −0.2].\n\n"  # 7: the next step starts at the wrong update
        "s₁ = w·x₁ + b = −0.2 − 0.4 = −0.6\n"  # 9: right for that w; at the true one it is 0.2
    )
    r = A.audit(text, loss="perceptron")
    assert findings(r) == [
        (3, "equation", "wrong", None, "[2, −2]"),
        (5, "update", "follows-wrong", 3, "[−0.2, 0.2]"),
        (9, "equation", "follows-wrong", 5, "0.2"),
    ]


def test_a_wrong_active_set_carried_into_the_gradient():
    text = DATA + (
        "M = {1}\n\n"  # 3: wrong — at w = 0 both margins are 0, so M = {1, 2}
        "∂L/∂w = −1·[1, 2] = [−1, −2]\n"  # 5: right for M = {1}
    )
    r = A.audit(text, loss="perceptron")
    assert findings(r) == [
        (3, "equation", "wrong", None, "{1, 2}"),
        (5, "equation", "follows-wrong", 3, "[2, −2]"),
    ]


def test_a_user_loss_from_its_formula():
    text = DATA.replace("y = [1, −1]", "y = [1, 2]") + (
        "$$L(w, b) = \\sum_i \\frac{1}{4} (w^\\top x_i + b - y_i)^4$$\n\n"
        "∂L/∂w = −(1·[1, 2] + 8·[3, 0]) = [−25, −2]\n\n"  # Σ (s−y)³ x: −1·x₁ − 8·x₂
        "∂L/∂b = −1 − 8 = −10\n"  # wrong: −9
    )
    r = A.audit(text)
    assert r.loss.startswith("custom: ") and "^(4)" in r.loss
    assert findings(r) == [(7, "equation", "wrong", None, "−9")]


def test_loss_named_in_words_when_there_is_no_formula():
    r = A.audit("感知机的例子。" + DATA + "∂L/∂w = [2, −2]\n")
    assert r.loss == "perceptron" and "named on line 1" in r.loss_note
    assert r.summary["ok"] == 1


def test_a_loss_named_in_words_does_not_assume_gradproofs_default_lambda():
    # the hinge loss has a λ; a post that names the loss but states no λ was judged at
    # gradproof's default λ = 0.01 and its gradient [3, 0] (λ = 0) called wrong
    text = (
        "A linear SVM with the hinge loss.\n\n"
        "x₁ = [1, 2], x₂ = [3, 0], y = [1, −1], w = [1, 0], b = 0.\n\n"
        "∂L/∂w = [3, 0]\n\n"  # only x₂ violates the margin: −y₂x₂ = [3, 0] (+ λw)
        "∂L/∂b = 5\n"  # wrong whatever λ is: −Σ_V yᵢ = 1 (b is not regularised)
    )
    r = A.audit(text)
    assert r.loss == "hinge"
    assert findings(r) == [(7, "equation", "wrong", None, "1")]  # ∂L/∂w needs λ: unchecked
    assert [c.verdict for c in r.claims if c.line == 5] == ["unchecked"]
    assert any("λ" in n and "--param lam" in n for n in r.notes), r.notes
    assert A.audit(text, params={"lam": 0.0}).summary["ok"] == 1
    wrong = A.audit(text, params={"lam": 0.5})  # λw = [0.5, 0]: the post is then wrong
    assert findings(wrong)[0] == (5, "equation", "wrong", None, "[3.5, 0]")


def test_no_loss_checks_arithmetic_only():
    r = A.audit("1 + 1 = 3 and 2·3 = 6\n")
    assert r.loss is None
    assert [(c.verdict, c.expected) for c in r.claims] == [("wrong", "2"), ("ok", None)]


def test_whole_audit_time_limit(monkeypatch):
    def slow(doc, **kw):
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(A, "audit_document", slow)
    monkeypatch.setattr(A, "AUDIT_SECONDS", 0.2)
    with pytest.raises(LimitError, match="auditing the document took longer than"):
        A.audit("1 = 1")


def test_latex_scan_stays_linear_with_many_commands():
    spans = scan("\\alpha \\beta " * 100_000, "latex")  # quadratic slicing would hang here
    assert [s.kind for s in spans] == ["prose"]


def test_path_or_text(tmp_path, monkeypatch):
    assert A.audit("1 + 1 = 2").file == "<text>"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "post.txt").write_text("1 + 1 = 3\n")
    with pytest.raises(gradproof.GradproofError, match="cannot tell the format"):
        A.audit("post.txt")  # an existing file is read, not audited as the text 'post.txt'
    assert A.audit("post.txt", format="markdown").exit_code == 1
    with pytest.raises(gradproof.GradproofError, match="cannot read it"):
        A.audit("no-such-post.md")
