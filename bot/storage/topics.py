"""Topic reads and topic-level changes. Recording lives in posts.py."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain.forumrules import ForumRules
from bot.domain.reading import reading_order, reply_thread_count
from bot.domain.text import one_line
from bot.storage import consent, members
from bot.storage import posts as posts_repo
from bot.storage.api import Connection, Row, dialect
from bot.storage.models import Forum, Post, Topic, TopicPage, TopicView

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


def by_thread(conn: Connection, thread_id: int) -> Topic | None:
    row = conn.execute("SELECT * FROM topics WHERE thread_id = ?", (thread_id,)).fetchone()
    return Topic.from_row(row) if row else None


@dataclass(frozen=True)
class PostingContext:
    """What recording a message in a thread needs to know, read in one hop."""

    topic: Topic | None  # None: a thread not recorded yet
    retired: bool  # the old thread of a moved or merged topic
    inputs: members.RoleInputs  # the author's stored role facts
    rules: ForumRules = field(default_factory=ForumRules)  # the forum's own rules (posting, status, hold)


def posting_context(
    conn: Connection, thread_id: int, guild_id: int, user_id: int, role_ids: list[int], forum_id: int | None = None
) -> PostingContext:
    topic = by_thread(conn, thread_id)
    return PostingContext(
        topic=topic,
        retired=topic is None and is_retired(conn, thread_id),
        inputs=members.role_inputs(conn, guild_id, user_id, role_ids),
        rules=forum_rules(conn, forum_id) if forum_id is not None else ForumRules(),
    )


def forum_rules(conn: Connection, forum_id: int) -> ForumRules:
    """One forum's rules alone (the live path's read; a missing forum has the defaults)."""
    row = conn.execute("SELECT posting, status, archive, hold FROM forums WHERE id = ?", (forum_id,)).fetchone()
    return ForumRules.stored(row[0], row[1], row[2], row[3]) if row else ForumRules()


def by_id(conn: Connection, topic_id: int) -> Topic | None:
    row = conn.execute("SELECT * FROM topics WHERE id = ?", (topic_id,)).fetchone()
    return Topic.from_row(row) if row else None


def containing_post_number(conn: Connection, guild_id: int, number: int) -> Topic | None:
    """The topic whose number this is, or which holds the post with this number."""
    row = conn.execute(
        "SELECT t.* FROM posts p JOIN topics t ON t.id = p.topic_id WHERE p.guild_id = ? AND p.number = ?",
        (guild_id, number),
    ).fetchone()
    return Topic.from_row(row) if row else None


def containing_message(conn: Connection, message_id: int) -> Topic | None:
    row = conn.execute(
        "SELECT t.* FROM posts p JOIN topics t ON t.id = p.topic_id WHERE p.message_id = ?", (message_id,)
    ).fetchone()
    return Topic.from_row(row) if row else None


def _in(column: str, ids: Sequence[int]) -> str:
    return f"{column} IN ({','.join('?' * len(ids))})" if ids else "1 = 0"


def _where(
    forum_ids: Sequence[int],
    super_forum_ids: Sequence[int],
    status: str,
    sort: str,
    *,
    stickies: bool,
    shown_only: bool = False,
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
    filters, filter_params = _filters(status, sort, shown_only)
    return " AND ".join([*clauses, *filters]), [*params, *filter_params]


def _filters(status: str, sort: str, shown_only: bool = False) -> tuple[list[str], list[object]]:
    """The status filter's and the sort's conditions on a topic (``shown_only``: and its
    author has not kept their posts off the web archive; ``bot.storage.consent``)."""
    params: list[object] = []
    if status in ("open", "closed"):
        clauses = ["status = ?"]
        params.append(status)
    else:
        clauses = ["status IN ('open', 'closed')"]
    if status == "solved":
        clauses.append("solved = 1")
    if sort == "unanswered":
        clauses.append("reply_count = 0")
    if shown_only:
        clauses.append(consent.shown_author_sql("topics"))
    return clauses, params


def list_page(
    conn: Connection,
    *,
    forum_ids: Sequence[int],
    super_forum_ids: Sequence[int] | None = None,
    sort: str = "latest",
    status: str = "all",
    offset: int = 0,
    limit: int = 15,
    shown_only: bool = False,
) -> tuple[list[Topic], int]:
    """A page of topics of these forums, stickies first, and the total count.

    ``shown_only`` (the web archive) leaves out topics whose author chose ``hidden``
    (``bot.storage.consent``); the total still counts them (it comes from the forums'
    counters): the caller subtracts ``consent.hidden_topic_count``."""
    if sort not in SORTS or status not in STATUS_FILTERS:
        raise ValueError("unknown sort or status")
    supers = forum_ids if super_forum_ids is None else super_forum_ids
    if dialect(conn).NAME == "postgres":  # the same list in one statement there (postgres/listing.py)
        from bot.storage.postgres import listing

        rows, total = listing.list_page(
            conn, forum_ids, supers, order=_ORDER[sort], columns=_SORT_COLUMNS[sort],
            filters=_filters(status, sort, shown_only),
            counter=None if sort == "unanswered" else _COUNTER[status], offset=offset, limit=limit,
        )  # fmt: skip
        return [Topic.from_row(row) for row in rows], total
    sticky_where, sticky_params = _where(forum_ids, supers, status, sort, stickies=True, shown_only=shown_only)
    hint = dialect(conn).indexed_by("topics_sticky")
    stickies = [
        Topic.from_row(row)
        for row in conn.execute(
            # the partial index of stickies (0001): a handful of rows, never the whole table
            f"SELECT * FROM topics {hint} WHERE sticky != 'none' AND {sticky_where} "
            f"ORDER BY sticky = 'super' DESC, {_ORDER[sort]}",
            sticky_params,
        ).fetchall()
    ]
    total = len(stickies) + _count_rest(conn, forum_ids, status, sort, shown_only)
    page: list[Topic] = stickies[offset : offset + limit]
    remaining = limit - len(page)
    if remaining > 0:
        rest_offset = max(0, offset - len(stickies))
        rest = _rest_page(conn, forum_ids, status, sort, remaining, rest_offset, shown_only)
        page += [Topic.from_row(row) for row in rest]
    return page, total


_COUNTER = {"all": "topic_count", "open": "open_count", "closed": "closed_count", "solved": "solved_count"}


def _count_rest(conn: Connection, forum_ids: Sequence[int], status: str, sort: str, shown_only: bool = False) -> int:
    """How many non-sticky topics the list holds.

    From the forums' counters (``topic_count``; the status counters of migration 0009),
    less the stickies that match (counting 100,000 index entries takes longer than a page
    should). The unanswered sort counts its small partial index.
    """
    if not forum_ids:
        return 0
    d = dialect(conn)
    if sort != "unanswered":
        listed = conn.execute(
            f"SELECT COALESCE(SUM({_COUNTER[status]}), 0) FROM forums WHERE {_in('id', forum_ids)}", list(forum_ids)
        ).fetchone()[0]
        filters, params = _filters(status, sort, shown_only)
        sticky = conn.execute(
            f"SELECT COUNT(*) FROM topics {d.indexed_by('topics_sticky')} WHERE sticky != 'none' AND "
            f"{' AND '.join([_in('forum_id', forum_ids), *filters])}",
            [*forum_ids, *params],
        ).fetchone()[0]
        return max(0, int(listed) - int(sticky))
    where, params = _where(forum_ids, (), status, sort, stickies=False, shown_only=shown_only)
    return int(
        conn.execute(f"SELECT COUNT(*) FROM topics {d.indexed_by(_INDEX[sort])} WHERE {where}", params).fetchone()[0]
    )


def _rest_page(
    conn: Connection, forum_ids: Sequence[int], status: str, sort: str, limit: int, offset: int, shown_only: bool
) -> list[Row]:
    """Non-sticky topics in sort order, read through migration 0006's index for the sort.

    One forum: one ordered index range that stops after offset + limit entries. Several
    forums: the same per forum (each at most offset + limit rows), merged and cut, so
    no query sorts every topic of the guild.
    """
    hint = dialect(conn).indexed_by(_INDEX[sort])
    if len(forum_ids) <= 1:
        where, params = _where(forum_ids, (), status, sort, stickies=False, shown_only=shown_only)
        return conn.execute(
            f"SELECT * FROM topics {hint} WHERE {where} ORDER BY {_ORDER[sort]} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
    # Each forum's candidates come from its covering index alone (no table reads), then the
    # page's rows are read by id.
    columns = _SORT_COLUMNS[sort]
    parts: list[str] = []
    params = []
    for forum_id in forum_ids:
        where, forum_params = _where([forum_id], (), status, sort, stickies=False, shown_only=shown_only)
        parts.append(
            f"SELECT * FROM (SELECT {columns} FROM topics {hint} WHERE {where} "
            f"ORDER BY {_ORDER[sort]} LIMIT ?) AS f{len(parts)}"
        )
        params += [*forum_params, offset + limit]
    ids = [
        row[0]
        for row in conn.execute(
            f"SELECT id FROM ({' UNION ALL '.join(parts)}) AS merged ORDER BY {_ORDER[sort]} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
    ]
    if not ids:
        return []
    rows = {row["id"]: row for row in conn.execute(f"SELECT * FROM topics WHERE {_in('id', ids)}", ids)}
    return [rows[topic_id] for topic_id in ids]


def show(conn: Connection, topic_id: int) -> TopicPage:
    """A topic with all its published posts (exports, the demo; readers get ``show_page``)."""
    topic = by_id(conn, topic_id)
    assert topic is not None
    posts: list[Post] = posts_repo.of_topic(conn, topic_id)
    return TopicPage(
        topic=topic,
        forum=_forum(conn, topic.forum_id),
        posts=posts,
        reply_threads=reply_thread_count(posts),
        total_posts=len(posts),
    )


def show_page(conn: Connection, topic_id: int, *, page: int, per_page: int) -> TopicView:
    """One page of a topic in reading order: the order comes from the posts' outlines, and
    only the page's posts are read in full (a topic of 25,000 replies: 340 ms → about 80)."""
    topic = by_id(conn, topic_id)
    assert topic is not None
    outline = posts_repo.outline(conn, topic_id)
    ordered = reading_order(outline)
    per_page = max(1, per_page)
    pages = max(1, -(-len(ordered) // per_page))
    page = min(max(0, page), pages - 1)
    chunk = ordered[page * per_page : (page + 1) * per_page]
    full = posts_repo.by_ids(conn, [entry.id for entry, _ in chunk])
    return TopicView(
        topic=topic,
        forum=_forum(conn, topic.forum_id),
        entries=[(full[entry.id], depth) for entry, depth in chunk],
        page=page,
        pages=pages,
        total_posts=len(outline),
        reply_threads=reply_thread_count(outline),
    )


def page_of(conn: Connection, topic_id: int, number: int, per_page: int) -> int | None:
    """The 0-based page of ``show_page`` holding the published post ``#number``, if any."""
    order = [entry.number for entry, _ in reading_order(posts_repo.outline(conn, topic_id))]
    return order.index(number) // max(1, per_page) if number in order else None


def _greatest(conn: Connection) -> str:
    return str(dialect(conn).GREATEST)


def _forum(conn: Connection, forum_id: int) -> Forum:
    return Forum.from_row(conn.execute("SELECT * FROM forums WHERE id = ?", (forum_id,)).fetchone())


def mark_thread_deleted(conn: Connection, thread_id: int) -> Topic | None:
    """The thread is gone from Discord: the topic is kept, hidden, with its posts."""
    topic = by_thread(conn, thread_id)
    # Spam and trash keep their status: a moderator removed the thread on purpose.
    if topic is None or topic.status not in ("open", "closed"):
        return None
    conn.execute("UPDATE topics SET status = 'deleted' WHERE id = ?", (topic.id,))
    if topic.status in ("open", "closed"):
        conn.execute(
            f"UPDATE forums SET topic_count = {_greatest(conn)}(0, topic_count - 1), "
            f"post_count = {_greatest(conn)}(0, post_count - ?) WHERE id = ?",
            (topic.reply_count + 1, topic.forum_id),
        )
    return topic


def set_status(
    conn: Connection, topic_id: int, status: str, *, close_reason: str | None = None, now: str | None = None
) -> Topic:
    """Change a topic's status (moderation) and keep the forum's counters true.

    ``close_reason`` is kept for closed topics and cleared otherwise. A topic that becomes
    open again at ``now`` (given) keeps that moment in ``reopened_at``: the idle auto-close
    counts from it as from a post (bot/storage/housekeeping.py).
    """
    before = by_id(conn, topic_id)
    assert before is not None
    conn.execute(
        "UPDATE topics SET status = ?, close_reason = ? WHERE id = ?",
        (status, close_reason if status == "closed" else None, topic_id),
    )
    if now is not None and status == "open" and before.status != "open":
        conn.execute("UPDATE topics SET reopened_at = ? WHERE id = ?", (now, topic_id))
    was, counted = before.status in ("open", "closed"), status in ("open", "closed")
    if was != counted:
        sign = 1 if counted else -1
        conn.execute(
            f"UPDATE forums SET topic_count = {_greatest(conn)}(0, topic_count + ?), "
            f"post_count = {_greatest(conn)}(0, post_count + ?) WHERE id = ?",
            (sign, sign * (before.reply_count + 1), before.forum_id),
        )
    after = by_id(conn, topic_id)
    assert after is not None
    return after


def still_in_status(conn: Connection, topic_id: int, status: str) -> bool:
    """Whether the topic is still in ``status``, its row locked for the rest of the transaction
    (an UPDATE that changes nothing): of two processes recording the same change seen in
    Discord, the second finds it made and records nothing (no second audit entry)."""
    cursor = conn.execute("UPDATE topics SET status = status WHERE id = ? AND status = ?", (topic_id, status))
    return int(cursor.rowcount) > 0


def set_sticky(conn: Connection, topic_id: int, sticky: str) -> None:
    if sticky not in ("none", "sticky", "super"):
        raise ValueError("unknown sticky")
    conn.execute("UPDATE topics SET sticky = ? WHERE id = ?", (sticky, topic_id))


def idle_open(conn: Connection, guild_id: int, before: str, limit: int = 50) -> list[Topic]:
    """Open, non-sticky topics of registered forums with no post after ``before``, and not
    reopened after it either."""
    rows = conn.execute(  # a range of topics_list_active per registered forum
        "SELECT t.* FROM topics t WHERE t.forum_id IN (SELECT id FROM forums WHERE guild_id = ? AND registered = 1) "
        "AND t.sticky = 'none' AND t.last_post_at <= ? AND t.status = 'open' "
        "AND (t.reopened_at IS NULL OR t.reopened_at <= ?) ORDER BY t.last_post_at, t.id LIMIT ?",
        (guild_id, before, before, limit),
    ).fetchall()
    return [Topic.from_row(row) for row in rows]


def is_retired(conn: Connection, thread_id: int) -> bool:
    row = conn.execute("SELECT 1 FROM retired_threads WHERE thread_id = ?", (thread_id,)).fetchone()
    return row is not None


def set_thread_state(
    conn: Connection,
    topic_id: int,
    *,
    title: str | None = None,
    tags: Sequence[str] | None = None,
    sticky: str | None = None,
    archived: bool | None = None,
) -> None:
    """What Discord shows of the topic's thread (bot/domain/threadstate.py): only what is given
    changes; the title's search entry follows by its triggers."""
    if sticky is not None and sticky not in ("none", "sticky", "super"):
        raise ValueError("unknown sticky")
    sets: list[str] = []
    values: list[object] = []
    for column, value in (
        ("title", one_line(title) if title is not None else None),
        ("tags", json.dumps([one_line(t) for t in tags]) if tags is not None else None),
        ("sticky", sticky),
        ("archived", int(archived) if archived is not None else None),
    ):
        if value is not None:
            sets.append(f"{column} = ?")
            values.append(value)
    if sets:
        conn.execute(f"UPDATE topics SET {', '.join(sets)} WHERE id = ?", (*values, topic_id))
