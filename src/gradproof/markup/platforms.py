"""Where a post is published, as one registry of profiles: one entry per platform.

A profile decides only what differs between platforms: the math delimiters, the rewrites of
the LaTeX that its Markdown engine would break, where the post and its images go and how the
post links them, and the front matter that turns math on in the common themes. Everything
else (the blocks, the prose, the maths) is the same for every platform. Adding a platform is
adding one entry to :data:`PROFILES`; the engine tests (``tests/markup``) render every entry
with the engines it names.

What each engine does to math, measured with the versions Debian ships (kramdown 2.4,
Hugo 0.111, pandoc 2.17) and markdown-it-py with the dollarmath plugin:

- kramdown (Jekyll) reads ``$$…$$`` as math, inline or on its own lines (it has no ``$…$``),
  and hands it to MathJax as ``\\(…\\)`` and ``\\[…\\]``; a ``|`` anywhere in a paragraph, even
  inside the math, turns the paragraph into a table, so ``|`` is written ``\\vert``.
- Hugo 0.111's goldmark has no math passthrough (0.122 added it): it reads the math as
  Markdown, where ``\\(`` is an escaped parenthesis and ``_`` starts emphasis. The hugo profile
  therefore backslash-escapes every ASCII punctuation character of the math, which CommonMark
  turns back into exactly that character, so ``\\(…\\)`` and ``\\[…\\]`` reach the page intact
  with any goldmark settings (passthrough on or off, typographer on); no config is needed.
- GitHub reads ``$…$`` and fenced ``math`` blocks but unescapes ``\\{`` to ``{`` in inline math
  first, so braces are written ``\\lbrace``/``\\rbrace``.
- Zhihu's importer knows only ``$$…$$`` (inline and on its own lines).
- In a table cell every engine splits at ``|`` before it sees the math, so there ``|`` and
  ``\\|`` are written ``\\vert`` and ``\\Vert`` (in every profile).

>>> get_profile("jekyll").inline
('$$', '$$')
>>> sorted(PROFILES)[:3]
['csdn', 'default', 'github']
"""

from __future__ import annotations

from dataclasses import dataclass

from gradproof.errors import OptionError

__all__ = ["Profile", "PROFILES", "SITES", "get_profile", "TABLE_TEX"]

TABLE_TEX = (("\\|", "\\Vert"), ("|", "\\vert"))
"""TeX rewrites inside a Markdown table cell, for every profile (token → token)."""


@dataclass(frozen=True)
class Profile:
    """How one platform publishes a post (see the module docstring).

    Attributes
    ----------
    name, label
        The ``--site`` name and a human name.
    inline, display
        Opening and closing delimiters of inline and display math, as written in the source.
    tex
        Rewrites of LaTeX tokens (``\\{`` → ``\\lbrace``) the engine needs, in every fragment.
    escape_math
        Backslash-escape every ASCII punctuation character inside the math (Hugo).
    front_matter
        Whether the post starts with front matter by default.
    keys
        Front-matter keys written after title, date and tags (``math: true`` …).
    post, post_dated
        Where the post goes, relative to the output folder (``{slug}``, ``{date}``);
        ``post_dated`` is used instead when front matter is asked of a profile without it.
    assets, assets_url
        Where the images go, relative to the output folder, and the URL prefix the post
        links them with (relative to the post, or absolute from the site root).
    served
        The folder under the output folder that the site serves at its root, where absolute
        image links point (Hexo publishes ``source/``; Jekyll the whole folder).
    engines
        The engines the tests render this profile with (see ``tests/markup/engines.py``).
    """

    name: str
    label: str
    inline: tuple[str, str] = ("$", "$")
    display: tuple[str, str] = ("$$", "$$")
    tex: tuple[tuple[str, str], ...] = ()
    escape_math: bool = False
    front_matter: bool = False
    keys: tuple[tuple[str, object], ...] = ()
    post: str = "{slug}.md"
    post_dated: str = "{date}-{slug}.md"
    assets: str = "figures"
    assets_url: str = "figures"
    served: str = ""
    engines: tuple[str, ...] = ("markdown-it",)

    def post_path(self, slug: str, date: str, front_matter: bool) -> str:
        """The post's path relative to the output folder."""
        template = self.post_dated if front_matter and not self.front_matter else self.post
        return template.format(slug=slug, date=date)

    def assets_path(self, slug: str) -> str:
        """The images' folder relative to the output folder."""
        return self.assets.format(slug=slug)

    def image_url(self, slug: str, name: str, prefix: str | None = None) -> str:
        """The link to image ``name``; ``prefix`` (``--assets-url``) replaces the default."""
        base = (prefix if prefix is not None else self.assets_url.format(slug=slug)).rstrip("/")
        return f"{base}/{name}" if base else name


_KATEX_SAFE = (("\\{", "\\lbrace"), ("\\}", "\\rbrace"))

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "default",
            "portable Markdown ($…$ inline, $$ on their own lines)",
            engines=("markdown-it", "pandoc"),
        ),
        Profile(
            "github",
            "GitHub (README, issues, gists)",
            display=("```math", "```"),
            tex=_KATEX_SAFE,
            engines=("markdown-it-gfm",),
        ),
        Profile(
            "jekyll",
            "Jekyll 4 with kramdown (GitHub Pages, minima, Chirpy, …)",
            inline=("$$", "$$"),
            display=("$$", "$$"),
            tex=TABLE_TEX,
            front_matter=True,
            keys=(
                ("layout", "post"),
                ("math", True),
                ("mathjax", True),
                ("render_with_liquid", False),
            ),
            post="_posts/{date}-{slug}.md",
            assets="assets/gradproof/{slug}",
            assets_url="/assets/gradproof/{slug}",
            engines=("jekyll",),
        ),
        Profile(
            "hexo",
            "Hexo with a markdown-it renderer and a math plugin (NexT, Butterfly)",
            front_matter=True,
            keys=(("mathjax", True), ("katex", True)),
            post="source/_posts/{slug}.md",
            assets="source/images/gradproof/{slug}",
            assets_url="/images/gradproof/{slug}",
            served="source",
        ),
        Profile(
            "hugo",
            "Hugo (goldmark; any version, no passthrough needed)",
            inline=("\\\\(", "\\\\)"),
            display=("\\\\[", "\\\\]"),
            escape_math=True,
            front_matter=True,
            keys=(("math", True),),
            post="content/posts/{slug}/index.md",
            assets="content/posts/{slug}/figures",
            assets_url="figures",
            engines=("hugo",),
        ),
        Profile(
            "zhihu",
            "Zhihu article import ($$ only)",
            inline=("$$", "$$"),
            engines=("markdown-it-double",),
        ),
        Profile(
            "pandoc",
            "pandoc and Quarto",
            front_matter=True,
            engines=("pandoc",),
        ),
        Profile("myst", "MyST Markdown (Jupyter Book, Sphinx)"),
        Profile("csdn", "CSDN editor (markdown with KaTeX)"),
    )
}

SITES = tuple(PROFILES)
"""The ``--site`` names."""


def get_profile(name: str | Profile | None) -> Profile:
    """The profile called ``name`` (None is the default profile)."""
    if isinstance(name, Profile):
        return name
    key = "default" if name is None else name.strip().lower()
    if key == "quarto":
        key = "pandoc"
    if key not in PROFILES:
        raise OptionError(f"unknown site {name!r}; use one of {', '.join(SITES)} (quarto = pandoc)")
    return PROFILES[key]
