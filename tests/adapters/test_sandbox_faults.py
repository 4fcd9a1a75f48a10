"""Fault injection and rate limiting: scripted, seeded random, 429 + penalty, RST, holds."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from seeka_nb.adapters.sandbox import Sandbox
from seeka_nb.adapters.sandbox.faults import FaultPlan, RateLimiter, parse_fault
from seeka_nb.errors import ConfigurationError

pytestmark = pytest.mark.timeout(30)


def _raw_post(sb: Sandbox, body: dict, headers: dict[str, str]) -> bytes:
    data = json.dumps(body).encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        f"POST /api/ingest HTTP/1.1\r\nHost: {sb.url[7:]}\r\n{head}"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode() + data


# --- scripted faults ---------------------------------------------------------------------


def test_scripted_faults_happen_in_order_then_normal_service(
    sandbox_factory, headers, body_factory
):
    sb = sandbox_factory(faults=[500, 429, "reset", "timeout", 202, 503], timeout_hold=60)
    outcomes = []
    for i in range(7):
        try:  # a short client timeout only where the server holds the response
            with httpx.Client(timeout=0.2 if i == 3 else 10) as client:
                r = client.post(sb.ingest_url, json=body_factory(f"o{i}"), headers=headers)
            outcomes.append(r.status_code)
        except httpx.TimeoutException:
            outcomes.append("timeout")
        except (httpx.ReadError, httpx.RemoteProtocolError):
            outcomes.append("reset")
    assert outcomes == [500, 429, "reset", "timeout", 202, 503, 202]
    # only the two requests that were answered 202 stored their events
    assert [e["ev"]["payload"]["activityId"] for e in sb.events] == ["o4", "o6"]
    stats = sb.stats()
    assert stats["by_status"] == {202: 2, 429: 1, 500: 1, 503: 1}
    assert stats["faults"] == {"429": 1, "500": 1, "503": 1, "reset": 1, "timeout": 1}
    assert [e["fault"] for e in sb.requests] == [500, 429, "reset", "timeout", None, 503, None]
    assert sb.pending_faults == []
    sb.stop()  # must not wait for the 60 s hold of the timed-out connection


def test_reset_fault_sends_a_tcp_rst(sandbox_factory, headers, body_factory):
    sb = sandbox_factory(faults=["reset"])
    with socket.create_connection(("127.0.0.1", sb.port), timeout=5) as conn:
        conn.sendall(_raw_post(sb, body_factory("a"), headers))
        with pytest.raises(ConnectionResetError):
            while conn.recv(4096):
                pass
    assert sb.events == []
    assert sb.requests[0]["error"] == "fault_reset"


def test_timeout_hold_is_cut_short_by_stop(sandbox_factory, headers, body_factory):
    sb = sandbox_factory(faults=["timeout"], timeout_hold=3600)
    with socket.create_connection(("127.0.0.1", sb.port), timeout=5) as conn:
        conn.sendall(_raw_post(sb, body_factory("a"), headers))
        with httpx.Client() as client:  # the hold blocks one connection, not the server
            assert client.get(f"{sb.url}/_sandbox/stats").json()["faults"] == {"timeout": 1}
        sb.stop()  # pytest-timeout guards: this returns although the hold is an hour
        assert conn.recv(4096) == b""  # closed, never answered
    assert sb.events == []


def test_reset_after_accept_stores_the_events_but_loses_the_response(
    sandbox_factory, headers, body_factory, http
):
    sb = sandbox_factory(faults=["reset_after_accept"])
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        http.post(sb.ingest_url, json=body_factory("a"), headers=headers)
    retry = http.post(sb.ingest_url, json=body_factory("a"), headers=headers)
    assert retry.status_code == 202 and retry.json()["duplicates"] == 1
    assert len(sb.events) == 1 and sb.stats()["duplicates"] == 1


def test_reset_after_accept_on_an_invalid_request_still_answers_400(sandbox_factory, headers, http):
    sb = sandbox_factory(faults=["reset_after_accept"])
    assert http.post(sb.ingest_url, json={"data": []}, headers=headers).status_code == 400


def test_injected_429_carries_retry_hints_when_configured(
    sandbox_factory, headers, body_factory, http
):
    sb = sandbox_factory(faults=[429], retry_after="both", penalty=2.5)
    response = http.post(sb.ingest_url, json=body_factory("a"), headers=headers)
    assert response.status_code == 429
    assert (response.headers["retry-after"], response.headers["retry-after-ms"]) == ("3", "2500")


def test_slow_fault_and_latency_still_answer_normally(sandbox_factory, headers, body_factory, http):
    sb = sandbox_factory(faults=["slow"], slow_delay=0.01, latency=0.01)
    for name in ("a", "b"):
        assert http.post(sb.ingest_url, json=body_factory(name), headers=headers).status_code == 202
    assert [e["fault"] for e in sb.requests] == ["slow", None]
    assert len(sb.events) == 2


def test_faults_can_be_injected_later_from_python_and_over_http(sb, headers, body_factory, http):
    sb.inject(502)
    reply = http.post(f"{sb.url}/_sandbox/faults", json={"faults": ["500", 202, "reset"]})
    assert reply.json()["pending"] == [502, 500, 202, "reset"]
    assert http.get(f"{sb.url}/_sandbox/faults").json()["pending"] == sb.pending_faults
    statuses = [
        http.post(sb.ingest_url, json=body_factory(f"o{i}"), headers=headers).status_code
        for i in range(3)
    ]
    assert statuses == [502, 500, 202]
    bad = http.post(f"{sb.url}/_sandbox/faults", json={"faults": ["explode"]})
    assert bad.status_code == 400 and "explode" in bad.json()["message"]
    assert sb.pending_faults == ["reset"]


def test_random_faults_are_deterministic_for_a_seed(sandbox_factory, headers, body_factory):
    def run(seed: int) -> list[int]:
        sb = sandbox_factory(fault_rates={500: 0.3, 429: 0.2, 503: 0.1}, seed=seed)
        with httpx.Client(headers=headers) as client:
            return [
                client.post(sb.ingest_url, json=body_factory(f"o{i}")).status_code
                for i in range(30)
            ]

    first, again, other = run(7), run(7), run(8)
    assert first == again
    assert first != other
    assert {500, 429, 503, 202} <= set(first)


def test_fault_plan_draws_match_rates_and_seed():
    plan, twin = (FaultPlan(rates={500: 0.25, "reset": 0.05}, seed=1) for _ in range(2))
    draws = [plan.next() for _ in range(4000)]
    assert draws == [twin.next() for _ in range(4000)]
    assert 900 < draws.count(500) < 1100
    assert 150 < draws.count("reset") < 260
    assert draws.count(None) == 4000 - draws.count(500) - draws.count("reset")


def test_script_comes_before_random_rates():
    plan = FaultPlan(script=[503, 202], rates={500: 1.0}, seed=0)
    assert [plan.next() for _ in range(3)] == [503, None, 500]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"faults": [302]}, "status code"),
        ({"faults": ["explode"]}, "reset"),
        ({"faults": [True]}, "Unknown"),
        ({"fault_rates": {500: 1.5}}, "probability"),
        ({"fault_rates": {500: 0.6, "reset": 0.6}}, "sum"),
        ({"fault_rates": {202: 0.1}}, "not a fault"),
        ({"rate_limit": 0}, "rate_limit=None"),
        ({"rate_limit": -5}, "positive"),
        ({"burst": 0.5}, "burst"),
        ({"penalty": -1}, "penalty"),
        ({"latency": -0.1}, "latency"),
        ({"timeout_hold": float("inf")}, "timeout_hold"),
        ({"retry_after": "minutes"}, "retry_after"),
        ({"port": 70000}, "port"),
        ({"host": ""}, "host"),
        ({"seed": "abc"}, "seed"),
        ({"accepted_credentials": [("org", "")]}, "pairs"),
        ({"accepted_credentials": ["org:key"]}, "pairs"),
    ],
)
def test_bad_arguments_raise_configuration_error_saying_what_to_do(kwargs, fragment):
    with pytest.raises(ConfigurationError, match=fragment):
        Sandbox(**kwargs)


def test_parse_fault_accepts_digit_strings_and_names():
    assert [parse_fault(x) for x in ("500", 429, " reset ", "timeout", "slow")] == [
        500, 429, "reset", "timeout", "slow",
    ]  # fmt: skip


# --- rate limit -----------------------------------------------------------------------------


def test_rate_limiter_bucket_and_penalty_with_a_fake_clock(clock):
    limiter = RateLimiter(2, penalty=1.0, clock=clock)
    assert [limiter.check("ip") for _ in range(2)] == [None, None]
    assert limiter.check("ip") == pytest.approx(1.0)  # empty: refused, penalty starts
    assert limiter.check("other-ip") is None  # per client address
    clock.advance(0.6)  # the bucket refilled 1.2 tokens, but the penalty still runs
    assert limiter.check("ip") == pytest.approx(0.4)
    clock.advance(0.4)
    assert limiter.check("ip") is None
    assert limiter.check("ip") is None
    assert limiter.check("ip") is not None


def test_rate_limiter_refills_at_the_configured_rate(clock):
    limiter = RateLimiter(10, burst=1, penalty=0, clock=clock)
    assert limiter.check("ip") is None
    assert limiter.check("ip") == pytest.approx(0.1)
    clock.advance(0.1)
    assert limiter.check("ip") is None


def test_http_burst_over_the_limit_gets_429_then_penalty_then_service(
    sandbox_factory, headers, body_factory, clock
):
    sb = sandbox_factory(rate_limit=5, penalty=2.0, clock=clock, retry_after="seconds")
    with httpx.Client(headers=headers) as client:

        def send(i: int) -> httpx.Response:
            return client.post(sb.ingest_url, json=body_factory(f"o{i}"))

        burst = [send(i) for i in range(8)]
        assert [r.status_code for r in burst] == [202] * 5 + [429] * 3
        assert burst[5].json()["error"] == "rate_limited"
        assert burst[5].headers["retry-after"] == "2"
        assert "retry-after-ms" not in burst[5].headers
        clock.advance(1.5)  # tokens are back, the penalty is not over
        assert send(10).status_code == 429
        clock.advance(0.5)
        assert send(11).status_code == 202
    stats = sb.stats()
    assert stats["rate_limited"] == 4 and stats["by_status"] == {202: 6, 429: 4}
    assert len(sb.events) == 6


def test_default_rate_limit_is_seekas_30_per_second(sandbox_factory, headers, body_factory, clock):
    sb = sandbox_factory(rate_limit=30, clock=clock)
    with httpx.Client(headers=headers) as client:
        codes = [client.post(sb.ingest_url, json=body_factory("a")).status_code for _ in range(31)]
    assert codes == [202] * 30 + [429]
    assert Sandbox().rate_limit == 30  # the constructor default
    assert sb.rate_limit == 30


def test_rate_limit_none_turns_limiting_off(sandbox_factory, headers, body_factory, clock):
    sb = sandbox_factory(rate_limit=None, clock=clock)
    with httpx.Client(headers=headers) as client:
        codes = {client.post(sb.ingest_url, json=body_factory("a")).status_code for _ in range(60)}
    assert codes == {202}


def test_faulted_requests_take_no_rate_limit_token(sandbox_factory, headers, body_factory, clock):
    sb = sandbox_factory(rate_limit=1, clock=clock, faults=[500, 500])
    with httpx.Client(headers=headers) as client:
        codes = [client.post(sb.ingest_url, json=body_factory("a")).status_code for _ in range(4)]
    assert codes == [500, 500, 202, 429]
