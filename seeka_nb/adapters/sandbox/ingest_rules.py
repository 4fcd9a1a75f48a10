"""The sandbox's rules for an ingest answer (layer 3, sandbox): pure functions, no state.

Owns the JSON ``Content-Type`` check, which status and error code a list of contract
problems earns (envelope -> 400, more than 20 events -> 413, bad events -> 400), the error
body and its one-line summary, the warnings about request headers, and the
``Retry-After`` / ``Retry-After-Ms`` headers of a 429.  :mod:`.ingest` applies them in
order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from seeka_nb import schema

from .contract_check import Problem

__all__ = [
    "RetryAfterMode",
    "error_body",
    "event_count",
    "header_warnings",
    "is_json_content_type",
    "retry_headers",
    "status_for",
    "summary",
]

RetryAfterMode = Literal["none", "seconds", "ms", "both"]


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "message": message, **extra}


def retry_headers(mode: RetryAfterMode, seconds: float) -> dict[str, str]:
    """The ``Retry-After`` / ``Retry-After-Ms`` headers of a wait of ``seconds``."""
    out: dict[str, str] = {}
    if mode in ("seconds", "both"):
        out[schema.HEADER_RETRY_AFTER] = str(max(1, math.ceil(seconds)))
    if mode in ("ms", "both"):
        out[schema.HEADER_RETRY_AFTER_MS] = str(max(1, math.ceil(seconds * 1000)))
    return out


def is_json_content_type(value: str) -> bool:
    media, _, params = value.partition(";")
    if media.strip().lower() != schema.CONTENT_TYPE:
        return False
    for param in params.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset" and val.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            return False
    return True


def event_count(parsed: object) -> int | None:
    if isinstance(parsed, dict) and isinstance(parsed.get("data"), list):
        return len(parsed["data"])
    return None


def status_for(errors: list[Problem]) -> tuple[int, str]:
    """Envelope errors -> 400; else more than 20 events -> 413; else bad events -> 400."""
    envelope = [p for p in errors if p.index is None]
    if any(p.code == "too_many_events" for p in envelope):
        return 413, "too_many_events"
    if envelope:
        return 400, envelope[0].code
    return 400, "invalid_event"


def summary(errors: list[Problem]) -> str:
    first = str(errors[0])
    more = len(errors) - 1
    return first if not more else f"{first} (and {more} more problem{'s' * (more > 1)})"


def header_warnings(headers: Mapping[str, str]) -> list[Problem]:
    client_type = headers.get(schema.HEADER_CLIENT_TYPE.lower())
    if client_type is not None and not client_type.endswith(schema.CLIENT_TYPE_SUFFIX):
        return [
            Problem(
                None,
                schema.HEADER_CLIENT_TYPE,
                "should look like '<integration name>/server'",
                "warning",
                "header",
            )
        ]
    return []
