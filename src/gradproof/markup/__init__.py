"""Documents, not maths: a post as a list of blocks, platform profiles, emitters, and the reader
that finds the math, code and prose in an existing post.

- :mod:`~gradproof.markup.blocks` — the document model (headings, paragraphs with inline
  math, display math, figures, code, tables, front matter);
- :mod:`~gradproof.markup.platforms` — one registry of platform profiles (``--site``);
- :mod:`~gradproof.markup.markdown` and :mod:`~gradproof.markup.latex` — the emitters;
- :mod:`~gradproof.markup.scan` — the reader: spans of math, code and prose with their lines,
  in Markdown, LaTeX and notebooks (used by ``gradproof audit``).

A base package: it imports nothing of gradproof but base modules, so every layer (symbolic
and above) may build, emit and read documents.
"""

from gradproof.markup.blocks import Document
from gradproof.markup.latex import to_latex
from gradproof.markup.markdown import to_markdown
from gradproof.markup.platforms import PROFILES, SITES, Profile, get_profile

__all__ = ["Document", "to_markdown", "to_latex", "Profile", "PROFILES", "SITES", "get_profile"]
