"""Comparing a printed output with the output a post claims: array-aware, with a tolerance.

Both texts are read as a sequence of numbers and words; brackets, commas, ``array(…)``,
``dtype=…`` and spacing do not matter, so ``[-0.2  0.2]``, ``[-0.2, 0.2]`` and
``array([-0.2,  0.2])`` are the same output. A claimed number stands for anything that rounds
to it at the precision shown (and within 1e-6 relative); words must match (case aside).
An ellipsis (``...``, ``…``) in the claim ends the comparison there.

>>> same_output("[-0.2  0.2]", "array([-0.2,  0.2])\\n")
True
>>> same_output("loss: 0.33", "loss: 0.3333333")
True
>>> same_output("[2. 2.]", "[ 2. -2.]")
False
"""

from __future__ import annotations

import re

__all__ = ["same_output", "tokens"]

_TOKEN = re.compile(
    r"(?P<num>[-+−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|inf)\b)|(?P<word>\w+)|(?P<ell>\.\.\.|…)"
)
_NOISE = {"array", "dtype", "float64", "float32", "int64", "tensor", "np"}


def tokens(text: str) -> list[tuple[str, str]]:
    """``("num", "0.2")`` and ``("word", "loss")`` pairs, noise words dropped."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or ""
        value = m.group().replace("−", "-")
        if kind == "word" and value.lower() in _NOISE:
            continue
        out.append((kind, value.lower() if kind == "word" else value))
    return out


def _decimals(text: str) -> int:
    return len(text.lower().partition("e")[0].partition(".")[2])


def _num_close(claimed: str, actual: str) -> bool:
    a, b = float(claimed), float(actual)
    if a != a or b != b:  # nan
        return a != a and b != b
    d = _decimals(claimed)  # "2." (numpy's integer-valued float) is exact, like "2"
    tol = 0.5 * 10.0**-d * (1 + 1e-9) if d else 0.0
    return abs(a - b) <= max(tol, 1e-6 * max(abs(a), abs(b)), 1e-12)


def same_output(claimed: str, actual: str) -> bool:
    """Whether ``actual`` is what ``claimed`` says (see the module docstring)."""
    want, got = tokens(claimed), tokens(actual)
    for k, (kind, value) in enumerate(want):
        if kind == "ell":
            return True
        if k >= len(got) or got[k][0] != kind:
            return False
        if kind == "num" and not _num_close(value, got[k][1]):
            return False
        if kind == "word" and value != got[k][1]:
            return False
    return len(got) == len(want)
