"""Numbers for /forumadmin stats: counts, solved share, time to first reply, activity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain import timeutil
from bot.storage.api import Connection, dialect


@dataclass(frozen=True)
class ForumStats:
    topics: int
    replies: int
    solved: int
    unanswered: int
    first_reply_seconds: list[float] = field(default_factory=list)  # one per answered topic
    active_members: list[tuple[str, int, int]] = field(default_factory=list)  # (name, user id, posts)
    posts_per_week: list[tuple[str, int]] = field(default_factory=list)  # (Monday's date, posts), oldest first


def _forums(forum_ids: Sequence[int]) -> tuple[str, list[int]]:
    ids = sorted(set(forum_ids))
    return f"t.forum_id IN ({','.join('?' * len(ids))})" if ids else "1 = 0", ids


def guild_stats(
    conn: Connection, guild_id: int, forum_ids: Sequence[int], *, top: int = 5, weeks: int = 12
) -> ForumStats:
    """Published posts of open or closed topics in these forums of the guild."""
    forums_sql, ids = _forums(forum_ids)
    visible = f"t.guild_id = ? AND t.status IN ('open', 'closed') AND {forums_sql}"
    params: list[object] = [guild_id, *ids]
    counts = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(t.reply_count), 0), COALESCE(SUM(t.solved), 0), "
        f"COUNT(*) FILTER (WHERE t.reply_count = 0) FROM topics t WHERE {visible}",
        params,
    ).fetchone()
    firsts = conn.execute(
        "SELECT t.created_at, MIN(p.created_at) FROM topics t JOIN posts p ON p.topic_id = t.id "
        f"AND p.is_opening = 0 AND p.status = 'publish' WHERE {visible} GROUP BY t.id",
        params,
    ).fetchall()
    waits = []
    for opened, first in firsts:
        start, end = timeutil.parse(opened), timeutil.parse(first)
        if start is not None and end is not None:
            waits.append(max(0.0, (end - start).total_seconds()))
    active = conn.execute(
        "SELECT p.author_id, COUNT(*) AS n, MAX(p.id) AS newest FROM posts p JOIN topics t ON t.id = p.topic_id "
        f"WHERE p.status = 'publish' AND {visible} GROUP BY p.author_id ORDER BY n DESC, newest DESC LIMIT ?",
        [*params, top],
    ).fetchall()
    members = []
    for author_id, posts, newest in active:
        name = conn.execute("SELECT author_name FROM posts WHERE id = ?", (newest,)).fetchone()[0]
        members.append((name, author_id, posts))
    weekly = conn.execute(
        f"SELECT {dialect(conn).week_start('p.created_at')} AS week, COUNT(*) FROM posts p "
        f"JOIN topics t ON t.id = p.topic_id WHERE p.status = 'publish' AND {visible} "
        "GROUP BY week ORDER BY week DESC LIMIT ?",
        [*params, weeks],
    ).fetchall()
    return ForumStats(
        topics=counts[0],
        replies=counts[1],
        solved=counts[2],
        unanswered=counts[3],
        first_reply_seconds=waits,
        active_members=members,
        posts_per_week=[(row[0], row[1]) for row in reversed(weekly)],
    )
