"""Fixtures for the sandbox tests: event builders, sandboxes that always stop, leak checks."""

from __future__ import annotations

import copy
import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fixture_paths import REFERENCE

from seeka_nb.adapters.sandbox import Sandbox

HEADERS = {
    "Content-Type": "application/json",
    "X-OrgId": "org-123",
    "X-Converge-Key": "pk_live_abcdefghijkl1234",
    "X-Sdk-Client-Version": "1.0.0",
    "X-Sdk-Client-Type": "tests/server",
}


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_event(activity_id: str = "order_1", **payload_overrides: Any) -> dict[str, Any]:
    """A small, fully valid Order event."""
    payload: dict[str, Any] = {
        "activityName": "Order",
        "activityId": activity_id,
        "time": "2025-02-24T14:15:22Z",
        "commerce": {
            "currencyCode": "USD",
            "totalPrice": 84,
            "products": [
                {"productIdentifier": 12345, "sku": "AU5121", "unitPrice": 42, "quantity": 2}
            ],
        },
    }
    payload.update(payload_overrides)
    return {"ev": {"id": {"email": ["jane.doe@example.com"]}, "payload": payload}}


def make_body(*activity_ids: str) -> dict[str, Any]:
    return {"data": [make_event(a) for a in activity_ids]}


def _documented() -> dict[str, Any]:
    return json.loads((REFERENCE / "seeka-documented-order.json").read_text(encoding="utf-8"))


def doc_example_body() -> dict[str, Any]:
    """The example order from Seeka's documentation page, placeholders filled with the
    example values the same page documents (a TCF string from the IAB test vectors)."""
    doc = _documented()
    vectors = json.loads((REFERENCE / "tcf-vectors.json").read_text(encoding="utf-8"))
    examples = {**doc["examples"], "<TCF consent>": vectors["vectors"][0]["tc_string"]}
    filled = json.dumps(doc["body"])
    for token, value in examples.items():
        filled = filled.replace(json.dumps(token), json.dumps(value))
    return json.loads(filled)


def doc_example_raw() -> dict[str, Any]:
    """The documentation's example body exactly as printed (placeholders included)."""
    return _documented()["body"]


def port_is_closed(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        try:
            s.connect((host, port))
        except ConnectionRefusedError:
            return True
    return False


def _sandbox_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("seeka-sandbox")}


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Every test must leave no thread behind (sandbox threads or any other).

    Threads that were running before the test (e.g. the session sandbox the notebooks
    use) are not the test's.
    """
    before = set(threading.enumerate())
    yield
    leaked = set(threading.enumerate()) - before
    assert not leaked, f"threads left running: {leaked}"
    assert not _sandbox_threads() - before, "sandbox threads left running"


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes (rate limit off unless given); all are stopped after the test."""
    made: list[Sandbox] = []

    def factory(**kwargs: Any) -> Sandbox:
        kwargs.setdefault("rate_limit", None)
        sb = Sandbox(**kwargs).start()
        made.append(sb)
        return sb

    yield factory
    for sb in made:
        sb.stop()


@pytest.fixture
def sb(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    return sandbox_factory()


@pytest.fixture
def headers() -> dict[str, str]:
    return copy.deepcopy(HEADERS)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def event_factory() -> Callable[..., dict[str, Any]]:
    """``event_factory("order_1", time=...)``: a valid Order event, payload overridable."""
    return make_event


@pytest.fixture
def body_factory() -> Callable[..., dict[str, Any]]:
    """``body_factory("a", "b")``: ``{"data": [...]}`` with one valid event per ID."""
    return make_body


@pytest.fixture
def doc_example() -> dict[str, Any]:
    return doc_example_body()


@pytest.fixture
def doc_example_as_printed() -> dict[str, Any]:
    return doc_example_raw()


@pytest.fixture
def port_closed() -> Callable[[int], bool]:
    return port_is_closed


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One keep-alive httpx client for the whole session (creating one costs ~20 ms)."""
    with httpx.Client(timeout=10) as client:
        yield client
