"""Translations: every sentence a reader sees comes from one gettext catalog per language.

English is the source text: a message id is the English sentence itself, with named
placeholders (``"the derivative of {f} is {g}"``). A catalog
``gradproof/locale/<lang>/LC_MESSAGES/gradproof.po`` (compiled to the ``.mo`` beside it, which
is what runs) maps each one to another language. Adding a language is one catalog and one line
in :data:`LANGUAGES`.

The language is chosen per call (``lang=`` in the Python API, ``--lang`` on the command line),
else from the ``GRADPROOF_LANG`` environment variable, else from the locale (``LC_ALL``,
``LC_MESSAGES``, ``LANG``), else English. :func:`language` sets it for a block of code through
a context variable, so nested calls and threads each see their own.

Sentences that are stored and printed later (derivation steps are data; they are rendered in
whatever language the renderer is asked for) keep their message id and fields, marked with
:func:`N_`, and are translated by :func:`_` when printed. A :class:`Message` (made by
:func:`lazy`) is such a sentence inside plain data: it *is* its English text (a ``str``, so JSON
and English output stay as they were) and :func:`tr` prints it in the current language.

The catalogs are regenerated from the source with ``python -m gradproof._catalogs`` (see
:mod:`gradproof._catalogs`).

>>> with language("en"):
...     _("{n} samples", n=3)
'3 samples'
>>> hint = lazy("{n} samples", n=3)
>>> hint, hint.msgid
('3 samples', '{n} samples')
"""

from __future__ import annotations

import gettext as _gettext
import os
import signal
import string
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from gradproof.errors import OptionError

__all__ = [
    "LANGUAGES",
    "DOMAIN",
    "LOCALE_DIR",
    "resolve_language",
    "language",
    "current_language",
    "CJK_LANGUAGES",
    "capitalise",
    "_",
    "N_",
    "ngettext",
    "Message",
    "Listing",
    "lazy",
    "tr",
]

LANGUAGES = {"en": "English", "zh": "简体中文"}
"""The languages gradproof writes in: code → name. English is the source language."""

CASED_LANGUAGES = frozenset({"en", "de", "fr", "es", "it", "pt", "nl"})
"""Languages whose sentences and labels start with a capital letter (:func:`capitalise`)."""

CJK_LANGUAGES = frozenset({"zh", "ja", "ko"})
"""Languages written with CJK characters: their figures need a CJK font and their LaTeX
documents XeLaTeX with ctex (:mod:`gradproof.markup.latex`)."""

DOMAIN = "gradproof"
LOCALE_DIR = Path(__file__).parent / "locale"
"""Where the catalogs live: ``LOCALE_DIR/<lang>/LC_MESSAGES/gradproof.{po,mo}``."""

_current: ContextVar[str | None] = ContextVar("gradproof_language", default=None)


def _from_locale(value: str) -> str | None:
    """'zh_CN.UTF-8' → 'zh'; None for a locale gradproof has no catalog for."""
    code = value.split(":")[0].split(".")[0].split("@")[0].replace("-", "_").lower()
    base = code.split("_")[0]
    return base if base in LANGUAGES else None


def _known(value: str, source: str) -> str:
    code = value.strip().lower().replace("-", "_")
    code = code if code in LANGUAGES else code.split("_")[0]
    if code not in LANGUAGES:
        raise OptionError(
            f"unknown language {value!r} ({source}); use one of {', '.join(LANGUAGES)}"
        )
    return code


def resolve_language(lang: str | None = None) -> str:
    """The language to write in: ``lang`` if given, else the one an enclosing :func:`language`
    block set, else GRADPROOF_LANG, else the locale, else English. An unknown explicit or
    GRADPROOF_LANG value is an :class:`OptionError`; an unknown locale means English."""
    if lang:
        return _known(lang, "lang")
    active = _current.get()  # set by an enclosing language(...) block
    if active is not None:
        return active
    env = os.environ.get("GRADPROOF_LANG")
    if env:
        return _known(env, "GRADPROOF_LANG")
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            found = _from_locale(value)
            return found if found is not None else "en"
    return "en"


@contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Translate into ``lang`` (resolved by :func:`resolve_language`) inside the block."""
    code = resolve_language(lang)
    with _no_alarm():  # a time limit's alarm between set and try would leave it set
        token = _current.set(code)
    try:
        yield code
    finally:
        with _no_alarm():  # … or cut the reset short: the language would outlive the block
            _current.reset(token)


@contextmanager
def _no_alarm() -> Iterator[None]:
    """SIGALRM (gradproof.limits' time limits) held back inside, where the platform allows;
    a held-back alarm is delivered on the way out."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:
        yield
        return
    old = mask(signal.SIG_BLOCK, {signal.SIGALRM})
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, old)


def current_language() -> str:
    """The language :func:`_` translates into here."""
    return resolve_language(None)


def capitalise(text: str) -> str:
    """``text`` as the start of a sentence in the current language: a capital first letter
    where the language has them (English), unchanged otherwise (Chinese, or a sentence that
    starts with a formula such as max(0, ·), which only English capitalises)."""
    if current_language() not in CASED_LANGUAGES or not text[:1].islower():
        return text
    return text[0].upper() + text[1:]


def _catalog(lang: str) -> _gettext.NullTranslations:
    return _load(lang, LOCALE_DIR)  # read at each call: a test may point LOCALE_DIR elsewhere


@cache
def _load(lang: str, folder: Path) -> _gettext.NullTranslations:
    mo = folder / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if lang == "en" or not mo.is_file():
        return _gettext.NullTranslations()
    with mo.open("rb") as fh:
        return _gettext.GNUTranslations(fh)


_FORMATTER = string.Formatter()
_LATIN_START = "([{|‖∂∇√−±𝟙"  # characters that start a formula
_LATIN_END = ")]}|‖²ᵀ"  # characters that end one


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _latin(ch: str, ends: str) -> bool:
    return (ch.isalnum() and not _cjk(ch)) or ch in ends


def _fill(template: str, fields: dict[str, object]) -> str:
    """``template.format(**fields)``; in a CJK language with a space between a Chinese
    character and a value that is Latin text, a number or a formula (either way round), as
    Chinese technical writing spaces them, where the template cannot know the value."""
    if current_language() not in CJK_LANGUAGES:
        return template.format(**fields)
    parts: list[tuple[str, bool]] = []  # (text, is a value)
    for literal, name, spec, conv in _FORMATTER.parse(template):
        if literal:
            parts.append((literal, False))
        if name is not None:
            value = _FORMATTER.convert_field(_FORMATTER.get_field(name, (), fields)[0], conv)
            parts.append((_FORMATTER.format_field(value, spec or ""), True))
    out = ""
    for i, (text, is_value) in enumerate(parts):
        if not text:
            continue
        if out and is_value and _cjk(out[-1]) and _latin(text[0], _LATIN_START):
            out += " "
        elif out and not is_value and parts[i - 1][1]:
            if _latin(out[-1], _LATIN_END) and _cjk(text[0]):
                out += " "
        out += text
    return out


def _(msgid: str, /, **fields: object) -> str:
    """``msgid`` in the current language, with ``{name}`` placeholders filled from ``fields``.

    A message without a translation is printed in English (the tests make sure every shipped
    catalog is complete).
    """
    text = _catalog(current_language()).gettext(msgid) if msgid else ""  # "" is the header
    return _fill(text, fields) if fields else text


def N_(msgid: str, /) -> str:
    """Mark ``msgid`` for the catalog without translating it now (it is translated when
    printed)."""
    return msgid


def ngettext(singular: str, plural: str, n: int, /, **fields: object) -> str:
    """The singular or plural message for ``n``, translated, with ``n`` among the fields."""
    text = _catalog(current_language()).ngettext(singular, plural, n)
    return _fill(text, {"n": n, **fields})


class Message(str):
    """A sentence kept for later: its English text (what ``str`` sees, so equality, JSON and
    English output are plain strings) plus the message id and fields it was made from, which
    :func:`tr` translates when it is printed. Fields may be messages themselves."""

    msgid: str
    fields: dict[str, object]

    def __new__(cls, msgid: str, /, **fields: object) -> Message:
        english = msgid.format(**fields) if fields else msgid
        self = super().__new__(cls, english)
        self.msgid = msgid
        self.fields = fields
        return self

    def __reduce__(self) -> tuple[object, ...]:  # copies and pickles keep the message
        return (_rebuild, (self.msgid, self.fields))


def _rebuild(msgid: str, fields: dict[str, object]) -> Message:
    return Message(msgid, **fields)


class Listing(Message):
    """Messages (or plain text) joined by a separator, each translated when printed."""

    items: tuple[object, ...]
    separator: object

    def __new__(cls, items: Iterable[object], separator: object = ", ") -> Listing:
        parts = tuple(items)
        self = str.__new__(cls, str(separator).join(str(p) for p in parts))
        self.msgid, self.fields = "", {}
        self.items, self.separator = parts, separator
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (Listing, (self.items, self.separator))


def lazy(msgid: str, /, **fields: object) -> Message:
    """``msgid`` with its fields, translated only when printed (by :func:`tr`)."""
    return Message(msgid, **fields)


def tr(value: object) -> str:
    """``value`` in the current language: a :class:`Message` is translated (and its message
    fields with it); any other value is printed as it is."""
    if isinstance(value, Listing):
        items = [tr(p) for p in value.items]
        if not items:
            return ""
        # the items as values of a template "{0}, {1}, …": spaced as _fill spaces values
        template = tr(value.separator).replace("{", "{{").replace("}", "}}")
        fields: dict[str, object] = {f"v{i}": item for i, item in enumerate(items)}
        return _fill(template.join("{" + k + "}" for k in fields), fields)
    if not isinstance(value, Message):
        return str(value)
    text = _catalog(current_language()).gettext(value.msgid) if value.msgid else ""
    if not value.fields:
        return text
    return _fill(text, {k: tr(v) if isinstance(v, Message) else v for k, v in value.fields.items()})
