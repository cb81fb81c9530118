"""Notes built on derivations: publishable documents with figures, training runs, comparisons.

- :func:`write_notes` — one Markdown post or LaTeX document (derivation, worked example,
  numpy code, figures, gradient-descent table) and its figures, in one folder;
- :func:`train` — gradient descent, SGD and momentum driven by the derived gradient;
- :func:`compare` — several derivations side by side.

Figures need matplotlib (``pip install 'gradproof[plot]'``).
"""

from gradproof.notes.compare import compare
from gradproof.notes.document import NotesResult, write_notes
from gradproof.notes.model_document import write_model_notes  # registers the model's note
from gradproof.notes.model_train import ModelTrainResult  # also registers the model trainer
from gradproof.notes.train import TrainResult, train

__all__ = [
    "write_notes",
    "NotesResult",
    "train",
    "TrainResult",
    "ModelTrainResult",
    "compare",
    "write_model_notes",
]
