"""A member's forum profile (bbPress's profile page): counts, first and last post, latest topics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.storage.api import Connection
from bot.storage.models import Topic


@dataclass(frozen=True)
class PostRef:
    number: int
    topic_title: str
    channel_id: int
    message_id: int
    created_at: str


@dataclass(frozen=True)
class Profile:
    user_id: int
    name: str | None  # the display name on their latest post, if any
    topics_started: int
    replies_created: int
    accepted_answers: int
    first_post: PostRef | None
    last_post: PostRef | None
    latest_topics: list[Topic] = field(default_factory=list)


_VISIBLE = "p.status = 'publish' AND t.status IN ('open', 'closed')"


def _forums(forum_ids: Sequence[int]) -> tuple[str, list[int]]:
    ids = sorted(set(forum_ids))
    return f"t.forum_id IN ({','.join('?' * len(ids))})" if ids else "1 = 0", ids


def _post_ref(conn: Connection, sql: str, params: list[object]) -> PostRef | None:
    row = conn.execute(sql, params).fetchone()
    if row is None:
        return None
    return PostRef(
        number=row["number"],
        topic_title=row["title"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        created_at=row["created_at"],
    )


def profile(conn: Connection, *, guild_id: int, user_id: int, forum_ids: Sequence[int], latest: int = 5) -> Profile:
    """What this member posted in these forums (published posts of visible topics only)."""
    forums_sql, ids = _forums(forum_ids)
    base = f"FROM posts p JOIN topics t ON t.id = p.topic_id WHERE p.guild_id = ? AND p.author_id = ? AND {_VISIBLE}"
    params: list[object] = [guild_id, user_id]
    counts = conn.execute(
        "SELECT COUNT(*) FILTER (WHERE p.is_opening = 1) AS topics, COUNT(*) FILTER (WHERE p.is_opening = 0) AS "
        f"replies, COUNT(*) FILTER (WHERE p.accepted = 1) AS accepted {base} AND {forums_sql}",
        [*params, *ids],
    ).fetchone()
    columns = "SELECT p.number, t.title, p.channel_id, p.message_id, p.created_at, p.author_name AS name "
    first = _post_ref(conn, f"{columns} {base} AND {forums_sql} ORDER BY p.created_at, p.id LIMIT 1", [*params, *ids])
    last_sql = f"{columns} {base} AND {forums_sql} ORDER BY p.created_at DESC, p.id DESC LIMIT 1"
    last = _post_ref(conn, last_sql, [*params, *ids])
    name_row = conn.execute(last_sql, [*params, *ids]).fetchone()
    topics = [
        Topic.from_row(row)
        for row in conn.execute(
            "SELECT t.* FROM topics t WHERE t.guild_id = ? AND t.author_id = ? AND t.status IN ('open', 'closed') "
            f"AND {forums_sql} ORDER BY t.created_at DESC, t.id DESC LIMIT ?",
            [guild_id, user_id, *ids, latest],
        ).fetchall()
    ]
    return Profile(
        user_id=user_id,
        name=name_row["name"] if name_row else None,
        topics_started=counts["topics"],
        replies_created=counts["replies"],
        accepted_answers=counts["accepted"],
        first_post=first,
        last_post=last,
        latest_topics=topics,
    )
