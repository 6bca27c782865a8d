"""Subscriptions to topics (new replies) and forums (new topics), and their digest state.

Each subscription keeps a cursor (the newest post id already considered) and the earliest
time its next DM may go out, so a busy topic sends at most one DM per subscriber per
``notify_digest_minutes``. A topic's author is subscribed by default
(``subscribe_author``); unsubscribing mutes that row instead of deleting it, so the
default is not re-created. Members whose DMs fail are backed off, then given up on until
they use a subscription command again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain import timeutil
from bot.domain.shards import Shards
from bot.storage import leases
from bot.storage.api import Connection, Row, dialect

DIGEST_LISTED = 8  # posts listed in one DM; the rest are counted
MAX_DM_FAILURES = 3
FIRST_RETRY = timedelta(hours=1)
ADOPTED_LOOKBACK = timedelta(days=1)
DUE_LIMIT = 500  # digests read per round; a full round runs again at once


@dataclass(frozen=True)
class Subscription:
    id: int
    guild_id: int
    user_id: int
    topic_id: int | None
    forum_id: int | None
    muted: bool
    label: str  # topic title or forum name
    number: int | None  # the topic's number
    thread_id: int | None
    channel_id: int | None  # the forum channel


@dataclass(frozen=True)
class DigestPost:
    number: int
    author_name: str
    content: str
    channel_id: int
    message_id: int
    topic_title: str
    topic_number: int
    thread_id: int


@dataclass(frozen=True)
class Digest:
    subscription_id: int
    guild_id: int
    user_id: int
    kind: str  # topic | forum
    label: str  # topic title or forum name
    forum_channel_id: int
    thread_id: int | None
    topic_number: int | None
    newest_post_id: int
    total: int
    posts: list[DigestPost] = field(default_factory=list)


def _find(conn: Connection, user_id: int, topic_id: int | None, forum_id: int | None) -> Row | None:
    ifnull = dialect(conn).IFNULL  # as the unique index spells it, so the index serves it
    row: Row | None = conn.execute(
        f"SELECT * FROM subscriptions WHERE user_id = ? AND {ifnull}(topic_id, 0) = ? AND {ifnull}(forum_id, 0) = ?",
        (user_id, topic_id or 0, forum_id or 0),
    ).fetchone()
    return row


def _max_post_id(conn: Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM posts").fetchone()[0])


def subscribe(
    conn: Connection,
    *,
    guild_id: int,
    user_id: int,
    now: str,
    topic_id: int | None = None,
    forum_id: int | None = None,
) -> bool:
    """Subscribe (or unmute); False when already subscribed. Only posts from now on are sent."""
    if (topic_id is None) == (forum_id is None):
        raise ValueError("a subscription is to one topic or one forum")
    row = _find(conn, user_id, topic_id, forum_id)
    cursor = _max_post_id(conn)
    if row is not None:
        if not row["muted"]:
            return False
        conn.execute(
            f"UPDATE subscriptions SET muted = 0, cursor_post_id = {dialect(conn).GREATEST}(cursor_post_id, ?), "
            "next_dm_at = NULL "
            "WHERE id = ?",
            (cursor, row["id"]),
        )
        return True
    conn.execute(
        "INSERT INTO subscriptions(guild_id, user_id, topic_id, forum_id, created_at, cursor_post_id) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, user_id, topic_id, forum_id, now, cursor),
    )
    return True


def unsubscribe(conn: Connection, *, user_id: int, topic_id: int | None = None, forum_id: int | None = None) -> bool:
    """Stop a subscription; False when there was none. Topic rows are muted (see module doc)."""
    row = _find(conn, user_id, topic_id, forum_id)
    if row is None or row["muted"]:
        return False
    if topic_id is not None:
        conn.execute("UPDATE subscriptions SET muted = 1 WHERE id = ?", (row["id"],))
    else:
        conn.execute("DELETE FROM subscriptions WHERE id = ?", (row["id"],))
    return True


def subscribe_author(conn: Connection, topic_id: int, now: str | None = None) -> bool:
    """The topic's author follows it by default: replies after the opening post are sent.

    A subscription tells only about posts written since it began (``created_at``). For a
    topic recorded as it happens that is the topic's start; for an old thread adopted by a
    catch-up or at registration it is at most ``ADOPTED_LOOKBACK`` before ``now``, so
    adopting a forum does not DM every author about replies from long ago.
    """
    topic = conn.execute("SELECT guild_id, author_id, created_at FROM topics WHERE id = ?", (topic_id,)).fetchone()
    if topic is None or _find(conn, topic["author_id"], topic_id, None) is not None:
        return False
    since = topic["created_at"]
    moment = timeutil.parse(now)
    if moment is not None:
        since = max(since, timeutil.iso(moment - ADOPTED_LOOKBACK))
    opening = conn.execute(
        "SELECT COALESCE(MIN(id), 0) FROM posts WHERE topic_id = ? AND is_opening = 1", (topic_id,)
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO subscriptions(guild_id, user_id, topic_id, created_at, cursor_post_id) VALUES (?, ?, ?, ?, ?)",
        (topic["guild_id"], topic["author_id"], topic_id, since, opening),
    )
    return True


def of_member(conn: Connection, guild_id: int, user_id: int) -> list[Subscription]:
    rows = conn.execute(
        "SELECT s.*, t.title AS title, t.number AS number, t.thread_id AS thread_id, "
        "f.name AS forum_name, COALESCE(f.channel_id, tf.channel_id) AS channel_id "
        "FROM subscriptions s LEFT JOIN topics t ON t.id = s.topic_id LEFT JOIN forums tf ON tf.id = t.forum_id "
        "LEFT JOIN forums f ON f.id = s.forum_id "
        "WHERE s.guild_id = ? AND s.user_id = ? AND s.muted = 0 "
        "AND (s.topic_id IS NULL OR t.status IN ('open', 'closed')) "
        "ORDER BY s.forum_id IS NULL, f.name, t.number DESC",
        (guild_id, user_id),
    ).fetchall()
    return [
        Subscription(
            id=row["id"],
            guild_id=row["guild_id"],
            user_id=row["user_id"],
            topic_id=row["topic_id"],
            forum_id=row["forum_id"],
            muted=bool(row["muted"]),
            label=row["title"] if row["topic_id"] is not None else row["forum_name"],
            number=row["number"],
            thread_id=row["thread_id"],
            channel_id=row["channel_id"],
        )
        for row in rows
    ]


# ------------------------------------------------------------------------ digests
_NOT_GIVEN_UP = (
    "NOT EXISTS (SELECT 1 FROM dm_failures d WHERE d.guild_id = s.guild_id AND d.user_id = s.user_id "
    "AND d.failures > 0 AND (d.retry_at IS NULL OR d.retry_at > :now))"
)


def next_due(conn: Connection, since: datetime | None) -> datetime | None:
    """The earliest moment after ``since`` (any, when None) a held digest may go out: a
    window (``next_dm_at``) ending on a subscription with something new, or a failed DM's
    retry. Digests due at once (a new post in an open window) are the poster's to announce.

    Only subscriptions DMed within their last window have a ``next_dm_at`` ahead, and
    ``subscriptions_next_dm`` walks them in order (migration 0012), so this stays cheap.
    """
    after = timeutil.iso(since) if since is not None else ""
    window = conn.execute(
        "SELECT s.next_dm_at FROM subscriptions s WHERE s.next_dm_at > ? AND s.muted = 0 AND (EXISTS ("
        "SELECT 1 FROM posts p WHERE p.topic_id = s.topic_id AND p.id > s.cursor_post_id AND p.status = 'publish' "
        "AND p.author_id != s.user_id AND p.created_at >= s.created_at) OR EXISTS ("
        "SELECT 1 FROM posts p JOIN topics t ON t.id = p.topic_id WHERE t.forum_id = s.forum_id "
        "AND p.is_opening = 1 AND p.id > s.cursor_post_id AND p.status = 'publish' "
        "AND p.author_id != s.user_id AND p.created_at >= s.created_at)) ORDER BY s.next_dm_at LIMIT 1",
        (after,),
    ).fetchone()
    retry = conn.execute(
        "SELECT retry_at FROM dm_failures WHERE retry_at > ? ORDER BY retry_at LIMIT 1", (after,)
    ).fetchone()
    found = [timeutil.parse(row[0]) for row in (window, retry) if row is not None]
    return min((moment for moment in found if moment is not None), default=None)


def due(conn: Connection, now: str, *, limit: int = DUE_LIMIT, shards: Shards | None = None) -> list[Digest]:
    """Subscriptions with posts to tell about whose next DM may go out now (``limit`` topic
    subscriptions and ``limit`` forum subscriptions at most), of guilds on ``shards``."""
    digests: list[Digest] = []
    window = "(s.next_dm_at IS NULL OR s.next_dm_at <= :now)"
    window += " AND " + leases.shard_filter("s.guild_id", shards)
    topic_rows = conn.execute(
        "SELECT s.id, s.guild_id, s.user_id, s.cursor_post_id, s.created_at, t.id AS topic_id, t.title, t.number, "
        "t.thread_id, "
        "f.channel_id FROM subscriptions s JOIN topics t ON t.id = s.topic_id JOIN forums f ON f.id = t.forum_id "
        "WHERE s.muted = 0 AND t.status IN ('open', 'closed') AND f.registered = 1 "
        f"AND {window} AND " + _NOT_GIVEN_UP + " AND EXISTS ("
        "SELECT 1 FROM posts p WHERE p.topic_id = s.topic_id AND p.id > s.cursor_post_id AND p.status = 'publish' "
        "AND p.author_id != s.user_id AND p.created_at >= s.created_at) ORDER BY s.id LIMIT :limit",
        {"now": now, "limit": limit},
    ).fetchall()
    for row in topic_rows:
        where = "p.topic_id = ? AND p.id > ? AND p.status = 'publish' AND p.author_id != ? AND p.created_at >= ?"
        params = (row["topic_id"], row["cursor_post_id"], row["user_id"], row["created_at"])
        digests.append(_digest(conn, row, "topic", row["title"], row["thread_id"], row["number"], where, params))
    forum_rows = conn.execute(
        "SELECT s.id, s.guild_id, s.user_id, s.cursor_post_id, s.created_at, s.forum_id, f.name, f.channel_id "
        "FROM subscriptions s JOIN forums f ON f.id = s.forum_id "
        f"WHERE s.muted = 0 AND f.registered = 1 AND {window} AND "
        + _NOT_GIVEN_UP
        + " AND EXISTS (SELECT 1 FROM posts p JOIN topics t ON t.id = p.topic_id WHERE t.forum_id = s.forum_id "
        "AND p.is_opening = 1 AND p.id > s.cursor_post_id AND p.status = 'publish' AND t.status IN ('open', 'closed') "
        "AND p.author_id != s.user_id AND p.created_at >= s.created_at) ORDER BY s.id LIMIT :limit",
        {"now": now, "limit": limit},
    ).fetchall()
    for row in forum_rows:
        where = (
            "t.forum_id = ? AND p.is_opening = 1 AND p.id > ? AND p.status = 'publish' "
            "AND t.status IN ('open', 'closed') AND p.author_id != ? AND p.created_at >= ?"
        )
        params = (row["forum_id"], row["cursor_post_id"], row["user_id"], row["created_at"])
        digests.append(_digest(conn, row, "forum", row["name"], None, None, where, params))
    return digests


def _digest(
    conn: Connection,
    row: Row,
    kind: str,
    label: str,
    thread_id: int | None,
    number: int | None,
    where: str,
    params: tuple[int, int, int, str],
) -> Digest:
    base = f"FROM posts p JOIN topics t ON t.id = p.topic_id WHERE {where}"
    total, newest = conn.execute(f"SELECT COUNT(*), MAX(p.id) {base}", params).fetchone()
    listed = conn.execute(
        "SELECT p.number, p.author_name, p.content, p.channel_id, p.message_id, t.title, t.number AS topic_number, "
        f"t.thread_id {base} ORDER BY p.id LIMIT ?",
        (*params, DIGEST_LISTED),
    ).fetchall()
    return Digest(
        subscription_id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        kind=kind,
        label=label,
        forum_channel_id=row["channel_id"],
        thread_id=thread_id,
        topic_number=number,
        newest_post_id=newest,
        total=total,
        posts=[
            DigestPost(
                number=p["number"],
                author_name=p["author_name"],
                content=p["content"],
                channel_id=p["channel_id"],
                message_id=p["message_id"],
                topic_title=p["title"],
                topic_number=p["topic_number"],
                thread_id=p["thread_id"],
            )
            for p in listed
        ],
    )


def sent(conn: Connection, subscription_id: int, newest_post_id: int, next_dm_at: str | None) -> None:
    """The DM went out (or was skipped): move the cursor and, after a DM, hold the next one."""
    conn.execute(
        f"UPDATE subscriptions SET cursor_post_id = {dialect(conn).GREATEST}(cursor_post_id, ?), "
        "next_dm_at = COALESCE(?, next_dm_at) "
        "WHERE id = ?",
        (newest_post_id, next_dm_at, subscription_id),
    )


def dm_failed(conn: Connection, guild_id: int, user_id: int, now: datetime, error: str) -> int:
    """Record a failed DM; retried after 1 h, then 2 h, then never (until they act again)."""
    row = conn.execute(
        "SELECT failures FROM dm_failures WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    ).fetchone()
    failures = (row[0] if row else 0) + 1
    retry_at = None if failures >= MAX_DM_FAILURES else timeutil.iso(now + FIRST_RETRY * 2 ** (failures - 1))
    conn.execute(
        "INSERT INTO dm_failures(guild_id, user_id, failures, retry_at, last_error) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(guild_id, user_id) DO UPDATE SET failures = excluded.failures, retry_at = excluded.retry_at, "
        "last_error = excluded.last_error",
        (guild_id, user_id, failures, retry_at, error[:200]),
    )
    return failures


def dm_ok(conn: Connection, guild_id: int, user_id: int) -> None:
    conn.execute("DELETE FROM dm_failures WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))


def dm_state(conn: Connection, guild_id: int, user_id: int) -> tuple[int, str | None] | None:
    row = conn.execute(
        "SELECT failures, retry_at FROM dm_failures WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    ).fetchone()
    return (row[0], row[1]) if row else None
