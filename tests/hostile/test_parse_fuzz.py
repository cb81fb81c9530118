"""Fuzzing the expression parser: random text, token soups, mutated valid expressions.

The contract: every input either parses — and then ``derive`` succeeds or raises one of
gradproof's own errors — or raises ParseError/LimitError. Never another exception, never a
side effect (the working folder stays empty). Each shrunk failure is pinned as an @example.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from gradproof import derive, parse_loss
from gradproof.errors import GradproofError, LimitError, ParseError
from gradproof.limits import TIME_LIMITS
from gradproof.symbolic.parse import FUNCTIONS

PARAMS = {"lam": 0.5}

# An alarm landing inside hypothesis's gc callback is dropped by Python ("Exception ignored in
# ..."); run_with_limit re-fires and recovers, but pytest reports the dropped one as a warning.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
FUZZ = settings(
    max_examples=60,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TOKENS = [
    "w",
    "x",
    "b",
    "y",
    "lam",
    *FUNCTIONS,
    "(",
    ")",
    ",",
    "+",
    "-",
    "*",
    "/",
    "^",
    "**",
    "·",
    "⋅",
    "−",
    "0",
    "1",
    "2",
    "0.5",
    "1e3",
    "1e-3",
    "100",
    "101",
    " ",
    "\t",
    "\n",
    "__import__",
    "os",
    ".",
    "'",
    "[",
    "]",
    ";",
    "#",
    "=",
    ":",
    "\x00",
    "é",
    "х",
]

VALID = [
    "max(0, -y*(dot(w, x) + b))",
    "max(0, 1 - y*(w·x + b))^2",
    "log1p(exp(-y*(w·x + b)))",
    "(y - dot(w, x) - b)^2/2",
    "softplus(-y*(w·x+b)) + lam/2*norm(w)^2",
    "sigmoid(w·x + b) - y",
    "abs(y - w·x - b)",
    "min(1, max(0, y*b))",
    "sqrt(1 + (y - b)^2) - 1",
    "tanh(w·x + b) - y*exp(-b)",
]

ALPHABET = st.sampled_from("wxbylamdotnrmexpsqigfhc0123456789.eE+-*/^(),·−_ '\"[]{};:#=\t\n\x00é")


@pytest.fixture(autouse=True)
def _fast_derivations(monkeypatch: pytest.MonkeyPatch) -> None:
    # A fuzzed expression may be legal but slow to derive; a LimitError is a fine answer.
    monkeypatch.setitem(TIME_LIMITS, "derive_seconds", 1.0)
    monkeypatch.setitem(TIME_LIMITS, "parse_seconds", 1.0)


def check_contract(text: str, folder: Path) -> None:
    """Parse ``text``; if it parses, derive it. Only GradproofErrors may escape."""
    try:
        parsed = parse_loss(text, PARAMS)
    except (ParseError, LimitError) as exc:
        assert "\n" not in str(exc) and str(exc)
        event(f"refused: {type(exc).__name__}")
        return
    assert parsed.expr.is_real is not False
    try:
        d = derive(expr=text, params=PARAMS)
    except GradproofError as exc:
        assert "\n" not in str(exc)
        event(f"parsed, derive refused: {type(exc).__name__}")
    else:
        assert set(d.gradient) == {"w", "b"}
        event("parsed and derived")
    assert os.listdir(folder) == []


@FUZZ
@given(text=st.text(ALPHABET, max_size=40))
@example(text="")
@example(text="\x00")
@example(text="y^sigmoid(1)")  # the exponent check compared with SymPy: TypeError
@example(text="1e999999*y")  # 10^999999 built exactly, then printed: ValueError
@example(text="1e-999999*y")  # 14 s to build the Rational
@example(text="((2^100)^100)^100")  # a 10^6-bit integer
@example(text="(-8)^(1/3)*y")  # a complex constant reached the derivation
@example(text="sqrt(-1)*y")
def test_random_text(text: str, workdir: Path) -> None:
    check_contract(text, workdir)


@FUZZ
@given(toks=st.lists(st.sampled_from(TOKENS), max_size=20))
@example(toks=["y", "^", "exp", "(", "exp", "(", "exp", "(", "100", ")", ")", ")"])  # evalf hang
@example(toks=["max", "(", "0", ",", "exp", "(", "exp", "(", "100", ")", ")", ")"])
@example(toks=["2", "y"])
def test_token_soup(toks: list[str], workdir: Path) -> None:
    check_contract("".join(toks), workdir)


@FUZZ
@given(toks=st.lists(st.sampled_from(TOKENS), max_size=12))
@example(toks=["lam", "/", "2", "*", "norm", "(", "w", ")", "^", "2"])
@example(toks=["y", "*", "b"])  # the regulariser may not use y
@example(toks=[])  # reg="" is no regulariser, not an error
def test_regulariser_token_soup(toks: list[str], workdir: Path) -> None:
    text = "".join(toks)
    try:
        parse_loss(text, PARAMS, allow_data=False)
    except (ParseError, LimitError) as exc:
        assert "\n" not in str(exc)
        if text:  # derive(reg="") means no regulariser
            with pytest.raises(GradproofError):
                derive(expr="y*b", reg=text, params=PARAMS)
        return
    try:
        derive(expr="y*b", reg=text, params=PARAMS)
    except GradproofError as exc:
        assert "\n" not in str(exc)
    assert os.listdir(workdir) == []


@FUZZ
@given(base=st.sampled_from(VALID), data=st.data())
def test_mutated_valid_expressions(base: str, data: st.DataObject, workdir: Path) -> None:
    text = base
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        i = data.draw(st.integers(0, len(text)), label="at")
        kind = data.draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        piece = data.draw(st.sampled_from(TOKENS), label="token")
        if kind == "insert":
            text = text[:i] + piece + text[i:]
        elif kind == "delete":
            text = text[:i] + text[i + 1 :]
        elif kind == "replace":
            text = text[:i] + piece + text[i + 1 :]
        else:
            text = text[:i] + text[i:] * 2
    check_contract(text, workdir)


SAME_KIND = [
    ["+", "-", "*", "/", "^"],
    ["w", "x"],
    ["b", "y", "lam", "0", "1", "0.5", "2"],
    ["exp", "log", "log1p", "sqrt", "sigmoid", "softplus", "tanh", "cosh", "abs"],
    ["max", "min"],
    ["dot", "norm"],
]
ATOMS = st.sampled_from(
    [
        "y",
        "b",
        "lam",
        "dot(w,x)",
        "w·x",
        "norm(w)",
        "norm(x)",
        "dot(w,w)",
        "1",
        "2",
        "0",
        "0.5",
        "3",
        "y*(w·x+b)",
    ]
)
UNARY = ["abs", "exp", "log", "log1p", "sqrt", "sigmoid", "softplus", "tanh", "cosh", "-"]


def _grammar_expressions() -> st.SearchStrategy[str]:
    """Expressions built from the grammar: most parse, so the derivation gets fuzzed too."""
    return st.recursive(
        ATOMS,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^"]), inner).map(
                lambda t: f"({t[0]}){t[1]}({t[2]})"
            ),
            st.tuples(st.sampled_from(UNARY), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(st.sampled_from(["max", "min"]), inner, inner).map(
                lambda t: f"{t[0]}({t[1]}, {t[2]})"
            ),
        ),
        max_leaves=6,
    )


@settings(FUZZ, max_examples=30)
@given(text=_grammar_expressions())
@example(text="(cosh(dot(w,x)))/((1)+(max(w·x,b)))")  # 7 s to derive: the time limit answers
def test_grammar_expressions(text: str, workdir: Path) -> None:
    check_contract(text, workdir)


@FUZZ
@given(base=st.sampled_from(VALID), data=st.data())
def test_same_kind_token_swaps(base: str, data: st.DataObject, workdir: Path) -> None:
    toks = re.findall(r"\d+\.?\d*|[A-Za-z_]\w*|\S", base)
    for _ in range(data.draw(st.integers(1, 3), label="swaps")):
        i = data.draw(st.integers(0, len(toks) - 1), label="at")
        kind = next((k for k in SAME_KIND if toks[i] in k), None)
        if kind is not None:
            toks[i] = data.draw(st.sampled_from(kind), label="token")
    check_contract(" ".join(toks), workdir)


@pytest.mark.parametrize("text", VALID, ids=range(len(VALID)))
def test_seed_expressions_are_valid(text: str, workdir: Path) -> None:
    d = derive(expr=text, params=PARAMS)
    assert set(d.gradient) == {"w", "b"}


@FUZZ
@given(text=st.text(max_size=30))
def test_any_unicode_text(text: str, workdir: Path) -> None:
    check_contract(text, workdir)
