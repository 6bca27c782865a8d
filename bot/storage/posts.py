"""Posts: the recording path (idempotent on the Discord message id), edits, deletes."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.domain.text import one_line, without_controls
from bot.storage import guilds, mention_names, subscriptions, writer
from bot.storage.api import Connection, dialect
from bot.storage.models import Mentioned, Move, Moves, NewPost, NewTopic, Post, PostOutline, Recorded, Revision, Topic

PUBLISHED = "publish"
VISIBLE_TOPIC = ("open", "closed")


def by_message(conn: Connection, message_id: int) -> Post | None:
    row = conn.execute("SELECT * FROM posts WHERE message_id = ?", (message_id,)).fetchone()
    return Post.from_row(row) if row else None


def by_any_message(conn: Connection, channel_id: int, message_id: int) -> Post | None:
    """The post of a message: its own, or one of its continuations (a long post's later messages)."""
    found = by_message(conn, message_id)
    if found is not None:
        return found
    row = conn.execute(
        "SELECT * FROM posts WHERE channel_id = ? AND continuation_ids LIKE ?", (channel_id, f"%{message_id}%")
    ).fetchone()
    return Post.from_row(row) if row and message_id in json.loads(row["continuation_ids"]) else None


def by_number(conn: Connection, guild_id: int, number: int) -> Post | None:
    row = conn.execute("SELECT * FROM posts WHERE guild_id = ? AND number = ?", (guild_id, number)).fetchone()
    return Post.from_row(row) if row else None


def by_id(conn: Connection, post_id: int) -> Post | None:
    row = conn.execute("SELECT * FROM posts WHERE id = ?", (post_id,)).fetchone()
    return Post.from_row(row) if row else None


def of_topic(conn: Connection, topic_id: int, *, include_hidden: bool = False) -> list[Post]:
    sql = "SELECT * FROM posts WHERE topic_id = ?"
    if not include_hidden:
        sql += " AND status = 'publish'"
    rows = conn.execute(sql + " ORDER BY is_opening DESC, created_at, id", (topic_id,)).fetchall()
    return [Post.from_row(row) for row in rows]


def outline(conn: Connection, topic_id: int) -> list[PostOutline]:
    """The topic's published posts in time order, without their text (the posts_topic range;
    no Post objects: a topic of 25,000 replies reads in 30 – 50 ms, where whole posts took 300)."""
    rows = dialect(conn).tuples(  # plain tuples: named rows cost twice the query here
        conn,
        "SELECT id, number, parent_id, accepted = 1, is_opening = 1 FROM posts "
        "WHERE topic_id = ? AND status = 'publish' ORDER BY created_at, id",
        (topic_id,),
    )
    return [
        PostOutline(i, number, parent, bool(accepted), bool(opening)) for i, number, parent, accepted, opening in rows
    ]


def by_ids(conn: Connection, ids: Sequence[int]) -> dict[int, Post]:
    if not ids:
        return {}
    rows = conn.execute(f"SELECT * FROM posts WHERE id IN ({','.join('?' * len(ids))})", list(ids)).fetchall()
    return {row["id"]: Post.from_row(row) for row in rows}


def last_message_id(conn: Connection, channel_id: int) -> int | None:
    """The newest recorded message of a thread: the catch-up cursor."""
    row = conn.execute("SELECT MAX(message_id) FROM posts WHERE channel_id = ?", (channel_id,)).fetchone()
    return row[0]


def revisions(conn: Connection, post_id: int) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT content, revised_at FROM revisions WHERE post_id = ? ORDER BY id", (post_id,)
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def revision_notes(conn: Connection, post_id: int) -> list[Revision]:
    """A post's revisions, oldest first, with who replaced each version and why."""
    rows = conn.execute(
        "SELECT content, revised_at, editor_id, editor_name, reason FROM revisions WHERE post_id = ? ORDER BY id",
        (post_id,),
    ).fetchall()
    return [Revision(row[0], row[1], row[2], row[3], row[4]) for row in rows]


def _topic(conn: Connection, topic_id: int) -> Topic:
    return Topic.from_row(conn.execute("SELECT * FROM topics WHERE id = ?", (topic_id,)).fetchone())


def _insert_post(conn: Connection, topic_id: int, new: NewPost, number: int, *, opening: bool) -> Post:
    parent_id = None
    if new.reply_to_message_id is not None and not opening:
        row = conn.execute(
            "SELECT id FROM posts WHERE message_id = ? AND topic_id = ?", (new.reply_to_message_id, topic_id)
        ).fetchone()
        parent_id = row[0] if row else None
    row = conn.execute(
        "INSERT INTO posts(guild_id, topic_id, number, message_id, channel_id, parent_id, is_opening, "
        "author_id, author_name, author_role, content, attachments, status, flag, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (
            new.guild_id,
            topic_id,
            number,
            new.message_id,
            new.channel_id,
            parent_id,
            int(opening),
            new.author_id,
            new.author_name,
            new.author_role,
            new.content,
            new.attachments_json(),
            new.status,
            new.flag,
            new.created_at,
        ),
    ).fetchone()
    return Post.from_row(row)


def record_topic(conn: Connection, new: NewTopic) -> Recorded:
    """Record a topic and its opening post; recording it again changes nothing."""
    row = conn.execute("SELECT * FROM topics WHERE thread_id = ?", (new.thread_id,)).fetchone()
    if row is not None:
        topic = Topic.from_row(row)
        opening = conn.execute("SELECT * FROM posts WHERE topic_id = ? AND is_opening = 1", (topic.id,)).fetchone()
        return Recorded(Post.from_row(opening), topic, created=False)
    guilds.ensure(conn, new.guild_id)
    number = guilds.allocate_number(conn, new.guild_id, new.opening.number)
    first = new.opening
    topic_id = conn.execute(
        "INSERT INTO topics(guild_id, forum_id, number, thread_id, title, status, tags, author_id, "
        "author_name, author_role, created_at, last_post_at, last_post_number) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            new.guild_id,
            new.forum_id,
            number,
            new.thread_id,
            new.title,
            new.status,
            json.dumps(list(new.tags)),
            first.author_id,
            first.author_name,
            first.author_role,
            first.created_at,
            first.created_at,
            number,
        ),
    ).fetchone()[0]
    post = _insert_post(conn, topic_id, first, number, opening=True)
    mention_names.remember_posts(conn, (first,))
    conn.execute("INSERT INTO topic_voices(topic_id, author_id) VALUES (?, ?)", (topic_id, first.author_id))
    if new.status in VISIBLE_TOPIC:
        conn.execute(
            "UPDATE forums SET topic_count = topic_count + 1, post_count = post_count + 1, "
            f"last_post_at = {dialect(conn).GREATEST}(COALESCE(last_post_at, ''), ?) WHERE id = ?",
            (first.created_at, new.forum_id),
        )
    subscriptions.subscribe_author(conn, topic_id, new.recorded_at)  # authors follow their topics
    return Recorded(post, _topic(conn, topic_id), created=True)


def record_reply(conn: Connection, topic_id: int, new: NewPost) -> Recorded:
    """Record a reply in a topic; recording the same message again changes nothing."""
    existing = conn.execute("SELECT * FROM posts WHERE message_id = ?", (new.message_id,)).fetchone()
    if existing is not None:
        post = Post.from_row(existing)
        return Recorded(post, _topic(conn, post.topic_id), created=False)
    number = guilds.allocate_number(conn, new.guild_id, new.number)
    post = _insert_post(conn, topic_id, new, number, opening=False)
    mention_names.remember_posts(conn, (new,))
    if new.status == PUBLISHED:
        greatest = dialect(conn).GREATEST
        voice = conn.execute(
            "INSERT INTO topic_voices(topic_id, author_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (topic_id, new.author_id),
        ).rowcount
        row = conn.execute(
            "UPDATE topics SET reply_count = reply_count + 1, voice_count = voice_count + ?, "
            f"last_post_at = {greatest}(last_post_at, ?), "
            "last_post_number = CASE WHEN ? >= last_post_at THEN ? ELSE last_post_number END "
            "WHERE id = ? RETURNING *",
            (voice, new.created_at, new.created_at, number, topic_id),
        ).fetchone()
        if row["status"] in VISIBLE_TOPIC:
            conn.execute(
                "UPDATE forums SET post_count = post_count + 1, "
                f"last_post_at = {greatest}(COALESCE(last_post_at, ''), ?) WHERE id = ?",
                (new.created_at, row["forum_id"]),
            )
        return Recorded(post, Topic.from_row(row), created=True)  # the topic as updated: no second read
    return Recorded(post, _topic(conn, topic_id), created=True)


def record_replies(conn: Connection, topic_id: int, news: list[NewPost]) -> int:
    """Record a page of replies of one topic at once (catch-up); returns how many were new.

    The same rows and counters as ``record_reply`` for each message in order, in a few
    statements per page instead of a dozen per message: messages already recorded are
    skipped, numbers come from the guild's sequence in message order, the inserts are one
    statement (``_insert_page``), and the topic's and forum's counters move once.
    """
    if not news:
        return 0
    mention_names.remember_posts(conn, news)
    if dialect(conn).NAME == "postgres":  # one statement per page there (postgres/recording.py)
        from bot.storage.postgres import recording

        recorded = recording.record_page(conn, topic_id, news, VISIBLE_TOPIC)
        if recorded is not None:
            return recorded
    known = {
        row[0]
        for row in conn.execute(
            f"SELECT message_id FROM posts WHERE message_id IN ({','.join('?' * len(news))})",
            [new.message_id for new in news],
        )
    }
    fresh: list[NewPost] = []
    for new in news:
        if new.message_id not in known:
            known.add(new.message_id)
            fresh.append(new)
    if not fresh:
        return 0
    if any(new.number is not None for new in fresh) or len({new.guild_id for new in fresh}) > 1:
        numbered = [(guilds.allocate_number(conn, new.guild_id, new.number), new) for new in fresh]
    else:
        numbered = list(zip(guilds.allocate_numbers(conn, fresh[0].guild_id, len(fresh)), fresh, strict=True))
    for start in range(0, len(numbered), PAGE_ROWS):
        _insert_page(conn, topic_id, numbered[start : start + PAGE_ROWS])
    published = [(number, new) for number, new in numbered if new.status == PUBLISHED]
    if published:
        authors = list(dict.fromkeys(new.author_id for _, new in published))
        last_number, last = max(published, key=lambda item: (item[1].created_at, item[0]))
        # The voices this page adds, the topic's counters and latest post, and, when the
        # topic is visible, its forum's: PostgreSQL in one statement, SQLite in three.
        dialect(conn).count_page(conn, topic_id, authors, len(published), last.created_at, last_number, VISIBLE_TOPIC)
    return len(fresh)


writer.CATCHUP_PAGES[record_replies] = VISIBLE_TOPIC  # PostgreSQL pipelines a group's pages

PAGE_ROWS = 500  # rows per multi-row INSERT: 7,000 parameters, well under SQLite's limit
_PAGE_COLUMNS = [
    ("guild_id", "bigint"), ("topic_id", "bigint"), ("number", "bigint"), ("message_id", "bigint"),
    ("channel_id", "bigint"), ("parent_id", "bigint"), ("is_opening", "integer"), ("author_id", "bigint"),
    ("author_name", "text"), ("author_role", "text"), ("content", "text"), ("attachments", "text"),
    ("status", "text"), ("flag", "text"), ("created_at", "text"),
]  # fmt: skip


def _insert_page(conn: Connection, topic_id: int, numbered: list[tuple[int, NewPost]]) -> None:
    """Insert a page of replies in one multi-row INSERT. One statement, because FTS5 writes out
    its pending index data as a new segment whenever a statement opens a statement journal:
    an INSERT per post (even through ``executemany``) made one search-index segment per post,
    all to be merged later; one INSERT makes one segment per page (``dialect.insert_rows``:
    on PostgreSQL one prepared INSERT from arrays, whatever the page's length). A reply to a message
    earlier in the page gets its parent after the insert, from the ids it returned."""
    asked = {new.reply_to_message_id for _, new in numbered if new.reply_to_message_id is not None}
    parents: dict[int, int] = {}
    if asked:
        marks = ",".join("?" * len(asked))
        parents = dict(
            conn.execute(
                f"SELECT message_id, id FROM posts WHERE topic_id = ? AND message_id IN ({marks})", [topic_id, *asked]
            ).fetchall()
        )
    rows = [
        (new.guild_id, topic_id, number, new.message_id, new.channel_id,
         parents.get(new.reply_to_message_id) if new.reply_to_message_id is not None else None, 0, new.author_id,
         new.author_name, new.author_role, new.content, new.attachments_json(), new.status, new.flag, new.created_at)
        for number, new in numbered
    ]  # fmt: skip
    ids = dict(dialect(conn).insert_rows(conn, "posts", _PAGE_COLUMNS, rows, "message_id, id"))
    late = [  # as record_reply would have found them: a message earlier in the page
        (ids[new.reply_to_message_id], ids[new.message_id])
        for _, new in numbered
        if new.reply_to_message_id in ids
        and new.reply_to_message_id not in parents
        and ids[new.reply_to_message_id] < ids[new.message_id]
    ]
    if late:
        conn.executemany("UPDATE posts SET parent_id = ? WHERE id = ?", late)


def record_edit(
    conn: Connection,
    message_id: int,
    content: str,
    edited_at: str,
    *,
    editor: tuple[int, str] | None = None,
    reason: str | None = None,
    mentioned: Sequence[Mentioned] = (),
) -> Post | None:
    """Keep the earlier version as a revision; None when unknown or unchanged. ``editor``
    (id, name) and ``reason`` say who replaced that version and why (None: Discord alone
    knows, an edit typed in Discord); the post keeps them as its latest edit's note.
    ``mentioned``: the names of what the new text mentions (``mention_names``)."""
    content = without_controls(content)  # as NewPost records it
    post = by_message(conn, message_id)
    if post is None or post.content == content:
        return None
    if mentioned:
        mention_names.remember(conn, post.guild_id, edited_at, mentioned)
    return _revise(conn, post, content, edited_at, editor=editor, reason=reason)


def edit_post(
    conn: Connection,
    post_id: int,
    content: str,
    edited_at: str,
    *,
    editor: tuple[int, str] | None,
    reason: str | None = None,
    title: str | None = None,
    continuations: Sequence[int] | None = None,
) -> Post:
    """An edit made through the bot (Edit post): the new text (and the opening post's topic
    title) recorded with a revision naming the editor and the reason; the search index
    follows by its triggers. An unchanged text with a new title or reason still counts."""
    post = by_id(conn, post_id)
    assert post is not None
    if title is not None and post.is_opening:
        conn.execute("UPDATE topics SET title = ? WHERE id = ?", (one_line(title), post.topic_id))
    if continuations is not None:
        set_continuations(conn, post.id, list(continuations))
    return _revise(conn, post, without_controls(content), edited_at, editor=editor, reason=reason)


def _revise(
    conn: Connection,
    post: Post,
    content: str,
    edited_at: str,
    *,
    editor: tuple[int, str] | None,
    reason: str | None,
) -> Post:
    editor_id, editor_name = editor if editor is not None else (None, None)
    if editor_name is not None:
        editor_name = one_line(editor_name)
    if reason is not None:
        reason = one_line(reason)
    conn.execute(
        "INSERT INTO revisions(post_id, content, revised_at, editor_id, editor_name, reason) VALUES (?, ?, ?, ?, ?, ?)",
        (post.id, post.content, edited_at, editor_id, editor_name, reason),
    )
    row = conn.execute(
        "UPDATE posts SET content = ?, edited_at = ?, edited_by = ?, edit_reason = ? WHERE id = ? RETURNING *",
        (content, edited_at, editor_name if reason else None, reason, post.id),
    ).fetchone()
    return Post.from_row(row)


def set_status(conn: Connection, post_id: int, status: str, *, only_from: str | None = None) -> bool:
    """Change a post's status and keep the topic's and forum's counters true."""
    post = by_id(conn, post_id)
    if post is None or post.status == status or (only_from is not None and post.status != only_from):
        return False
    conn.execute("UPDATE posts SET status = ? WHERE id = ?", (status, post_id))
    refresh_counters(conn, post.topic_id)
    return True


def mark_deleted(conn: Connection, message_ids: list[int]) -> list[Post]:
    """Deleted in Discord: hidden from readers, content kept. Only published posts of open or
    closed topics change (a spammed or trashed topic's messages leave with it, by the bot)."""
    changed = []
    for message_id in message_ids:
        post = by_message(conn, message_id)
        if post is None or _topic(conn, post.topic_id).status not in VISIBLE_TOPIC:
            continue
        if set_status(conn, post.id, "deleted", only_from=PUBLISHED):
            changed.append(post)
    return changed


def refresh_counters(conn: Connection, topic_id: int) -> None:
    """Recount one topic from its posts and move the forum's counters by the difference."""
    before = _topic(conn, topic_id)
    stats = conn.execute(
        "SELECT COUNT(*) FILTER (WHERE is_opening = 0) AS replies, COUNT(DISTINCT author_id) AS voices, "
        "MAX(created_at) AS last_at, COUNT(*) AS posts FROM posts WHERE topic_id = ? AND status = 'publish'",
        (topic_id,),
    ).fetchone()
    last = conn.execute(
        "SELECT number FROM posts WHERE topic_id = ? AND status = 'publish' ORDER BY created_at DESC, id DESC LIMIT 1",
        (topic_id,),
    ).fetchone()
    conn.execute("DELETE FROM topic_voices WHERE topic_id = ?", (topic_id,))
    conn.execute(
        "INSERT INTO topic_voices(topic_id, author_id) SELECT DISTINCT ?, author_id FROM posts "
        "WHERE topic_id = ? AND status = 'publish'",
        (topic_id, topic_id),
    )
    conn.execute(
        "UPDATE topics SET reply_count = ?, voice_count = ?, last_post_at = COALESCE(?, created_at), "
        "last_post_number = COALESCE(?, number), solved = CASE WHEN EXISTS(SELECT 1 FROM posts "
        "WHERE topic_id = topics.id AND accepted = 1 AND status = 'publish') THEN 1 ELSE 0 END WHERE id = ?",
        (stats["replies"], max(1, stats["voices"]), stats["last_at"], last[0] if last else None, topic_id),
    )
    old_posts = before.reply_count + 1
    new_posts = stats["replies"] + 1
    if before.status in VISIBLE_TOPIC and old_posts != new_posts:
        conn.execute(
            f"UPDATE forums SET post_count = {dialect(conn).GREATEST}(0, post_count + ?) WHERE id = ?",
            (new_posts - old_posts, before.forum_id),
        )


def set_continuations(conn: Connection, post_id: int, message_ids: list[int]) -> None:
    """The further messages a long post was split into (after its own message)."""
    conn.execute("UPDATE posts SET continuation_ids = ? WHERE id = ?", (json.dumps(message_ids), post_id))


def relocate(conn: Connection, moves: Moves) -> None:
    """The posts now live in other Discord messages (``Move``: post, channel, message, continuations)."""
    conn.executemany(
        "UPDATE posts SET channel_id = ?, message_id = ?, continuation_ids = ? WHERE id = ?",
        [
            (move.channel_id, move.message_id, json.dumps(list(move.continuations)), move.post_id)
            for move in (Move(*m) for m in moves)
        ],
    )


def restore(
    conn: Connection, post_id: int, channel_id: int, message_id: int, continuations: Sequence[int] = ()
) -> Post:
    """A moderator brought a spammed/trashed post back in a new message; its number stays."""
    relocate(conn, [Move(post_id, channel_id, message_id, tuple(continuations))])
    set_status(conn, post_id, PUBLISHED)
    found = by_id(conn, post_id)
    assert found is not None
    return found
