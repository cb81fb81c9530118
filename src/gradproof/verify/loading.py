"""Load a user's function (``path/to/file.py:func`` or ``package.module:func``) from source.

The file the user names is the file that runs: it is compiled from its source text, never
from a bytecode cache (a ``__pycache__/*.pyc`` planted next to a reviewed file in a shared
folder must not run instead of it), and no cache is written. Modules it imports from its own
folder while loading are read from source the same way. Whatever the file raises while it
loads — ``SystemExit`` included — is a one-line :class:`~gradproof.errors.OptionError`.

While user code runs (loading, and each call of a loaded function: :func:`no_hard_exit`),
``os._exit`` raises :class:`HardExit` instead of ending the process, so a script's
``os._exit(0)`` cannot end ``gradproof check`` with a status that reads as a pass. (Code that
means harm can still end the process other ways; the guard is for honest code.)
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import posix
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from gradproof.errors import OptionError

__all__ = ["load_function", "SourceOnlyLoader", "HardExit", "no_hard_exit"]


class HardExit(BaseException):
    """``os._exit(code)`` called by user code while :func:`no_hard_exit` was in force."""

    def __init__(self, code: Any) -> None:
        super().__init__(code)
        self.code = code


@contextmanager
def no_hard_exit() -> Iterator[None]:
    """``os._exit`` raises :class:`HardExit` inside (restored on the way out)."""
    real = os._exit

    def refuse(code: Any = 0) -> None:
        raise HardExit(code)

    os._exit = posix._exit = refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        os._exit = posix._exit = real


class SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """A source loader that compiles the ``.py`` text every time: no cache read or written."""

    def get_code(self, fullname: str) -> Any:
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)


class _SourceOnlyFinder(importlib.abc.MetaPathFinder):
    """Finds modules in one folder and loads them with :class:`SourceOnlyLoader`."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        search = list(path) if path is not None else [self.folder]
        if path is None or any(str(p).startswith(self.folder) for p in search):
            spec = importlib.machinery.PathFinder.find_spec(fullname, search)
            if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
                if spec.origin and str(Path(spec.origin).resolve()).startswith(self.folder):
                    return importlib.util.spec_from_file_location(
                        fullname,
                        spec.origin,
                        loader=SourceOnlyLoader(fullname, spec.origin),
                        submodule_search_locations=spec.submodule_search_locations,
                    )
        return None


@contextmanager
def _source_only(folder: Path | None) -> Iterator[None]:
    old = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    finder = _SourceOnlyFinder(str(folder)) if folder is not None else None
    if finder is not None:
        sys.meta_path.insert(0, finder)
        sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.dont_write_bytecode = old
        if finder is not None:
            sys.meta_path.remove(finder)
            sys.path.remove(str(folder))


def _run(module: ModuleType, spec: importlib.machinery.ModuleSpec, what: str, shown: str) -> None:
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses and typing look the module up by name
    try:
        with no_hard_exit():
            spec.loader.exec_module(module)
    except BaseException as exc:  # the user's file, whatever it raises
        sys.modules.pop(spec.name, None)
        exits = isinstance(exc, (SystemExit, HardExit))
        detail = type(exc).__name__
        if isinstance(exc, SystemExit):
            detail = f"SystemExit({exc.code!r})"
        elif isinstance(exc, HardExit):
            detail = f"os._exit({exc.code!r})"
        text = "" if exits else f": {exc}"
        raise OptionError(f"{what}: loading {shown} raised {detail}{text}") from None


def load_function(ref: str, what: str = "--grad") -> Callable[..., Any]:
    """The function named ``FILE.py:FUNC`` or ``MODULE:FUNC``, loaded from source.

    ``what`` names the option in error messages.
    """
    target, sep, name = ref.rpartition(":")
    if not sep or not target or not name.isidentifier():
        raise OptionError(f"{what} expects FILE.py:FUNCTION or MODULE:FUNCTION, got {ref!r}")
    if target.endswith(".py") or "/" in target or "\\" in target:
        path = Path(target)
        if not path.is_file():
            raise OptionError(f"{what}: no such file {path}")
        folder = path.resolve().parent
        mod_name = f"_gradproof_user_{path.stem}"
        loader = SourceOnlyLoader(mod_name, str(path))
        spec = importlib.util.spec_from_file_location(mod_name, path, loader=loader)
        if spec is None:
            raise OptionError(f"{what}: cannot load {path} as Python")
        module = importlib.util.module_from_spec(spec)
        with _source_only(folder):
            _run(module, spec, what, str(path))
    else:
        module = _import_module(target, what)
    fn = getattr(module, name, None)
    if not callable(fn):
        raise OptionError(f"{what}: {target} has no function {name!r}")
    return fn


def _import_module(target: str, what: str) -> ModuleType:
    if target in sys.modules:
        return sys.modules[target]  # already running in this process
    try:
        with _source_only(None):
            spec = importlib.util.find_spec(target)
    except (ImportError, ValueError) as exc:
        raise OptionError(f"{what}: cannot import {target} ({exc})") from None
    except BaseException as exc:  # a parent package's own code ran and raised
        raise OptionError(f"{what}: importing {target} raised {type(exc).__name__}") from None
    if spec is None:
        raise OptionError(f"{what}: cannot import {target} (no module named {target!r})")
    if isinstance(spec.loader, importlib.machinery.SourceFileLoader) and spec.origin:
        spec = importlib.util.spec_from_file_location(
            target,
            spec.origin,
            loader=SourceOnlyLoader(target, spec.origin),
            submodule_search_locations=spec.submodule_search_locations,
        )
        assert spec is not None
    module = importlib.util.module_from_spec(spec)
    with _source_only(None):
        _run(module, spec, what, target)
    return module
