"""Recording an import: ImportDoc pieces → repository calls (no SQL here, no discord).

Used both by `/forumadmin import` (after each message is posted, with the Discord ids it
got) and by `python -m bot import` (offline: the file's own ids where free, otherwise
synthetic negative ids). Progress of a resumable import lives in kv under one key per
guild and file, written in the same transaction as each recorded post.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot import clock
from bot.domain import timeutil
from bot.porting.model import ImportDoc, ImportPost, ImportTopic
from bot.storage import forums, guilds, importing, kv, posts
from bot.storage.api import Connection, atomically
from bot.storage.models import Forum, NewPost, NewTopic, Recorded

POSTED_TOPIC = ("open", "closed")


@dataclass
class Progress:
    """What an import has recorded so far: topic key → thread id, post key → message id."""

    key: str
    threads: dict[str, int] = field(default_factory=dict)
    messages: dict[str, int] = field(default_factory=dict)
    done_topics: list[str] = field(default_factory=list)
    numbers_kept: int = 0
    numbers_changed: int = 0

    def dump(self) -> str:
        return json.dumps(
            {
                "threads": self.threads,
                "messages": self.messages,
                "done_topics": self.done_topics,
                "kept": self.numbers_kept,
                "changed": self.numbers_changed,
            }
        )


def progress_key(guild_id: int, digest: str) -> str:
    return f"import:{guild_id}:{digest[:32]}"


def load_progress(conn: Connection, key: str) -> Progress:
    raw = kv.get(conn, key)
    if not raw:
        return Progress(key=key)
    data: dict[str, Any] = json.loads(raw)
    return Progress(
        key=key,
        threads={k: int(v) for k, v in data.get("threads", {}).items()},
        messages={k: int(v) for k, v in data.get("messages", {}).items()},
        done_topics=list(data.get("done_topics", [])),
        numbers_kept=int(data.get("kept", 0)),
        numbers_changed=int(data.get("changed", 0)),
    )


def _save(conn: Connection, progress: Progress) -> None:
    if progress.key:  # an offline import is one transaction: nothing to resume
        kv.put(conn, progress.key, progress.dump())


def shown(topic: ImportTopic) -> bool:
    """Open and closed topics are posted into Discord; spam, trash, pending and deleted are only recorded."""
    return topic.status in POSTED_TOPIC


def _new_post(
    guild_id: int, post: ImportPost, *, message_id: int, channel_id: int, parent_message: int | None
) -> NewPost:
    return NewPost(
        guild_id=guild_id,
        message_id=message_id,
        channel_id=channel_id,
        author_id=post.author.id,
        author_name=post.author.name,
        author_role=post.author.role,
        content=post.content,
        created_at=post.created_at,
        attachments=post.attachments,
        reply_to_message_id=parent_message,
        status=post.status,
        number=post.number,
    )


def _count(progress: Progress, wanted: int | None, got: int) -> None:
    if wanted is not None and wanted == got:
        progress.numbers_kept += 1
    else:
        progress.numbers_changed += 1


def record_opening(
    conn: Connection,
    progress: Progress,
    *,
    guild_id: int,
    forum_id: int,
    topic: ImportTopic,
    thread_id: int | None,
    message_id: int | None,
) -> Recorded:
    """The topic and its opening post (ids None: synthetic, for topics that are not posted)."""
    thread = thread_id if thread_id is not None else importing.synthetic_id(conn)
    opening = topic.posts[0]
    message = message_id if message_id is not None else importing.synthetic_id(conn) - 1
    recorded = posts.record_topic(
        conn,
        NewTopic(
            guild_id=guild_id,
            forum_id=forum_id,
            thread_id=thread,
            title=topic.title,
            tags=topic.tags,
            opening=_new_post(guild_id, opening, message_id=message, channel_id=thread, parent_message=None),
            # Its author follows it from the import on (replies written after the import).
            recorded_at=timeutil.iso(clock.utcnow()),
        ),
    )
    _finish_post(conn, recorded, opening)
    progress.threads[topic.key] = thread
    progress.messages[opening.key] = message
    _count(progress, opening.number, recorded.post.number)
    _save(conn, progress)
    return recorded


def record_reply(
    conn: Connection,
    progress: Progress,
    *,
    guild_id: int,
    topic_id: int,
    thread_id: int,
    post: ImportPost,
    message_id: int | None,
    parent_message: int | None,
) -> Recorded:
    message = message_id if message_id is not None else importing.synthetic_id(conn)
    recorded = posts.record_reply(
        conn,
        topic_id,
        _new_post(guild_id, post, message_id=message, channel_id=thread_id, parent_message=parent_message),
    )
    _finish_post(conn, recorded, post)
    progress.messages[post.key] = message
    _count(progress, post.number, recorded.post.number)
    _save(conn, progress)
    return recorded


def _finish_post(conn: Connection, recorded: Recorded, post: ImportPost) -> None:
    if post.revisions or post.edited_at:
        importing.set_post_history(
            conn,
            recorded.post.id,
            edited_at=post.edited_at,
            revisions=[(r.content, r.edited_at, r.editor_id, r.editor_name, r.reason) for r in post.revisions],
        )
    if post.accepted:
        importing.set_accepted(conn, recorded.post.id)


def finish_topic(conn: Connection, progress: Progress, *, topic_id: int, topic: ImportTopic) -> None:
    """Status and stickiness once every post is in (counters follow)."""
    if topic.status != "open" or topic.sticky != "none":
        importing.set_topic_state(conn, topic_id, status=topic.status, sticky=topic.sticky)
    progress.done_topics.append(topic.key)
    _save(conn, progress)


def parent_message(progress: Progress, topic: ImportTopic, post: ImportPost) -> int | None:
    """The message id of the post this one answers, when that post is already recorded."""
    if post.parent is None:
        return None
    for other in topic.posts:
        if other.number == post.parent:
            return progress.messages.get(other.key)
    return None


# ---------------------------------------------------------------- offline (CLI) import
@dataclass(frozen=True)
class OfflineSummary:
    forums: int
    topics: int
    posts: int
    numbers_kept: int
    numbers_changed: int


def import_offline(
    conn: Connection,
    guild_id: int,
    doc: ImportDoc,
    *,
    public: bool = False,
    step: Callable[[int, int], None] | None = None,
) -> OfflineSummary:
    """Record a whole file into the database, atomically, without Discord.

    Discord ids from a Threadkeeper export are kept where free (so an export imported into
    an empty database exports back the same); WXR items get synthetic negative ids. Each
    file forum becomes the guild's registered forum of that name, created when missing
    (``public`` decides whether the web archive shows created forums). ``step`` hears after
    each topic how many are done of how many (a progress bar).
    """
    return atomically(conn, lambda c: _import_offline(c, guild_id, doc, public=public, step=step))


def _forum_for(
    conn: Connection, guild_id: int, name: str, description: str, channel_id: int | None, public: bool
) -> Forum:
    found = importing.forum_named(conn, guild_id, name)
    if found is not None:
        if public and not found.public:
            forums.set_public(conn, found.id, True)  # imported again with --public: now shown
        return found
    channel = channel_id if channel_id is not None and importing.channel_id_free(conn, channel_id) else None
    return forums.register(
        conn,
        guild_id=guild_id,
        guild_name="",
        channel_id=channel if channel is not None else importing.synthetic_id(conn),
        name=name,
        description=description,
        public=public,
        solved_tag_id=None,
        now=timeutil.iso(clock.utcnow()),
    )


def _import_offline(
    conn: Connection, guild_id: int, doc: ImportDoc, *, public: bool, step: Callable[[int, int], None] | None
) -> OfflineSummary:
    guilds.ensure(conn, guild_id, doc.guild_name)
    progress = Progress(key="")
    topic_count = post_count = 0

    def free_message(wanted: int | None) -> int | None:
        return wanted if wanted is not None and importing.message_id_free(conn, wanted) else None

    for forum_doc in doc.forums:
        forum = _forum_for(conn, guild_id, forum_doc.name, forum_doc.description, forum_doc.channel_id, public)
        if forum_doc.category is not None and forum.category is None:
            forums.set_category(conn, forum.id, forum_doc.category)  # the file's category, where none is known
        for topic in forum_doc.topics:
            thread = topic.thread_id if topic.thread_id and importing.thread_id_free(conn, topic.thread_id) else None
            recorded = record_opening(
                conn,
                progress,
                guild_id=guild_id,
                forum_id=forum.id,
                topic=topic,
                thread_id=thread,
                message_id=free_message(topic.posts[0].message_id),
            )
            for post in topic.posts[1:]:
                record_reply(
                    conn,
                    progress,
                    guild_id=guild_id,
                    topic_id=recorded.topic.id,
                    thread_id=recorded.topic.thread_id,
                    post=post,
                    message_id=free_message(post.message_id),
                    parent_message=parent_message(progress, topic, post),
                )
            finish_topic(conn, progress, topic_id=recorded.topic.id, topic=topic)
            topic_count += 1
            post_count += len(topic.posts)
            if step is not None:
                step(topic_count, doc.topic_count)
    return OfflineSummary(
        forums=len(doc.forums),
        topics=topic_count,
        posts=post_count,
        numbers_kept=progress.numbers_kept,
        numbers_changed=progress.numbers_changed,
    )
