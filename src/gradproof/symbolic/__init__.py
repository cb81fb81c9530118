"""The symbolic layer: losses as SymPy expressions, vector-form differentiation, steps, and
their rendering as text, LaTeX and Markdown."""
