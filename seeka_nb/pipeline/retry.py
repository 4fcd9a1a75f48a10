"""What ``report.retry()`` calls (layer 4): the same send again, for some activity IDs.

Owns :class:`Retrier`, shared by the in-memory ``Events.send`` and the streamed
``EventStream.send`` (each hands it the bound method that sends it again), and
:func:`send_options`, the :class:`~seeka_nb.pipeline.options.SendOptions` of a ``send``'s
keywords.  A retrier pickles (and cloudpickles) without the key - the credentials' key comes
back withheld - without the test seams, an open ledger connection, a PostgreSQL URL's
password or a progress callback; retrying then needs credentials: ``report.retry(creds)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

from ..credentials import Credentials
from ..errors import ConfigurationError
from .options import SendOptions, portable_ledger
from .report import SendReport

if TYPE_CHECKING:
    from .runner import Seams

__all__ = ["SEND_OPTION_NAMES", "Retrier", "SendAgain", "send_options"]

#: The keywords of ``Events.send``/``EventStream.send`` that make the send's options.
SEND_OPTION_NAMES = tuple(f.name for f in fields(SendOptions))

#: ``send(creds, options, seams, only)``: the send again, ``only`` these activity IDs.
SendAgain = Callable[[Credentials, SendOptions, "Seams | None", "set[str] | None"], SendReport]


def send_options(given: Mapping[str, Any]) -> SendOptions:
    """The options of a send from its keywords (a ``send`` method's ``locals()``)."""
    return SendOptions(**{name: given[name] for name in SEND_OPTION_NAMES})


class Retrier:
    """The same send again, for some activity IDs (see the module docstring)."""

    def __init__(
        self, send: SendAgain, creds: Credentials, options: SendOptions, seams: Seams | None
    ) -> None:
        self.send, self.creds, self.options, self.seams = send, creds, options, seams

    def __call__(
        self, activity_ids: list[str], credentials: Credentials | None = None
    ) -> SendReport:
        creds = credentials if credentials is not None else self.creds
        if creds.secret_key.withheld:
            raise ConfigurationError(
                "This report came from a pickle (or another process), which never holds the "
                "public key: pass the credentials to retry, report.retry(credentials)."
            )
        return self.send(creds, self.options, self.seams, set(activity_ids))

    def __getstate__(self) -> dict[str, Any]:
        options = self.options
        # an open connection does not travel, nor a PostgreSQL URL's password
        options = replace(options, ledger=portable_ledger(options.ledger))
        if callable(options.progress):
            options = replace(options, progress=None)
        return {"send": self.send, "creds": self.creds, "options": options, "seams": None}
