"""Regenerate the message catalogs from the source (a developer's tool; needs Babel).

    python -m gradproof._catalogs            # rewrite gradproof.pot, every .po and its .mo
    python -m gradproof._catalogs --check    # exit 1 (changing nothing) if any is stale

Every message a reader sees is marked in the source: ``_("…")`` (translated now), ``N_("…")``
(a message id kept for later), ``lazy("…")`` (a :class:`~gradproof.i18n.Message`) and
``ngettext("…", "…", n)``. Babel's Python extractor finds them (f-strings are never message
ids); the command line's help texts, which click keeps in docstrings and ``help=`` arguments,
are collected from the commands themselves. The result is the template
``locale/gradproof.pot``; each language's ``locale/<lang>/LC_MESSAGES/gradproof.po`` is updated
from it (new messages come in untranslated, messages no longer in the source are dropped, no
fuzzy guesses) and compiled to the ``gradproof.mo`` beside it, which is what gradproof reads.

Adding a language: copy ``gradproof.pot`` to ``locale/<lang>/LC_MESSAGES/gradproof.po``,
translate every message, add the code to :data:`gradproof.i18n.LANGUAGES` and run this.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import inspect
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gradproof.i18n import DOMAIN, LOCALE_DIR

__all__ = ["KEYWORDS", "extract", "cli_messages", "template", "update", "compile_po", "main"]

PACKAGE = Path(__file__).parent
KEYWORDS = {"_": None, "N_": None, "lazy": None, "ngettext": (1, 2)}
"""The marking functions and which arguments are message ids (Babel's keyword spec)."""
POT = LOCALE_DIR / f"{DOMAIN}.pot"
_FIXED_DATE = _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)  # no churn from timestamps


def cli_messages() -> Iterator[tuple[str, str]]:
    """(location, text) of every help text of the ``gradproof`` command line, as click prints
    it (docstrings cleaned with :func:`inspect.cleandoc`)."""
    import click

    from gradproof.cli import cli

    def walk(cmd: click.Command, path: str) -> Iterator[tuple[str, str]]:
        if cmd.help:
            yield path, inspect.cleandoc(cmd.help)
        for p in cmd.params:
            text = getattr(p, "help", None)
            if text:
                yield f"{path} {p.opts[-1]}", inspect.cleandoc(text)
        if isinstance(cmd, click.Group):
            for name, sub in sorted(cmd.commands.items()):
                yield from walk(sub, f"{path} {name}")

    yield from walk(cli, "gradproof")


MessageId = str | tuple[str, str]
"""A message id, or the (singular, plural) pair of an ``ngettext`` message."""


def extract() -> dict[MessageId, list[str]]:
    """Every message id in the source and the command line, with where it is used."""
    from babel.messages.extract import extract_from_dir

    found: dict[MessageId, list[str]] = {}

    def add(msgid: MessageId, where: str) -> None:
        if msgid and where not in found.setdefault(msgid, []):
            found[msgid].append(where)

    for filename, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        msgid = (message[0], message[1]) if isinstance(message, (tuple, list)) else message
        add(msgid, f"gradproof/{filename}")
    for where, text in cli_messages():
        add(text, where)
    return found


def template() -> Any:
    """The message template (a Babel catalog without translations)."""
    from babel.messages.catalog import Catalog

    pot = Catalog(
        project="gradproof",
        domain=DOMAIN,
        creation_date=_FIXED_DATE,
        revision_date=_FIXED_DATE,
        fuzzy=False,
    )
    for msgid, places in extract().items():
        pot.add(msgid, locations=[(p, None) for p in places])  # type: ignore[misc]  # no line
    return pot


def update(po_path: Path, pot: Any) -> Any:
    """The catalog of ``po_path`` brought up to date with ``pot``."""
    from babel.messages.pofile import read_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    catalog.update(pot, no_fuzzy_matching=True, update_creation_date=False)
    catalog.obsolete.clear()  # messages the source no longer has
    return catalog


def compile_po(catalog: Any) -> bytes:
    """The .mo file of ``catalog`` (fuzzy translations left out)."""
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def _po_bytes(catalog: Any) -> bytes:
    from babel.messages.pofile import write_po

    buf = io.BytesIO()
    write_po(buf, catalog, width=100, sort_by_file=False, include_lineno=False)
    return buf.getvalue()


def outputs() -> dict[Path, bytes]:
    """Every catalog file as regenerating would write it."""
    pot = template()
    files = {POT: _po_bytes(pot)}
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        catalog = update(po, pot)
        files[po] = _po_bytes(catalog)
        files[po.with_suffix(".mo")] = compile_po(catalog)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gradproof._catalogs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="report stale files, write none")
    args = parser.parse_args(argv)
    stale = []
    for path, data in outputs().items():
        if not path.is_file() or path.read_bytes() != data:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'} {path.relative_to(PACKAGE.parent)}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
