"""Documents: where the math, code and prose are in a post (:mod:`gradproof.markup.scan`)."""
