"""Control characters never reach the record, whichever way the text came in (SPEC §3), and
the archive's RSS feed stays well-formed XML."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

from aiohttp.test_utils import TestClient, TestServer

from bot.storage import create_database, forums
from bot.web.app import create_app

# Every control character but newline and tab, one lone surrogate and the byte that broke the feed.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


async def recorded_texts(world: Any) -> list[str]:
    """Every text column the bot wrote for members: titles, tags, names, contents, revisions."""

    def read(conn: Any) -> list[str]:
        queries = (
            "SELECT title FROM topics",
            "SELECT tags FROM topics",
            "SELECT author_name FROM topics",
            "SELECT author_name FROM posts",
            "SELECT content FROM posts",
            "SELECT attachments FROM posts",
            "SELECT content FROM revisions",
            "SELECT name FROM forums",
            "SELECT name FROM guilds",
        )
        return [row[0] for query in queries for row in conn.execute(query)]

    return await world.bot.db.run(read)


async def feed_of(world: Any) -> bytes:
    forum = await world.bot.db.run(forums.by_channel, world.forum.id)
    db = create_database(world.bot.settings, readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(create_app(db))) as client:
            response = await client.get(f"/forums/{forum.id}/feed.xml")
            assert response.status == 200
            return await response.read()
    finally:
        await db.close()


async def test_a_native_post_with_a_control_character_gives_a_clean_record_and_a_well_formed_feed(world) -> None:
    bell = world.member("Bell\x07 Ringer")
    thread = await world.native_post(bell, "Ding\x01 dong", "First\x01 line\x1b[31m\r\nsecond\tline\x00")
    await world.bot.db.flush()
    topic = await world.topic(thread)
    assert topic is not None and topic.title == "Ding dong"
    (opening,) = await world.posts_of(thread)
    assert opening.content == "First line[31m\nsecond\tline"  # newline and tab kept
    assert opening.author_name == "Bell Ringer"

    root = ElementTree.fromstring(await feed_of(world))  # raises on a control character
    (item,) = root.iter("item")
    assert item.findtext("title") == "Ding dong"
    assert "First line" in (item.findtext("description") or "")


async def test_control_characters_leave_every_recording_path(world) -> None:
    member = world.member("Typist")
    await member.slash(world.general, "topic new", forum=world.forum, title="Via\x01 slash", body="Body\x02 text")
    thread = world.thread("Via slash")
    await world.env.advance_time(11)  # the throttle
    typed = await member.send(thread, "Typed\x03 reply")
    await world.env.advance_time(11)
    await member.slash(thread, "reply", body="Slash\x04 reply", topic="#1")
    await world.env.advance_time(11)
    await member.edit(typed, "Edited\x05 reply")  # the earlier version becomes a revision
    world.offline_message(thread, member, "While\x06 away")  # recorded by the catch-up
    await world.restart()
    await world.bot.db.flush()

    texts = await recorded_texts(world)
    assert not [text for text in texts if CONTROLS.search(text)]
    contents = [post.content for post in await world.posts_of(thread)]
    assert contents == ["Body text", "Edited reply", "Slash reply", "While away"]
    assert "Typed reply" in texts  # the revision, clean too
    ElementTree.fromstring(await feed_of(world))
