"""The symbolic layer: losses as SymPy expressions, vector-form differentiation, steps, and
their rendering as text, LaTeX and Markdown.

Its entry point is :func:`gradproof.symbolic.derive.derive_symbolic` (a loss in, a
:class:`~gradproof.symbolic.derivation.Derivation` out); the built-in losses are listed by
:func:`gradproof.symbolic.losses.list_losses`. This layer imports no other gradproof layer.
"""
