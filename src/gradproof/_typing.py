"""Type aliases shared across gradproof."""

from __future__ import annotations

from typing import Any, Literal, Union

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]
"""A numpy array of any dtype (float64 unless the caller chose otherwise)."""

ArrayLike = npt.ArrayLike
Scalar = Union[float, np.floating]
KinkConvention = Literal["include", "exclude", "average"]
"""What a switching function's indicator 𝟙[u ≥ 0] is worth exactly at u = 0:
``include`` → 1, ``exclude`` → 0, ``average`` → ½ (SymPy's Heaviside(0))."""
