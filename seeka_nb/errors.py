"""The seeka_nb exception tree (layer 1, foundation).

Every error this package raises on purpose derives from :class:`SeekaError`, so callers can
catch one type.  Messages say what went wrong *and what to do next*.  Messages never carry
the Seeka public key nor customers' personal data.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "ConsentError",
    "MappingError",
    "SeekaError",
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


class ConsentError(ValidationError):
    """A TCF consent string is malformed or unusable."""
