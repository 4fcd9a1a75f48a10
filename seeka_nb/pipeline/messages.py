"""What the send keeps of a server's error answer: a short message with no personal data
(layer 4).

A server may quote the request back in its error body, so besides masking anything that
looks like an email or a phone number, :func:`describe` masks every identity value of the
batch's own events (names, addresses, dates of birth...): every run of the message that
matches a fragment of ``MIN_FRAGMENT`` (4) or more characters of one of them, in any
case, as written or JSON-escaped (``Zo\\u00eb``, ``O\\"Neil``).  Fragments matter because
the body the transport keeps is already cut at 2 KB, possibly inside a name: masking
whole values only would let the cut-off part through.  Masking happens before the
message is cut to ``MAX_ERROR_CHARS``; the result goes into the report and the ledger.
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


MIN_FRAGMENT = 4  # characters: a shorter run is too common to say anything about anyone


def describe(response: Response, events: Sequence[dict[str, Any]] = ()) -> str:
    """``HTTP 400: <message>`` from a response, cleaned: a server may quote the request
    back, so fragments of the identity values of the batch's own ``events`` (names,
    addresses, dates of birth...) are masked too, not only what looks like an email or a
    phone number."""
    body = response.body.decode("utf-8", errors="replace").strip()
    values = _identity_values(events)
    for value in values:  # whole values too short to have a fragment ("Li", "Zoë")
        if len(value) < MIN_FRAGMENT:
            body = re.sub(re.escape(value), "•••", body, flags=re.IGNORECASE)
    body = mask_fragments(body, values)
    return clean_message(f"HTTP {response.status}" + (f": {body}" if body else ""))


def mask_fragments(text: str, values: Sequence[str], *, size: int = MIN_FRAGMENT) -> str:
    """``text`` with every run covered by ``size``-character pieces of ``values`` (case
    ignored) replaced by ``•••``."""
    grams = {v[k : k + size] for v in values for k in range(len(v) - size + 1)}
    if not grams or len(text) < size:
        return text
    low = text.lower()
    covered = [False] * len(text)
    for k in range(len(text) - size + 1):
        if low[k : k + size] in grams:
            covered[k : k + size] = [True] * size
    out: list[str] = []
    for k, char in enumerate(text):
        if not covered[k]:
            out.append(char)
        elif k == 0 or not covered[k - 1]:
            out.append("•••")
    return "".join(out)


def _identity_values(events: Sequence[dict[str, Any]]) -> list[str]:
    """Every string under ``ev.id``, lower-cased, as written and JSON-escaped."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            if len(value) > 1:
                low = value.lower()
                escaped = json.dumps(low)[1:-1]
                found.update({low, escaped, json.dumps(low, ensure_ascii=False)[1:-1]})
                found.add(json.dumps(escaped)[1:-1])  # escaped twice (JSON in JSON)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for event in events:
        walk(event["ev"]["id"])
    return sorted(found, key=len, reverse=True)
