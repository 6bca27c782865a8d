"""A forum database written through the repositories (no Discord): the example thread and its edges."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.storage import connect as connect_url
from bot.storage import forums, importing, posts
from bot.storage.models import NewPost, NewTopic
from bot.storage.sqlite.database import migrate

GUILD = 100
TITLE = "What is the difference between personalized medicine and precision medicine?"
QUESTION = "Is there a difference between personalized medicine and precision medicine, or they are the same?"
KUMAR = "Precision medicine and personalized medicine are often used **interchangeably** ..."
DRM = 'The terms "precision medicine" and "personalized medicine" overlap ...'
HOSTILE = "<script>alert('owned')</script> [click](javascript:alert(1)) & <b>bold</b>"
SPAM = "BUY-CHEAP-PILLS-NOW"
DELETED = "this-reply-was-deleted"
SECRET = "Secret staff plans"


@dataclass
class Seeded:
    path: Path | str  # a SQLite file, or a database URL (either backend)
    forum_id: int
    staff_forum_id: int
    topic_id: int
    nested_number: int

    @property
    def settings(self) -> Settings:
        if isinstance(self.path, str):
            return Settings(database_url=self.path)
        return Settings(database_path=self.path)


def _post(number: int, name: str, content: str, minute: int, **extra: object) -> NewPost:
    fields: dict[str, object] = {
        "guild_id": GUILD,
        "message_id": 900000 + number,
        "channel_id": 700000,
        "author_id": sum(map(ord, name)),
        "author_name": name,
        "author_role": "participant",
        "content": content,
        "created_at": f"2026-11-28T10:{minute:02d}:00.000000+00:00",
        "number": number,
    }
    fields.update(extra)
    return NewPost(**fields)  # type: ignore[arg-type]


def connect(path: Path | str) -> Any:
    if isinstance(path, str):  # a DATABASE_URL
        return connect_url(Settings(database_url=path), migrate_schema=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    migrate(conn)
    return conn


def seed(path: Path | str, *, extra_topics: int = 0) -> Seeded:
    conn = connect(path)
    conn.execute("BEGIN")
    forum = forums.register(
        conn,
        guild_id=GUILD,
        guild_name="Activity",
        channel_id=500,
        name="Discussion",
        description="Talk",
        public=True,
        solved_tag_id=None,
        now="2026-11-28T09:00:00+00:00",
    )
    staff = forums.register(
        conn,
        guild_id=GUILD,
        guild_name="Activity",
        channel_id=501,
        name="Staff room",
        description="",
        public=False,
        solved_tag_id=None,
        now="2026-11-28T09:00:00+00:00",
    )
    topic = posts.record_topic(
        conn,
        NewTopic(
            guild_id=GUILD,
            forum_id=forum.id,
            thread_id=700000,
            title=TITLE,
            opening=_post(3146, "Marzana M", QUESTION, 0),
        ),
    ).topic
    posts.record_reply(conn, topic.id, _post(3147, "Dr. Kumar", KUMAR, 5))
    answer = posts.record_reply(conn, topic.id, _post(3153, "Dr. M", DRM, 9)).post
    importing.set_accepted(conn, answer.id)
    posts.record_reply(conn, topic.id, _post(3154, "Marzana M", "Thanks, that helps!", 12, reply_to_message_id=903147))
    posts.record_reply(conn, topic.id, _post(3155, "Mallory", HOSTILE, 14))
    posts.record_reply(conn, topic.id, _post(3156, "Spammer", SPAM, 15, status="spam"))
    gone = posts.record_reply(conn, topic.id, _post(3157, "Dr. Kumar", DELETED, 16)).post
    posts.set_status(conn, gone.id, "deleted")
    secret = NewTopic(
        guild_id=GUILD,
        forum_id=staff.id,
        thread_id=700001,
        title=SECRET,
        opening=_post(3160, "Mod", SECRET + " body", 20, channel_id=700001, message_id=903160),
    )
    posts.record_topic(conn, secret)
    for index in range(extra_topics):
        number = 4000 + index
        made = posts.record_topic(
            conn,
            NewTopic(
                guild_id=GUILD,
                forum_id=forum.id,
                thread_id=800000 + index,
                title=f"Filler topic {index}",
                opening=_post(
                    number, "Filler", f"filler body {index}", 30, channel_id=800000 + index, message_id=950000 + index
                ),
            ),
        )
        if index == 0:
            importing.set_topic_state(conn, made.topic.id, status="open", sticky="sticky")
    conn.execute("COMMIT")
    conn.close()
    return Seeded(path=path, forum_id=forum.id, staff_forum_id=staff.id, topic_id=topic.id, nested_number=3154)
