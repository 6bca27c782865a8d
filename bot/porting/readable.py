"""What the readable exports (HTML, Markdown) hold: a guild's forums, topics and pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.mentions import NO_NAMES, Names, references
from bot.domain.reading import reading_order
from bot.storage import archive, names
from bot.storage.api import Connection
from bot.storage.models import Forum, Post, TopicPage


@dataclass(frozen=True)
class ReadableTopic:
    page: TopicPage
    ordered: list[tuple[Post, int]]


@dataclass(frozen=True)
class ReadableForum:
    forum: Forum
    topics: list[ReadableTopic]


@dataclass(frozen=True)
class ReadableGuild:
    guild_id: int
    name: str
    forums: list[ReadableForum]
    names: Names = NO_NAMES  # of the users, roles and channels the posts mention


def collect(conn: Connection, guild_id: int, step: Callable[[int, int], None] | None = None) -> ReadableGuild:
    """Open and closed topics with their published posts, in reading order (as the archive shows them).
    ``step`` hears after each topic how many are done of how many."""
    listed = [(forum, archive.export_topics(conn, forum.id)) for forum in archive.export_forums(conn, guild_id)]
    total, done = sum(len(found) for _, found in listed), 0
    forums = []
    for forum, found in listed:
        topics = []
        for topic in found:
            page = archive.topic_page(conn, topic.id)
            topics.append(ReadableTopic(page=page, ordered=reading_order(page.posts)))
            done += 1
            if step is not None:
                step(done, total)
        forums.append(ReadableForum(forum=forum, topics=topics))
    refs = references(post.content for forum in forums for topic in forum.topics for post, _ in topic.ordered)
    # An export is a keymaster's and holds private forums too: their channels are named.
    mentioned = names.lookup(conn, guild_id, refs, public_only=False) if refs else NO_NAMES
    return ReadableGuild(guild_id=guild_id, name=archive.guild_name(conn, guild_id), forums=forums, names=mentioned)
