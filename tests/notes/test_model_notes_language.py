"""A note written in Chinese from a model derivation built in English reads Chinese (its
steps are worded when the note is written, not when the derivation was built)."""

from __future__ import annotations

import pytest
from zh_text import english_words

from gradproof import derive
from gradproof.i18n import language
from gradproof.notes import write_notes

pytest.importorskip("matplotlib")

NAMES = {"Softmax", "softmax", "log-sum-exp"}  # the loss's name and its function


def test_write_notes_of_an_english_derivation_in_chinese(tmp_path):
    with language("en"):
        d = derive("softmax", reg="l2", params={"lam": 0.1}, example=True)
    res = write_notes(d, tmp_path, lang="zh", date="2026-01-02", epochs=3)
    text = res.document.read_text(encoding="utf-8")
    words = [w for w in english_words(text) if w not in NAMES]
    assert words == [], words[:10]
    assert "## 梯度下降" in text
