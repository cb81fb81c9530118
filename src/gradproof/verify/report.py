"""The result of a gradient check: what was compared, how well it agrees, and who is to blame.

:class:`CheckReport` is plain data: ``str(report)`` is the readable text, ``to_dict()`` the
JSON form. Entries are named as a user writes them (``w[3]``, ``b``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Entry", "DirectionCheck", "KinkSample", "CheckReport"]


@dataclass(frozen=True)
class Entry:
    """One gradient entry: candidate against the exact reference and finite differences.

    ``fd_low``/``fd_high`` are equal unless the entry's direction crosses a kink, where they
    are the two one-sided derivatives. ``bound`` is the largest error a correct gradient in
    the candidate's precision may have (see :mod:`gradproof.verify.tolerance`).
    """

    name: str
    candidate: float
    reference: float
    fd_low: float
    fd_high: float
    abs_error: float
    rel_error: float
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
    """A sample on a kink (or within rounding of one) and where the candidate put it."""

    sample: int
    switch: str
    u: float
    exact: bool
    t: float | None


def _fmt(x: float) -> str:
    return "nan" if x != x else f"{x:.17g}" if abs(x) < 1e17 else f"{x:.6e}"


def _short(x: float) -> str:
    return f"{x:.3g}"


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

    def __bool__(self) -> bool:
        return self.passed

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (non-finite floats become None)."""

        def clean(v: Any) -> Any:
            if isinstance(v, float):
                return v if math.isfinite(v) else None
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [clean(x) for x in v]
            return v

        return clean(asdict(self))

    def worst(self, k: int = 5) -> list[Entry]:
        """The k entries with the largest error relative to their bound."""

        def key(e: Entry) -> float:
            return e.abs_error / e.bound if e.bound > 0 else (math.inf if e.abs_error else 0)

        return sorted(self.entries, key=key, reverse=True)[:k]

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        lines = [
            f"gradproof check: {self.loss} — {verdict} ({self.candidate}, {self.precision}, "
            f"{self.mode} mode, n = {self.n}, d = {self.d})"
        ]
        if self.seed is not None:
            lines.append(f"seed: {self.seed}")
        if self.digits == self.digits:
            lines.append(
                f"agrees with the exact gradient to {self.digits:.1f} significant digits"
                f" (a correct {self.precision} gradient is guaranteed "
                f"{self.noise_floor_digits:.1f})"
            )
        if self.fd_digits == self.fd_digits:
            floor = (
                f", whose noise floor is {self.fd_noise_floor_digits:.1f} digits"
                if self.fd_noise_floor_digits == self.fd_noise_floor_digits
                else ""
            )
            lines.append(
                f"agrees with finite differences to {self.fd_digits:.1f} digits "
                f"({self.method}{floor})"
            )
        else:
            lines.append(f"finite differences: {self.method}")
        if self.kinks:
            exact = sum(k.exact for k in self.kinks)
            lines.append(
                f"kinks: {len(self.kinks)} sample(s) on a kink ({exact} exactly, "
                f"{len(self.kinks) - exact} within rounding): "
                + ", ".join(
                    f"sample {k.sample} ({k.switch} = {_short(k.u)})" for k in self.kinks[:6]
                )
                + (" …" if len(self.kinks) > 6 else "")
            )
            if self.kink_convention_matched:
                lines.append(
                    "the candidate follows the "
                    + " / ".join(self.kink_convention_matched)
                    + " convention"
                    + ("s (they agree here)" if len(self.kink_convention_matched) > 1 else "")
                    + (
                        ""
                        if self.kink_convention_matched[0].startswith("sign")
                        else f" (the derivation uses {self.convention})"
                    )
                )
            elif self.passed:
                lines.append(
                    "the candidate is a valid subgradient that matches no named convention"
                )
        if self.directions:
            lines.append("random-direction checks (∇L·v):")
            for c in self.directions:
                fd = (
                    _short(c.fd_low)
                    if c.fd_low == c.fd_high
                    else f"[{_short(c.fd_low)}, {_short(c.fd_high)}]"
                )
                lines.append(
                    f"  {c.label}: candidate {c.candidate:.12g}, reference "
                    f"{c.reference:.12g}, finite differences {fd}, bound "
                    f"{_short(c.bound)} — {'ok' if c.ok else 'MISMATCH'}"
                )
        bad = [e for e in self.entries if not e.ok]
        if bad:
            lines.append("wrong entries (worst first):")
            for e in sorted(bad, key=lambda e: -e.abs_error / max(e.bound, 1e-300))[:8]:
                fd = (
                    _fmt(e.fd_low)
                    if e.fd_low == e.fd_high
                    else f"[{_short(e.fd_low)}, {_short(e.fd_high)}]"
                )
                fd = "" if e.fd_low != e.fd_low else f", finite differences {fd}"
                lines.append(
                    f"  {e.name}: candidate {_fmt(e.candidate)}, reference "
                    f"{_fmt(e.reference)}{fd}; abs error "
                    f"{_short(e.abs_error)}, rel error {_short(e.rel_error)}, bound "
                    f"{_short(e.bound)}" + (" [kink]" if e.kink else "")
                )
            if len(bad) > 8:
                lines.append(f"  … and {len(bad) - 8} more")
        elif self.culprits:
            lines.append("wrong entries: " + ", ".join(self.culprits))
        if self.samples:
            lines.append(
                "samples responsible: "
                + ", ".join(map(str, self.samples[:20]))
                + (" …" if len(self.samples) > 20 else "")
            )
        for h in self.hints:
            lines.append(f"hint: {h}")
        for nte in self.notes:
            lines.append(f"note: {nte}")
        if self.correct is not None and not self.passed:
            lines.append(f"correct gradient: w = {self.correct['w']}, b = {self.correct['b']}")
            diff = self.correct.get("difference")
            if diff is not None:
                lines.append(f"difference (candidate − correct): w = {diff['w']}, b = {diff['b']}")
        if self.reproduce:
            lines.append("reproduce with:\n" + self.reproduce)
        return "\n".join(lines)
