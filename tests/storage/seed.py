"""Building a forum in a real SQLite file for repository tests (no Discord)."""

from __future__ import annotations

import itertools
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain import timeutil
from bot.storage import forums, posts
from bot.storage.models import Forum, NewPost, NewTopic, Post, Topic
from bot.storage.sqlite.database import migrate

START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn)
    return conn


@dataclass
class Seeder:
    conn: sqlite3.Connection
    guild_id: int = 1
    clock: datetime = START
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10_000))

    def tick(self, **delta: float) -> str:
        self.clock += timedelta(**delta) if delta else timedelta(minutes=1)
        return timeutil.iso(self.clock)

    def forum(self, name: str = "Discussion", *, guild_id: int | None = None) -> Forum:
        return forums.register(
            self.conn,
            guild_id=guild_id or self.guild_id,
            guild_name="Activity",
            channel_id=next(self.ids),
            name=name,
            description="",
            public=True,
            solved_tag_id=None,
            now=self.tick(),
        )

    def _post(self, author: int, content: str, channel_id: int, guild_id: int, **kw: object) -> NewPost:
        return NewPost(
            guild_id=guild_id,
            message_id=next(self.ids),
            channel_id=channel_id,
            author_id=author,
            author_name=f"Member {author}",
            author_role="participant",
            content=content,
            created_at=self.tick(**kw),  # type: ignore[arg-type]
        )

    def topic(self, forum: Forum, title: str, body: str, *, author: int = 100, recorded_at: str | None = None) -> Topic:
        thread_id = next(self.ids)
        recorded = posts.record_topic(
            self.conn,
            NewTopic(
                guild_id=forum.guild_id,
                forum_id=forum.id,
                thread_id=thread_id,
                title=title,
                opening=self._post(author, body, thread_id, forum.guild_id),
                recorded_at=recorded_at,
            ),
        )
        return recorded.topic

    def reply(self, topic: Topic, content: str, *, author: int = 200, **delta: float) -> Post:
        return posts.record_reply(
            self.conn, topic.id, self._post(author, content, topic.thread_id, topic.guild_id, **delta)
        ).post
