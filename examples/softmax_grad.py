"""Two hand-written gradients of softmax regression, L(W, b) = Σᵢ (log Σₖ exp(sᵢₖ) − sᵢ,yᵢ)
with scores S = XWᵀ + 𝟏bᵀ.

``grad`` is right; ``grad_wrong`` sums the bias gradient over the classes instead of over the
samples (``P.sum(axis=1)``, a vector of n numbers). Check them with::

    gradproof check softmax --grad examples/softmax_grad.py:grad
    gradproof check softmax --grad examples/softmax_grad.py:grad_wrong

The first passes, the second fails (exit code 1) and says which axis the bias sum must run over.
"""

import numpy as np


def grad(X, y, W, b):
    """∂L/∂W = (P − Y)ᵀX and ∂L/∂b = (P − Y)ᵀ𝟏, P the softmax of the scores, Y one-hot."""
    S = X @ W.T + b
    S -= S.max(axis=1, keepdims=True)  # softmax is unchanged by a shift per row
    P = np.exp(S)
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1.0  # P − Y
    return P.T @ X, P.sum(axis=0)


def grad_wrong(X, y, W, b):
    """The bias gradient summed over the wrong axis."""
    gW, _ = grad(X, y, W, b)
    S = X @ W.T + b
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1.0
    return gW, P.sum(axis=1)
