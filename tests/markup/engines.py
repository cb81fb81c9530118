"""The real engines the platform profiles are tested with, and what their HTML is read for.

Each engine takes the posts of one profile (already written under a site folder) and gives
back, per post, its HTML page and the folder its links resolve from. The readers below then
find the math in that HTML as the page's math renderer would (MathJax's ``\\(…\\)`` and
``\\[…\\]`` in the text, or the ``math`` elements of markdown-it and pandoc), the text left
outside it, and every image link.

Engines without a local build (Zhihu, CSDN, GitHub, Hexo, MyST) are tested with the closest
real parser, as the profile registry says (:attr:`gradproof.markup.platforms.Profile.engines`):

- ``markdown-it``: markdown-it-py with mdit-py-plugins' dollarmath, the parser MyST uses and a
  port of the markdown-it + math plugin pair Hexo and CSDN render with. It proves that the
  delimiters and escapes survive a CommonMark parser with those math rules; it does not prove
  anything about the site's own renderer version or its theme.
- ``markdown-it-gfm``: the same with GitHub's ```` ```math ```` fences read as display math and a
  check that no inline fragment holds ``\\{``, which GitHub's own parser unescapes. GitHub's
  pipeline itself is not available offline.
- ``markdown-it-double``: dollarmath reading ``$$…$$`` inline as well (Zhihu's importer knows
  only ``$$``); single ``$`` is not math there, so any left over is reported as raw TeX. Zhihu's
  importer itself is not available offline.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

NEED = bool(os.environ.get("CI"))  # CI installs every engine (.ci/run): none may be skipped

KATEX_DIR = Path(
    os.environ.get("GRADPROOF_KATEX", Path.home() / ".cache/gradproof/katex/node_modules/katex")
)


@dataclass
class Page:
    """One built post: its HTML, and where its links resolve (the page's own folder, and the
    site root for absolute links)."""

    name: str
    html: str
    folder: Path
    root: Path


@dataclass
class Reading:
    """What a page holds: its math (as the renderer sees it), the text outside math and code,
    and its image links."""

    math: list[tuple[str, bool]] = field(default_factory=list)  # (tex, display)
    text: str = ""
    images: list[str] = field(default_factory=list)


# -- reading HTML -------------------------------------------------------------------------------
class _Reader(HTMLParser):
    """Text per element, with math elements (markdown-it, pandoc) and code taken apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.math: list[tuple[str, bool]] = []
        self.text: list[str] = []
        self.images: list[str] = []
        self._math: list[str] | None = None
        self._display = False
        self._depth = 0
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "img":
            self.images.append(a.get("src") or "")
            return
        if self._math is not None:
            self._depth += 1
            return
        if "math" in cls or "language-math" in cls:
            self._math, self._depth = [], 1
            self._display = "display" in cls or "block" in cls or "language-math" in cls
            return
        if tag in ("code", "pre", "script", "style"):
            self._code += 1

    def handle_endtag(self, tag: str) -> None:
        if self._math is not None:
            self._depth -= 1
            if self._depth == 0:
                self.math.append(("".join(self._math), self._display))
                self._math = None
            return
        if tag in ("code", "pre", "script", "style") and self._code:
            self._code -= 1
        if tag in ("p", "li", "td", "th", "div", "h1", "h2", "h3", "figcaption", "em"):
            self.text.append("\n")

    def handle_data(self, data: str) -> None:
        if self._math is not None:
            self._math.append(data)
        elif not self._code:
            self.text.append(data)


_MATHJAX = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.S)


def read(page_html: str, mathjax_text: bool) -> Reading:
    """The math, the text outside it and the images of ``page_html``. ``mathjax_text``: math
    is delimited in the text by ``\\(…\\)`` and ``\\[…\\]`` (kramdown, Hugo), as MathJax and
    KaTeX's auto-render find it, rather than in elements of class ``math``."""
    r = _Reader()
    r.feed(page_html)
    text = "".join(r.text)
    math = [(html.unescape(t), d) for t, d in r.math]
    if mathjax_text:
        for m in _MATHJAX.finditer(text):
            math.append(
                (m.group(1) if m.group(1) is not None else m.group(2), m.group(2) is not None)
            )
        text = _MATHJAX.sub(" ", text)
    else:  # pandoc writes its delimiters inside the element
        math = [(_strip_delimiters(t), d) for t, d in math]
    return Reading(math, text, r.images)


def _strip_delimiters(tex: str) -> str:
    tex = tex.strip()
    for a, b in (("\\(", "\\)"), ("\\[", "\\]")):
        if tex.startswith(a) and tex.endswith(b):
            return tex[2:-2]
    return tex


RAW_TEX = re.compile(r"\\[A-Za-z]+|\$|\^\{|_\{|\\[{}|]")
"""What must not be left in a page's text outside math and code."""


def raw_tex(text: str) -> list[str]:
    """Every raw TeX fragment in ``text``, with a little context."""
    return [text[max(0, m.start() - 30) : m.end() + 30] for m in RAW_TEX.finditer(text)]


def broken_images(page: Page, images: list[str]) -> list[str]:
    """The image links of ``page`` that do not resolve to a file."""
    bad = []
    for src in images:
        target = page.root / src.lstrip("/") if src.startswith("/") else page.folder / src
        if not target.is_file():
            bad.append(src)
    return bad


# -- the engines --------------------------------------------------------------------------------
def _run(cmd: list[str], cwd: Path, timeout: int = 120) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        )


JEKYLL_CONFIG = """\
markdown: kramdown
kramdown:
  input: GFM
  math_engine: mathjax
future: true
permalink: /:year/:month/:day/:title/
"""


def jekyll(site: Path, posts: dict[str, Path]) -> list[Page]:
    """A real Jekyll 4 build of the site (kramdown with GFM input, as GitHub Pages runs it)."""
    (site / "_config.yml").write_text(JEKYLL_CONFIG)
    (site / "_layouts").mkdir(exist_ok=True)
    (site / "_layouts" / "post.html").write_text("<html><body>{{ content }}</body></html>\n")
    _run(["jekyll", "build", "--quiet", "--safe", "-s", str(site), "-d", str(site / "_site")], site)
    pages = []
    for name, post in posts.items():
        date = post.name[:10].replace("-", "/")
        out = site / "_site" / date / name / "index.html"
        pages.append(Page(name, out.read_text(), out.parent, site / "_site"))
    return pages


HUGO_CONFIG = """\
baseURL = "/"
title = "gradproof test"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""


def hugo(site: Path, posts: dict[str, Path]) -> list[Page]:
    """A real Hugo build of the site with its default goldmark settings (no passthrough)."""
    (site / "config.toml").write_text(HUGO_CONFIG)
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    for kind in ("single", "list"):
        (layouts / f"{kind}.html").write_text("<html><body>{{ .Content }}</body></html>\n")
    _run(["hugo", "--quiet", "--buildFuture", "-s", str(site)], site)
    pages = []
    for name in posts:
        out = site / "public" / "posts" / name / "index.html"
        pages.append(Page(name, out.read_text(), out.parent, site / "public"))
    return pages


def pandoc(site: Path, posts: dict[str, Path]) -> list[Page]:
    """pandoc's Markdown to HTML, with MathJax and with KaTeX math (Quarto reads the same)."""
    pages = []
    for name, post in posts.items():
        for math in ("--mathjax", "--katex"):
            out = post.with_suffix(f".{math[2:]}.html")
            _run(["pandoc", "-f", "markdown", "-t", "html", math, str(post), "-o", str(out)], site)
            pages.append(Page(f"{name} {math}", out.read_text(), post.parent, site))
    return pages


def _markdown_it(double: bool, gfm: bool) -> Callable[[Path, dict[str, Path]], list[Page]]:
    def build(site: Path, posts: dict[str, Path]) -> list[Page]:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.dollarmath import dollarmath_plugin

        md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
        md.use(dollarmath_plugin, double_inline=double)
        if double:  # Zhihu knows no single $: such math stays text (and counts as raw TeX)
            md.add_render_rule(
                "math_inline",
                lambda self, tokens, idx, options, env: (
                    "$" + html.escape(tokens[idx].content) + "$"
                ),
            )
        pages = []
        for name, post in posts.items():
            text = post.read_text()
            if text.startswith("---\n"):  # front matter, which the site reads, not the parser
                text = text.split("\n---\n", 1)[1]
            pages.append(Page(name, md.render(text), post.parent, site))
        return pages

    build.__doc__ = "markdown-it-py with the dollarmath plugin" + (" ($$ inline)" if double else "")
    return build


ENGINES: dict[str, Callable[[Path, dict[str, Path]], list[Page]]] = {
    "jekyll": jekyll,
    "hugo": hugo,
    "pandoc": pandoc,
    "markdown-it": _markdown_it(double=False, gfm=False),
    "markdown-it-gfm": _markdown_it(double=False, gfm=True),
    "markdown-it-double": _markdown_it(double=True, gfm=False),
}
MATHJAX_TEXT = {"jekyll", "hugo"}  # engines that leave \(…\) in the text for MathJax
SITE_BUILDS = {"jekyll", "hugo"}  # engines that build the whole site (their links are real)
PROGRAMS = {"jekyll": "jekyll", "hugo": "hugo", "pandoc": "pandoc"}


def missing(engine: str) -> str | None:
    """Why ``engine`` cannot run here (None when it can)."""
    program = PROGRAMS.get(engine)
    if program and shutil.which(program) is None:
        return f"{program} is not installed (.ci/run installs it)"
    if engine.startswith("markdown-it"):
        try:
            import markdown_it  # noqa: F401
            import mdit_py_plugins  # noqa: F401
        except ImportError:
            return "markdown-it-py and mdit-py-plugins are not installed (pip install -e '.[test]')"
    return None


# -- KaTeX ----------------------------------------------------------------------------------------
KATEX_SCRIPT = r"""
const katex = require(process.env.GRADPROOF_KATEX_MODULE);
const items = JSON.parse(require("fs").readFileSync(0, "utf8"));
const errors = [];
for (const [i, item] of items.entries()) {
  try {
    const options = {displayMode: item.display, throwOnError: true, strict: "error"};
    katex.renderToString(item.tex, options);
  } catch (e) {
    errors.push({index: i, tex: item.tex, error: String(e.message || e)});
  }
}
process.stdout.write(JSON.stringify(errors));
"""


def katex_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (.ci/run installs nodejs)"
    if not (KATEX_DIR / "package.json").is_file():
        return f"KaTeX is not at {KATEX_DIR} (.ci/run installs it; or set GRADPROOF_KATEX)"
    return None


def katex_errors(fragments: list[tuple[str, bool]]) -> list[dict[str, object]]:
    """Every fragment KaTeX refuses in strict mode, in one node process."""
    payload = json.dumps([{"tex": t, "display": d} for t, d in fragments])
    proc = subprocess.run(
        ["node", "-e", KATEX_SCRIPT],
        input=payload,
        env={**os.environ, "GRADPROOF_KATEX_MODULE": str(KATEX_DIR)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        raise AssertionError(f"node failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)
