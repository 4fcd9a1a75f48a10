"""Seeka ingest contract constants and our own choices (layer 1, foundation).

This module is the single place that encodes ``SEEKA_CONTRACT.md``: endpoint, headers,
limits, the event shape and the field names and JSON types.  Every *[ours]* decision (where
Seeka's documentation is silent) is here too, marked ``# [ours]``, so it can be changed in
one edit when Seeka confirms or corrects it.  Nothing here does I/O.
"""

from __future__ import annotations

from typing import Final, Literal

# --- endpoint and headers -------------------------------------------------------------
INGEST_URL: Final = "https://router.seeka.services/api/ingest"  # [doc]
INGEST_PATH: Final = "/api/ingest"
CONTENT_TYPE: Final = "application/json"  # [doc]
HEADER_ORG_ID: Final = "X-OrgId"  # [doc] required
HEADER_KEY: Final = "X-Converge-Key"  # [doc] required; a secret: never log or display it
HEADER_CLIENT_VERSION: Final = "X-Sdk-Client-Version"  # [doc] optional
HEADER_CLIENT_TYPE: Final = "X-Sdk-Client-Type"  # [doc] optional, "<name>/server"
CLIENT_TYPE_SUFFIX: Final = "/server"  # [doc]
DEFAULT_INTEGRATION_NAME: Final = "seeka-nb"  # [ours]
ACCEPTED_STATUS: Final = 202  # [doc] success
HEADER_RETRY_AFTER: Final = "Retry-After"  # [ours] honoured when present
HEADER_RETRY_AFTER_MS: Final = "Retry-After-Ms"  # [doc] announced, not yet sent

# --- limits ---------------------------------------------------------------------------
MAX_EVENTS_PER_REQUEST: Final = 20  # [doc]
SEEKA_RATE_LIMIT_PER_SECOND: Final = 30  # [doc] per client IP; 429 above it
DEFAULT_RATE_PER_SECOND: Final = 20.0  # [ours] well below the documented limit
MAX_RESPONSE_BODY_RECORDED: Final = 2048  # [ours] bytes of a response body kept per batch
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})  # [ours] http ok

# Status classes [ours]: the documentation names only 202 and 429.
REJECTED_STATUSES: Final = frozenset({400, 413, 422})  # the batch is rejected: isolate events
AUTH_STATUSES: Final = frozenset({401, 403})  # credentials wrong: stop the whole send
TRANSIENT_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})  # retry (any 5xx too)

# --- event shape ----------------------------------------------------------------------
ACTIVITY_NAME_ORDER: Final = "Order"  # [doc]

#: Identity (``ev.id``) keys whose value is an array of strings.  [doc]
IDENTITY_LIST_FIELDS: Final = ("email", "phone", "firstName", "lastName", "dob")
#: Address object keys (``ev.id.address[]``), all strings.  [doc]
ADDRESS_FIELDS: Final = (
    "addressLine1",
    "addressLine2",
    "locality",
    "state",
    "stateCode",
    "postcode",
    "country",
    "countryCode",
)
#: String keys of ``ev.payload.commerce``.  [doc]
COMMERCE_STRING_FIELDS: Final = (
    "checkoutIdentifier",
    "cartIdentifier",
    "orderIdentifier",
    "orderNumber",
    "customerIdentifier",
    "paymentMethodName",
    "currencyCode",
)
#: Number keys of ``ev.payload.commerce`` (money, major units).  [doc]
COMMERCE_MONEY_FIELDS: Final = ("totalPrice", "totalTax", "totalShippingPrice")
#: Product keys and their JSON type.  [doc]
PRODUCT_FIELD_TYPES: Final[dict[str, Literal["string", "integer", "number"]]] = {
    "currencyCode": "string",
    "productIdentifier": "integer",  # a number in the docs; we keep it integral [ours]
    "variantIdentifier": "integer",
    "sku": "string",
    "productName": "string",
    "variantName": "string",
    "categoryName": "string",
    "brandName": "string",
    "unitPrice": "number",
    "quantity": "integer",
}
PRODUCT_FIELDS: Final = tuple(PRODUCT_FIELD_TYPES)

# --- mapping fields (the leaf names users map columns to) ------------------------------
ORDER_FIELDS: Final = (
    "activityId",
    "time",
    "seekaPId",
    "tcfConsentString",
    *COMMERCE_STRING_FIELDS,
    *COMMERCE_MONEY_FIELDS,
)
#: Every field a column can feed, in the order the mapping view lists them.
MAPPABLE_FIELDS: Final = (
    "activityId",
    "time",
    "seekaPId",
    *IDENTITY_LIST_FIELDS,
    *ADDRESS_FIELDS,
    "tcfConsentString",
    *COMMERCE_STRING_FIELDS,
    *COMMERCE_MONEY_FIELDS,
    *(f for f in PRODUCT_FIELDS if f != "currencyCode"),
)
#: Fields whose value is per line item rather than per order.
LINE_FIELDS: Final = tuple(f for f in PRODUCT_FIELDS if f != "currencyCode")
#: A pseudo-field: one column holding a list (or JSON array) of product objects per row.
PRODUCTS_LIST_FIELD: Final = "products"
#: A pseudo-field: a line's amount including its quantity (never sent as such).  [ours]
LINE_TOTAL_FIELD: Final = "lineTotal"
#: A pseudo-field: the order's status column(s); decides what is sent.  [ours]
STATUS_FIELD: Final = "status"
REQUIRED_FIELDS: Final = ("activityId", "time")

# --- value rules [ours] -----------------------------------------------------------------
TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"  # always UTC, second precision
SEEKA_PID_PATTERN: Final = r"^sk\.\d+\.\d{13}\.\d+$"  # shape seen; warn, never reject
TCF_SYNTAX_PATTERN: Final = r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$"  # base64url segments
EMAIL_PATTERN: Final = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
MAX_IDENTIFIER_LENGTH: Final = 256  # activityId and *Identifier strings longer: error
MAX_TEXT_LENGTH: Final = 1024  # other strings longer: truncated, with a warning
#: Order times outside [EARLIEST_ORDER_TIME, now + MAX_FUTURE_SECONDS] are held back with an
#: error: year 0001 or 9999 is a broken column, not an order.  [ours]
EARLIEST_ORDER_TIME: Final = "1990-01-01T00:00:00"  # UTC
MAX_FUTURE_SECONDS: Final = 86_400  # one day ahead of the caller's clock (zones, skew)
DEFAULT_MINOR_UNITS: Final = 2
#: ISO 4217 currencies whose minor unit is not 2 (the rest round to cents).
CURRENCY_MINOR_UNITS: Final[dict[str, int]] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    "CLF": 4,
    "UYW": 4,
}

Severity = Literal["error", "excluded", "warning"]
SEVERITIES: Final = ("error", "excluded", "warning")


def minor_units(currency: str | None) -> int:
    """Decimal places money in ``currency`` is rounded to (2 when unknown)."""
    if currency is None:
        return DEFAULT_MINOR_UNITS
    return CURRENCY_MINOR_UNITS.get(currency, DEFAULT_MINOR_UNITS)
