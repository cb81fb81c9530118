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

The same facts, read the other way, are what ``gradproof lint`` looks for: each profile lists
its :class:`Hazard` entries (what its engine and math renderer break, each with its fix), and
the emitter's rewrites (:attr:`Profile.tex`) are those of its hazards, so there is one table.
What the renderers break was measured with KaTeX 0.16 (strict), MathJax 3 and pdflatex (for
pandoc's PDF output): KaTeX takes ``align``, ``gather``, ``equation`` and ``split`` in display
mode only and has no ``multline``, ``flalign``, ``eqnarray``, ``\\label``, ``\\ref`` or
``\\eqref``, and draws ``\\mathbb{1}`` as a plain 1; pdflatex refuses a display environment
inside ``\\[…\\]`` (what pandoc writes for ``$$``); pandoc, marked and Hugo's goldmark end
display math at a blank line, markdown-it and kramdown 2.4 do not; kramdown keeps ``\\\\``,
``_`` and ``\\|`` inside ``$$…$$`` but makes a table of a paragraph with a bare ``|``. A
platform that cannot be run offline (GitHub, Zhihu, CSDN, Hexo, MyST) gets the rules its
stand-in engine shows, besides its own (``tests/markup/test_lint_engines.py`` checks every
verdict against the engines: clean fragments render as math, flagged ones break).

>>> get_profile("jekyll").inline
('$$', '$$')
>>> sorted(PROFILES)[:3]
['csdn', 'default', 'github']
"""

from __future__ import annotations

from dataclasses import dataclass

from gradproof.errors import OptionError
from gradproof.i18n import N_

__all__ = [
    "Profile",
    "Hazard",
    "PROFILES",
    "SITES",
    "get_profile",
    "TABLE_TEX",
    "PORTABLE",
    "KATEX",
    "LATEX",
    "LATEX_DOCUMENT",
]

TABLE_TEX = (("\\|", "\\Vert"), ("|", "\\vert"))
"""TeX rewrites inside a Markdown table cell, for every profile (token → token)."""


@dataclass(frozen=True)
class Hazard:
    """One thing a platform breaks, as ``gradproof lint`` finds it (:mod:`gradproof.markup.lint`).

    Attributes
    ----------
    id
        The rule's name in findings (``katex-label``).
    check
        How the linter looks for it: ``tokens`` (TeX tokens of the math), ``pattern`` (a
        regular expression matched where a control word starts), ``environments`` (``\\begin``
        of the named environments), ``delimiters`` (math the engine does not read as math),
        ``table`` (``|`` in the math of a table row), ``blank-line`` (a blank line in display
        math), ``balance`` (braces, ``\\left``/``\\right``, ``\\begin``/``\\end``),
        ``unclosed`` (a display opener left in the prose) or ``markdown`` (math the engine
        reads as Markdown: emphasis pairs, eaten backslashes).
    message, fix
        What breaks and how to mend it: English message ids with named placeholders (``{token}``,
        ``{instead}``, ``{delimiter}``, ``{site}`` …), translated when printed.
    tokens
        The tokens, environment names or the pattern the check looks for.
    replace
        ``(token, what to write instead)``; with ``rewrite`` the emitter applies them too.
    where
        Which math: ``any``; ``inline`` (not a display the engine sees as one); ``paragraph``
        (not a display block with blank lines around it, as kramdown wants); ``display``.
    rewrite
        The emitter writes ``replace`` in every fragment of this profile (:attr:`Profile.tex`).
    """

    id: str
    check: str
    message: str
    fix: str
    tokens: tuple[str, ...] = ()
    replace: tuple[tuple[str, str], ...] = ()
    where: str = "any"
    rewrite: bool = False


# -- what every Markdown engine breaks -----------------------------------------------------------
NOT_MATH = Hazard(
    "not-math",
    "delimiters",
    N_("{delimiter}…{closing} is not math on {site}: its engine reads only {reads}"),
    N_("write {opening}…{closing_fix}"),
)
TABLE_PIPE = Hazard(
    "table-pipe",
    "table",
    N_(
        "{token} in the math of a table row is read by the table first (| ends the cell, GFM "
        "tables turn \\| into |)"
    ),
    N_("write {instead}"),
    replace=TABLE_TEX,
)
UNBALANCED = Hazard(
    "unbalanced",
    "balance",
    N_("unbalanced {what} in the math"),
    N_("add the missing {missing}"),
)
UNCLOSED = Hazard(
    "unclosed",
    "unclosed",
    N_("{delimiter} opens display math that is never closed"),
    N_("close it with {closing}"),
)
BLANK_LINE = Hazard(
    "display-blank-line",
    "blank-line",
    N_("a blank line inside display math ends the display on {site}"),
    N_("remove the blank line; keep the display on consecutive lines"),
)
COMMON = (NOT_MATH, TABLE_PIPE, UNBALANCED, UNCLOSED)
"""What every Markdown profile checks."""
PORTABLE = COMMON + (BLANK_LINE,)
"""The portable rules: what holds on every engine (pandoc ends display math at a blank line)."""

# -- what the math renderers break ---------------------------------------------------------------
KATEX = (
    Hazard(
        "katex-display-only",
        "environments",
        N_("KaTeX takes \\begin{{{token}}} only in display math; here it is inline"),
        N_("use \\begin{{{instead}}} inside display math, or move it into a display"),
        tokens=("align", "align*", "gather", "gather*", "equation", "equation*", "split"),
        replace=(("align", "aligned"), ("gather", "gathered"), ("split", "aligned")),
        where="inline",
    ),
    Hazard(
        "katex-unknown-environment",
        "environments",
        N_("KaTeX has no {token} environment (the formula is not drawn)"),
        N_("use {instead}"),
        tokens=("multline", "multline*", "flalign", "flalign*", "eqnarray", "eqnarray*"),
        replace=(
            ("multline", "\\begin{gathered}"),
            ("flalign", "\\begin{aligned}"),
            ("eqnarray", "\\begin{aligned}"),
        ),
    ),
    Hazard(
        "katex-label",
        "tokens",
        N_("KaTeX does not know {token} (the formula is not drawn)"),
        N_("remove it; number a display with \\tag{{…}} and refer to it in words"),
        tokens=("\\label", "\\ref", "\\eqref"),
    ),
    Hazard(
        "katex-mathbb-1",
        "pattern",
        N_("KaTeX draws \\mathbb{{1}} as a plain 1 (its blackboard font has no digits)"),
        N_("write {instead}, which KaTeX, MathJax and pdflatex draw alike"),
        tokens=(r"\\mathbb\s*(?:\{\s*1\s*\}|1)",),
        replace=(("\\mathbb{1}", "\\mathrm{1\\!\\!1}"),),
    ),
    Hazard(
        "katex-unknown-command",
        "tokens",
        N_("KaTeX does not know {token} (the formula is not drawn)"),
        N_("write {instead}"),
        tokens=("\\mathds", "\\mathbbm", "\\DeclareMathOperator", "\\intertext"),
        replace=(
            ("\\mathds", N_("\\mathrm{1\\!\\!1} for the indicator")),
            ("\\mathbbm", N_("\\mathrm{1\\!\\!1} for the indicator")),
            ("\\DeclareMathOperator", "\\operatorname{…}"),
            ("\\intertext", N_("two displays with the text between them")),
        ),
    ),
)
"""What KaTeX breaks (KaTeX 0.16, checked in strict mode)."""
LATEX = (
    Hazard(
        "latex-nested-display",
        "environments",
        N_(
            "pdflatex refuses \\begin{{{token}}} inside math delimiters (erroneous nesting); "
            "pandoc and Quarto write $$ as \\[…\\]"
        ),
        N_("use {instead}"),
        tokens=(
            "align",
            "align*",
            "gather",
            "gather*",
            "equation",
            "equation*",
            "multline",
            "multline*",
            "flalign",
            "flalign*",
            "alignat",
            "alignat*",
            "eqnarray",
            "eqnarray*",
        ),
        replace=(
            ("align", "\\begin{aligned}"),
            ("gather", "\\begin{gathered}"),
            ("alignat", "\\begin{alignedat}"),
            ("equation", N_("the display alone (without \\begin{equation})")),
            ("multline", "\\begin{gathered}"),
            ("flalign", "\\begin{aligned}"),
            ("eqnarray", "\\begin{aligned}"),
        ),
    ),
)
"""What pdflatex breaks in the math of a Markdown post turned into a PDF (pandoc, Quarto)."""
LATEX_DOCUMENT = (UNBALANCED, BLANK_LINE) + LATEX
"""What ``gradproof lint`` checks in a LaTeX document (no platform: pdflatex reads it)."""

# -- what one engine breaks ----------------------------------------------------------------------
_GITHUB_BRACES = Hazard(
    "github-brace",
    "tokens",
    N_("GitHub unescapes {token} to a bare brace in inline math, so the brace is not drawn"),
    N_("write {instead}"),
    tokens=("\\{", "\\}"),
    replace=(("\\{", "\\lbrace"), ("\\}", "\\rbrace")),
    where="inline",
    rewrite=True,
)
_KRAMDOWN_PIPE = Hazard(
    "kramdown-pipe",
    "tokens",
    N_("kramdown reads {token} in a paragraph as a table column, even inside $$…$$"),
    N_("write {instead}"),
    tokens=("|",),  # \\| is kept in a paragraph; the emitter rewrites it too (tables)
    replace=TABLE_TEX,
    where="paragraph",
    rewrite=True,
)
_GOLDMARK = Hazard(
    "goldmark-markdown",
    "markdown",
    N_("Hugo's goldmark reads this math as Markdown: {what}"),
    N_(
        "escape every punctuation character of the math (\\_, \\\\\\\\, \\{{), as gradproof "
        "--site hugo writes it, or turn on goldmark's passthrough extension (Hugo ≥ 0.122)"
    ),
)


@dataclass(frozen=True)
class Profile:
    """How one platform publishes a post (see the module docstring).

    Attributes
    ----------
    name, label
        The ``--site`` name and a human name.
    inline, display
        Opening and closing delimiters of inline and display math, as written in the source.
    reads
        The math delimiters the engine reads as math, as :func:`gradproof.markup.scan.scan`
        names them (``$``, ``$$``, ``\\(``, ``\\\\(``, ```` ```math ````).
    hazards
        What its engine and math renderers break (:class:`Hazard`): what ``gradproof lint``
        looks for, and (``rewrite``) the rewrites the emitter makes (:attr:`tex`).
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
    reads: tuple[str, ...] = ("$", "$$")
    hazards: tuple[Hazard, ...] = PORTABLE
    escape_math: bool = False
    front_matter: bool = False
    keys: tuple[tuple[str, object], ...] = ()
    post: str = "{slug}.md"
    post_dated: str = "{date}-{slug}.md"
    assets: str = "figures"
    assets_url: str = "figures"
    served: str = ""
    engines: tuple[str, ...] = ("markdown-it",)

    @property
    def tex(self) -> tuple[tuple[str, str], ...]:
        """Rewrites of LaTeX tokens (``\\{`` → ``\\lbrace``) the engine needs, in every fragment:
        those of its hazards marked ``rewrite``."""
        return tuple(pair for h in self.hazards if h.rewrite for pair in h.replace)

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


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "default",
            "portable Markdown ($…$ inline, $$ on their own lines)",
            hazards=PORTABLE + KATEX + LATEX,
            engines=("markdown-it", "pandoc"),
        ),
        Profile(
            "github",
            "GitHub (README, issues, gists)",
            display=("```math", "```"),
            reads=("$", "$$", "```math"),
            hazards=COMMON + (_GITHUB_BRACES,),  # MathJax
            engines=("markdown-it-gfm",),
        ),
        Profile(
            "jekyll",
            "Jekyll 4 with kramdown (GitHub Pages, minima, Chirpy, …)",
            inline=("$$", "$$"),
            display=("$$", "$$"),
            reads=("$$",),
            hazards=COMMON + (_KRAMDOWN_PIPE,),  # MathJax; kramdown keeps a blank line in $$
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
            hazards=COMMON + KATEX,
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
            reads=("\\\\(", "\\\\["),
            hazards=PORTABLE + KATEX + (_GOLDMARK,),  # themes use KaTeX or MathJax
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
            reads=("$$",),
            hazards=COMMON,
            engines=("markdown-it-double",),
        ),
        Profile(
            "pandoc",
            "pandoc and Quarto",
            hazards=PORTABLE + KATEX + LATEX,  # --katex, --mathjax, or a PDF through pdflatex
            front_matter=True,
            engines=("pandoc",),
        ),
        Profile(
            "myst",
            "MyST Markdown (Jupyter Book, Sphinx)",
            reads=("$", "$$", "```math"),
            hazards=COMMON,
        ),
        Profile("csdn", "CSDN editor (markdown with KaTeX)", hazards=COMMON + KATEX),
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
