"""What the send keeps of a server's error answer: a short message with no personal data
(layer 4).

A server may quote the request back in its error body, so besides masking anything that
looks like an email or a phone number, :func:`describe` masks every identity value of the
batch's own events (names, addresses, dates of birth...).  The result is bounded to
``MAX_ERROR_CHARS``; it goes into the report and the ledger.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ..adapters.transport import Response

_EMAIL = re.compile(r"[^\s\"'<>@]+@[^\s\"'<>@]+")
_DIGITS = re.compile(r"\+?\d[\d\s().-]{6,}\d")
MAX_ERROR_CHARS = 300


def clean_message(text: str) -> str:
    """A server message made safe to keep: no emails or phone-like numbers, bounded."""
    text = _DIGITS.sub("•••", _EMAIL.sub("•••@•••", text))
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def describe(response: Response, events: Sequence[dict[str, Any]] = ()) -> str:
    """``HTTP 400: <message>`` from a response, cleaned: a server may quote the request
    back, so the identity values of the batch's own ``events`` (names, addresses, dates of
    birth...) are masked too, not only what looks like an email or a phone number."""
    body = response.body.decode("utf-8", errors="replace").strip()
    text = f"HTTP {response.status}" + (f": {body}" if body else "")
    for value in _identity_values(events):
        text = text.replace(value, "•••")
    return clean_message(text)


def _identity_values(events: Sequence[dict[str, Any]]) -> list[str]:
    """Every string under ``ev.id`` (and its JSON-escaped form), longest first."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            if len(value) > 1:
                found.update({value, json.dumps(value)[1:-1]})
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for event in events:
        walk(event["ev"]["id"])
    return sorted(found, key=len, reverse=True)
