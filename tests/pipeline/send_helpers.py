"""Helpers for send tests: the test key and a fake clock (tests never really sleep)."""

from __future__ import annotations

from fake_time import FakeTime  # noqa: F401  (re-exported for the tests here)

KEY = "pk_test_SECRETSECRET9876"
