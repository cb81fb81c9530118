"""One report from the results at every point: the verdict, and the clearest evidence.

Any failing point fails the check. The report's own fields (entries, kinks, hints, …) are
those of its *primary* point: a crash if there is one, else a failing point off every kink
with the most nonzero entries, else the first point.
"""

from __future__ import annotations

from gradproof.errors import DataError
from gradproof.symbolic.derivation import Derivation
from gradproof.verify.report import CheckReport, PointResult

__all__ = ["assemble"]


def assemble(
    d: Derivation,
    results: list[PointResult],
    datasets: list[str],
    notes: list[str],
    strict: str | None,
    seed: int,
    candidate: str,
    self_test: bool,
    mode: str,
) -> CheckReport:
    """One report from the points' results; its own fields are the primary point's."""
    if not results:
        raise DataError("no point could be checked: the gradient is undefined at all of them")
    failing = [i for i, r in enumerate(results) if not r.passed]
    # The primary point shows the clearest evidence: a crash, else a failing point off every
    # kink with the most nonzero entries (where the correct ∂L/∂b is 0, "the sign of ∂L/∂w is
    # flipped" and "the sign is flipped everywhere" cannot be told apart), else the first.
    primary = (
        min(
            failing,
            key=lambda i: (
                results[i].failure is None,
                bool(results[i].kinks),
                -results[i].significant,
                i,
            ),
        )
        if failing
        else 0
    )
    p = results[primary]

    def least(attr: str) -> float:
        vals = [getattr(r, attr) for r in results if getattr(r, attr) == getattr(r, attr)]
        return float(min(vals)) if vals else float("nan")

    hints = list(p.hints)
    for i in failing:  # a binding convention's hint is only found where samples sit on kinks
        hints += [h for h in results[i].hints if h.startswith("kink=") and h not in hints]
    modes = sorted({r.mode for r in results})
    report = CheckReport(
        loss=d.name,
        candidate=candidate,
        mode="/".join(modes) if modes else ("fast" if mode == "fast" else "full"),
        passed=not failing,
        precision=p.precision,
        method=p.method,
        convention=d.kink,
        strict=strict is not None,
        self_test=self_test,
        kink_convention_matched=p.kink_convention_matched,
        digits=least("digits"),
        fd_digits=least("fd_digits"),
        noise_floor_digits=least("noise_floor_digits"),
        fd_noise_floor_digits=least("fd_noise_floor_digits"),
        seed=seed,
        n=p.n,
        d=p.d,
        entries=list(p.entries),
        directions=list(p.directions),
        kinks=list(p.kinks),
        culprits=list(p.culprits),
        samples=list(p.samples),
        hints=hints,
        notes=notes + [nt for nt in p.notes if nt not in notes],
        correct=p.correct,
        points=results,
        primary=primary,
        datasets=datasets,
    )
    return report
