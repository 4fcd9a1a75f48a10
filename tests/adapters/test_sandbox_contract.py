"""The sandbox's pure contract check: what is an error, what is a warning, and where."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from seeka_nb.adapters.sandbox import check_body, only_errors, only_warnings, parse_body
from seeka_nb.adapters.sandbox.problems import InvalidJSONError


def _set(obj: dict[str, Any], path: str, value: Any) -> None:
    """Set (or, with value=DELETE, delete) a dotted path like 'ev.payload.commerce.x'."""
    *parents, last = path.split(".")
    for part in parents:
        obj = obj[int(part)] if part.isdigit() else obj[part]  # type: ignore[index]
    if value is DELETE:
        del obj[last]
    elif isinstance(obj, list):
        obj[int(last)] = value
    else:
        obj[last] = value


DELETE = object()


def test_documentation_example_filled_with_documented_values_has_no_problem(doc_example):
    assert check_body(doc_example) == []


def test_documentation_example_as_printed_fails_only_on_the_time_placeholder(
    doc_example_as_printed,
):
    problems = check_body(doc_example_as_printed)
    assert [(p.index, p.field) for p in only_errors(problems)] == [(0, "ev.payload.time")]
    # the other placeholders are strings of the right type: shape warnings at most
    assert {p.field for p in only_warnings(problems)} == {
        "ev.id.seekaPId",
        "ev.id.privacy.tcfConsentString",
    }


def test_a_valid_small_event_has_no_problem(event_factory):
    assert check_body({"data": [event_factory("a"), event_factory("b")]}) == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ([], "invalid_body"),
        ("data", "invalid_body"),
        ({}, "invalid_body"),
        ({"data": {"ev": {}}}, "invalid_body"),
        ({"data": []}, "empty_batch"),
    ],
)
def test_envelope_errors(body, code):
    problems = check_body(body)
    assert [(p.index, p.code, p.severity) for p in problems] == [(None, code, "error")]


def test_more_than_twenty_events_is_flagged_and_events_are_still_checked(event_factory):
    events = [event_factory(f"o{i}") for i in range(21)]
    events[20]["ev"]["payload"]["time"] = "yesterday"
    problems = only_errors(check_body({"data": events}))
    assert [(p.index, p.code) for p in problems] == [(None, "too_many_events"), (20, "format")]
    assert check_body({"data": events[:20]}) == []


ERROR_CASES = [
    # (path, value, expected error field)
    ("ev", DELETE, "ev"),
    ("ev", [], "ev"),
    ("ev.id", DELETE, "ev.id"),
    ("ev.id", "jane", "ev.id"),
    ("ev.payload", DELETE, "ev.payload"),
    ("ev.payload", None, "ev.payload"),
    ("ev.payload.activityName", DELETE, "ev.payload.activityName"),
    ("ev.payload.activityName", 1, "ev.payload.activityName"),
    ("ev.payload.activityId", DELETE, "ev.payload.activityId"),
    ("ev.payload.activityId", "", "ev.payload.activityId"),
    ("ev.payload.activityId", "   ", "ev.payload.activityId"),
    ("ev.payload.activityId", 12345, "ev.payload.activityId"),
    ("ev.payload.time", DELETE, "ev.payload.time"),
    ("ev.payload.time", "2025-02-24T14:15:22", "ev.payload.time"),  # no zone
    ("ev.payload.time", "2025-02-24", "ev.payload.time"),
    ("ev.payload.time", "2025-02-24 14:15:22Z", "ev.payload.time"),
    ("ev.payload.time", "2025-02-30T14:15:22Z", "ev.payload.time"),  # no such day
    ("ev.payload.time", "2025-02-24T14:15:22+1000", "ev.payload.time"),
    ("ev.payload.time", 1740406522, "ev.payload.time"),
    ("ev.payload.commerce", DELETE, "ev.payload.commerce"),  # required for Order
    ("ev.payload.commerce", [], "ev.payload.commerce"),
    ("ev.payload.commerce.totalPrice", "84.00", "ev.payload.commerce.totalPrice"),
    ("ev.payload.commerce.totalPrice", None, "ev.payload.commerce.totalPrice"),
    ("ev.payload.commerce.totalPrice", True, "ev.payload.commerce.totalPrice"),
    ("ev.payload.commerce.totalPrice", float("nan"), "ev.payload.commerce.totalPrice"),
    ("ev.payload.commerce.totalTax", float("inf"), "ev.payload.commerce.totalTax"),
    ("ev.payload.commerce.orderNumber", 4515222587, "ev.payload.commerce.orderNumber"),
    ("ev.payload.commerce.currencyCode", None, "ev.payload.commerce.currencyCode"),
    ("ev.payload.commerce.products", {}, "ev.payload.commerce.products"),
    ("ev.payload.commerce.products.0", "AU5121", "ev.payload.commerce.products[0]"),
    (
        "ev.payload.commerce.products.0.quantity",
        2.0,
        "ev.payload.commerce.products[0].quantity",
    ),
    (
        "ev.payload.commerce.products.0.quantity",
        "2",
        "ev.payload.commerce.products[0].quantity",
    ),
    (
        "ev.payload.commerce.products.0.productIdentifier",
        "12345",
        "ev.payload.commerce.products[0].productIdentifier",
    ),
    ("ev.payload.commerce.products.0.sku", 5121, "ev.payload.commerce.products[0].sku"),
    (
        "ev.payload.commerce.products.0.unitPrice",
        "42",
        "ev.payload.commerce.products[0].unitPrice",
    ),
    ("ev.id.email", "jane.doe@example.com", "ev.id.email"),
    ("ev.id.email", ["a@example.com", 7], "ev.id.email[1]"),
    ("ev.id.phone", [None], "ev.id.phone[0]"),
    ("ev.id.firstName", {"0": "Jane"}, "ev.id.firstName"),
    ("ev.id.seekaPId", ["sk.1.1709215400100.4182463348"], "ev.id.seekaPId"),
    ("ev.id.address", {"countryCode": "AU"}, "ev.id.address"),
    ("ev.id.address", [{"postcode": 4218}], "ev.id.address[0].postcode"),
    ("ev.id.privacy", "CPXxRfAPXxRfAAfKABENB", "ev.id.privacy"),
    ("ev.id.privacy", {"tcfConsentString": 1}, "ev.id.privacy.tcfConsentString"),
]


@pytest.mark.parametrize(("path", "value", "field"), ERROR_CASES)
def test_each_contract_violation_is_an_error_naming_index_and_field(
    event_factory, path, value, field
):
    events = [event_factory("ok-1"), event_factory("bad"), event_factory("ok-2")]
    _set(events[1], path, value)
    errors = only_errors(check_body({"data": events}))
    assert errors, f"{path}={value!r} should be rejected"
    assert {(p.index, p.field) for p in errors} == {(1, field)}
    assert all(p.message for p in errors)


def test_messages_never_echo_values(event_factory):
    event = event_factory("a")
    event["ev"]["id"]["email"] = ["jane.secret@example.com", 42]
    event["ev"]["payload"]["time"] = "jane.secret time"
    for problem in check_body({"data": [event]}):
        assert "jane.secret" not in problem.message
        assert "jane.secret" not in str(problem)


WARNING_CASES = [
    ("ev.payload.extra", 1, "ev.payload.extra", "unknown_key"),
    ("ev.id.twitter", ["@jane"], "ev.id.twitter", "unknown_key"),
    ("ev.payload.commerce.coupon", "X", "ev.payload.commerce.coupon", "unknown_key"),
    ("ev.payload.activityId", "12345.0", "ev.payload.activityId", "format"),
    (
        "ev.payload.commerce.orderIdentifier",
        "991.0",
        "ev.payload.commerce.orderIdentifier",
        "format",
    ),
    ("ev.payload.commerce.totalPrice", 84.123, "ev.payload.commerce.totalPrice", "precision"),
    ("ev.payload.commerce.currencyCode", "usd", "ev.payload.commerce.currencyCode", "format"),
    (
        "ev.payload.commerce.products.0.productIdentifier",
        12345.0,
        "ev.payload.commerce.products[0].productIdentifier",
        "format",
    ),
    ("ev.id.email", [], "ev.id.email", "empty_value"),
    ("ev.id.firstName", [""], "ev.id.firstName[0]", "empty_value"),
    ("ev.id.dob", ["24/04/1991"], "ev.id.dob[0]", "format"),
    ("ev.id.phone", ["0422 333 444"], "ev.id.phone[0]", "format"),
    ("ev.id.seekaPId", "abc", "ev.id.seekaPId", "format"),
    ("ev.id.address", [{"countryCode": "Australia"}], "ev.id.address[0].countryCode", "format"),
]


@pytest.mark.parametrize(("path", "value", "field", "code"), WARNING_CASES)
def test_advisory_findings_are_warnings_not_errors(event_factory, path, value, field, code):
    event = event_factory("a")
    _set(event, path, value)
    problems = check_body({"data": [event]})
    assert only_errors(problems) == []
    assert [(p.index, p.field, p.code) for p in only_warnings(problems)] == [(0, field, code)]


def test_unknown_top_level_key_is_a_warning(event_factory):
    problems = check_body({"data": [event_factory("a")], "batchId": 1})
    assert [(p.index, p.field, p.severity) for p in problems] == [(None, "batchId", "warning")]


def test_non_order_activity_needs_no_commerce(event_factory):
    event = event_factory("a", activityName="Lead")
    del event["ev"]["payload"]["commerce"]
    assert check_body({"data": [event]}) == []


def test_timestamps_with_offsets_and_fractions_are_accepted(event_factory):
    for stamp in ("2025-02-25T00:15:22+10:00", "2025-02-24T14:15:22.123Z", "2025-02-24T14:15Z"):
        assert check_body({"data": [event_factory("a", time=stamp)]}) == [], stamp


def test_problem_to_dict_is_json_ready(event_factory):
    event = event_factory("a", time="soon")
    (problem,) = check_body({"data": [event]})
    assert problem.to_dict() == {
        "index": 0,
        "field": "ev.payload.time",
        "severity": "error",
        "code": "format",
        "message": problem.message,
    }
    assert str(problem).startswith("event 0: ev.payload.time: ")


def test_check_body_does_not_mutate_its_input(doc_example):
    before = copy.deepcopy(doc_example)
    check_body(doc_example)
    assert doc_example == before


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b'{"data": [NaN]}', "NaN"),
        (b'{"data": [Infinity]}', "Infinity"),
        (b'{"x": -Infinity}', "-Infinity"),
        (b'{"data": [', "not valid JSON"),
        (b"", "not valid JSON"),
        (b'{"a": "\xff"}', "UTF-8"),
        (b"[" * 100_000, "JSON"),
    ],
)
def test_parse_body_rejects_non_strict_json(raw, fragment):
    with pytest.raises(InvalidJSONError, match=fragment.replace("+", r"\+")):
        parse_body(raw)


def test_parse_body_accepts_strict_json():
    assert parse_body('{"data": [1.5, "é"]}'.encode()) == {"data": [1.5, "é"]}
