"""Register ``pl.DataFrame.seeka`` / ``pl.LazyFrame.seeka`` when polars is imported (layer 5).

polars takes a noticeable time to import, and most users of seeka_nb do not use it, so
``import seeka_nb`` does not import polars.  :func:`install` registers the namespaces at
once when polars is already imported; otherwise it puts a finder at the front of
``sys.meta_path`` that, for the module ``polars`` only, wraps the loader the other finders
return so that :mod:`seeka_nb.polars_accessor` is imported right after polars has run.  The
finder removes itself when that is done, and does nothing when polars is not installed.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

__all__ = ["install"]

_TARGET = "polars"
_ACCESSOR = "seeka_nb.polars_accessor"


def _register() -> None:
    """Import the accessor module; a failure there must never break ``import polars``."""
    try:
        importlib.import_module(_ACCESSOR)
    except Exception as exc:  # e.g. a polars too old for the namespaces used
        warnings.warn(
            f"seeka_nb could not register pl.DataFrame.seeka ({type(exc).__name__}: {exc}); "
            'reinstall with pip install "seeka_nb[polars]".',
            RuntimeWarning,
            stacklevel=2,
        )


class _Loader(importlib.abc.Loader):
    """polars' own loader, then the registration."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _uninstall()
        _register()

    def __getattr__(self, name: str) -> object:  # get_resource_reader, is_package...
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _TARGET:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


_FINDER = _Finder()


def _uninstall() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)


def install() -> None:
    """Register now if polars is imported, else when it is (see the module docstring)."""
    if _TARGET in sys.modules:
        _register()
    elif _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
