"""Moving a topic's posts between topics and threads: rehome (restore), move, split, merge,
and retiring the thread a topic left behind (topics.is_retired: the recorder and catch-up skip it)."""

from __future__ import annotations

from bot.domain.text import one_line
from bot.storage import posts as posts_repo
from bot.storage import subscriptions
from bot.storage.api import Connection, dialect
from bot.storage.models import Moves, Topic
from bot.storage.topics import by_id, set_status


def rehome(
    conn: Connection,
    topic_id: int,
    *,
    thread_id: int,
    moves: Moves,
    status: str | None = None,
    forum_id: int | None = None,
    now: str | None = None,
) -> Topic:
    """The topic lives in a new thread now (restore, move): its posts follow, numbers kept.

    ``moves`` are (post id, channel id, message id); a new ``forum_id`` moves the counters;
    a topic made open at ``now`` was reopened then (``topics.set_status``).
    """
    before = by_id(conn, topic_id)
    assert before is not None
    if forum_id is not None and forum_id != before.forum_id and before.status in ("open", "closed"):
        posts_count = before.reply_count + 1
        conn.execute(
            f"UPDATE forums SET topic_count = {dialect(conn).GREATEST}(0, topic_count - 1), "
            f"post_count = {dialect(conn).GREATEST}(0, post_count - ?) WHERE id = ?",
            (posts_count, before.forum_id),
        )
        conn.execute(
            "UPDATE forums SET topic_count = topic_count + 1, post_count = post_count + ?, "
            f"last_post_at = {dialect(conn).GREATEST}(COALESCE(last_post_at, ''), ?) WHERE id = ?",
            (posts_count, before.last_post_at, forum_id),
        )
    conn.execute(
        "UPDATE topics SET thread_id = ?, forum_id = ? WHERE id = ?",
        (thread_id, forum_id if forum_id is not None else before.forum_id, topic_id),
    )
    posts_repo.relocate(conn, moves)
    if status is not None and status != before.status:
        set_status(conn, topic_id, status, now=now)
    after = by_id(conn, topic_id)
    assert after is not None
    return after


def retire_thread(conn: Connection, thread_id: int, topic_id: int, reason: str, now: str) -> None:
    """A thread the topic left (moved, merged): never adopted again as a topic."""
    conn.execute(
        "INSERT INTO retired_threads(thread_id, topic_id, reason, retired_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(thread_id) DO UPDATE SET topic_id = excluded.topic_id, reason = excluded.reason, "
        "retired_at = excluded.retired_at",
        (thread_id, topic_id, reason, now),
    )


def move(
    conn: Connection,
    topic_id: int,
    *,
    forum_id: int,
    thread_id: int,
    old_thread_id: int,
    moves: Moves,
    now: str,
) -> Topic:
    """/mod move: the topic and its posts now live in a thread of another forum."""
    moved = rehome(conn, topic_id, thread_id=thread_id, moves=moves, forum_id=forum_id)
    retire_thread(conn, old_thread_id, topic_id, "moved", now)
    return moved


def split(
    conn: Connection,
    topic_id: int,
    *,
    thread_id: int,
    title: str,
    moves: Moves,
    now: str | None = None,
) -> Topic:
    """/mod split: the moved posts (the first opens it) become a new topic; numbers kept.

    Its author (the first moved post's) follows it by default, for posts after ``now``.
    """
    old = by_id(conn, topic_id)
    assert old is not None and moves
    first = posts_repo.by_id(conn, moves[0][0])
    assert first is not None
    new_id = conn.execute(
        "INSERT INTO topics(guild_id, forum_id, number, thread_id, title, status, tags, author_id, author_name, "
        "author_role, created_at, last_post_at, last_post_number) "
        "VALUES (?, ?, ?, ?, ?, 'open', '[]', ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            old.guild_id,
            old.forum_id,
            first.number,
            thread_id,
            one_line(title),
            first.author_id,
            first.author_name,
            first.author_role,
            first.created_at,
            first.created_at,
            first.number,
        ),
    ).fetchone()[0]
    conn.execute(
        "UPDATE forums SET topic_count = topic_count + 1, post_count = post_count + 1 WHERE id = ?", (old.forum_id,)
    )
    moved_ids = [move[0] for move in moves]
    conn.executemany("UPDATE posts SET topic_id = ? WHERE id = ?", [(new_id, post_id) for post_id in moved_ids])
    posts_repo.relocate(conn, moves)
    conn.execute("UPDATE posts SET is_opening = 1, parent_id = NULL WHERE id = ?", (first.id,))
    marks = ",".join("?" * len(moved_ids))
    # A moved reply that answered a post left behind is a plain reply now.
    conn.execute(
        "UPDATE posts SET parent_id = NULL WHERE topic_id = ? AND parent_id IS NOT NULL "
        f"AND parent_id NOT IN ({marks})",
        [new_id, *moved_ids],
    )
    posts_repo.refresh_counters(conn, topic_id)
    posts_repo.refresh_counters(conn, new_id)
    subscriptions.subscribe_author(conn, new_id, now)
    created = by_id(conn, new_id)
    assert created is not None
    return created


def merge(
    conn: Connection,
    source_id: int,
    target_id: int,
    *,
    moves: Moves,
    old_thread_id: int,
    now: str,
) -> Topic:
    """/mod merge: the source's posts join the target (numbers kept, read in time order);
    the source stays as a closed topic (reason ``merged``) and its thread is retired."""
    source = by_id(conn, source_id)
    assert source is not None
    moved_ids = [move[0] for move in moves]
    conn.executemany("UPDATE posts SET topic_id = ?, is_opening = 0 WHERE id = ?", [(target_id, i) for i in moved_ids])
    posts_repo.relocate(conn, moves)
    conn.execute("UPDATE topics SET status = 'closed', close_reason = 'merged' WHERE id = ?", (source_id,))
    posts_repo.refresh_counters(conn, source_id)  # takes its replies off the forum's count ...
    if source.status in ("open", "closed"):  # ... and its opening post, which left too
        conn.execute(
            f"UPDATE forums SET post_count = {dialect(conn).GREATEST}(0, post_count - 1) WHERE id = ?",
            (source.forum_id,),
        )
    posts_repo.refresh_counters(conn, target_id)
    retire_thread(conn, old_thread_id, source_id, "merged", now)
    target = by_id(conn, target_id)
    assert target is not None
    return target
