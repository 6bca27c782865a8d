from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.storage.sqlite.database import Database
from tests.storage.helpers import register_forum


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "t.db")
    await database.open()
    yield database
    await database.close()


@pytest_asyncio.fixture
async def forum_id(db: Database) -> int:
    return await register_forum(db)
