"""Fixtures every test folder may use: the storage backends (tests/backends.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backends import Server, start_server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server | None]:
    """The PostgreSQL server of this test session, started at first use (None: turned off)."""
    server = start_server()
    yield server
    if server is not None:
        server.stop()


@pytest.fixture
def backend() -> str:
    """The storage backend a test runs on: SQLite unless the test (or its folder) asks for both
    with ``@pytest.mark.parametrize("backend", BACKENDS)``."""
    return "sqlite"


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database of ``backend``, as a DATABASE_URL (PostgreSQL: dropped after the test)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'forum.db'}"
        return
    server: Server | None = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip("PostgreSQL tests are turned off (THREADKEEPER_TEST_PG=off)")
    url = server.create_database()
    yield url
    server.drop_database(url)
