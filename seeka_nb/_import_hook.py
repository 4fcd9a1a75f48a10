"""Run a registration right after a third-party module is imported (layer 5).

Owns the post-import-hook pattern :mod:`seeka_nb._polars_hook` and :mod:`seeka_nb._dask_hook`
share: polars and ``dask.dataframe`` take a noticeable time to import and most users of
seeka_nb use neither, so ``import seeka_nb`` imports neither.  :func:`install` runs the
registration at once when the module is already imported; otherwise it puts a finder at the
front of ``sys.meta_path`` that, for that module only, wraps the loader the other finders
return so that the registration runs right after the module has run (in whatever order the
user imports the two).  The finder removes itself when that is done, and does nothing when
the module is never imported (or not installed).  :func:`register` imports an accessor
module and turns a failure into a warning: it must never break the user's import.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Callable, Sequence
from types import ModuleType

__all__ = ["install", "register"]


def register(accessor: str, what: str, advice: str) -> None:
    """Import the module ``accessor`` (which registers ``what``); a failure is a warning."""
    try:
        importlib.import_module(accessor)
    except Exception as exc:  # never break the user's import (e.g. a version too old)
        warnings.warn(
            f"seeka_nb could not register {what} ({type(exc).__name__}: {exc}); {advice}",
            RuntimeWarning,
            stacklevel=3,
        )


class _Loader(importlib.abc.Loader):
    """The module's own loader, then the registration."""

    def __init__(self, loader: importlib.abc.Loader, finder: _Finder) -> None:
        self._loader = loader
        self._finder = finder

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._finder.uninstall()
        self._finder.after()

    def __getattr__(self, name: str) -> object:  # get_resource_reader, is_package...
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader of ``target`` that the other finders find."""

    def __init__(self, target: str, after: Callable[[], None]) -> None:
        self.target = target
        self.after = after

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.target:
            return None
        for finder in sys.meta_path:
            if isinstance(finder, _Finder) or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader, self)
                return spec
        return None

    def uninstall(self) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)


def install(target: str, after: Callable[[], None]) -> None:
    """Call ``after()`` now if the module ``target`` is imported, else right after it is
    (once; installing again for the same target while waiting does nothing)."""
    if target in sys.modules:
        after()
    elif not any(isinstance(f, _Finder) and f.target == target for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder(target, after))
