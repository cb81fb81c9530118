"""Two hand-written gradients of the perceptron loss L(w, b) = Σᵢ max(0, −yᵢ(w·xᵢ + b)).

``grad`` is right; ``grad_wrong`` forgets that only the misclassified samples count (it sums
over every sample). Check them with::

    gradproof check perceptron --grad examples/mygrad.py:grad --data examples/points.csv
    gradproof check perceptron --grad examples/mygrad.py:grad_wrong --data examples/points.csv

The first passes, the second fails (exit code 1) and the report says which filter is missing.
"""

import numpy as np


def grad(X, y, w, b):
    """∂L/∂w = −Σ_{i∈M} yᵢ xᵢ and ∂L/∂b = −Σ_{i∈M} yᵢ, M = {i : yᵢ(w·xᵢ + b) ≤ 0}."""
    margin = y * (X @ w + b)
    misclassified = margin <= 0  # a sample on the boundary counts as misclassified
    return -(y[misclassified] @ X[misclassified]), -np.sum(y[misclassified])


def grad_wrong(X, y, w, b):
    """The classic bug: the sum runs over every sample, not only the misclassified ones."""
    return -(y @ X), -np.sum(y)
