"""What the DataFrame accessors share (layer 5): docstrings and the methods built on
``to_events``.

``df.seeka`` (:mod:`seeka_nb.accessor`), ``pl.DataFrame.seeka`` / ``pl.LazyFrame.seeka``
(:mod:`seeka_nb.polars_accessor`) and ``ddf.seeka`` (:mod:`seeka_nb.dask_accessor`) take
the same keywords.  Each method keeps an explicit keyword signature (what IDEs and
``help()`` show); the text describing the keywords is written once here and appended to
each method's own docstring by :func:`shared_doc`, and :class:`ToEventsMethods` gives
``check_duplicates`` and ``send`` to an accessor whose ``to_events`` returns
:class:`seeka_nb.Events`.
"""

from __future__ import annotations

import datetime as dt
import inspect
import textwrap
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd

from .api import Events
from .core.mapping import MappingSpec
from .credentials import Credentials
from .pipeline.report import SendReport
from .pipeline.retry import SEND_OPTION_NAMES

__all__ = [
    "SEND_OPTIONS_DOC",
    "TO_EVENTS_KEYWORDS_DOC",
    "ToEventsMethods",
    "shared_doc",
]

_F = TypeVar("_F", bound=Callable[..., Any])

#: The keywords of every ``to_events`` (and of the methods that call it).
TO_EVENTS_KEYWORDS_DOC = """\
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
``status_policy={"pending": "send", "partially_refunded": "net"}``."""

#: What the ``**options`` of every accessor's ``send`` are (kept in step with SendOptions).
SEND_OPTIONS_DOC = textwrap.fill(
    "Options are those of :meth:`seeka_nb.Events.send` ("
    + ", ".join(f"``{name}``" for name in SEND_OPTION_NAMES)
    + ").",
    width=88,
)


def shared_doc(*fragments: str) -> Callable[[_F], _F]:
    """Append ``fragments`` (paragraphs) to the decorated function's own docstring."""

    def apply(func: _F) -> _F:
        own = inspect.cleandoc(func.__doc__ or "")
        func.__doc__ = "\n\n".join([own, *fragments] if own else fragments)
        return func

    return apply


class ToEventsMethods:
    """``check_duplicates`` and ``send`` for an accessor whose ``to_events`` (with the
    keywords of ``df.seeka.to_events``) returns :class:`seeka_nb.Events`."""

    to_events: Callable[..., Events]

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

    @shared_doc(SEND_OPTIONS_DOC, TO_EVENTS_KEYWORDS_DOC)
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
        """``to_events(...)`` then ``.send(credentials, **options)`` in one call (scripts)."""
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
