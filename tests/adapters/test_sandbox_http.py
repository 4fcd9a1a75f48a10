"""POST /api/ingest over real loopback HTTP with raw httpx: every rule of the contract."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from seeka_nb.adapters.sandbox.handler import MAX_BODY_BYTES

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def post(http):
    def send(sb, body, headers, **kwargs):
        return http.post(sb.ingest_url, json=body, headers=headers, **kwargs)

    return send


def test_valid_request_is_accepted_and_stored(sb, headers, body_factory, post):
    body = body_factory("order_1", "order_2")
    response = post(sb, body, headers)
    assert response.status_code == 202
    assert response.json()["accepted"] == 2
    assert response.headers["content-type"].startswith("application/json")
    assert sb.events == body["data"]
    record = sb.event_records()[0]
    assert record["request"] == 1 and record["org_id"] == "org-123"
    assert record["activity_id"] == "order_1" and record["received_at"].endswith("Z")


def test_documentation_example_body_is_accepted(sb, headers, doc_example, post):
    response = post(sb, doc_example, headers)
    assert response.status_code == 202, response.text
    assert response.json()["warning_count"] == 0
    assert sb.events == doc_example["data"]


def test_documentation_example_as_printed_is_rejected_on_its_time_placeholder(
    sb, headers, doc_example_as_printed, post
):
    response = post(sb, doc_example_as_printed, headers)
    assert response.status_code == 400
    assert [(p["index"], p["field"]) for p in response.json()["problems"]] == [
        (0, "ev.payload.time")
    ]


@pytest.mark.parametrize("missing", ["X-OrgId", "X-Converge-Key"])
def test_missing_credentials_is_401(sb, headers, body_factory, missing, post):
    del headers[missing]
    response = post(sb, body_factory("a"), headers)
    assert response.status_code == 401
    assert response.json()["error"] == "missing_credentials"
    assert missing in response.json()["message"]
    assert sb.events == []


def test_empty_credentials_is_401(sb, headers, body_factory, post):
    headers["X-OrgId"] = ""
    assert post(sb, body_factory("a"), headers).status_code == 401


def test_unaccepted_pair_is_403_and_accepted_pair_202(sandbox_factory, headers, body_factory, post):
    sb = sandbox_factory(accepted_credentials=[("org-123", "pk_live_abcdefghijkl1234")])
    assert post(sb, body_factory("a"), headers).status_code == 202
    headers["X-Converge-Key"] = "pk_live_wrong_key_00000"
    response = post(sb, body_factory("b"), headers)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    headers["X-Converge-Key"], headers["X-OrgId"] = "pk_live_abcdefghijkl1234", "other-org"
    assert post(sb, body_factory("c"), headers).status_code == 403
    assert [e["ev"]["payload"]["activityId"] for e in sb.events] == ["a"]


@pytest.mark.parametrize(
    ("content", "content_type", "code", "fragment"),
    [
        (b'{"data": []}', "text/plain", "invalid_content_type", "application/json"),
        (b'{"data": []}', None, "invalid_content_type", "application/json"),
        (b'{"data": []}', "application/json; charset=latin-1", "invalid_content_type", "UTF-8"),
        (b"order_1,84.00", "application/json", "invalid_json", "not valid JSON"),
        (b'{"data": [{"ev": NaN}]}', "application/json", "invalid_json", "NaN"),
        (b'{"data": [{"ev": Infinity}]}', "application/json", "invalid_json", "Infinity"),
        (b'[{"ev": {}}]', "application/json", "invalid_body", "data"),
        (b'{"events": []}', "application/json", "invalid_body", "data"),
        (b'{"data": {"ev": {}}}', "application/json", "invalid_body", "array"),
        (b'{"data": []}', "application/json", "empty_batch", "empty"),
    ],
)
def test_bad_requests_are_400_with_a_json_reason(
    sb, headers, content, content_type, code, fragment, http, post
):
    if content_type is None:
        del headers["Content-Type"]
    else:
        headers["Content-Type"] = content_type
    response = http.post(sb.ingest_url, content=content, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == code
    assert fragment in response.json()["message"]
    assert sb.stats()["by_status"] == {400: 1}


def test_content_type_with_utf8_charset_is_accepted(sb, headers, body_factory, http, post):
    headers["Content-Type"] = "Application/JSON; charset=UTF-8"
    response = http.post(sb.ingest_url, content=json.dumps(body_factory("a")), headers=headers)
    assert response.status_code == 202


def test_one_invalid_event_rejects_the_whole_request_naming_index_and_field(
    sb, headers, body_factory, post
):
    body = body_factory("a", "b", "c")
    body["data"][2]["ev"]["payload"]["commerce"]["products"][0]["quantity"] = 1.5
    body["data"][1]["ev"]["payload"]["time"] = "2025-02-24T14:15:22"
    response = post(sb, body, headers)
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "invalid_event"
    assert [(p["index"], p["field"]) for p in payload["problems"]] == [
        (1, "ev.payload.time"),
        (2, "ev.payload.commerce.products[0].quantity"),
    ]
    assert payload["problem_count"] == 2
    assert payload["message"].startswith("event 1: ev.payload.time")
    assert sb.events == [] and sb.all_events == []
    assert sb.requests[0]["events"] == 3 and sb.requests[0]["accepted"] == 0


def test_more_than_20_events_is_413_and_20_is_accepted(sb, headers, body_factory, post):
    response = post(sb, body_factory(*[f"o{i}" for i in range(21)]), headers)
    assert response.status_code == 413
    assert response.json()["error"] == "too_many_events"
    assert "21" in response.json()["message"]
    assert sb.events == []
    assert post(sb, body_factory(*[f"o{i}" for i in range(20)]), headers).status_code == 202
    assert len(sb.events) == 20


def test_unknown_keys_are_accepted_and_counted_as_warnings(sb, headers, body_factory, post):
    body = body_factory("a")
    body["data"][0]["ev"]["payload"]["channel"] = "pos"
    body["data"][0]["ev"]["id"]["loyaltyId"] = ["L1"]
    response = post(sb, body, headers)
    assert response.status_code == 202
    assert response.json()["warning_count"] == 2
    assert {w["field"] for w in response.json()["warnings"]} == {
        "ev.payload.channel",
        "ev.id.loyaltyId",
    }
    assert sb.stats()["warnings"] == 2
    assert sb.requests[0]["warnings"] == 2


def test_client_type_header_not_ending_in_server_is_a_warning(sb, headers, body_factory, post):
    headers["X-Sdk-Client-Type"] = "tests"
    response = post(sb, body_factory("a"), headers)
    assert response.status_code == 202
    assert [w["field"] for w in response.json()["warnings"]] == ["X-Sdk-Client-Type"]


def test_duplicates_are_deduplicated_by_org_and_activity_id_and_counted(
    sb, headers, body_factory, post
):
    assert post(sb, body_factory("a", "b"), headers).json()["duplicates"] == 0
    second = post(sb, body_factory("b", "c", "c"), headers)
    assert second.status_code == 202  # Seeka takes duplicates and ignores them
    assert second.json() | {} == second.json()
    assert (second.json()["accepted"], second.json()["duplicates"]) == (1, 2)
    headers["X-OrgId"] = "another-org"  # the same activity ID in another org is not a dup
    assert post(sb, body_factory("a"), headers).json()["duplicates"] == 0
    assert [e["ev"]["payload"]["activityId"] for e in sb.events] == ["a", "b", "c", "a"]
    assert len(sb.all_events) == 6
    assert [r["duplicate"] for r in sb.event_records(all=True)] == [
        False, False, True, False, True, False,
    ]  # fmt: skip
    stats = sb.stats()
    assert (stats["events_received"], stats["events_accepted"], stats["duplicates"]) == (6, 4, 2)


def test_first_event_wins_for_a_duplicated_activity_id(sb, headers, body_factory, post):
    first = body_factory("a")
    second = body_factory("a")
    second["data"][0]["ev"]["payload"]["commerce"]["totalPrice"] = 99
    post(sb, first, headers)
    post(sb, second, headers)
    assert sb.events == first["data"]


def test_request_log_has_client_headers_and_never_the_key(sb, headers, body_factory, http, post):
    post(sb, body_factory("a"), headers)
    del headers["X-OrgId"]
    post(sb, body_factory("b"), headers)
    log = sb.requests
    assert [e["request"] for e in log] == [1, 2]
    assert [e["status"] for e in log] == [202, 401]
    entry = log[0]
    assert (entry["client_type"], entry["client_version"]) == ("tests/server", "1.0.0")
    assert entry["org_id"] == "org-123" and entry["events"] == 1 and entry["accepted"] == 1
    assert entry["key"] == "••••1234"
    over_http = http.get(f"{sb.url}/_sandbox/requests").text
    assert "pk_live_abcdefghijkl1234" not in json.dumps(log)
    assert "pk_live_abcdefghijkl1234" not in over_http
    assert "abcdefghijkl" not in over_http


def test_short_keys_are_masked_entirely(sb, headers, body_factory, post):
    headers["X-Converge-Key"] = "k123"
    post(sb, body_factory("a"), headers)
    assert sb.requests[0]["key"] == "••••"


def test_inspection_endpoints(sb, headers, body_factory, http, post):
    post(sb, body_factory("a", "b"), headers)
    post(sb, body_factory("b"), headers)
    base = f"{sb.url}/_sandbox"
    unique = http.get(f"{base}/events").json()
    assert (unique["count"], unique["all"]) == (2, False)
    assert [r["activity_id"] for r in unique["events"]] == ["a", "b"]
    assert unique["events"][0]["event"] == body_factory("a")["data"][0]
    everything = http.get(f"{base}/events", params={"all": "1"}).json()
    assert everything["count"] == 3 and everything["events"][2]["duplicate"] is True
    requests_ = http.get(f"{base}/requests").json()
    assert [r["status"] for r in requests_["requests"]] == [202, 202]
    stats = http.get(f"{base}/stats").json()
    assert stats["by_status"] == {"202": 2} and stats["duplicates"] == 1
    assert stats == json.loads(json.dumps(sb.stats()))
    index = http.get(base).json()
    assert index["ingest_url"] == sb.ingest_url and "GET /_sandbox/stats" in index["routes"]
    assert http.post(f"{base}/reset").json() == {"status": "reset"}
    assert http.get(f"{base}/stats").json()["requests"] == 0
    assert sb.events == [] and sb.requests == []


def test_inspection_endpoints_are_not_logged_nor_rate_limited(sandbox_factory, clock, http):
    sb = sandbox_factory(rate_limit=1, clock=clock)
    for _ in range(5):
        assert http.get(f"{sb.url}/_sandbox/stats").status_code == 200
    assert sb.stats()["requests"] == 0


def test_python_reset_forgets_everything(sb, headers, body_factory, post):
    post(sb, body_factory("a"), headers)
    sb.reset()
    assert (sb.events, sb.all_events, sb.requests) == ([], [], [])
    assert sb.stats()["requests"] == 0
    response = post(sb, body_factory("a"), headers)  # no longer a duplicate
    assert response.json()["duplicates"] == 0 and response.json()["request"] == 1


def test_returned_events_are_copies(sb, headers, body_factory, post):
    post(sb, body_factory("a"), headers)
    sb.events[0]["ev"]["payload"]["activityId"] = "changed"
    sb.event_records()[0]["event"]["ev"]["payload"]["activityId"] = "changed"
    assert sb.events[0]["ev"]["payload"]["activityId"] == "a"


def test_unknown_routes_and_methods(sb, headers, body_factory, http):
    assert http.get(sb.ingest_url).status_code == 405
    assert http.get(sb.ingest_url).headers["allow"] == "POST"
    assert http.put(sb.ingest_url, json={}).status_code == 405
    assert http.post(f"{sb.url}/api/other", json={}).status_code == 404
    assert http.get(f"{sb.url}/_sandbox/reset").status_code == 405
    assert http.post(f"{sb.url}/_sandbox/stats").status_code == 405
    assert sb.stats()["requests"] == 0


def test_keep_alive_serves_many_requests_on_one_connection(sb, headers, body_factory, post):
    with httpx.Client(headers=headers) as client:
        statuses = [client.post(sb.ingest_url, json=body_factory(f"o{i}")).status_code
                    for i in range(5)]  # fmt: skip
        client.post(sb.ingest_url, json=[])  # a 400 keeps the connection too
        client.post(sb.ingest_url, json=body_factory("last"))
    assert statuses == [202] * 5
    assert len({entry["client_port"] for entry in sb.requests}) == 1
    assert len(sb.requests) == 7


def test_chunked_request_body_is_read(sb, headers, body_factory, http, post):
    body = json.dumps(body_factory("a", "b")).encode()

    def chunks():
        yield body[:10]
        yield body[10:]

    response = http.post(sb.ingest_url, content=chunks(), headers=headers)
    assert response.status_code == 202
    assert len(sb.events) == 2


def test_oversized_body_is_413_and_logged(sb, headers, http, post):
    response = http.post(sb.ingest_url, content=b" " * (MAX_BODY_BYTES + 1), headers=headers)
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    assert sb.requests[0]["status"] == 413


def test_expect_100_continue_is_answered_before_the_body(sb, headers, body_factory):
    data = json.dumps(body_factory("a")).encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with socket.create_connection(("127.0.0.1", sb.port), timeout=5) as conn:
        conn.sendall(
            f"POST /api/ingest HTTP/1.1\r\nHost: x\r\n{head}Expect: 100-continue\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
        )
        assert conn.recv(4096).startswith(b"HTTP/1.1 100 Continue")
        conn.sendall(data)
        assert conn.recv(4096).startswith(b"HTTP/1.1 202")
    assert len(sb.events) == 1
