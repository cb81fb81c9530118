"""The verify layer: kink-aware gradient checks at several points against an exact reference
and finite differences, with reports that name the culprit.

>>> from gradproof.verify import check_gradient
>>> report = check_gradient("logistic", X=[[1.0, 2.0], [0.5, -1.0]], y=[1.0, -1.0],
...                         w=[0.25, -0.5], b=0.125)
>>> report.passed, report.digits >= 10
(True, True)
"""

from __future__ import annotations

from gradproof.verify.candidate import CandidateError
from gradproof.verify.check import assert_gradient, check_gradient
from gradproof.verify.loading import load_function
from gradproof.verify.report import CheckReport, DirectionCheck, Entry, KinkSample, PointResult

__all__ = [
    "check_gradient",
    "assert_gradient",
    "load_function",
    "CheckReport",
    "PointResult",
    "Entry",
    "DirectionCheck",
    "KinkSample",
    "CandidateError",
]
