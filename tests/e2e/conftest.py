from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import create_bot
from bot.client import ForumBot
from bot.config import Settings


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """ForumBot is an AutoShardedBot, whose shard count discord.py asks Discord for: on simcord an
    unsharded test runs it as shard 0 of 1 (tests of sharding say their own count)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents and item.get_closest_marker("simcord") is None:
            item.add_marker(pytest.mark.simcord(shard_count=1))


@pytest.fixture
def settings(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Settings:
    """The bot's settings: a SQLite file, or (a test parametrized with ``backend``, see
    tests/backends.py) a fresh PostgreSQL database."""
    if backend == "postgres":
        return Settings(database_path=tmp_path / "forum.db", database_url=request.getfixturevalue("database_url"))
    return Settings(database_path=tmp_path / "forum.db")


@pytest.fixture(autouse=True)
def no_marked_thread_edits() -> None:
    """The bot's own thread edits are marked by thread id for a few seconds
    (bot/services/threadedits.py); simcord gives every test's threads the same ids."""
    from bot.services import threadedits

    threadedits.forget()


@pytest.fixture
def built_bots() -> list[ForumBot]:
    """Every bot a test builds; their databases are closed at teardown (simcord does not close bots)."""
    return []


@pytest_asyncio.fixture
async def simcord_bot(settings: Settings, built_bots: list[ForumBot]) -> AsyncIterator[ForumBot]:
    bot = create_bot(settings, sync_commands=True)
    assert isinstance(bot, ForumBot)
    built_bots.append(bot)
    yield bot
    for built in built_bots:
        if built.db.is_open:
            await built.db.close()


@pytest_asyncio.fixture
async def world(simcord_env, simcord_bot: ForumBot, built_bots: list[ForumBot]):  # type: ignore[no-untyped-def]
    """A guild "Activity" with #general and a registered forum "Discussion", its owner as admin."""
    from tests.e2e.helpers import make_world

    return await make_world(simcord_env, simcord_bot, built_bots)
