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
:func:`N_`, and are translated by :func:`_` when printed.

>>> with language("en"):
...     _("{n} samples", n=3)
'3 samples'
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Iterator
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
    "_",
    "N_",
    "ngettext",
]

LANGUAGES = {"en": "English", "zh": "简体中文"}
"""The languages gradproof writes in: code → name. English is the source language."""

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
    token = _current.set(code)
    try:
        yield code
    finally:
        _current.reset(token)


def current_language() -> str:
    """The language :func:`_` translates into here."""
    return resolve_language(None)


@cache
def _catalog(lang: str) -> _gettext.NullTranslations:
    mo = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if lang == "en" or not mo.is_file():
        return _gettext.NullTranslations()
    with mo.open("rb") as fh:
        return _gettext.GNUTranslations(fh)


def _(msgid: str, /, **fields: object) -> str:
    """``msgid`` in the current language, with ``{name}`` placeholders filled from ``fields``.

    A message without a translation is printed in English (the tests make sure every shipped
    catalog is complete).
    """
    text = _catalog(current_language()).gettext(msgid)
    return text.format(**fields) if fields else text


def N_(msgid: str, /) -> str:
    """Mark ``msgid`` for the catalog without translating it now (it is translated when
    printed)."""
    return msgid


def ngettext(singular: str, plural: str, n: int, /, **fields: object) -> str:
    """The singular or plural message for ``n``, translated, with ``n`` among the fields."""
    text = _catalog(current_language()).ngettext(singular, plural, n)
    return text.format(n=n, **fields)
