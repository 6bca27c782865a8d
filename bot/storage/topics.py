"""Topic reads and topic-level changes. Recording lives in posts.py."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from bot.storage import posts as posts_repo
from bot.storage.models import Forum, Post, Topic, TopicPage

SORTS = ("latest", "active", "unanswered", "popular")
STATUS_FILTERS = ("all", "open", "closed", "solved")
# Migration 0006's covering index for each sort (non-sticky topics).
_INDEX = {
    "latest": "topics_list_latest",
    "active": "topics_list_active",
    "unanswered": "topics_list_unanswered",
    "popular": "topics_list_popular",
}
# The columns each sort orders by (all in its index).
_SORT_COLUMNS = {
    "latest": "id, created_at",
    "active": "id, last_post_at",
    "unanswered": "id, created_at",
    "popular": "id, reply_count, last_post_at",
}
_ORDER = {
    "latest": "created_at DESC, id DESC",
    "active": "last_post_at DESC, id DESC",
    "unanswered": "created_at DESC, id DESC",
    "popular": "reply_count DESC, last_post_at DESC, id DESC",
}


def by_thread(conn: sqlite3.Connection, thread_id: int) -> Topic | None:
    row = conn.execute("SELECT * FROM topics WHERE thread_id = ?", (thread_id,)).fetchone()
    return Topic.from_row(row) if row else None


def by_id(conn: sqlite3.Connection, topic_id: int) -> Topic | None:
    row = conn.execute("SELECT * FROM topics WHERE id = ?", (topic_id,)).fetchone()
    return Topic.from_row(row) if row else None


def containing_post_number(conn: sqlite3.Connection, guild_id: int, number: int) -> Topic | None:
    """The topic whose number this is, or which holds the post with this number."""
    row = conn.execute(
        "SELECT t.* FROM posts p JOIN topics t ON t.id = p.topic_id WHERE p.guild_id = ? AND p.number = ?",
        (guild_id, number),
    ).fetchone()
    return Topic.from_row(row) if row else None


def containing_message(conn: sqlite3.Connection, message_id: int) -> Topic | None:
    row = conn.execute(
        "SELECT t.* FROM posts p JOIN topics t ON t.id = p.topic_id WHERE p.message_id = ?", (message_id,)
    ).fetchone()
    return Topic.from_row(row) if row else None


def _in(column: str, ids: Sequence[int]) -> str:
    return f"{column} IN ({','.join('?' * len(ids))})" if ids else "0"


def _where(
    forum_ids: Sequence[int], super_forum_ids: Sequence[int], status: str, sort: str, *, stickies: bool
) -> tuple[str, list[object]]:
    if stickies:
        # Super stickies (of any forum the reader can see) list first in every forum.
        clauses = [
            f"(({_in('forum_id', forum_ids)} AND sticky = 'sticky') OR "
            f"({_in('forum_id', super_forum_ids)} AND sticky = 'super'))"
        ]
        params: list[object] = [*forum_ids, *super_forum_ids]
    else:
        clauses = [_in("forum_id", forum_ids), "sticky = 'none'"]
        params = [*forum_ids]
    if status in ("open", "closed"):
        clauses.append("status = ?")
        params.append(status)
    else:
        clauses.append("status IN ('open', 'closed')")
    if status == "solved":
        clauses.append("solved = 1")
    if sort == "unanswered":
        clauses.append("reply_count = 0")
    return " AND ".join(clauses), params


def list_page(
    conn: sqlite3.Connection,
    *,
    forum_ids: Sequence[int],
    super_forum_ids: Sequence[int] | None = None,
    sort: str = "latest",
    status: str = "all",
    offset: int = 0,
    limit: int = 15,
) -> tuple[list[Topic], int]:
    """A page of topics of these forums, stickies first, and the total count."""
    if sort not in SORTS or status not in STATUS_FILTERS:
        raise ValueError("unknown sort or status")
    supers = forum_ids if super_forum_ids is None else super_forum_ids
    sticky_where, sticky_params = _where(forum_ids, supers, status, sort, stickies=True)
    stickies = [
        Topic.from_row(row)
        for row in conn.execute(
            # the partial index of stickies (0001): a handful of rows, never the whole table
            f"SELECT * FROM topics INDEXED BY topics_sticky WHERE sticky != 'none' AND {sticky_where} "
            f"ORDER BY sticky = 'super' DESC, {_ORDER[sort]}",
            sticky_params,
        ).fetchall()
    ]
    total = len(stickies) + _count_rest(conn, forum_ids, status, sort)
    page: list[Topic] = stickies[offset : offset + limit]
    remaining = limit - len(page)
    if remaining > 0:
        rest_offset = max(0, offset - len(stickies))
        page += [Topic.from_row(row) for row in _rest_page(conn, forum_ids, status, sort, remaining, rest_offset)]
    return page, total


def _count_rest(conn: sqlite3.Connection, forum_ids: Sequence[int], status: str, sort: str) -> int:
    """How many non-sticky topics the list holds.

    Every published topic of every status: the forums' counters, less their stickies
    (counting 100,000 index entries takes longer than a page should). Other filters
    count their covering index range.
    """
    if not forum_ids:
        return 0
    if status == "all" and sort != "unanswered":
        published = conn.execute(
            f"SELECT IFNULL(SUM(topic_count), 0) FROM forums WHERE {_in('id', forum_ids)}", list(forum_ids)
        ).fetchone()[0]
        sticky = conn.execute(
            f"SELECT COUNT(*) FROM topics INDEXED BY topics_sticky WHERE sticky != 'none' AND "
            f"{_in('forum_id', forum_ids)} AND status IN ('open', 'closed')",
            list(forum_ids),
        ).fetchone()[0]
        return max(0, int(published) - int(sticky))
    where, params = _where(forum_ids, (), status, sort, stickies=False)
    return int(
        conn.execute(f"SELECT COUNT(*) FROM topics INDEXED BY {_INDEX[sort]} WHERE {where}", params).fetchone()[0]
    )


def _rest_page(
    conn: sqlite3.Connection, forum_ids: Sequence[int], status: str, sort: str, limit: int, offset: int
) -> list[sqlite3.Row]:
    """Non-sticky topics in sort order, read through migration 0006's index for the sort.

    One forum: one ordered index range that stops after offset + limit entries. Several
    forums: the same per forum (each at most offset + limit rows), merged and cut, so
    no query sorts every topic of the guild.
    """
    if len(forum_ids) <= 1:
        where, params = _where(forum_ids, (), status, sort, stickies=False)
        return conn.execute(
            f"SELECT * FROM topics INDEXED BY {_INDEX[sort]} WHERE {where} ORDER BY {_ORDER[sort]} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
    # Each forum's candidates come from its covering index alone (no table reads), then the
    # page's rows are read by id.
    columns = _SORT_COLUMNS[sort]
    parts, params = [], []
    for forum_id in forum_ids:
        where, forum_params = _where([forum_id], (), status, sort, stickies=False)
        parts.append(
            f"SELECT * FROM (SELECT {columns} FROM topics INDEXED BY {_INDEX[sort]} WHERE {where} "
            f"ORDER BY {_ORDER[sort]} LIMIT ?)"
        )
        params += [*forum_params, offset + limit]
    ids = [
        row[0]
        for row in conn.execute(
            f"SELECT id FROM ({' UNION ALL '.join(parts)}) ORDER BY {_ORDER[sort]} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
    ]
    if not ids:
        return []
    rows = {row["id"]: row for row in conn.execute(f"SELECT * FROM topics WHERE {_in('id', ids)}", ids)}
    return [rows[topic_id] for topic_id in ids]


def show(conn: sqlite3.Connection, topic_id: int) -> TopicPage:
    """A topic with its published posts, for reading."""
    topic = by_id(conn, topic_id)
    assert topic is not None
    forum_row = conn.execute("SELECT * FROM forums WHERE id = ?", (topic.forum_id,)).fetchone()
    posts: list[Post] = posts_repo.of_topic(conn, topic_id)
    replies = {post.id for post in posts if not post.is_opening}
    # A reply thread is a reply that does not answer another (visible) reply.
    reply_threads = sum(1 for post in posts if post.id in replies and post.parent_id not in replies)
    return TopicPage(
        topic=topic,
        forum=Forum.from_row(forum_row),
        posts=posts,
        reply_threads=reply_threads,
        total_posts=len(posts),
    )


def mark_thread_deleted(conn: sqlite3.Connection, thread_id: int) -> Topic | None:
    """The thread is gone from Discord: the topic is kept, hidden, with its posts."""
    topic = by_thread(conn, thread_id)
    if topic is None or topic.status == "deleted":
        return None
    conn.execute("UPDATE topics SET status = 'deleted' WHERE id = ?", (topic.id,))
    if topic.status in ("open", "closed"):
        conn.execute(
            "UPDATE forums SET topic_count = MAX(0, topic_count - 1), post_count = MAX(0, post_count - ?) WHERE id = ?",
            (topic.reply_count + 1, topic.forum_id),
        )
    return topic
