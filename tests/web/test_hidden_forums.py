"""An archive whose forums are all hidden says how to publish them (issue 16, first run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.porting.apply import import_offline
from bot.porting.load import detect_and_parse
from bot.storage import create_database
from bot.web.app import create_app
from tests.backends import BACKENDS
from tests.web.seed import GUILD, connect

FIXTURE_WXR = Path(__file__).parent.parent / "fixtures" / "bbpress-example.xml"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _index(database_url: str) -> str:
    db = create_database(Settings(database_url=database_url), readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(create_app(db))) as client:
            response = await client.get("/")
            assert response.status == 200
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", await response.text()))
    finally:
        await db.close()


async def test_an_import_without_public_says_how_to_publish_and_a_second_with_it_publishes(database_url: str) -> None:
    connect(database_url).close()  # the bot made its database (migrated), no forum yet
    empty = await _index(database_url)
    assert "No public forums yet." in empty and "not public" not in empty  # nothing recorded: no hint
    doc = detect_and_parse(FIXTURE_WXR.read_bytes())
    conn = connect(database_url)
    try:
        import_offline(conn, GUILD, doc)
    finally:
        conn.close()
    hidden = await _index(database_url)
    assert "No public forums yet." in hidden
    assert "1 recorded forum is not public" in hidden and "--public" in hidden and "@everyone" in hidden
    conn = connect(database_url)
    try:
        import_offline(conn, GUILD, doc, public=True)  # again, with --public: nothing doubles, now shown
        assert conn.execute("SELECT COUNT(*) FROM forums").fetchone()[0] == 1
    finally:
        conn.close()
    shown = await _index(database_url)
    assert "No public forums yet." not in shown and "not public" not in shown


async def test_a_forum_hidden_by_its_archive_rule_is_named_with_the_command_that_publishes_it(
    database_url: str,
) -> None:
    from dataclasses import replace

    from bot.storage import forums

    conn = connect(database_url)
    try:
        import_offline(conn, GUILD, detect_and_parse(FIXTURE_WXR.read_bytes()), public=True)
        [forum] = forums.registered_in(conn, GUILD)
        forums.set_rules(conn, forum.id, replace(forum.rules, archive="hidden"))
    finally:
        conn.close()
    hidden = await _index(database_url)
    assert "No public forums yet." in hidden and "1 recorded forum is not public" in hidden
    assert "/forumadmin forum forum:#channel archive:public" in hidden
