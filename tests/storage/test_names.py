"""The names behind mentions (bot/storage/mention_names.py, bot/storage/names.py) on both
backends: recorded with messages, newest wins, authors and forums and topics as fallbacks,
private channels unnamed on the archive, one query a page."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.mentions import Refs
from bot.storage import consent, forums, names, posts, purge
from bot.storage.api import Database
from bot.storage.models import Mentioned
from tests.storage.helpers import new_post, new_topic, register_forum

PRIVATE_CHANNEL = 555
LATER = "2026-01-02T00:00:00.000000+00:00"


async def test_names_recorded_with_messages_and_their_fallbacks(db: Database) -> None:
    forum_id = await register_forum(db)
    hidden_forum = await db.transaction(
        forums.register, guild_id=1, guild_name="G1", channel_id=200, name="staff-room", description="",
        public=False, solved_tag_id=None, now=LATER,
    )  # fmt: skip
    opening = replace(
        new_topic(forum_id, 1000, title="How do I start?").opening,
        mentioned=(
            Mentioned("user", 50, "Old Name"),
            Mentioned("role", 60, "Staff"),
            Mentioned("channel", PRIVATE_CHANNEL, "secret-plans", public=False),
        ),
    )
    await db.transaction(
        posts.record_topic, replace(new_topic(forum_id, 1000, title="How do I start?"), opening=opening)
    )
    topic = await db.run(lambda conn: conn.execute("SELECT id FROM topics WHERE thread_id = 1000").fetchone()[0])
    newer = replace(new_post(2001, at=90), mentioned=(Mentioned("user", 50, "New Name"),))
    newer = replace(newer, created_at=LATER)
    await db.transaction(posts.record_reply, topic, newer)
    older = replace(new_post(2002, at=30), mentioned=(Mentioned("user", 50, "Ancient Name"),))  # catch-up, read late
    await db.transaction(posts.record_replies, topic, [older])

    refs = Refs(
        users=frozenset({50, 7, 99}),
        roles=frozenset({60, 61}),
        channels=frozenset({100, 1000, 200, PRIVATE_CHANNEL, 999}),
    )
    public = await db.run(names.lookup, 1, refs)
    assert dict(public.users) == {50: "New Name", 7: "user7"}  # newest recorded; an author by their posts
    assert dict(public.roles) == {60: "Staff"}
    assert dict(public.channels) == {100: "Discussion", 1000: "How do I start?"}  # no private channel
    everything = await db.run(lambda conn: names.lookup(conn, 1, refs, public_only=False))
    assert dict(everything.channels) == {100: "Discussion", 1000: "How do I start?", 200: "staff-room",
                                         PRIVATE_CHANNEL: "secret-plans"}  # fmt: skip
    assert hidden_forum.channel_id == 200
    other_guild = await db.run(names.lookup, 2, refs)
    assert not other_guild.users and not other_guild.roles and not other_guild.channels


async def test_a_page_of_names_is_one_query_and_no_mentions_none(db: Database) -> None:
    await register_forum(db)
    statements: list[str] = []

    def count(conn):  # type: ignore[no-untyped-def]
        real = conn.execute

        class Counting:
            def execute(self, sql, params=()):  # type: ignore[no-untyped-def]
                statements.append(sql)
                return real(sql, params)

        return names.lookup(Counting(), 1, Refs(users=frozenset(range(1, 60)), channels=frozenset({100})))

    await db.run(count)
    assert len(statements) == 1


async def test_purging_a_member_forgets_the_name_mentions_had(db: Database) -> None:
    forum_id = await register_forum(db)
    topic = new_topic(forum_id, 1000, author=50)
    mentioned = replace(topic.opening, mentioned=(Mentioned("user", 50, "Private Person"),))
    await db.transaction(posts.record_topic, replace(topic, opening=mentioned))
    refs = Refs(users=frozenset({50}))
    assert dict((await db.run(names.lookup, 1, refs)).users) == {50: "Private Person"}
    await db.transaction(purge.purge_member, 1, 50)
    assert not (await db.run(names.lookup, 1, refs)).users  # neither recorded nor as an author


async def test_a_member_off_the_web_archive_is_not_named_there(db: Database) -> None:
    forum_id = await register_forum(db)
    topic = new_topic(forum_id, 1000, author=50)
    mentioned = replace(topic.opening, mentioned=(Mentioned("user", 51, "Quiet Person"),))
    await db.transaction(posts.record_topic, replace(topic, opening=mentioned))
    refs = Refs(users=frozenset({50, 51}))
    assert dict((await db.run(names.lookup, 1, refs)).users) == {50: "user50", 51: "Quiet Person"}
    for member in (50, 51):  # 50 is known as an author, 51 by a mention
        await db.transaction(consent.set_choice, 1, member, consent.HIDDEN, now=LATER)
    assert not (await db.run(names.lookup, 1, refs)).users  # the archive reads @unknown-user
    exported = await db.run(lambda conn: names.lookup(conn, 1, refs, public_only=False))
    assert dict(exported.users) == {51: "Quiet Person"}  # the keymaster's exports: as recorded (no post of 50's shown)
    await db.transaction(consent.set_choice, 1, 51, consent.SHOWN, now=LATER)
    assert dict((await db.run(names.lookup, 1, refs)).users) == {51: "Quiet Person"}
