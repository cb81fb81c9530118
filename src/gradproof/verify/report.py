"""The result of a gradient check: what was compared, where, how well, and who is to blame.

:class:`CheckReport` is plain data: ``str(report)`` is the readable text, ``to_dict()`` the
JSON form, and in Jupyter it displays itself (``_repr_markdown_``). A check looks at several
points (:class:`PointResult`, one each); the report's own fields (entries, kinks, hints, …)
are those of its *primary* point: the first failing one, or the given point when all pass.

Numbering: samples are numbered from 1 (sample 1 is the first row of X) and so are the
weights (``w[1]`` is the first entry of w, Python's ``w[0]``), as in ``gradproof derive``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from gradproof.i18n import lazy
from gradproof.verify.render import render_markdown, render_text

__all__ = ["Entry", "DirectionCheck", "KinkSample", "PointResult", "CheckReport", "NUMBERING"]

NUMBERING = lazy(
    "samples and weights are numbered from 1, as in gradproof derive: sample 1 is the first "
    "row of X, w[1] the first weight (Python's w[0])"
)


@dataclass(frozen=True)
class Entry:
    """One gradient entry: the candidate against the reference and finite differences.

    ``reference`` is the derived gradient under the declared convention; where samples sit
    on kinks any value in [``valid_low``, ``valid_high``] may be right for this entry alone
    (off kinks both equal the reference). ``abs_error`` is the distance to the valid
    subgradient closest to the candidate, ``bound`` the largest error a correct gradient in
    the candidate's precision may have (:mod:`gradproof.verify.tolerance`), ``rel_error``
    None where the reference is 0.
    """

    name: str
    candidate: float
    reference: float
    valid_low: float
    valid_high: float
    fd_low: float
    fd_high: float
    abs_error: float
    rel_error: float | None
    bound: float
    fd_bound: float
    digits: float
    kink: bool
    ok: bool


@dataclass(frozen=True)
class DirectionCheck:
    """One random-direction check of fast mode: ∇L·v three ways."""

    label: str
    candidate: float
    reference: float
    fd_low: float
    fd_high: float
    bound: float
    ok: bool


@dataclass(frozen=True)
class KinkSample:
    """A sample (numbered from 1) on a kink, or within rounding of one.

    ``switch`` is the switching function, ``u`` its value, ``exact`` whether u = 0 exactly,
    ``binding`` whether a named convention is required here (strict mode), ``t`` the weight
    (0 = u < 0 side, 1 = u > 0 side) of the valid subgradient closest to the candidate.
    """

    sample: int
    switch: str
    u: float
    exact: bool
    t: float | None
    binding: bool = False


@dataclass
class PointResult:
    """The check at one point of one dataset."""

    label: str
    kind: str
    dataset: str
    n: int
    d: int
    w: list[float]
    b: float
    passed: bool
    mode: str = "full"
    precision: str = "float64"
    method: str = ""
    failure: str | None = None
    significant: int = 0
    digits: float = float("nan")
    fd_digits: float = float("nan")
    noise_floor_digits: float = float("nan")
    fd_noise_floor_digits: float = float("nan")
    entries: list[Entry] = field(default_factory=list)
    wrong_entries: int = 0
    directions: list[DirectionCheck] = field(default_factory=list)
    kinks: list[KinkSample] = field(default_factory=list)
    kink_convention_matched: tuple[str, ...] = ()
    decided: str = ""
    culprits: list[str] = field(default_factory=list)
    samples: list[int] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    correct: dict[str, Any] | None = None


def _clean(v: Any) -> Any:
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


@dataclass
class CheckReport:
    """Everything a gradient check found; truthy when the candidate is right."""

    loss: str
    candidate: str
    mode: str
    passed: bool
    precision: str
    method: str
    convention: str
    strict: bool = False
    self_test: bool = False
    kink_convention_matched: tuple[str, ...] = ()
    digits: float = float("nan")
    fd_digits: float = float("nan")
    fd_noise_floor_digits: float = float("nan")
    noise_floor_digits: float = float("nan")
    seed: int | None = None
    n: int = 0
    d: int = 0
    entries: list[Entry] = field(default_factory=list)
    directions: list[DirectionCheck] = field(default_factory=list)
    kinks: list[KinkSample] = field(default_factory=list)
    culprits: list[str] = field(default_factory=list)
    samples: list[int] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    correct: dict[str, Any] | None = None
    reproduce: str | None = None
    points: list[PointResult] = field(default_factory=list)
    primary: int = 0
    datasets: list[str] = field(default_factory=list)
    numbering: str = NUMBERING

    def __bool__(self) -> bool:
        return self.passed

    @property
    def failing_points(self) -> list[PointResult]:
        """The points where the candidate failed."""
        return [p for p in self.points if not p.passed]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (non-finite floats become None)."""
        return _clean(asdict(self))

    def worst(self, k: int = 5) -> list[Entry]:
        """The k entries (of the primary point) with the largest error relative to their
        bound."""

        def key(e: Entry) -> float:
            return e.abs_error / e.bound if e.bound > 0 else (math.inf if e.abs_error else 0)

        return sorted(self.entries, key=key, reverse=True)[:k]

    def render(self, format: str = "text", lang: str | None = None) -> str:
        """The report as ``text`` or ``markdown``, in ``lang`` (default: ``GRADPROOF_LANG``,
        then the locale, then English); ``str(report)`` is the text in the current language."""
        if format not in ("text", "markdown"):
            raise ValueError(f"unknown report format {format!r}; use text or markdown")
        return (render_text if format == "text" else render_markdown)(self, lang)

    def __str__(self) -> str:
        return render_text(self)

    def __repr__(self) -> str:  # one line; str(report) and Jupyter show the whole report
        failed = len(self.failing_points)
        return (
            f"CheckReport({self.loss!r}, passed={self.passed}, candidate={self.candidate!r}, "
            f"points={len(self.points)}, failed={failed}, digits={self.digits:.3g}, "
            f"convention={self.convention!r})"
        )

    def _repr_markdown_(self) -> str:
        return render_markdown(self)
