"""The ``df.seeka`` DataFrame accessor (layer 5, surface).

pandas rebuilds the accessor object on every attribute access, so it keeps no state: each
method reads the frame (never modifies it) and delegates to the core.  A preset recorded
by ``read_orders`` in ``df.attrs["seeka_nb"]["preset"]`` is used when ``preset=`` is not
given.  ``check_duplicates``, ``send`` and the keywords' docstrings are shared with the
polars accessor (:mod:`seeka_nb._accessors`).
"""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd

from ._accessors import TO_EVENTS_KEYWORDS_DOC, ToEventsMethods, shared_doc
from .adapters.phone_pool import PhonePool
from .api import Events
from .core.build import build_table, prepare
from .core.mapping import ColumnMapping, MappingSpec

ATTRS_KEY = "seeka_nb"


def _preset_name(df: pd.DataFrame, preset: str | None) -> str | None:
    if preset is not None:
        return preset
    marker = df.attrs.get(ATTRS_KEY)
    if isinstance(marker, dict) and isinstance(marker.get("preset"), str):
        return marker["preset"]
    return None


@pd.api.extensions.register_dataframe_accessor("seeka")
class SeekaAccessor(ToEventsMethods):
    """``df.seeka``: map, check and convert order rows to Seeka events."""

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df

    def mapping(
        self, mapping: MappingSpec | None = None, *, preset: str | None = None
    ) -> ColumnMapping:
        """Which column feeds each Seeka field, what was auto-detected, what is unused."""
        return prepare(self._df, mapping, _preset_name(self._df, preset))[2]

    @shared_doc(TO_EVENTS_KEYWORDS_DOC)
    def to_events(
        self,
        mapping: MappingSpec | None = None,
        *,
        preset: str | None = None,
        tz: str | dt.tzinfo | None = None,
        dayfirst: bool | None = None,
        consent: str | None = None,
        currency: str | None = None,
        status_policy: dict[str, str] | None = None,
    ) -> Events:
        """Convert the rows to Seeka ``Order`` events (no network)."""
        # Many distinct phones are validated partly in a helper process (none is started
        # for a few thousand or less); it ends with the conversion.
        with PhonePool() as phones:
            table = build_table(
                self._df,
                mapping,
                preset=_preset_name(self._df, preset),
                tz=tz,
                dayfirst=dayfirst,
                consent=consent,
                currency=currency,
                status_policy=status_policy,
                now=time.time(),  # the core reads no clock: order times are bounded by this
                phone_validator=phones,
            )
        return Events(table)
