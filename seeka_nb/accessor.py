"""The ``df.seeka`` DataFrame accessor (layer 5, surface).

pandas rebuilds the accessor object on every attribute access, so it keeps no state: each
method reads the frame (never modifies it) and delegates to the core.  A preset recorded
by ``read_orders`` in ``df.attrs["seeka_nb"]["preset"]`` is used when ``preset=`` is not
given.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pandas as pd

from .adapters.phone_pool import PhonePool
from .api import Events
from .core.build import build_table, prepare
from .core.mapping import ColumnMapping, MappingSpec
from .credentials import Credentials
from .pipeline.report import SendReport

ATTRS_KEY = "seeka_nb"


def _preset_name(df: pd.DataFrame, preset: str | None) -> str | None:
    if preset is not None:
        return preset
    marker = df.attrs.get(ATTRS_KEY)
    if isinstance(marker, dict) and isinstance(marker.get("preset"), str):
        return marker["preset"]
    return None


@pd.api.extensions.register_dataframe_accessor("seeka")
class SeekaAccessor:
    """``df.seeka``: map, check and convert order rows to Seeka events."""

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df

    def mapping(
        self, mapping: MappingSpec | None = None, *, preset: str | None = None
    ) -> ColumnMapping:
        """Which column feeds each Seeka field, what was auto-detected, what is unused."""
        return prepare(self._df, mapping, _preset_name(self._df, preset))[2]

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
        """Convert the rows to Seeka ``Order`` events (no network).

        ``mapping`` maps Seeka field names to columns (a list of columns for identity
        fields: all their distinct values are sent), plus ``lineTotal`` (a line's amount
        including its quantity) and ``status`` (the order's status column(s)); unmapped
        fields are detected from column names; ``{"totalPrice": None}`` says the orders have
        no value.  ``tz`` names the zone of times written without one; ``dayfirst`` reads
        ``01/02/2024`` as 1 February; ``consent`` is a TCF string for every event without
        one; ``currency`` the ISO 4217 code for rows without a currency (an order with an
        amount and no currency is held back).

        ``status_policy`` changes what happens per status class: keys ``cancelled``,
        ``refunded``, ``pending`` (``"hold"``, the default, or ``"send"``),
        ``partially_refunded`` (``"send"``, the default, at the order's value; ``"net"``,
        total minus the refunded amount; or ``"hold"``) and ``unknown`` (``"send"``, the
        default, with a warning listing the values, or ``"hold"``).  E.g.
        ``status_policy={"pending": "send", "partially_refunded": "net"}``.
        """
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

    def check_duplicates(
        self,
        mapping: MappingSpec | None = None,
        *,
        preset: str | None = None,
        tz: str | dt.tzinfo | None = None,
        dayfirst: bool | None = None,
    ) -> pd.DataFrame:
        """``to_events(...).duplicates()``: activity IDs that repeat in ways that matter."""
        return self.to_events(mapping, preset=preset, tz=tz, dayfirst=dayfirst).duplicates()

    def send(
        self,
        credentials: Credentials | None = None,
        *,
        mapping: MappingSpec | None = None,
        preset: str | None = None,
        tz: str | dt.tzinfo | None = None,
        dayfirst: bool | None = None,
        consent: str | None = None,
        currency: str | None = None,
        status_policy: dict[str, str] | None = None,
        **options: Any,
    ) -> SendReport:
        """``to_events(...)`` then ``.send(credentials, **options)`` in one call (scripts).

        Options are those of :meth:`seeka_nb.Events.send` (``dry_run``, ``ledger``,
        ``resend``, ``rate``, ``concurrency``, ``timeout``, ``max_retries``, ``deadline``,
        ``progress``, ``proxy``).
        """
        events = self.to_events(
            mapping,
            preset=preset,
            tz=tz,
            dayfirst=dayfirst,
            consent=consent,
            currency=currency,
            status_policy=status_policy,
        )
        return events.send(credentials, **options)
