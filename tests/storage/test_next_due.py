"""When the next thing is due, as the scheduler asks it: block expiries, idle topics, held digests.

Each answer is the earliest moment strictly after `since` (what was due at the last run is
done), and each is one ordered index step, whatever the table's size (the query plans say so).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bot.domain import timeutil
from bot.domain.roles import ForumRole
from bot.storage import guilds, housekeeping, members, subscriptions, topics
from bot.storage.sqlite.database import latest_version
from tests.storage.seed import START, Seeder, connect


def plans(conn: sqlite3.Connection, query: Callable[..., object], *args: object) -> list[str]:
    """The query plan of every statement ``query`` runs (traced with their values)."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        query(conn, *args)
    finally:
        conn.set_trace_callback(None)
    return [" | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)) for sql in statements]


def block(conn: sqlite3.Connection, user_id: int, expires: datetime | None) -> None:
    members.block(
        conn,
        guild_id=1,
        user_id=user_id,
        assigned_by=2,
        now=timeutil.iso(START),
        expires_at=timeutil.iso(expires) if expires else None,
        reason=None,
    )


def test_the_next_expiry_is_the_earliest_after_the_last_run(tmp_path: Path) -> None:
    conn = connect(tmp_path / "forum.db")
    assert members.next_expiry(conn, None) is None
    block(conn, 5, START + timedelta(hours=2))
    block(conn, 6, START + timedelta(minutes=30))
    block(conn, 7, None)  # no end: never due
    assert members.next_expiry(conn, None) == START + timedelta(minutes=30)
    assert members.next_expiry(conn, START) == START + timedelta(minutes=30)
    # Run at the expiry: what was due then is done (or waits for a poke), the next one is planned.
    assert members.next_expiry(conn, START + timedelta(minutes=30)) == START + timedelta(hours=2)
    assert members.next_expiry(conn, START + timedelta(hours=2)) is None
    assert members.due_expiries(conn, START + timedelta(minutes=30)) == [(1, 6)]  # due at its moment exactly
    assert members.lift_expired(conn, 1, 6, START + timedelta(minutes=30)) is not None
    assert members.assignment(conn, 1, 7) is not None and members.assignment(conn, 1, 7).role is ForumRole.BLOCKED  # type: ignore[union-attr]
    [only] = plans(conn, members.next_expiry, START)
    assert only == "SEARCH assignments USING COVERING INDEX assignments_expiry (expires_at>?)"


def test_the_next_auto_close_follows_the_oldest_open_plain_topic_per_guild(tmp_path: Path) -> None:
    seeder = Seeder(connect(tmp_path / "forum.db"))
    conn = seeder.conn
    forum = seeder.forum()
    old = seeder.topic(forum, "Old", "q")  # last post at START + 2 min (forum at +1)
    sticky = seeder.topic(forum, "Rules", "read me")
    topics.set_sticky(conn, sticky.id, "sticky")
    seeder.tick(minutes=60)
    fresh = seeder.topic(forum, "Fresh", "q")
    assert housekeeping.next_auto_close(conn, None) is None  # auto-close is off
    guilds.update_settings(conn, 1, {"auto_close_days": 2})
    old_due = timeutil.parse(old.last_post_at) + timedelta(days=2)  # type: ignore[operator]
    fresh_due = timeutil.parse(fresh.last_post_at) + timedelta(days=2)  # type: ignore[operator]
    assert housekeeping.next_auto_close(conn, None) == old_due
    assert housekeeping.next_auto_close(conn, old_due - timedelta(seconds=1)) == old_due
    assert housekeeping.next_auto_close(conn, old_due) == fresh_due  # the old one was handled then
    assert [t.id for t, _ in housekeeping.auto_close_due(conn, old_due)] == [old.id]  # due at its moment exactly
    topics.set_status(conn, old.id, "closed", close_reason="stale")
    assert housekeeping.next_auto_close(conn, None) == fresh_due
    # A reply moves it; a closed topic, a sticky and another guild's topics never count.
    seeder.reply(fresh, "still here", minutes=30)
    assert housekeeping.next_auto_close(conn, None) == seeder.clock + timedelta(days=2)
    # Reopened after its last post: idle from the reopening (a later post makes it plain again).
    reopened_at: datetime = seeder.clock + timedelta(days=5)
    topics.set_status(conn, old.id, "open", now=timeutil.iso(reopened_at))
    assert housekeeping.next_auto_close(conn, None) == seeder.clock + timedelta(days=2)  # fresh's reply first
    due: datetime = reopened_at + timedelta(days=2)
    assert housekeeping.next_auto_close(conn, seeder.clock + timedelta(days=2)) == due
    assert [t.id for t, _ in housekeeping.auto_close_due(conn, due - timedelta(seconds=1))] == [fresh.id]
    assert [t.id for t, _ in housekeeping.auto_close_due(conn, due)] == [old.id, fresh.id]

    other = Seeder(conn, guild_id=2, clock=START - timedelta(days=30), ids=itertools.count(50_000))
    other.topic(other.forum("Elsewhere", guild_id=2), "Ancient", "q")
    assert housekeeping.next_auto_close(conn, None) == seeder.clock + timedelta(days=2)  # guild 2: off
    guilds.update_settings(conn, 2, {"auto_close_days": 20})
    assert housekeeping.next_auto_close(conn, None) == other.clock + timedelta(days=20)

    # Only the guilds with auto-close on are read; per guild, one ordered step per registered
    # forum, and one step in topics_reopened.
    guild_plan, *guild_plans = plans(conn, housekeeping.next_auto_close, START)
    assert guild_plan == "SCAN guilds USING INDEX guilds_auto_close"
    assert len(guild_plans) == 4
    for found, reopened in zip(guild_plans[::2], guild_plans[1::2], strict=True):
        assert "topics_list_active (forum_id=? AND sticky=? AND last_post_at>?)" in found, found
        assert "TEMP B-TREE" not in found and "SCAN" not in found, found
        assert reopened.startswith("SEARCH t USING INDEX topics_reopened (guild_id=? AND reopened_at>?)"), reopened


def test_the_next_digest_is_a_held_window_with_news_or_a_retry(tmp_path: Path) -> None:
    seeder = Seeder(connect(tmp_path / "forum.db"))
    conn = seeder.conn
    assert latest_version() >= 12
    topic = seeder.topic(seeder.forum(), "Live", "question", author=1)
    seeder.reply(topic, "r1", author=2)
    [digest] = subscriptions.due(conn, seeder.tick())
    assert subscriptions.next_due(conn, None) is None  # due now is the poster's to announce, not planned
    window_end = seeder.clock + timedelta(minutes=10)
    subscriptions.sent(conn, digest.subscription_id, digest.newest_post_id, timeutil.iso(window_end))
    assert subscriptions.next_due(conn, None) is None  # held, but nothing new: nothing to plan
    seeder.reply(topic, "r2", author=1)
    assert subscriptions.next_due(conn, None) is None  # one's own posts are no news
    seeder.reply(topic, "r3", author=3)
    assert subscriptions.next_due(conn, None) == window_end
    assert subscriptions.next_due(conn, window_end) is None
    assert subscriptions.due(conn, timeutil.iso(window_end - timedelta(seconds=1))) == []
    assert [d.newest_post_id for d in subscriptions.due(conn, timeutil.iso(window_end))] != []

    retry = subscriptions.dm_failed(conn, 1, 1, seeder.clock, "50007") and seeder.clock + subscriptions.FIRST_RETRY
    assert subscriptions.next_due(conn, window_end) == retry

    window, retry_plan = plans(conn, subscriptions.next_due, window_end)
    assert window.startswith("SEARCH s USING INDEX subscriptions_next_dm (next_dm_at>?)"), window
    assert "TEMP B-TREE" not in window
    assert retry_plan == "SEARCH dm_failures USING COVERING INDEX dm_failures_retry (retry_at>?)"
