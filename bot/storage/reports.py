"""Reports and held posts: what reaches /mod queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.text import without_controls
from bot.storage.api import Connection, Row
from bot.storage.models import Post


def hold(conn: Connection, *, guild_id: int, post_id: int, reason: str, now: str) -> int:
    """A post recorded although it should not have been allowed (flagged)."""
    row = conn.execute(
        "INSERT INTO reports(guild_id, post_id, kind, reason, created_at) VALUES (?, ?, 'held', ?, ?) RETURNING id",
        (guild_id, post_id, without_controls(reason), now),
    ).fetchone()
    return int(row[0])


def open_count(conn: Connection, guild_id: int) -> int:
    row = conn.execute("SELECT COUNT(*) FROM reports WHERE guild_id = ? AND status = 'open'", (guild_id,)).fetchone()
    return int(row[0])


def open_for_post(conn: Connection, post_id: int) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT kind, reason FROM reports WHERE post_id = ? AND status = 'open' ORDER BY id", (post_id,)
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


@dataclass(frozen=True)
class QueueItem:
    """An open report or held post, with the post it is about."""

    id: int
    kind: str  # report | held
    reason: str
    reporter_id: int | None
    created_at: str
    post: Post
    topic_number: int
    topic_title: str


def report(conn: Connection, *, guild_id: int, post_id: int, reporter_id: int, reason: str, now: str) -> int:
    """A member reports a post; reporting the same post again while open changes nothing."""
    row = conn.execute(
        "SELECT id FROM reports WHERE post_id = ? AND reporter_id = ? AND kind = 'report' AND status = 'open'",
        (post_id, reporter_id),
    ).fetchone()
    if row is not None:
        return int(row[0])
    row = conn.execute(
        "INSERT INTO reports(guild_id, post_id, kind, reporter_id, reason, created_at) "
        "VALUES (?, ?, 'report', ?, ?, ?) RETURNING id",
        (guild_id, post_id, reporter_id, without_controls(reason), now),
    ).fetchone()
    return int(row[0])


def _item(conn: Connection, row: Row) -> QueueItem:
    post = Post.from_row(conn.execute("SELECT * FROM posts WHERE id = ?", (row["post_id"],)).fetchone())
    topic = conn.execute("SELECT number, title FROM topics WHERE id = ?", (post.topic_id,)).fetchone()
    return QueueItem(
        id=row["id"],
        kind=row["kind"],
        reason=row["reason"],
        reporter_id=row["reporter_id"],
        created_at=row["created_at"],
        post=post,
        topic_number=topic["number"],
        topic_title=topic["title"],
    )


def open_items(
    conn: Connection, guild_id: int, limit: int = 5, forum_ids: Sequence[int] | None = None, offset: int = 0
) -> tuple[list[QueueItem], int]:
    """One page of the open items, oldest first, and how many are open in all (of ``forum_ids``
    only, when given: the forums a moderator moderates and can view)."""
    if forum_ids is None:
        rows = conn.execute(
            "SELECT * FROM reports WHERE guild_id = ? AND status = 'open' ORDER BY id LIMIT ? OFFSET ?",
            (guild_id, limit, offset),
        ).fetchall()
        return [_item(conn, row) for row in rows], open_count(conn, guild_id)
    within = f"t.forum_id IN ({','.join('?' * len(forum_ids))})" if forum_ids else "1 = 0"
    scoped = (
        "FROM reports r JOIN posts p ON p.id = r.post_id JOIN topics t ON t.id = p.topic_id "
        f"WHERE r.guild_id = ? AND r.status = 'open' AND {within}"
    )
    rows = conn.execute(
        f"SELECT r.* {scoped} ORDER BY r.id LIMIT ? OFFSET ?", (guild_id, *forum_ids, limit, offset)
    ).fetchall()
    total = conn.execute(f"SELECT COUNT(*) {scoped}", (guild_id, *forum_ids)).fetchone()[0]
    return [_item(conn, row) for row in rows], int(total)


def get(conn: Connection, report_id: int) -> tuple[QueueItem, str, int] | None:
    """An item whatever its status: (item, status, guild id)."""
    row = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
    return (_item(conn, row), row["status"], row["guild_id"]) if row else None


def resolve(conn: Connection, report_id: int, *, status: str, by: int, now: str) -> bool:
    """Close an open item (approved / dismissed); False when someone already did."""
    if status not in ("approved", "dismissed"):
        raise ValueError("unknown report status")
    cursor = conn.execute(
        "UPDATE reports SET status = ?, resolved_by = ?, resolved_at = ? WHERE id = ? AND status = 'open'",
        (status, by, now, report_id),
    )
    return cursor.rowcount > 0


def resolve_post(conn: Connection, post_id: int, *, status: str, by: int, now: str) -> int:
    """Close every open item about one post (the post was dealt with)."""
    cursor = conn.execute(
        "UPDATE reports SET status = ?, resolved_by = ?, resolved_at = ? WHERE post_id = ? AND status = 'open'",
        (status, by, now, post_id),
    )
    return cursor.rowcount


def clear_flag(conn: Connection, post_id: int) -> None:
    conn.execute("UPDATE posts SET flag = NULL WHERE id = ?", (post_id,))
