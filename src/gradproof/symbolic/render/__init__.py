"""Renderers: a derivation printed as unicode text, LaTeX or Markdown."""

from gradproof.symbolic.render.document import FORMATS, render

__all__ = ["render", "FORMATS"]
