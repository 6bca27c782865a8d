"""Repositories on both backends: every test taking ``db`` or ``conn`` runs on a real SQLite
file and on a real PostgreSQL database (tests/backends.py). A test of one backend's own
machinery says so with ``@pytest.mark.parametrize("backend", ["sqlite"])``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.config import Settings
from bot.storage import connect, create_database
from bot.storage.api import Database
from tests.backends import BACKENDS, Server
from tests.storage.helpers import register_forum


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = create_database(Settings(database_url=database_url))
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def conn(database_url: str) -> Iterator[Any]:
    """A plain synchronous connection to a fresh, migrated database (SQLite or PostgreSQL)."""
    connection = connect(Settings(database_url=database_url), migrate_schema=True)
    yield connection
    connection.close()


@pytest_asyncio.fixture
async def forum_id(db: Database) -> int:
    return await register_forum(db)


@pytest.fixture
def fresh_conn(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[], Any]]:
    """Makes more fresh, migrated databases of ``backend`` (tests comparing two databases)."""
    opened: list[Any] = []
    server: Server | None = request.getfixturevalue("pg_server") if backend == "postgres" else None
    if backend == "postgres" and server is None:
        pytest.skip("PostgreSQL tests are turned off (THREADKEEPER_TEST_PG=off)")
    urls: list[str] = []

    def make() -> Any:
        if server is None:
            url = f"sqlite:///{tmp_path / f'fresh{len(opened)}.db'}"
        else:
            url = server.create_database()
            urls.append(url)
        opened.append(connect(Settings(database_url=url), migrate_schema=True))
        return opened[-1]

    yield make
    for connection in opened:
        connection.close()
    for url in urls:
        assert server is not None
        server.drop_database(url)
