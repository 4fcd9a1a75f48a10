"""Text the PostgreSQL ledger stores exactly, though PostgreSQL's text cannot (layer 3).

PostgreSQL ``text`` holds neither the NUL character nor lone surrogates (not UTF-8), while
an activity ID may contain either and SQLite stores them as given.  So that both backends
keep the same IDs apart (``"a\\x00b"`` is not ``"a"``), IDs go through :func:`to_db` on the
way in and :func:`from_db` on the way out: a reversible escape in which a backslash is
doubled, NUL is ``\\0`` and a lone surrogate is ``\\uXXXX``.  Every other ID - all real ones
- is stored exactly as written.  Error texts are only shown, never looked up: there
:func:`printable` replaces what PostgreSQL cannot hold with U+FFFD.
"""

from __future__ import annotations

import re

__all__ = ["from_db", "printable", "to_db"]

_SPECIAL = re.compile(r"[\\\x00\ud800-\udfff]")
_ESCAPED = re.compile(r"\\(\\|0|u[0-9a-f]{4})")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char == "\\":
        return "\\\\"
    if char == "\x00":
        return "\\0"
    return f"\\u{ord(char):04x}"


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code == "\\":
        return "\\"
    if code == "0":
        return "\x00"
    return chr(int(code[1:], 16))


def to_db(value: str) -> str:
    """An activity ID as stored in PostgreSQL (unchanged unless it holds ``\\``, NUL or a
    lone surrogate)."""
    if value.isascii() and "\\" not in value and "\x00" not in value:
        return value
    return _SPECIAL.sub(_escape, value)


def from_db(value: str) -> str:
    """The activity ID :func:`to_db` stored."""
    return value if "\\" not in value else _ESCAPED.sub(_unescape, value)


def printable(text: str | None) -> str | None:
    """A message as PostgreSQL can store it (NUL and lone surrogates become U+FFFD)."""
    if text is None or (text.isascii() and "\x00" not in text):
        return text
    return re.sub(r"[\x00\ud800-\udfff]", "\ufffd", text)
