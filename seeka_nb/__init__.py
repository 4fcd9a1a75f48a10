"""seeka_nb: send order data from pandas to Seeka's server-side ingest API.

``import seeka_nb`` registers the ``df.seeka`` DataFrame accessor, and ``pl.DataFrame.seeka``
/ ``pl.LazyFrame.seeka`` when polars is imported (now or later; polars is never imported by
seeka_nb itself), and ``ddf.seeka`` on Dask DataFrames once ``dask.dataframe`` is imported
(likewise, Dask is never imported by seeka_nb itself).

Layers (a module imports only from its own layer or below; ``tests/test_layers.py`` checks):

1. foundation   ``errors``, ``schema``
2. pure core    ``seeka_nb.core`` (no I/O, no clock)
3. adapters     ``seeka_nb.adapters`` (files, HTTP, the sandbox)
4. pipeline     ``seeka_nb.pipeline`` (sending)
5. surfaces     ``accessor``, ``widgets``, ``cli``
"""

from __future__ import annotations

import importlib.metadata as _metadata
import logging as _logging

from . import _dask_hook, _polars_hook, consent
from . import accessor as _accessor  # registers df.seeka
from .adapters.ledger import Ledger
from .adapters.readers import read_orders
from .adapters.samples import sample_orders
from .adapters.sandbox import Sandbox
from .api import Events
from .core.mapping import ColumnMapping
from .core.presets import Preset, preset_names
from .credentials import Credentials
from .errors import (
    AuthenticationError,
    ConfigurationError,
    ConsentError,
    LedgerError,
    MappingError,
    SeekaError,
    SendError,
    SendInterrupted,
    ValidationError,
)
from .pipeline.report import SendReport
from .stream_api import EventStream, stream_orders

try:
    __version__ = _metadata.version("seeka_nb")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

# Silent unless the application configures logging (``logging.basicConfig(level="INFO")``
# in a notebook; ``-v`` on the command line).
_logging.getLogger(__name__).addHandler(_logging.NullHandler())

del _accessor, _metadata, _logging, annotations

from . import _short_errors  # noqa: E402 - after the imports it needs

_short_errors.install()  # ConfigurationError as one line in a notebook
_polars_hook.install()  # pl.DataFrame.seeka, once polars is imported
_dask_hook.install()  # ddf.seeka, once dask.dataframe is imported (never imported here)

__all__ = [
    "AuthenticationError",
    "ColumnMapping",
    "ConfigurationError",
    "ConsentError",
    "Credentials",
    "EventStream",
    "Events",
    "Ledger",
    "LedgerError",
    "MappingError",
    "Preset",
    "Sandbox",
    "SeekaError",
    "SendError",
    "SendInterrupted",
    "SendReport",
    "ValidationError",
    "__version__",
    "consent",
    "preset_names",
    "read_orders",
    "sample_orders",
    "stream_orders",
]


#: Subpackages a user may reach, beside ``__all__`` (``dir(seeka_nb)`` shows only these).
_SUBMODULES = ("widgets",)


def __dir__() -> list[str]:
    """The public names only (no ``annotations``, no internal layers)."""
    return sorted([*__all__, *_SUBMODULES])


def __getattr__(name: str) -> object:
    """``seeka_nb.widgets`` is imported on first use (it needs ipywidgets)."""
    if name == "widgets":
        import importlib

        return importlib.import_module(".widgets", __name__)
    raise AttributeError(f"module 'seeka_nb' has no attribute {name!r}")
