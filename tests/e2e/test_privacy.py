"""/forum privacy archive:hidden (SPEC §4, §6; issue 15 "Consent"), as members use it: their
posts leave the web archive at once, past ones too, and come back with ``shown``; Discord
(the thread, /search in Discord) is unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.storage import audit, create_database
from bot.web.app import create_app
from tests.backends import BACKENDS
from tests.e2e.helpers import text_of

BASE = "https://forum.example.org"


@asynccontextmanager
async def archive(world) -> AsyncIterator[TestClient]:  # type: ignore[no-untyped-def]
    await world.bot.db.flush()
    db = create_database(world.bot.settings, readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(create_app(db, base=BASE))) as client:
            yield client
    finally:
        await db.close()


async def surfaces(world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What the archive shows of topic #1 and the rest: its page, its feed, a search, the sitemap."""
    guild = world.guild.id
    async with archive(world) as client:
        shown = {}
        for name, url in (
            ("topic", f"/topics/1?guild={guild}"),
            ("feed", f"/topics/1/feed.xml?guild={guild}"),
            ("search", f"/search?q=whiskers&guild={guild}"),
            ("sitemap", "/sitemap.xml"),
        ):
            response = await client.get(url)
            assert response.status == 200, (url, response.status)
            shown[name] = await response.text()
        return shown


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_member_keeps_their_posts_off_the_web_archive_and_brings_them_back(world):
    asker = world.member("Asker")
    otto = world.member("Otto")
    await asker.slash(world.general, "topic new", forum=world.forum, title="Otters", body="Do otters have whiskers?")
    thread = world.thread("Otters")
    await otto.send(thread, "Yes: otter whiskers feel the water")
    await world.env.advance_time(30)
    await otto.slash(world.general, "topic new", forum=world.forum, title="Badgers", body="badger whiskers too")
    before = await surfaces(world)
    assert "Otto" in before["topic"] and "otter whiskers feel" in before["feed"] and "Otto" in before["search"]
    assert f"/topics/3?guild={world.guild.id}" in before["sitemap"]  # Otto's topic (#2 is his reply)

    asked = await otto.slash(world.general, "forum privacy")
    assert "**shown**" in text_of(asked) and asked.ephemeral
    done = await otto.slash(world.general, "forum privacy", archive="hidden")
    assert "off the web archive" in text_of(done) and done.ephemeral
    after = await surfaces(world)
    for surface in ("topic", "feed", "search"):
        assert "Otto" not in after[surface] and "otter whiskers feel" not in after[surface], surface
    assert "Do otters have whiskers?" in after["topic"] and "Asker" in after["search"]  # the others' posts stay
    assert f"/topics/3?guild={world.guild.id}" not in after["sitemap"]  # his topic left whole
    assert f"/topics/1?guild={world.guild.id}" in after["sitemap"]
    async with archive(world) as client:
        assert (await client.get(f"/topics/3?guild={world.guild.id}")).status == 404
    # Discord is unchanged: the thread keeps his reply, and /search in Discord finds it.
    assert any("otter whiskers feel" in (m.content or "") for m in thread.history())
    assert "Otto" in text_of(await asker.slash(world.general, "search", query="whiskers"))
    # The choice shows, and choosing it again changes nothing.
    assert "**hidden**" in text_of(await otto.slash(world.general, "forum privacy"))
    again = await otto.slash(world.general, "forum privacy", archive="hidden")
    assert "Nothing changed" in text_of(again)
    logged = await world.bot.db.run(audit.entries, world.guild.id, member_id=otto.id)
    assert [(e.action, e.details) for e in logged] == [("member.privacy", {"archive": "hidden"})]

    back = await otto.slash(world.general, "forum privacy", archive="shown")
    assert "shows your posts again" in text_of(back) and back.ephemeral
    restored = await surfaces(world)
    assert "Otto" in restored["topic"] and "otter whiskers feel" in restored["feed"] and "Otto" in restored["search"]
    assert f"/topics/3?guild={world.guild.id}" in restored["sitemap"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_one_members_choice_is_theirs_alone_and_per_server(world):
    otto = world.member("Otto")
    await otto.slash(world.general, "topic new", forum=world.forum, title="Otters", body="whiskers")
    other = world.member("Other")
    await other.slash(world.general, "forum privacy", archive="hidden")
    assert "**shown**" in text_of(await otto.slash(world.general, "forum privacy"))
    async with archive(world) as client:
        assert (await client.get(f"/topics/1?guild={world.guild.id}")).status == 200
