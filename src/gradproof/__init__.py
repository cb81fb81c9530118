"""gradproof: derive gradients of machine-learning losses, show the steps, compile them to
fast numpy functions, and prove them right.

>>> from gradproof import derive
>>> d = derive("perceptron")
>>> sorted(d.gradient)
['b', 'w']
>>> d.gradient["w"]
-Σ_{i∈M} yᵢ xᵢ
>>> d
Derivation('perceptron', loss='max(0, −y(w·x + b))', params={}, wrt=('w', 'b'), kink='include')

The public API: :func:`derive` (then ``d.render()``, ``d.numpy()``), :func:`check_gradient`
and :func:`assert_gradient`, :func:`train`, :func:`write_notes`, :func:`compare`,
:func:`audit`; results display themselves in Jupyter.
"""

from gradproof import audit  # the package; calling it audits a post (gradproof.audit(path))
from gradproof.audit import AuditReport
from gradproof.datasets import Dataset, Point, load_data
from gradproof.errors import (
    DataError,
    GradproofError,
    LimitError,
    OptionError,
    ParseError,
    ShapeError,
    UnknownLossError,
)
from gradproof.notes import NotesResult, TrainResult, compare, train, write_notes
from gradproof.numeric.derive import derive
from gradproof.symbolic.derivation import Derivation
from gradproof.symbolic.losses import list_losses
from gradproof.symbolic.parse import parse_loss
from gradproof.verify import CheckReport, assert_gradient, check_gradient

__version__ = "0.1.0"

__all__ = [
    "derive",
    "list_losses",
    "parse_loss",
    "check_gradient",
    "assert_gradient",
    "CheckReport",
    "train",
    "TrainResult",
    "write_notes",
    "NotesResult",
    "compare",
    "audit",
    "AuditReport",
    "load_data",
    "Derivation",
    "Dataset",
    "Point",
    "GradproofError",
    "ParseError",
    "DataError",
    "ShapeError",
    "LimitError",
    "OptionError",
    "UnknownLossError",
    "__version__",
]
