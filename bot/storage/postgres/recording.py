"""A catch-up page recorded in one statement on PostgreSQL (``posts.record_replies``).

The general path (``posts.record_replies``) sends five statements per page, each waiting for
its answer: the known messages, the guild's numbers (``UPDATE guilds ... RETURNING``), the
numbers an import took, the rows, the counters. Here they are one statement of
data-modifying ``WITH`` parts, planned once (its text is the same for any page: one array
per column), so a page costs one round trip:

- ``page``: the page's messages (each message once, in order) from arrays;
- ``fresh``: those not recorded yet (``posts.message_id``), numbered 1..n in page order;
- ``counter``: the guild's counter moved by n, locked until COMMIT as ``allocate_numbers``
  does, only when none of the n numbers is taken (an import may have taken numbers ahead of
  the sequence) and the guild's row exists;
- ``inserted``: the rows, with numbers from the counter in page order (ids are given in that
  order: ``ORDER BY``), each reply's parent when it answers a message already recorded in
  the topic;
- ``pub``, ``voices``, ``topic``, then the forum: the same counters as ``dialect.count_page``.

When the counter was not moved (no guild row, taken numbers) nothing is written and the
caller takes the general path, which handles those cases (``None``). A reply to a message
earlier in the same page gets its parent afterwards, as on the general path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.storage.models import NewPost

_COLUMNS = (
    ("message_id", "bigint"), ("channel_id", "bigint"), ("reply_to", "bigint"), ("author_id", "bigint"),
    ("author_name", "text"), ("author_role", "text"), ("content", "text"), ("attachments", "text"),
    ("status", "text"), ("flag", "text"), ("created_at", "text"),
)  # fmt: skip
_NAMES = ", ".join(name for name, _ in _COLUMNS)
_ARRAYS = ", ".join(f"%({name})s::{kind}[]" for name, kind in _COLUMNS)

# Parameters: the arrays by column name, guild, topic, visible (the statuses whose forum counts).
PAGE_SQL = f"""
WITH page AS (
    SELECT * FROM unnest({_ARRAYS}) WITH ORDINALITY AS page({_NAMES}, position)
), fresh AS (
    SELECT page.*, row_number() OVER (ORDER BY position) AS k FROM page
    WHERE NOT EXISTS (SELECT 1 FROM posts WHERE posts.message_id = page.message_id)
), n AS (
    SELECT COUNT(*) AS n FROM fresh
), counter AS (
    UPDATE guilds SET next_number = next_number + n.n FROM n
    WHERE guild_id = %(guild)s AND n.n > 0 AND NOT EXISTS (
        SELECT 1 FROM posts WHERE posts.guild_id = %(guild)s
        AND posts.number >= guilds.next_number AND posts.number < guilds.next_number + n.n)
    RETURNING guilds.next_number - n.n AS first
), inserted AS (
    INSERT INTO posts(guild_id, topic_id, number, message_id, channel_id, parent_id, is_opening, author_id,
                      author_name, author_role, content, attachments, status, flag, created_at)
    SELECT %(guild)s, %(topic)s, counter.first + fresh.k - 1, fresh.message_id, fresh.channel_id,
           (SELECT p.id FROM posts p WHERE p.message_id = fresh.reply_to AND p.topic_id = %(topic)s), 0,
           fresh.author_id, fresh.author_name, fresh.author_role, fresh.content, fresh.attachments, fresh.status,
           fresh.flag, fresh.created_at
    FROM fresh CROSS JOIN counter ORDER BY fresh.position
    RETURNING id, message_id, number, author_id, status, created_at
), pub AS (
    SELECT * FROM inserted WHERE status = 'publish'
), last AS (
    SELECT number, created_at FROM pub ORDER BY created_at DESC, number DESC LIMIT 1
), voices AS (
    INSERT INTO topic_voices(topic_id, author_id) SELECT DISTINCT %(topic)s::bigint, author_id FROM pub
    ON CONFLICT DO NOTHING RETURNING author_id
), topic AS (
    UPDATE topics SET reply_count = reply_count + (SELECT COUNT(*) FROM pub),
        voice_count = voice_count + (SELECT COUNT(*) FROM voices),
        last_post_number = CASE WHEN last.created_at >= last_post_at THEN last.number ELSE last_post_number END,
        last_post_at = GREATEST(last_post_at, last.created_at)
    FROM last WHERE topics.id = %(topic)s
    RETURNING forum_id, status, last.created_at AS last_at
), forum AS (
    UPDATE forums SET post_count = post_count + (SELECT COUNT(*) FROM pub),
        last_post_at = GREATEST(COALESCE(last_post_at, ''), topic.last_at)
    FROM topic WHERE forums.id = topic.forum_id AND topic.status = ANY(%(visible)s::text[])
)
SELECT (SELECT n FROM n), (SELECT first FROM counter),
       COALESCE((SELECT array_agg(message_id ORDER BY id) FROM inserted), '{{}}'),
       COALESCE((SELECT array_agg(id ORDER BY id) FROM inserted), '{{}}')
"""


def record_page(conn: Any, topic_id: int, news: Sequence[NewPost], visible: Sequence[str]) -> int | None:
    """Record ``news`` (replies of one topic, one guild, no numbers asked for) in one
    statement; how many were new, or None when the general path must do it (nothing written)."""
    prepared = page_params(topic_id, news, visible)
    if prepared is None:
        return None
    page, params = prepared
    with conn.raw.cursor() as cursor:
        cursor.execute(PAGE_SQL, params)
        row = cursor.fetchone()
    return finish_page(conn, page, row)


def page_params(
    topic_id: int, news: Sequence[NewPost], visible: Sequence[str]
) -> tuple[list[NewPost], dict[str, Any]] | None:
    """The page (each message once, in order) and ``PAGE_SQL``'s parameters; None when this
    page is the general path's (empty, numbers asked for, several guilds)."""
    if not news or any(new.number is not None for new in news) or len({new.guild_id for new in news}) > 1:
        return None
    seen: set[int] = set()
    page = []
    for new in news:
        if new.message_id not in seen:
            seen.add(new.message_id)
            page.append(new)
    params: dict[str, Any] = {
        "message_id": [new.message_id for new in page],
        "channel_id": [new.channel_id for new in page],
        "reply_to": [new.reply_to_message_id for new in page],
        "author_id": [new.author_id for new in page],
        "author_name": [new.author_name for new in page],
        "author_role": [new.author_role for new in page],
        "content": [new.content for new in page],
        "attachments": [new.attachments_json() if new.attachments else "[]" for new in page],
        "status": [new.status for new in page],
        "flag": [new.flag for new in page],
        "created_at": [new.created_at for new in page],
        "guild": page[0].guild_id,
        "topic": topic_id,
        "visible": list(visible),
    }
    return page, params


def finish_page(conn: Any, page: list[NewPost], row: Any) -> int | None:
    """After ``PAGE_SQL`` answered ``row``: the parents of replies to messages earlier in the
    page; how many were new, or None when nothing was written (the general path's page)."""
    fresh, first, message_ids, ids = row
    if fresh == 0:
        return 0
    if first is None:
        return None  # nothing written: the general path allocates around taken numbers
    made = dict(zip(message_ids, ids, strict=True))
    late = [  # a reply to a message earlier in this page, as record_reply would have found it
        (made[new.reply_to_message_id], made[new.message_id])
        for new in page
        if new.reply_to_message_id in made and made[new.reply_to_message_id] < made[new.message_id]
    ]
    if late:
        conn.raw.cursor().executemany("UPDATE posts SET parent_id = %s WHERE id = %s", late)
    return int(fresh)
