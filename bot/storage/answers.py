"""Accepted answers: marking, unmarking, and the topic's solved flag that follows them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.api import Connection
from bot.storage.models import Post, Topic


@dataclass(frozen=True)
class AnswerChange:
    post: Post  # the post after the change
    topic: Topic  # the topic after the change
    accepted: bool  # the post is now accepted
    was_solved: bool  # the topic was solved before the change


def refresh_solved(conn: Connection, topic_id: int) -> bool:
    """A topic is solved while any of its published replies is an accepted answer."""
    solved = conn.execute(
        "SELECT EXISTS(SELECT 1 FROM posts WHERE topic_id = ? AND accepted = 1 AND status = 'publish')",
        (topic_id,),
    ).fetchone()[0]
    conn.execute("UPDATE topics SET solved = ? WHERE id = ?", (int(solved), topic_id))
    return bool(solved)


def toggle(conn: Connection, post_id: int) -> AnswerChange:
    """Mark a reply as an accepted answer, or unmark it when it already is one."""
    row = conn.execute("SELECT * FROM posts WHERE id = ?", (post_id,)).fetchone()
    if row is None:
        raise LookupError(f"no post {post_id}")
    before = Post.from_row(row)
    if before.is_opening:
        raise ValueError("the opening post cannot be an answer")
    was_solved = bool(conn.execute("SELECT solved FROM topics WHERE id = ?", (before.topic_id,)).fetchone()[0])
    accepted = not before.accepted
    post = Post.from_row(
        conn.execute("UPDATE posts SET accepted = ? WHERE id = ? RETURNING *", (int(accepted), post_id)).fetchone()
    )
    refresh_solved(conn, before.topic_id)
    topic = Topic.from_row(conn.execute("SELECT * FROM topics WHERE id = ?", (before.topic_id,)).fetchone())
    return AnswerChange(post=post, topic=topic, accepted=accepted, was_solved=was_solved)


def accepted_of(conn: Connection, topic_id: int) -> list[Post]:
    rows = conn.execute(
        "SELECT * FROM posts WHERE topic_id = ? AND accepted = 1 AND status = 'publish' ORDER BY created_at, id",
        (topic_id,),
    ).fetchall()
    return [Post.from_row(row) for row in rows]
