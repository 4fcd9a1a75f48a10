"""What the forms show of personal data: masked identity values (layer 5).

Widget values are synchronised into the notebook's widget state, which JupyterLab saves
in the ``.ipynb``; so previews and tables show ``j•••@example.com``, ``J•••``, ``•••44``
instead of customers' emails, names and phone numbers.  In a request body every string
under ``ev.id`` is masked except the consent string and country codes (not personal, and
what the user checks there).  In free text (issue messages, errors) anything that looks
like an email or a phone number is masked.
"""

from __future__ import annotations

import html
import re
from typing import Any

import orjson
import pandas as pd

__all__ = ["json_html", "mask_body", "mask_frame", "mask_text", "mask_value"]

MASK = "•••"
#: Keys under ``ev.id`` whose values are shown as they are.
_KEEP = frozenset({"tcfConsentString", "country", "countryCode"})
#: An email: RFC 5322 atext (quotes and apostrophes included) on both sides of the "@".
_EMAIL = re.compile(r"([^\s\"<>@,;:()\[\]]+)@([^\s\"<>@,;:()\[\]]+\.[^\s\"<>@,;:()\[\]]+)")
_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")


def mask_value(value: str) -> str:
    """``jane@example.com`` -> ``j•••@example.com``; a phone -> ``•••44``; other text ->
    its first character and ``•••``."""
    text = value.strip()
    if not text:
        return value
    at = text.rfind("@")
    if at > 0:
        return f"{text[0]}{MASK}{text[at:]}"
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 6 and len(digits) >= len(text) // 2:
        return f"{MASK}{digits[-2:]}"
    return f"{text[0]}{MASK}" if len(text) > 1 else MASK


def mask_text(text: str) -> str:
    """Free text with emails and phone-like numbers masked."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)[0]}{MASK}@{m.group(2)}", text)
    return _PHONE.sub(lambda m: mask_value(m.group(0)), text)


def _mask_id(value: Any, key: str | None = None) -> Any:
    if isinstance(value, str):
        return value if key in _KEEP else mask_value(value)
    if isinstance(value, dict):
        return {k: _mask_id(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_id(v, key) for v in value]
    return value


def mask_body(body: dict[str, Any]) -> dict[str, Any]:
    """A request body (``{"data": [events]}``) with the identity values of each event masked."""
    events = []
    for event in body.get("data", []):
        ev = dict(event.get("ev", {}))
        if "id" in ev:
            ev["id"] = _mask_id(ev["id"])
        events.append({**event, "ev": ev})
    return {**body, "data": events}


def mask_frame(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """A copy of ``frame`` whose text ``columns`` (those present) have :func:`mask_text`
    applied to each distinct value once."""
    out = frame.copy()
    for name in columns:
        if name in out.columns:
            col = out[name]
            present = col.notna()
            if present.any():
                distinct = pd.unique(col[present].astype(str))
                table = {v: mask_text(v) for v in distinct}
                out[name] = col.astype(object).where(~present, col[present].astype(str).map(table))
    return out


_TOKEN = re.compile(
    r"(?P<key>&quot;(?:[^&]|&(?!quot;))*?&quot;)(?=:)"
    r"|(?P<str>&quot;(?:[^&]|&(?!quot;))*?&quot;)"
    r"|(?P<num>-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)"
)


def json_html(value: Any) -> str:
    """``value`` as indented JSON in a ``<pre>``, keys, strings and numbers highlighted and
    masked values marked."""
    text = html.escape(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())

    def paint(m: re.Match[str]) -> str:
        kind = m.lastgroup
        token = m.group(0)
        if kind == "key":
            return f"<span class='k'>{token}</span>"
        if kind == "str":
            return f"<span class='{'m' if MASK in token else 's'}'>{token}</span>"
        return f"<span class='n'>{token}</span>"

    return f"<pre class='seeka-json'>{_TOKEN.sub(paint, text)}</pre>"
