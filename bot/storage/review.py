"""What moderators review besides reports: posts out of Discord (pending, spam, trash,
deleted) for /mod queue, a member's recent posts for /mod spam-member, and the count the
`new` hold rule asks for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.storage import importing, posts
from bot.storage.api import Connection, Row
from bot.storage.models import NewPost, NewTopic, Post, Recorded

HIDDEN = ("pending", "spam", "trash", "deleted")


@dataclass(frozen=True)
class HiddenItem:
    """A post out of Discord: a reply of that status, or the opening post of a topic of it."""

    post: Post
    topic_number: int
    topic_title: str
    topic_status: str
    forum_id: int


# A reply of that status (its own status), or a topic's opening post when the topic has it:
# a spammed, trashed, held or deleted topic keeps its opening post published. The first
# branch reads the posts_hidden index, the second topics_hidden (migration 0017 / pg 0008).
_COLUMNS = "p.*, t.number AS topic_number, t.title AS topic_title, t.status AS topic_status, t.forum_id AS forum_id"
_UNION = (
    f"SELECT {_COLUMNS} FROM posts p JOIN topics t ON t.id = p.topic_id "
    "WHERE p.guild_id = ? AND p.status = ? AND p.is_opening = 0 "
    "UNION ALL "
    f"SELECT {_COLUMNS} FROM topics t JOIN posts p ON p.topic_id = t.id AND p.is_opening = 1 "
    "WHERE t.guild_id = ? AND t.status = ?"
)


def _hidden_item(row: Row) -> HiddenItem:
    return HiddenItem(Post.from_row(row), row["topic_number"], row["topic_title"], row["topic_status"], row["forum_id"])


def hidden_posts(
    conn: Connection,
    guild_id: int,
    status: str,
    *,
    limit: int,
    offset: int = 0,
    forum_ids: Sequence[int] | None = None,
) -> tuple[list[HiddenItem], int]:
    """One page of the posts of ``status`` (oldest first), and how many there are in all (in
    ``forum_ids`` only, when given: the forums a moderator moderates and can view)."""
    if status not in HIDDEN:
        raise ValueError(f"unknown hidden status {status!r}")
    args: tuple[object, ...] = (guild_id, status, guild_id, status)
    where = ""
    if forum_ids is not None:
        where = f" WHERE forum_id IN ({','.join('?' * len(forum_ids))})" if forum_ids else " WHERE 1 = 0"
        args = (*args, *forum_ids)
    total = conn.execute(f"SELECT COUNT(*) FROM ({_UNION}) AS hidden{where}", args).fetchone()[0]
    rows = conn.execute(
        f"SELECT * FROM ({_UNION}) AS hidden{where} ORDER BY created_at, id LIMIT ? OFFSET ?", (*args, limit, offset)
    ).fetchall()
    return [_hidden_item(row) for row in rows], int(total)


def hidden_post(conn: Connection, post_id: int) -> HiddenItem | None:
    """One post with its topic's number, title and status (a queue button's item)."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM posts p JOIN topics t ON t.id = p.topic_id WHERE p.id = ?",
        (post_id,),
    ).fetchone()
    return _hidden_item(row) if row else None


def member_posts_since(conn: Connection, guild_id: int, user_id: int, since: str) -> list[Post]:
    """The member's posts written at or after ``since`` that are published or pending
    (spam-member's targets), oldest first; reads the posts_author index."""
    rows = conn.execute(
        "SELECT * FROM posts WHERE guild_id = ? AND author_id = ? AND created_at >= ? "
        "AND status IN ('publish', 'pending') ORDER BY created_at, id",
        (guild_id, user_id, since),
    ).fetchall()
    return [Post.from_row(row) for row in rows]


def published_count(conn: Connection, guild_id: int, user_id: int, *, up_to: int) -> int:
    """How many published posts the member has in the guild's open and closed topics, counted
    up to ``up_to`` (the `new` hold rule only asks whether there are three); a held topic's
    opening post, published in a pending topic, does not count."""
    row = conn.execute(
        "SELECT COUNT(*) FROM (SELECT 1 FROM posts p JOIN topics t ON t.id = p.topic_id "
        "WHERE p.guild_id = ? AND p.author_id = ? AND p.status = 'publish' AND t.status IN ('open', 'closed') "
        "LIMIT ?) AS mine",
        (guild_id, user_id, up_to),
    ).fetchone()
    return int(row[0])


def hold_reply(conn: Connection, topic_id: int, new: NewPost) -> Recorded:
    """A reply held for approval that never reached Discord (/reply): recorded pending under
    a synthetic message id (as imports record posts they do not post), in its topic's thread."""
    return posts.record_reply(conn, topic_id, replace(new, message_id=importing.synthetic_id(conn), status="pending"))


def hold_topic(conn: Connection, new: NewTopic) -> Recorded:
    """A topic held for approval that never reached Discord (/topic new): recorded pending
    with synthetic thread and message ids; approval builds its thread."""
    thread_id = importing.synthetic_id(conn)
    opening = replace(new.opening, message_id=thread_id - 1, channel_id=thread_id)
    return posts.record_topic(conn, replace(new, thread_id=thread_id, status="pending", opening=opening))
