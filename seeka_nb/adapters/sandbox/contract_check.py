"""Pure contract check of a Seeka ingest request body (no I/O, no clock, no state).

Owns two things the sandbox server uses and tests may reuse:

* :func:`parse_body` - strict JSON decoding of a raw body (UTF-8, no ``NaN``/``Infinity``).
* :func:`check_body` - judging a parsed body against ``SEEKA_CONTRACT.md`` field by field,
  returning :class:`Problem` records.  Severity ``"error"`` rejects the whole request;
  ``"warning"`` (unknown keys, shapes the docs only exemplify, our *[ours]* style rules) is
  accepted and counted.  Usage in any test: ``assert not only_errors(check_body(body))``.

It judges by the contract alone (``seeka_nb.schema``), never by the client's own code, so a
client bug cannot hide behind a matching checker bug.  Messages name the event index and the
field path and describe the *type* of a wrong value, never the value itself (personal data).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from seeka_nb import schema

from .problems import (
    MAX_SAFE_INTEGER,
    InvalidJSONError,
    Problem,
    Sink,
    is_integer,
    is_number,
    only_errors,
    only_warnings,
    parse_body,
    type_name,
)

__all__ = [
    "InvalidJSONError",
    "Problem",
    "check_body",
    "only_errors",
    "only_warnings",
    "parse_body",
]

# --- names and shapes not (yet) in schema.py; sandbox-local on purpose --------------------
# Keys of the envelope and the event skeleton (SEEKA_CONTRACT.md "Body").
DATA_KEY = "data"
EVENT_KEYS = frozenset({"ev"})
EV_KEYS = frozenset({"id", "payload"})
PAYLOAD_KEYS = frozenset({"activityName", "activityId", "time", "commerce"})
COMMERCE_KEYS = frozenset(
    {*schema.COMMERCE_STRING_FIELDS, *schema.COMMERCE_MONEY_FIELDS, "products"}
)
IDENTITY_KEYS = frozenset({"seekaPId", *schema.IDENTITY_LIST_FIELDS, "address", "privacy"})
PRIVACY_KEYS = frozenset({"tcfConsentString"})
ADDRESS_KEYS = frozenset(schema.ADDRESS_FIELDS)
PRODUCT_KEYS = frozenset(schema.PRODUCT_FIELDS)
#: Product fields the docs type as a *number* that we only *advise* to be integral.
ADVISORY_INTEGER_FIELDS = frozenset({"productIdentifier", "variantIdentifier"})
#: ISO 8601 extended date-time with a zone (Z or +hh:mm), as in ``2025-02-24T14:15:22Z``.
TIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$"
)
DOB_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # [doc] YYYY-MM-DD
COUNTRY_CODE_RE = re.compile(r"^[A-Z]{2}$")  # [doc] ISO 3166-1 alpha-2
CURRENCY_CODE_RE = re.compile(r"^[A-Z]{3}$")  # [doc] ISO 4217
E164_RE = re.compile(r"^\+[1-9]\d{1,14}$")  # [ours] phones are normalised to E.164


def check_body(body: object) -> list[Problem]:
    """Judge a parsed ingest body against the contract; return every problem found.

    An empty list, or a list without errors (see :func:`only_errors`), means Seeka-shaped.
    Envelope problems have ``index=None``; ``code="empty_batch"`` and
    ``code="too_many_events"`` mark an empty ``data`` and more than
    ``schema.MAX_EVENTS_PER_REQUEST`` events.  Events are checked even when there are too
    many of them, so a test sees every problem at once.
    """
    out: list[Problem] = []
    top = Sink(None, out)
    if not isinstance(body, dict):
        top.error(
            "",
            f'body must be a JSON object {{"data": [...]}}, got {type_name(body)}',
            "invalid_body",
        )
        return out
    top.unknown_keys("", body, frozenset({DATA_KEY}))
    if DATA_KEY not in body:
        top.error(DATA_KEY, 'required key "data" (an array of events) is missing', "invalid_body")
        return out
    data = body[DATA_KEY]
    if not isinstance(data, list):
        top.error(DATA_KEY, f"must be an array of events, got {type_name(data)}", "invalid_body")
        return out
    if not data:
        top.error(DATA_KEY, "is empty: send at least one event", "empty_batch")
        return out
    limit = schema.MAX_EVENTS_PER_REQUEST
    if len(data) > limit:
        top.error(
            DATA_KEY,
            f"has {len(data)} events; at most {limit} per request are allowed",
            "too_many_events",
        )
    for index, event in enumerate(data):
        _check_event(Sink(index, out), event)
    return out


def _check_event(sink: Sink, event: object) -> None:
    if not isinstance(event, dict):
        sink.error("event", f'must be an object {{"ev": {{...}}}}, got {type_name(event)}')
        return
    sink.unknown_keys("", event, EVENT_KEYS)
    ev = sink.expect_object("ev", event.get("ev"), required=True)
    if ev is None:
        return
    sink.unknown_keys("ev", ev, EV_KEYS)
    identity = sink.expect_object("ev.id", ev.get("id"), required=True)
    if identity is not None:
        _check_identity(sink, identity)
    payload = sink.expect_object("ev.payload", ev.get("payload"), required=True)
    if payload is not None:
        _check_payload(sink, payload)


def _check_identity(sink: Sink, identity: dict[str, object]) -> None:
    path = "ev.id"
    sink.unknown_keys(path, identity, IDENTITY_KEYS)
    if not identity:
        sink.warn(
            path, "no identity fields: Seeka cannot match the event to a customer", "empty_value"
        )
    if "seekaPId" in identity:
        pid = sink.string(f"{path}.seekaPId", identity["seekaPId"])
        if pid is not None and not re.match(schema.SEEKA_PID_PATTERN, pid):
            sink.warn(
                f"{path}.seekaPId", "does not look like sk.<n>.<13-digit ms>.<digits>", "format"
            )
    for field in schema.IDENTITY_LIST_FIELDS:
        if field not in identity:
            continue
        values = sink.string_list(f"{path}.{field}", identity[field])
        for i, value in enumerate(values):
            if field == "dob" and not _is_date(value):
                sink.warn(f"{path}.dob[{i}]", "must be a date written YYYY-MM-DD", "format")
            if field == "phone" and not E164_RE.match(value):
                sink.warn(f"{path}.phone[{i}]", "is not in E.164 form (+61422333444)", "format")
    if "address" in identity:
        _check_addresses(sink, f"{path}.address", identity["address"])
    if "privacy" in identity:
        privacy = sink.expect_object(f"{path}.privacy", identity["privacy"], required=True)
        if privacy is not None:
            sink.unknown_keys(f"{path}.privacy", privacy, PRIVACY_KEYS)
            if "tcfConsentString" in privacy:
                tcf_path = f"{path}.privacy.tcfConsentString"
                tcf = sink.string(tcf_path, privacy["tcfConsentString"])
                if tcf is not None and not re.match(schema.TCF_SYNTAX_PATTERN, tcf):
                    sink.warn(tcf_path, "is not base64url segments separated by '.'", "format")


def _is_date(value: str) -> bool:
    if not DOB_RE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _check_addresses(sink: Sink, path: str, value: object) -> None:
    if not isinstance(value, list):
        sink.error(path, f"must be an array of address objects, got {type_name(value)}")
        return
    if not value:
        sink.warn(path, "empty array: omit absent values instead", "empty_value")
    known = ADDRESS_KEYS
    for i, item in enumerate(value):
        item_path = f"{path}[{i}]"
        address = sink.expect_object(item_path, item, required=True)
        if address is None:
            continue
        sink.unknown_keys(item_path, address, known)
        for key in schema.ADDRESS_FIELDS:
            if key in address:
                text = sink.string(f"{item_path}.{key}", address[key])
                if key == "countryCode" and text is not None and not COUNTRY_CODE_RE.match(text):
                    sink.warn(
                        f"{item_path}.countryCode",
                        "is not an ISO 3166-1 alpha-2 code (two capital letters, e.g. AU)",
                        "format",
                    )


def _check_time(sink: Sink, path: str, value: str) -> None:
    if not TIME_RE.match(value):
        sink.error(
            path,
            "must be an ISO 8601 date-time with a time zone, "
            "e.g. 2025-02-24T14:15:22Z or 2025-02-25T00:15:22+10:00",
            "format",
        )
        return
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        datetime.fromisoformat(text)
    except ValueError:
        sink.error(path, "is not a real calendar date-time (check month, day, hour)", "format")


def _check_payload(sink: Sink, payload: dict[str, object]) -> None:
    path = "ev.payload"
    sink.unknown_keys(path, payload, PAYLOAD_KEYS)
    name = sink.required_string(f"{path}.activityName", payload, "activityName")
    activity_id = sink.required_string(f"{path}.activityId", payload, "activityId")
    if activity_id is not None:
        sink.identifier_shape(f"{path}.activityId", activity_id)
    when = sink.required_string(f"{path}.time", payload, "time")
    if when is not None:
        _check_time(sink, f"{path}.time", when)
    if "commerce" in payload:
        commerce = sink.expect_object(f"{path}.commerce", payload["commerce"], required=True)
        if commerce is not None:
            _check_commerce(sink, f"{path}.commerce", commerce)
    elif name == schema.ACTIVITY_NAME_ORDER:
        sink.error(f"{path}.commerce", "is required for Order events", "missing")


def _check_commerce(sink: Sink, path: str, commerce: dict[str, object]) -> None:
    sink.unknown_keys(path, commerce, COMMERCE_KEYS)
    currency: str | None = None
    for key in schema.COMMERCE_STRING_FIELDS:
        if key not in commerce:
            continue
        text = sink.string(f"{path}.{key}", commerce[key])
        if text is None:
            continue
        if key == "currencyCode":
            if CURRENCY_CODE_RE.match(text):
                currency = text
            else:
                sink.warn(f"{path}.currencyCode", "is not an ISO 4217 code (e.g. USD)", "format")
        elif key.endswith("Identifier") or key == "orderNumber":
            sink.identifier_shape(f"{path}.{key}", text)
    for key in schema.COMMERCE_MONEY_FIELDS:
        if key in commerce:
            sink.money(f"{path}.{key}", commerce[key], currency)
    if "products" in commerce:
        _check_products(sink, f"{path}.products", commerce["products"], currency)


def _check_products(sink: Sink, path: str, value: object, currency: str | None) -> None:
    if not isinstance(value, list):
        sink.error(path, f"must be an array of product objects, got {type_name(value)}")
        return
    if not value:
        sink.warn(path, "empty array: omit absent values instead", "empty_value")
    known = PRODUCT_KEYS
    for i, item in enumerate(value):
        item_path = f"{path}[{i}]"
        product = sink.expect_object(item_path, item, required=True)
        if product is None:
            continue
        sink.unknown_keys(item_path, product, known)
        own_currency = product.get("currencyCode")
        unit_currency = own_currency if isinstance(own_currency, str) else currency
        for key, kind in schema.PRODUCT_FIELD_TYPES.items():
            if key in product:
                _check_product_field(
                    sink, f"{item_path}.{key}", key, kind, product[key], unit_currency
                )


def _check_product_field(
    sink: Sink, path: str, key: str, kind: str, value: object, currency: str | None
) -> None:
    if kind == "string":
        text = sink.string(path, value)
        if key == "currencyCode" and text is not None and not CURRENCY_CODE_RE.match(text):
            sink.warn(path, "is not an ISO 4217 code (e.g. USD)", "format")
        return
    if key == "unitPrice":
        sink.money(path, value, currency)
        return
    if key in ADVISORY_INTEGER_FIELDS:  # a number in the docs; integral by our rule
        if not is_number(value):
            sink.error(path, f"must be a JSON number, got {type_name(value)}")
        elif not is_integer(value):
            sink.warn(path, "should be an integer (write 12345, not 12345.0)", "format")
        elif abs(value) > MAX_SAFE_INTEGER:  # type: ignore[arg-type]
            sink.warn(path, "exceeds 2^53 and may lose precision", "precision")
        return
    if kind == "integer":
        if not is_integer(value):
            sink.error(path, f"must be an integer, got {type_name(value)}")
        elif value < 0:  # type: ignore[operator]
            sink.warn(path, "is negative", "format")
        return
    if not is_number(value):  # any other "number" field the schema may add
        sink.error(path, f"must be a finite JSON number, got {type_name(value)}")
