"""The prose of a model derivation names its indices consistently (issue 15): the
Weston–Watkins rule's rival class is the k of the margin sₖ − s_y + 1 it talks about."""

from __future__ import annotations

import re

from gradproof.symbolic.derive import derive_symbolic


def test_weston_watkins_rule_says_k_for_the_rival_and_its_margin():
    d = derive_symbolic("multiclass_hinge")
    text = d.render("text")
    (line,) = [ln for ln in text.splitlines() if "Weston–Watkins): each rival" in ln]
    assert "rival class k ≠ y" in line and "sₖ − s_y + 1 > 0" in line
    assert "l ≠ y whose" not in line
    latex = d.render("latex")
    (sent,) = [ln for ln in latex.splitlines() if "each rival class" in ln]
    assert re.search(r"\$k \\neq y\$", sent) and "s_{k} - s_{y} + 1 > 0" in sent
