"""A post is untrusted input: bounded work, nothing evaluated, one clear line for bad files."""

from __future__ import annotations

import pytest

from gradproof.audit import audit
from gradproof.audit import code as C
from gradproof.audit import tokens as T
from gradproof.errors import GradproofError


@pytest.mark.parametrize(
    "text",
    [
        "$__import__('os').system('touch pwned') = 1$",
        "```math\n" + "(" * 5000 + "1" + ")" * 5000 + " = 1\n```\n",
        "$" + "-" * 3000 + "1 = 1$",
        "$1e999 = 1e999$ and $2^{10^{10}} = 1$",
        r"$\sum_{i=1}^{100000000} i = 5$",
        "$$" + r"\frac{" * 400 + "1" + "}{2}" * 400 + " = 1$$",
        "$[" + ",".join(["1"] * 1500) + "] = [1]$",
        "$x_{" * 200 + "1" + "}" * 200 + " = 1$",
        r"$\begin{bmatrix}" + "1 & " * 1000 + r"1\end{bmatrix} = 0$",
        "```python\nX = np.zeros(10**12)\nw = np.array(" + "[" * 300 + "1" + "]" * 300 + ")\n```\n",
        "```python\n" + "(" * 100_000 + "\n```\n",
        "{" * 10_000 + "$a = 1$" + "}" * 10_000,
    ],
    ids=[
        "python-in-math",
        "deep-parens",
        "many-minus",
        "huge-numbers",
        "long-sum",
        "nested-frac",
        "long-vector",
        "nested-subscripts",
        "wide-matrix",
        "code-literals",
        "deep-code",
        "braces",
    ],
)
def test_hostile_posts_finish_without_error(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = audit(text)
    assert r.exit_code in (0, 1)
    assert not (tmp_path / "pwned").exists()


def test_limits_are_reported_as_notes(monkeypatch):
    monkeypatch.setitem(T.LIMITS, "max_length", 50)
    r = audit("$" + "1 + " * 30 + "1 = 31$")
    assert r.claims == () and any("not read" in n for n in r.notes)


def test_code_literal_reader_refuses_everything_but_literals():
    code = (
        "a = [1, 2]\n"
        "b = np.array([[1, 2], [3, 4]])\n"
        "c = np.zeros(3)\n"
        "d = np.array(open('x').read())\n"  # a call inside: not a literal
        "e = os.system('x')\n"
        "f = -0.5\n"
        "g = np.zeros(10**9)\n"  # an expression, not a literal
        "h = (1, 'a')\n"
        "i = np.ones((2, 2), dtype=float)\n"
        "j, k = 1, 2.5\n"
        "l = np.array([1, 2], copy=True)\n"  # unknown keyword
        "m = True\n"
    )
    got = {a.name: a.value.tolist() for a in C.literal_assignments(code)}
    assert got == {
        "a": [1.0, 2.0],
        "b": [[1.0, 2.0], [3.0, 4.0]],
        "c": [0.0, 0.0, 0.0],
        "f": -0.5,
        "i": [[1.0, 1.0], [1.0, 1.0]],
        "j": 1.0,
        "k": 2.5,
    }


def test_output_claims_in_comments():
    code = (
        "print(a)  # Output: [1 2]\n"  # 1
        "s = '# Output: not a claim'\n"  # 2
        "print(b)\n"  # 3
        "# 输出示例：\n"  # 4
        "# [1, 2]\n"  # 5
        "#   3\n"  # 6
        "print(c)  # 输出：7\n"  # 7
    )
    got = [(c.line, c.text, c.lines) for c in C.output_claims(code)]
    assert got == [(1, "[1 2]", (1,)), (4, "[1, 2]\n3", (5, 6)), (7, "7", (7,))]


@pytest.mark.parametrize(
    "content, words",
    [(b"\xff\xfe\x00", "not UTF-8"), (b"{", "not a valid notebook")],
    ids=["binary", "bad-json"],
)
def test_unreadable_files(tmp_path, content, words):
    p = tmp_path / "post.ipynb"
    p.write_bytes(content)
    with pytest.raises(GradproofError, match=words):
        audit(p)


def test_a_long_block_is_read_in_pieces_and_a_long_line_is_skipped(monkeypatch):
    monkeypatch.setitem(T.LIMITS, "max_length", 200)
    monkeypatch.setitem(T.LIMITS, "max_tokens", 200)
    lines = [f"{k} + {k} = {2 * k}" for k in range(60)]  # 60 short true lines, > 200 chars
    lines[30] = "1 + 1 = 3"  # line 32 of the file
    lines.append("1 + " * 100 + "1 = 101")  # one line beyond the limit: skipped with a note
    text = "```math\n" + "\n".join(lines) + "\n```\n"
    r = audit(text)
    assert [(c.line, c.verdict) for c in r.wrong] == [(32, "wrong")]
    assert r.summary["ok"] == 59
    assert any(n.startswith("line 62: not read") for n in r.notes), r.notes
