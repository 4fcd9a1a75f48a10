"""Registers ``ddf.seeka`` when Dask's DataFrame module is imported (layer 5).

``import dask.dataframe`` takes about a second, so ``import seeka_nb`` must not do it.  When
Dask is already imported, :func:`install` registers the accessor at once; otherwise it
leaves a one-shot import hook that registers it right after ``dask.dataframe`` finishes
importing (in whatever order the user imports the two).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

_TARGET = "dask.dataframe"


def _register() -> None:
    try:
        importlib.import_module("seeka_nb.dask_accessor")
    except Exception as exc:  # never break the user's import of Dask
        warnings.warn(
            f"seeka_nb could not register ddf.seeka on Dask DataFrames ({exc!r}); "
            "import seeka_nb.dask_accessor to see the error.",
            RuntimeWarning,
            stacklevel=2,
        )


class _DaskFinder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the real loader of ``dask.dataframe`` once."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _TARGET:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            _register()

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    """Register now if Dask's DataFrame module is loaded, else when it is."""
    if _TARGET in sys.modules:
        _register()
    elif importlib.util.find_spec("dask") is not None and not any(
        isinstance(f, _DaskFinder) for f in sys.meta_path
    ):
        sys.meta_path.insert(0, _DaskFinder())
