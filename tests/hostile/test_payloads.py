"""Known eval-escape payloads: each must be refused by the parser and never run.

Every payload, if it reached ``eval``/``exec``/``sympify``, would create the file SENTINEL in
the working folder (a temporary folder here). The test asserts the parser refuses it with a
ParseError or LimitError, through the Python API and through the CLI, and that SENTINEL never
appears.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gradproof import derive, parse_loss
from gradproof.errors import LimitError, ParseError

TOUCH = "__import__('os').system('touch SENTINEL')"
OPEN = "open('SENTINEL', 'w').write('x')"

PAYLOADS = [
    pytest.param(TOUCH, id="dunder-import-os-system"),
    pytest.param("__import__('pathlib').Path('SENTINEL').touch()", id="dunder-import-pathlib"),
    pytest.param(OPEN, id="open-write"),
    pytest.param(f'exec("{OPEN}")', id="exec-call"),
    pytest.param(f'eval("{TOUCH}")', id="eval-call"),
    pytest.param(f"compile('{OPEN}', 'f', 'exec')", id="compile-call"),
    pytest.param("().__class__.__bases__[0].__subclasses__()", id="subclasses-walk"),
    pytest.param(
        "y.__class__.__init__.__globals__['os'].system('touch SENTINEL')",
        id="globals-via-attribute-chain",
    ),
    pytest.param("x.__class__", id="dunder-class-attribute"),
    pytest.param("getattr(x, '__class__')", id="getattr-call"),
    pytest.param(f"lambda: {OPEN}", id="lambda"),
    pytest.param("globals()", id="globals-call"),
    pytest.param("locals()['y']", id="locals-subscript"),
    pytest.param(f'f"{{{OPEN}}}"', id="f-string"),
    pytest.param(f"(a := {OPEN})", id="walrus"),
    pytest.param("import os", id="import-statement"),
    pytest.param("import os; os.system('touch SENTINEL')", id="import-semicolon"),
    pytest.param("`touch SENTINEL`", id="backticks"),
    pytest.param("$(touch SENTINEL)", id="shell-substitution"),
    pytest.param(f"y; {OPEN}", id="semicolon-statement"),
    pytest.param(f"y # {OPEN}", id="comment"),
    pytest.param(f"y\n{TOUCH}", id="newline-second-statement"),
    pytest.param(f"y\x00{TOUCH}", id="nul-byte"),
    pytest.param("[c for c in ()]", id="list-comprehension"),
    pytest.param("{}", id="dict-literal"),
    pytest.param("\\u005f\\u005fimport\\u005f\\u005f('os')", id="escaped-underscores-text"),
    pytest.param("\uff3f\uff3fimport\uff3f\uff3f('os')", id="fullwidth-underscores"),
    pytest.param("__builtins__", id="dunder-builtins-name"),
    pytest.param("_y", id="private-name"),
    pytest.param("Symbol('SENTINEL')", id="sympy-symbol-constructor"),
    pytest.param(f"sympify('{TOUCH}')", id="sympify-call"),
    pytest.param("Function('f')(y)", id="sympy-function-constructor"),
    pytest.param("exp(y).func", id="attribute-after-call"),
    pytest.param("'y'", id="string-literal"),
    pytest.param("9^9^9^9", id="power-tower"),
    pytest.param("1e999999 * y", id="huge-literal"),
    pytest.param("(" * 5000, id="deep-parentheses-5000"),
    pytest.param("y" * 1_000_000, id="million-characters"),
    pytest.param("y\u202e", id="bidi-override"),
    pytest.param("х*y", id="cyrillic-confusable-x"),
]


def _untouched(folder: Path) -> None:
    assert not (folder / "SENTINEL").exists()
    assert list(folder.iterdir()) == []


def test_payload_table_is_large_enough() -> None:
    assert len(PAYLOADS) >= 20


@pytest.mark.parametrize("payload", PAYLOADS)
def test_parser_refuses_payload(payload: str, workdir: Path) -> None:
    with pytest.raises((ParseError, LimitError)) as info:
        parse_loss(payload)
    message = str(info.value)
    assert "\n" not in message and message
    _untouched(workdir)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_derive_refuses_payload(payload: str, workdir: Path) -> None:
    with pytest.raises((ParseError, LimitError)):
        derive(expr=payload, params={"lam": 1.0})
    with pytest.raises((ParseError, LimitError)):
        derive(expr="y", reg=payload)
    _untouched(workdir)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_cli_refuses_payload(payload: str, workdir: Path, cli_error) -> None:
    if "\x00" in payload:
        pytest.skip("a NUL byte cannot be passed in argv; covered by the API tests")
    line = cli_error("derive", "--expr", payload)
    assert "position" in line or "characters long" in line
    _untouched(workdir)


@pytest.mark.parametrize(
    "payload",
    [TOUCH, OPEN, "x.__class__", "lam;"],
    ids=["import", "open", "attribute", "semicolon"],
)
def test_payload_as_hyperparameter_name_is_refused(payload: str, workdir: Path) -> None:
    with pytest.raises(ParseError):
        parse_loss("y", {payload: 1.0})
    _untouched(workdir)


def test_parser_error_names_the_position() -> None:
    with pytest.raises(ParseError) as info:
        parse_loss("y + x.__class__")
    # The '.' after x is the 6th character.
    assert info.value.position == 5
    assert "at position 6" in str(info.value)
