"""The seeka_nb exception tree (layer 1, foundation).

Every error this package raises on purpose derives from :class:`SeekaError`, so callers can
catch one type.  Messages say what went wrong *and what to do next*.  Messages never carry
the Seeka public key nor customers' personal data.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ConsentError",
    "InputFileNotFoundError",
    "LedgerError",
    "MappingError",
    "SeekaError",
    "SendError",
    "SendInterrupted",
    "ValidationError",
]


class SeekaError(Exception):
    """Base class of every error raised by seeka_nb."""


class ConfigurationError(SeekaError, ValueError):
    """A setting or argument is missing or wrong (time zone, credentials, endpoint...)."""


class MappingError(SeekaError, KeyError):
    """Columns of the DataFrame cannot be matched to Seeka fields (missing, ambiguous...)."""

    def __str__(self) -> str:  # KeyError would repr() the message; keep it readable
        return str(self.args[0]) if self.args else ""


class ValidationError(SeekaError, ValueError):
    """The data as a whole cannot be converted (empty frame, unusable column...).

    Problems with single rows or orders are not raised: they go to ``events.issues``.
    """


class InputFileNotFoundError(ValidationError, FileNotFoundError):
    """The export file to read does not exist (also a :class:`FileNotFoundError`)."""


class ConsentError(ValidationError):
    """A TCF consent string is malformed or unusable."""


class LedgerError(SeekaError):
    """The local ledger of sent orders cannot be read or written."""


class SendError(SeekaError):
    """Some orders were not sent (``report.raise_for_failures()``); ``.report`` has them."""

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class AuthenticationError(SendError):
    """Seeka rejected the credentials (HTTP 401/403): nothing more was sent."""


class SendInterrupted(SeekaError, KeyboardInterrupt):
    """Ctrl-C stopped a send.  ``.report`` shows what was sent; the rest is ``pending``
    and a re-run of the same send sends only that."""

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report
