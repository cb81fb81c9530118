"""Property-based search for a dataset on which a gradient check fails.

Hypothesis draws small problems (some with samples exactly on kinks), runs the full check on
each and, once one fails, shrinks it to a minimal failing example. The report of that
example carries a snippet that reproduces it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from gradproof.symbolic.derivation import Derivation
from gradproof.verify.report import CheckReport
from gradproof.verify.strategies import kink_problems, problems

__all__ = ["search_failure", "reproducer"]


def reproducer(
    d: Derivation,
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: float,
    candidate: str,
    precision: str | None = None,
) -> str:
    """Python source that re-runs the check on one example."""
    precision = f", precision={precision!r}" if precision else ""
    grad = {"your gradient function": ", grad=my_grad", "claimed gradient": ", claim=claim"}.get(
        candidate, ""
    )
    params = f", params={dict(d.params)!r}" if d.params else ""
    define = {
        "your gradient function": "# my_grad(X, y, w, b) -> (grad_w, grad_b): your "
        "gradient function\n",
        "claimed gradient": "# claim = {'w': [...], 'b': ...}: your claimed value\n",
    }
    return (
        define.get(candidate, "") + "import numpy as np\n"
        "from gradproof import derive\n"
        "from gradproof.verify import check_gradient\n"
        f"X = np.array({X.tolist()!r})\n"
        f"y = np.array({y.tolist()!r})\n"
        f"w = np.array({w.tolist()!r})\n"
        f"b = {float(b)!r}\n"
        f"d = derive({_loss_args(d)}{params}, kink={d.kink!r}, mean={d.form.mean!r})\n"
        f"print(check_gradient(d{grad}, X=X, y=y, w=w, b=b{precision}))"
    )


def _loss_args(d: Derivation) -> str:
    """The arguments of derive() that rebuild this loss: its name, or the user's text."""
    if d.expression is None:
        return repr(d.name)
    reg = f", reg={d.reg_expression!r}" if d.reg_expression else ""
    return f"expr={d.expression!r}{reg}, labels={d.spec.labels!r}"


def search_failure(
    d: Derivation,
    *,
    grad: Callable[..., Any] | None = None,
    claim: Mapping[str, Any] | None = None,
    seed: int | None = None,
    max_examples: int = 200,
    precision: str | None = None,
) -> CheckReport:
    """Search for a (shrunk) failing problem; a passing report when none is found."""
    from gradproof.verify.check import check_gradient

    if seed is None:
        seed = random.randrange(2**32)
    strategy = st.one_of(problems(d), kink_problems(d))
    count = [0]

    def fails(problem: tuple[np.ndarray, np.ndarray, np.ndarray, float]) -> bool:
        X, y, w, b = problem
        count[0] += 1
        rep = check_gradient(
            d, grad=grad, claim=claim, X=X, y=y, w=w, b=b, mode="full", precision=precision
        )
        return not rep.passed

    cfg = settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    try:
        X, y, w, b = find(strategy, fails, settings=cfg, random=random.Random(seed))
    except NoSuchExample:
        X, y, w, b = find(strategy, lambda p: True, settings=cfg, random=random.Random(seed))
        rep = check_gradient(
            d, grad=grad, claim=claim, X=X, y=y, w=w, b=b, mode="full", precision=precision
        )
        rep.seed = seed
        rep.notes.append(
            f"hypothesis found no failing dataset in {count[0]} examples "
            f"(seed {seed}); the report shows one of them"
        )
        return rep
    rep = check_gradient(
        d, grad=grad, claim=claim, X=X, y=y, w=w, b=b, mode="full", precision=precision
    )
    rep.seed = seed
    rep.reproduce = reproducer(d, X, y, w, b, rep.candidate, precision)
    rep.notes.append(
        f"hypothesis found this failing dataset after {count[0]} examples and "
        f"shrank it (seed {seed})"
    )
    return rep
