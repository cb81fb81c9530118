"""Property-based search for a dataset on which a gradient check fails.

Hypothesis draws small problems — at generic points, with one sample exactly on a kink, and
with every sample on one (w = 0) — runs the check on each and, once one fails, shrinks it to
a minimal failing example. The report of that example carries a ready pytest test.

The check itself is passed in (``check``), so this module does not depend on
:mod:`gradproof.verify.check`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np

from gradproof.errors import OptionError
from gradproof.i18n import lazy
from gradproof.symbolic.derivation import Derivation
from gradproof.verify.report import CheckReport

__all__ = ["search_failure", "reproducer"]

Check = Callable[[np.ndarray, np.ndarray, np.ndarray, float], CheckReport]


def _import_line(grad: Any) -> str:
    """How the test gets the user's function: imported by name when that is possible."""
    mod = getattr(grad, "__module__", None)
    name = getattr(grad, "__qualname__", "")
    if (
        mod
        and name.isidentifier()
        and mod not in ("__main__", "builtins")
        and not mod.startswith("_gradproof_user_")
    ):
        return f"from {mod} import {name} as my_grad"
    return "from mymodule import my_grad  # your gradient function: import it from its module"


def _derive_call(d: Derivation) -> str:
    params = f", params={dict(d.params)!r}" if d.params else ""
    mean = ", mean=True" if d.form.mean else ""
    if d.expression is None:
        head = repr(d.name)
    else:
        reg = f", reg={d.reg_expression!r}" if d.reg_expression else ""
        head = f"expr={d.expression!r}{reg}, labels={d.spec.labels!r}"
    return f"derive({head}{params}, kink={d.kink!r}{mean})"


def reproducer(
    d: Derivation,
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: float,
    grad: Any = None,
    precision: str | None = None,
    strict: str | None = None,
) -> str:
    """A pytest test that re-runs the check on one example (and fails while the bug is in)."""
    extra = (f", precision={precision!r}" if precision else "") + (
        f", kink={strict!r}" if strict else ""
    )
    return "\n".join(
        [
            "import numpy as np",
            "from gradproof import derive",
            "from gradproof.verify import assert_gradient",
            _import_line(grad),
            "",
            "",
            f"def test_{d.name}_gradient_counterexample():",
            "    # found and shrunk by gradproof's search (check_gradient(..., search=True))",
            f"    X = np.array({X.tolist()!r})",
            f"    y = np.array({y.tolist()!r})",
            f"    w = np.array({w.tolist()!r})",
            f"    b = {float(b)!r}",
            f"    loss = {_derive_call(d)}",
            f"    assert_gradient(loss, grad=my_grad, X=X, y=y, w=w, b=b, points=1{extra})",
        ]
    )


def search_failure(
    d: Derivation,
    check: Check,
    *,
    grad: Any = None,
    candidate: str = "your gradient function",
    seed: int | None = None,
    max_examples: int = 200,
    precision: str | None = None,
    strict: str | None = None,
) -> CheckReport:
    """Search for a (shrunk) failing problem; a passing report when none is found."""
    if candidate == "claimed gradient":
        raise OptionError("search=True needs a gradient function; a claim is one fixed value")
    # hypothesis is needed only here (pip install 'gradproof[search]'): importing gradproof,
    # deriving and checking at given points do not depend on it
    try:
        from hypothesis import HealthCheck, Phase, find, settings
        from hypothesis import strategies as st
        from hypothesis.errors import NoSuchExample

        from gradproof.verify.strategies import kink_problems, problems
    except ImportError:
        raise OptionError(
            "search=True needs hypothesis, which is not installed; install it with "
            "pip install 'gradproof[search]'"
        ) from None
    if seed is None:
        seed = random.randrange(2**32)
    strategy = st.one_of(problems(d), kink_problems(d), kink_problems(d, everyone=True))
    count = [0]
    last: list[CheckReport] = []

    def fails(problem: tuple[np.ndarray, np.ndarray, np.ndarray, float]) -> bool:
        count[0] += 1
        rep = check(*problem)
        last[:] = [rep]
        return not rep.passed

    cfg = settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    )
    try:
        X, y, w, b = find(strategy, fails, settings=cfg, random=random.Random(seed))
    except NoSuchExample:
        rep = last[0]
        rep.seed = seed
        rep.notes.append(
            lazy(
                "hypothesis found no failing dataset in {k} examples (seed {seed}, on and off "
                "kinks); the report shows one of them",
                k=count[0],
                seed=seed,
            )
        )
        return rep
    rep = check(X, y, w, b)
    rep.seed = seed
    rep.reproduce = reproducer(d, X, y, w, b, grad, precision, strict)
    rep.notes.append(
        lazy(
            "hypothesis found this failing dataset after {k} examples and shrank it (seed {seed})",
            k=count[0],
            seed=seed,
        )
    )
    return rep
