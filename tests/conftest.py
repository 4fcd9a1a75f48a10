"""Shared fixtures: the real exports in ../shared, the test data in tests/data; fake time and
the send seams that use it (no test sleeps for real); a sandbox on loopback; a PostgreSQL
server for the ledger tests of both backends (``ledger_target``: an SQLite path, or a fresh
PostgreSQL database)."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_time import FakeTime
from fixture_paths import REAL2_DATA, REAL_DATA, REFERENCE, require
from pg_server import PgServer, bin_dir

from seeka_nb import Sandbox
from seeka_nb.pipeline.runner import Seams


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of the six real exports; fails under CI when absent, skips elsewhere."""
    return require(REAL_DATA)


@pytest.fixture(scope="session")
def real2_data() -> Path:
    """Folder of the six further real exports (issue 11); fails under CI when absent."""
    return require(REAL2_DATA)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Test data written here: the documentation page's example order, the IAB TC vectors."""
    return REFERENCE


@pytest.fixture
def fake_time() -> FakeTime:
    """A clock and an async sleep that only moves it."""
    return FakeTime()


@pytest.fixture
def seams(fake_time: FakeTime) -> Seams:
    """Send seams on fake time with a seeded random generator."""
    return Seams(
        clock=fake_time.clock, sleep=fake_time.sleep, now=fake_time.wall, rng=random.Random(7)
    )


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A Seeka sandbox on a loopback port, without rate limit, seeded."""
    with Sandbox(rate_limit=None, seed=1) as sb:
        yield sb


#: The ledger backends every ledger contract and crash test runs on.
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server for this test session (started on first use, in a temp folder,
    on a Unix socket).  Missing binaries or psycopg fail the test under CI, skip elsewhere."""
    missing = None
    bindir = bin_dir()
    if bindir is None:
        missing = "PostgreSQL's initdb is not installed (apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing = 'psycopg is not installed (pip install -e ".[test]")'
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(missing + "; CI must test the PostgreSQL ledger", pytrace=False)
        pytest.skip(missing)
    assert bindir is not None
    server = PgServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture(params=BACKENDS)
def ledger_backend(request: pytest.FixtureRequest) -> str:
    """Runs a test once per ledger backend."""
    return str(request.param)


@pytest.fixture
def ledger_target(
    ledger_backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> str | Path:
    """What ``Ledger(...)`` and ``send(ledger=...)`` take: an SQLite file path, or the URL
    (password included) of a fresh database on the session's PostgreSQL server."""
    if ledger_backend == "sqlite":
        return tmp_path / "nested" / ".seeka" / "ledger.sqlite"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.new_database()
