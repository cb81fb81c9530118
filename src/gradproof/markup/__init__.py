"""Documents, not maths: a post as a list of blocks, platform profiles, and emitters.

- :mod:`~gradproof.markup.blocks` — the document model (headings, paragraphs with inline
  math, display math, figures, code, tables, front matter);
- :mod:`~gradproof.markup.platforms` — one registry of platform profiles (``--site``);
- :mod:`~gradproof.markup.markdown` and :mod:`~gradproof.markup.latex` — the emitters.

A base package: it imports nothing of gradproof but :mod:`gradproof.errors`, so every layer
(symbolic and above) may build and emit documents.
"""

from gradproof.markup.blocks import Document
from gradproof.markup.latex import to_latex
from gradproof.markup.markdown import to_markdown
from gradproof.markup.platforms import PROFILES, SITES, Profile, get_profile

__all__ = ["Document", "to_markdown", "to_latex", "Profile", "PROFILES", "SITES", "get_profile"]
