"""Register ``pl.DataFrame.seeka`` / ``pl.LazyFrame.seeka`` when polars is imported (layer 5).

polars takes a noticeable time to import, and most users of seeka_nb do not use it, so
``import seeka_nb`` does not import polars.  :func:`install` registers the namespaces at
once when polars is already imported, otherwise right after polars is imported (the shared
post-import hook of :mod:`seeka_nb._import_hook`), by importing
:mod:`seeka_nb.polars_accessor`.
"""

from __future__ import annotations

from . import _import_hook

__all__ = ["install"]

_TARGET = "polars"
_ACCESSOR = "seeka_nb.polars_accessor"


def _register() -> None:
    """Import the accessor module; a failure there must never break ``import polars``."""
    _import_hook.register(
        _ACCESSOR, "pl.DataFrame.seeka", 'reinstall with pip install "seeka_nb[polars]".'
    )


def install() -> None:
    """Register now if polars is imported, else when it is (see the module docstring)."""
    _import_hook.install(_TARGET, _register)
