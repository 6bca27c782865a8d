"""Storage faults: a full or read-only database. Members get clear answers, nothing is
half-written, and everything recovers when space returns."""

from __future__ import annotations

import logging
import sqlite3

from bot.errors import NotDone
from bot.failures import STORAGE_UNAVAILABLE
from bot.services.recording import catchup as recording
from bot.storage.errors import StorageUnavailable
from tests.e2e.helpers import assert_numbers_gapless, caught, last_error, text_of


def storage_failures(world) -> list[StorageUnavailable]:  # type: ignore[no-untyped-def]
    """The StorageUnavailable errors that reached the failure path (reading them marks them seen)."""
    return [e for e in caught(world) if isinstance(e, StorageUnavailable)]


BIG = "A long post. " * 300  # needs new pages (and FTS pages) to store
LIVE = "Typed in the thread. " * 90  # within Discord's 2,000 characters


def _fill(conn: sqlite3.Connection) -> None:
    """No page may be added and no room is left in any page: as full as a full disk makes it."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    conn.execute("CREATE TABLE filler(b BLOB)")
    for size in (1000, 100, 10, 1):
        try:
            while True:
                conn.execute("INSERT INTO filler VALUES (randomblob(?))", (size,))
        except sqlite3.OperationalError as error:
            assert "full" in str(error)


def _make_room(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA max_page_count = 1073741823")
    conn.execute("DROP TABLE filler")


def _counts(conn: sqlite3.Connection) -> tuple[int, int, int, int]:
    return (
        conn.execute("SELECT COUNT(*) FROM topics").fetchone()[0],
        conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0],
        conn.execute("SELECT next_number FROM guilds").fetchone()[0],
        conn.execute("SELECT SUM(post_count) FROM forums").fetchone()[0],
    )


async def test_a_full_database_answers_clearly_writes_nothing_half_and_recovers(world):
    ann = world.member("Ann")
    bob = world.member("Bob")
    made = await ann.slash(world.general, "topic new", forum=world.forum, title="Before", body="first")
    assert "Started topic" in text_of(made)
    thread = world.thread("Before")
    db = world.bot.db
    before = await db.run(_counts)
    await db.run(_fill)

    # /topic new: told clearly, text handed back, and no thread left without its record.
    await world.env.advance_time(60)
    refused = await ann.slash(world.general, "topic new", forum=world.forum, title="While full", body=BIG)
    answer = text_of(refused)
    assert STORAGE_UNAVAILABLE in answer and "not posted" in answer and "error code" in answer
    assert "A long post." in answer  # the member's text comes back
    assert isinstance(world.env.errors[-1].original, NotDone)  # type: ignore[attr-defined]
    assert "While full" not in [t.name for t in world.forum.threads]

    # /reply: same, and the bot's message is taken down again.
    await world.env.advance_time(60)
    replied = await bob.slash(world.general, "reply", topic="#1", body=BIG)
    assert STORAGE_UNAVAILABLE in text_of(replied), text_of(replied)
    assert all("A long post." not in m.content for m in thread.history())

    # A message typed in the thread (here the database is read-only too, so even a short
    # row cannot slip into a freed page) stays in Discord; the bot does not crash.
    await db.run(lambda conn: conn.execute("PRAGMA query_only = ON"))
    await world.env.advance_time(60)
    await bob.send(thread, LIVE)
    kept = [m.id for m in thread.history() if m.content == LIVE]
    assert len(kept) == 1
    assert [e.reason for e in storage_failures(world)] == ["full", "full", "read-only"]
    assert "on_message: StorageUnavailable (read-only)" in last_error(world)

    # Reading still works.
    shown = await bob.slash(world.general, "topic show", topic="#1")
    assert "Before" in text_of(shown)
    assert await db.run(_counts) == before  # nothing half-written: no row, number or counter moved

    # Space returns: the next message records the one that waited, in order, numbers gapless.
    await db.run(lambda conn: conn.execute("PRAGMA query_only = OFF"))
    await db.run(_make_room)
    await world.env.advance_time(60)
    await bob.send(thread, "after the disk was cleaned")
    contents = [p.content for p in await world.posts_of(thread)]
    assert contents == ["first", LIVE, "after the disk was cleaned"]
    again = await ann.slash(world.general, "topic new", forum=world.forum, title="After", body=BIG)
    assert "Started topic" in text_of(again)
    assert len(await assert_numbers_gapless(world)) == 4


async def test_a_read_only_database_gives_keymasters_a_clear_answer_and_recovers(world):
    db = world.bot.db
    await db.run(lambda conn: conn.execute("PRAGMA query_only = ON"))
    result = await world.admin.slash(world.general, "forumadmin settings", throttle_seconds=5)
    assert STORAGE_UNAVAILABLE in text_of(result)
    assert "error code" in text_of(result)
    assert any("readonly" in str(e).lower() for e in world.env.errors)
    assert "/forumadmin settings: StorageUnavailable (read-only)" in last_error(world)

    await db.run(lambda conn: conn.execute("PRAGMA query_only = OFF"))
    result = await world.admin.slash(world.general, "forumadmin settings", throttle_seconds=5)
    assert "Saved." in text_of(result)


async def test_a_catch_up_on_an_unwritable_database_fails_softly_and_is_retried(world, monkeypatch, caplog):
    ann = world.member("Ann")
    made = await ann.slash(world.general, "topic new", forum=world.forum, title="Before", body="first")
    assert "Started topic" in text_of(made)
    thread = world.thread("Before")
    missed = [world.offline_message(thread, ann, f"missed {i}") for i in range(3)]
    db = world.bot.db
    monkeypatch.setattr(recording, "CATCHUP_RETRIES", 0)  # no back-off wait inside this test
    await db.run(lambda conn: conn.execute("PRAGMA query_only = ON"))
    with caplog.at_level(logging.ERROR, logger="bot.failures"):
        report = await world.bot.recorder.catch_up(full=True)  # does not raise (full: no reconnect, stale cache)
    assert report.failed_threads == 1 and report.recorded == 0
    wheres = [r.where for r in caplog.records if r.name == "bot.failures"]  # type: ignore[attr-defined]
    assert wheres == [f"catch-up: recording thread {thread.id}", "catch-up: storing its time"]
    assert "catch-up: storing its time: StorageUnavailable (read-only)" in last_error(world)
    await db.run(lambda conn: conn.execute("PRAGMA query_only = OFF"))
    report = await world.bot.recorder.catch_up(full=True)
    assert report.failed_threads == 0 and report.recorded == 3
    assert set(missed) <= {p.message_id for p in await world.posts_of(thread)}
    assert len(await assert_numbers_gapless(world)) == 4


async def test_the_owner_is_told_once_an_hour_when_the_database_cannot_be_written(world):
    from bot.services.alerts import STORAGE_ALERT

    ann = world.member("Ann")
    await ann.slash(world.general, "topic new", forum=world.forum, title="Before", body="first")
    await world.bot.db.run(lambda conn: conn.execute("PRAGMA query_only = ON"))
    await world.env.advance_time(60)
    await ann.slash(world.general, "reply", topic="#1", body="while read-only")
    await world.env.advance_time(60)
    await ann.send(world.thread("Before"), "typed while read-only")
    alerts = [t for t in world.dm_texts(world.admin) if "cannot write its database" in t]
    assert alerts == [STORAGE_ALERT.format(guild="Activity")]  # one DM for both failures
    await world.env.advance_time(3600)
    await ann.slash(world.general, "reply", topic="#1", body="an hour later")
    assert len([t for t in world.dm_texts(world.admin) if "cannot write its database" in t]) == 2
    await world.bot.db.run(lambda conn: conn.execute("PRAGMA query_only = OFF"))
    world.env.errors  # noqa: B018 - the refusals were expected
