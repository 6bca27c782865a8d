from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.storage import forums
from bot.storage.database import Database


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "t.db")
    await database.open()
    yield database
    await database.close()


@pytest_asyncio.fixture
async def forum_id(db: Database) -> int:
    forum = await db.transaction(
        forums.register,
        guild_id=1,
        guild_name="G",
        channel_id=100,
        name="Discussion",
        description="",
        public=True,
        solved_tag_id=None,
        now="2026-01-01T00:00:00.000000+00:00",
    )
    return forum.id
