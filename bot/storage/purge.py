"""Purge: the only permanent deletion (/forumadmin purge, purge-member; SPEC §3, §4).

A purged post keeps its row as a tombstone — its number, topic, place and time, so
references (#N, nested replies, accepted answers' numbering) and the guild's number sequence
hold — and loses everything written: content, author name, attachments' records and kept
copies (``files``: for the caller to delete from the disk), revisions,
the latest edit's editor and reason, its search entry (the index triggers follow the content),
its reports' reasons. An opening post's topic loses its title too.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage import attachments, posts
from bot.storage.api import Connection
from bot.storage.models import Post

PURGED = "purged"
PURGED_NAME = "(purged)"


@dataclass(frozen=True)
class Purged:
    """What the caller still needs to remove from Discord: the post as it was."""

    post: Post
    thread_id: int  # the topic's thread (an opening post's is renamed)
    topic_number: int
    files: tuple[str, ...] = ()  # kept attachments' paths under the attachments directory


def purge_post(conn: Connection, post_id: int) -> Purged | None:
    """Purge one post; None when it is unknown or purged already."""
    post = posts.by_id(conn, post_id)
    if post is None or post.status == PURGED:
        return None
    conn.execute("DELETE FROM revisions WHERE post_id = ?", (post.id,))
    files = tuple(attachments.forget(conn, post.id))
    conn.execute(
        "UPDATE posts SET content = '', attachments = '[]', author_name = ?, status = ?, accepted = 0, "
        "edited_at = NULL, edited_by = NULL, edit_reason = NULL, continuation_ids = '[]', flag = NULL "
        "WHERE id = ?",
        (PURGED_NAME, PURGED, post.id),
    )
    conn.execute("UPDATE reports SET reason = '' WHERE post_id = ?", (post.id,))
    topic = conn.execute("SELECT number, thread_id FROM topics WHERE id = ?", (post.topic_id,)).fetchone()
    if post.is_opening:
        conn.execute(
            "UPDATE topics SET title = ?, author_name = ? WHERE id = ?",
            (f"Topic #{topic[0]} (purged)", PURGED_NAME, post.topic_id),
        )
    posts.refresh_counters(conn, post.topic_id)
    return Purged(post, topic[1], topic[0], files)


def purge_member(conn: Connection, guild_id: int, user_id: int) -> list[Purged]:
    """Purge every post of this member in this guild, oldest first."""
    ids = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM posts WHERE guild_id = ? AND author_id = ? AND status != ? ORDER BY created_at, id",
            (guild_id, user_id, PURGED),
        ).fetchall()
    ]
    done = [purge_post(conn, post_id) for post_id in ids]
    # Others' mentions of them no longer read their name on the archive (@unknown-user).
    conn.execute("DELETE FROM mention_names WHERE guild_id = ? AND kind = 'user' AND id = ?", (guild_id, user_id))
    return [p for p in done if p is not None]


def member_post_count(conn: Connection, guild_id: int, user_id: int) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM posts WHERE guild_id = ? AND author_id = ? AND status != ?", (guild_id, user_id, PURGED)
    ).fetchone()
    return int(row[0])
