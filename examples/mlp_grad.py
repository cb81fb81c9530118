"""Two hand-written backprop gradients of a network with one hidden ReLU layer and a softmax
output: Z₁ = XW₁ᵀ + 𝟏b₁ᵀ, A₁ = relu(Z₁), S = A₁W₂ᵀ + 𝟏b₂ᵀ, L = Σᵢ (log Σₖ exp(sᵢₖ) − sᵢ,yᵢ).

``grad`` is right; ``grad_wrong`` forgets the factor relu′(Z₁) on the way back through the
hidden layer (the most common backprop slip). Check them with::

    gradproof check mlp --layers 2-8-3 --grad examples/mlp_grad.py:grad
    gradproof check mlp --layers 2-8-3 --grad examples/mlp_grad.py:grad_wrong

The first passes, the second fails (exit code 1) with the wrong entries in layer 1.
"""

import numpy as np


def _backprop(X, y, W1, b1, W2, b2, relu_prime=True):
    Z1 = X @ W1.T + b1
    A1 = np.maximum(Z1, 0.0)
    S = A1 @ W2.T + b2
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    G = P
    G[np.arange(len(y)), y] -= 1.0  # ∂L/∂S = P − Y
    delta = G @ W2  # ∂L/∂A₁
    if relu_prime:
        delta = delta * (Z1 > 0)  # δ₁ = (G W₂) ⊙ relu′(Z₁), relu′(0) = 0
    return {"W1": delta.T @ X, "b1": delta.sum(axis=0), "W2": G.T @ A1, "b2": G.sum(axis=0)}


def grad(X, y, W1, b1, W2, b2):
    """∂L/∂W₂ = GᵀA₁, ∂L/∂b₂ = Gᵀ𝟏, δ₁ = (GW₂) ⊙ relu′(Z₁), ∂L/∂W₁ = δ₁ᵀX, ∂L/∂b₁ = δ₁ᵀ𝟏."""
    return _backprop(X, y, W1, b1, W2, b2)


def grad_wrong(X, y, W1, b1, W2, b2):
    """δ₁ = G W₂, without relu′(Z₁)."""
    return _backprop(X, y, W1, b1, W2, b2, relu_prime=False)
