"""The vocabulary of the sandbox's contract check: findings and strict JSON decoding.

Owns :class:`Problem` (one finding: event index, field path, severity, code, message),
:func:`parse_body` (UTF-8 JSON that refuses ``NaN``/``Infinity``), the JSON type
predicates, and :class:`Sink`, the per-event collector with the typed field checks
(string, string list, money, identifier shape) that ``contract_check`` composes into rules.
Messages describe the *type* of a wrong value, never the value (it may be personal data).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Literal

from seeka_nb import schema
from seeka_nb.errors import ValidationError

__all__ = [
    "InvalidJSONError",
    "Problem",
    "Sink",
    "is_integer",
    "is_number",
    "only_errors",
    "only_warnings",
    "parse_body",
    "type_name",
]

Severity = Literal["error", "warning"]

FLOATISH_ID_RE = re.compile(r"^-?\d+\.0+$")  # "12345.0": a pandas float leaked into an ID
MAX_SAFE_INTEGER = 2**53  # beyond it a JSON number loses precision in JS/.NET doubles
MAX_PROBLEMS = 1000  # stop collecting after this many (a hostile body cannot blow memory)


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about a request body.

    ``index`` is the event's position in ``data`` (``None`` for the envelope), ``field`` the
    path inside the event (``"ev.payload.commerce.products[0].quantity"``) or of the
    envelope (``"data"``), ``code`` a stable machine-readable kind.
    """

    index: int | None
    field: str
    message: str
    severity: Severity = "error"
    code: str = "type"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (what the sandbox puts in its 400 response bodies)."""
        return {
            "index": self.index,
            "field": self.field,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = "body" if self.index is None else f"event {self.index}"
        return f"{where}: {self.field}: {self.message}"


class InvalidJSONError(ValidationError):
    """The raw body is not strict UTF-8 JSON (the sandbox answers 400 ``invalid_json``)."""


def _reject_constant(name: str) -> object:
    raise InvalidJSONError(
        f"{name} is not valid JSON: send money and numbers as finite JSON numbers, "
        "and omit absent values"
    )


def parse_body(raw: bytes) -> object:
    """Decode ``raw`` as strict JSON, raising :class:`InvalidJSONError` with the reason."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidJSONError(
            f"body is not valid UTF-8 (byte {exc.start}): encode the JSON as UTF-8"
        ) from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InvalidJSONError(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise InvalidJSONError("body is not usable JSON: nested too deeply") from None


def only_errors(problems: list[Problem]) -> list[Problem]:
    """Only the problems that reject a request."""
    return [p for p in problems if p.severity == "error"]


def only_warnings(problems: list[Problem]) -> list[Problem]:
    """Only the problems that are accepted and counted."""
    return [p for p in problems if p.severity == "warning"]


def type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number" if math.isfinite(value) else "non-finite number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Sink:
    """Collects problems for one event (or the envelope)."""

    __slots__ = ("index", "out")

    def __init__(self, index: int | None, out: list[Problem]) -> None:
        self.index = index
        self.out = out

    def error(self, field: str, message: str, code: str = "type") -> None:
        if len(self.out) < MAX_PROBLEMS:
            self.out.append(Problem(self.index, field, message, "error", code))

    def warn(self, field: str, message: str, code: str) -> None:
        if len(self.out) < MAX_PROBLEMS:
            self.out.append(Problem(self.index, field, message, "warning", code))

    def unknown_keys(self, path: str, obj: dict[str, object], known: frozenset[str]) -> None:
        for key in obj:
            if key not in known:
                where = f"{path}.{key}" if path else str(key)
                self.warn(where, "unknown key (accepted, not in the contract)", "unknown_key")

    def expect_object(self, path: str, value: object, *, required: bool) -> dict | None:
        if isinstance(value, dict):
            return value
        if value is None and not required:
            return None
        if value is None:
            self.error(path, "required object is missing", "missing")
        else:
            self.error(path, f"must be an object, got {type_name(value)}")
        return None

    def string(self, path: str, value: object) -> str | None:
        """Type-check an optional string; warns on ``""`` (absent values are omitted)."""
        if not isinstance(value, str):
            self.error(path, f"must be a string, got {type_name(value)}")
            return None
        if not value:
            self.warn(path, "empty string: omit absent values instead", "empty_value")
            return None
        return value

    def required_string(self, path: str, container: dict[str, object], key: str) -> str | None:
        if key not in container:
            self.error(path, "required string is missing", "missing")
            return None
        value = container[key]
        if not isinstance(value, str):
            self.error(path, f"must be a string, got {type_name(value)}")
            return None
        if not value.strip():
            self.error(path, "must be a non-empty string", "empty_value")
            return None
        return value

    def identifier_shape(self, path: str, value: str) -> None:
        if len(value) > schema.MAX_IDENTIFIER_LENGTH:
            self.warn(path, f"longer than {schema.MAX_IDENTIFIER_LENGTH} characters", "format")
        if FLOATISH_ID_RE.match(value):
            self.warn(
                path,
                "looks like a float-formatted number ('123.0'): identifiers must be "
                "written like the browser SDK writes them ('123')",
                "format",
            )

    def money(self, path: str, value: object, currency: str | None) -> None:
        if not is_number(value):
            self.error(path, f"must be a finite JSON number, got {type_name(value)}")
            return
        assert isinstance(value, int | float)
        places = schema.minor_units(currency)
        if isinstance(value, float) and round(value, places) != value:
            self.warn(path, f"not rounded to {places} decimal places", "precision")

    def string_list(self, path: str, value: object) -> list[str]:
        if not isinstance(value, list):
            self.error(path, f"must be an array of strings, got {type_name(value)}")
            return []
        if not value:
            self.warn(path, "empty array: omit absent values instead", "empty_value")
        good = []
        for i, item in enumerate(value):
            s = self.string(f"{path}[{i}]", item)
            if s is not None:
                good.append(s)
        return good
