"""Writes of the importers (and the demo): states an imported topic or post arrives in.

Recording itself goes through posts.record_topic / posts.record_reply (numbers kept where
free via NewPost.number); these functions set what recording does not: accepted answers,
closed or sticky topics, revisions and edit times, imported forums by name.
"""

from __future__ import annotations

from bot.domain.text import one_line, without_controls
from bot.storage import posts as posts_repo
from bot.storage.api import Connection, dialect
from bot.storage.models import Forum

TOPIC_STATES = ("open", "closed", "spam", "trash", "pending", "deleted")
STICKY = ("none", "sticky", "super")


def set_accepted(conn: Connection, post_id: int, accepted: bool = True) -> None:
    """Mark (or unmark) a reply as an accepted answer; the topic is solved while one is marked."""
    conn.execute("UPDATE posts SET accepted = ? WHERE id = ? AND is_opening = 0", (int(accepted), post_id))
    conn.execute(
        "UPDATE topics SET solved = CASE WHEN EXISTS(SELECT 1 FROM posts WHERE topic_id = topics.id AND accepted = 1) "
        "THEN 1 ELSE 0 END "
        "WHERE id = (SELECT topic_id FROM posts WHERE id = ?)",
        (post_id,),
    )


def set_topic_state(
    conn: Connection, topic_id: int, *, status: str, sticky: str, close_reason: str | None = None
) -> None:
    """An imported topic's status and stickiness; the forum's counters follow its visibility."""
    if status not in TOPIC_STATES or sticky not in STICKY:
        raise ValueError(f"unknown topic status {status!r} or sticky {sticky!r}")
    row = conn.execute("SELECT status, forum_id, reply_count FROM topics WHERE id = ?", (topic_id,)).fetchone()
    visible_before = row["status"] in posts_repo.VISIBLE_TOPIC
    visible_after = status in posts_repo.VISIBLE_TOPIC
    conn.execute(
        "UPDATE topics SET status = ?, sticky = ?, close_reason = ? WHERE id = ?",
        (status, sticky, close_reason if status == "closed" else None, topic_id),
    )
    if visible_before != visible_after:
        sign = 1 if visible_after else -1
        conn.execute(
            f"UPDATE forums SET topic_count = {dialect(conn).GREATEST}(0, topic_count + ?), "
            f"post_count = {dialect(conn).GREATEST}(0, post_count + ?) WHERE id = ?",
            (sign, sign * (row["reply_count"] + 1), row["forum_id"]),
        )


def set_post_history(
    conn: Connection,
    post_id: int,
    *,
    edited_at: str | None,
    revisions: list[tuple[str, str, int | None, str | None, str | None]],
    note: tuple[str | None, str | None] | None = None,
) -> None:
    """Earlier versions (content, revised_at, editor id, editor name, reason), oldest first,
    and the last edit time; the latest edit's editor and reason become the post's note.
    ``note`` (editor name, reason) is that note where the file has no earlier text (bbPress's
    revision log): readers see it, no revision is made up."""
    rows = [
        (post_id, without_controls(content), at, editor_id, one_line(name or "") or None, one_line(why or "") or None)
        for content, at, editor_id, name, why in revisions
    ]
    conn.executemany(
        "INSERT INTO revisions(post_id, content, revised_at, editor_id, editor_name, reason) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    editor, reason = (rows[-1][4], rows[-1][5]) if rows else (None, None)
    if not rows and note is not None:
        editor, reason = one_line(note[0] or "") or None, one_line(note[1] or "") or None
    conn.execute(
        "UPDATE posts SET edited_at = ?, edited_by = ?, edit_reason = ? WHERE id = ?",
        (edited_at, editor if reason else None, reason, post_id),
    )


def forum_named(conn: Connection, guild_id: int, name: str) -> Forum | None:
    """The registered forum of this guild with this name (case-insensitive)."""
    d = dialect(conn)
    row = conn.execute(
        f"SELECT * FROM forums WHERE guild_id = ? AND registered = 1 AND {d.nocase('name')} = {d.nocase('?')} "
        "ORDER BY id LIMIT 1",
        (guild_id, name),
    ).fetchone()
    return Forum.from_row(row) if row else None


def synthetic_id(conn: Connection) -> int:
    """A unique negative id for something that has no Discord object (a spam reply recorded, not posted)."""
    row = conn.execute(
        f"SELECT {dialect(conn).LEAST}(0, COALESCE((SELECT MIN(message_id) FROM posts), 0), "
        "COALESCE((SELECT MIN(thread_id) FROM topics), 0))"
    ).fetchone()
    return int(row[0]) - 1


def message_id_free(conn: Connection, message_id: int) -> bool:
    return conn.execute("SELECT 1 FROM posts WHERE message_id = ?", (message_id,)).fetchone() is None


def thread_id_free(conn: Connection, thread_id: int) -> bool:
    return conn.execute("SELECT 1 FROM topics WHERE thread_id = ?", (thread_id,)).fetchone() is None


def channel_id_free(conn: Connection, channel_id: int) -> bool:
    return conn.execute("SELECT 1 FROM forums WHERE channel_id = ?", (channel_id,)).fetchone() is None


def guild_is_empty(conn: Connection, guild_id: int) -> bool:
    return conn.execute("SELECT 1 FROM posts WHERE guild_id = ? LIMIT 1", (guild_id,)).fetchone() is None
