"""Registers ``ddf.seeka`` when Dask's DataFrame module is imported (layer 5).

``import dask.dataframe`` takes about a second, so ``import seeka_nb`` must not do it.  When
Dask is already imported, :func:`install` registers the accessor at once; otherwise the
shared post-import hook of :mod:`seeka_nb._import_hook` registers it right after
``dask.dataframe`` finishes importing (in whatever order the user imports the two).
"""

from __future__ import annotations

from . import _import_hook

__all__ = ["install"]

_TARGET = "dask.dataframe"
_ACCESSOR = "seeka_nb.dask_accessor"


def _register() -> None:
    """Import the accessor module; a failure there must never break ``import dask.dataframe``."""
    _import_hook.register(
        _ACCESSOR,
        "ddf.seeka on Dask DataFrames",
        "import seeka_nb.dask_accessor to see the error.",
    )


def install() -> None:
    """Register now if Dask's DataFrame module is loaded, else when it is."""
    _import_hook.install(_TARGET, _register)
