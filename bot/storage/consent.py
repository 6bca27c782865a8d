"""Members' consent to the public web archive: ``/forum privacy archive:hidden`` (SPEC §4, §6).

A member of a guild who chose ``hidden`` has a row in ``archive_optouts`` (migrations 0021 /
pg 0012); no row is the default, ``shown``. What the archive does with it
(docs/archive.md, "Members who keep their posts off the web"):

- their replies are left out of every archive surface (topic pages and their reading order,
  search, feeds, sitemaps, structured data, descriptions, the readable exports), as a
  deleted post is: the other posts keep their numbers, a reply that answered theirs stands
  as a reply thread of its own, and ``Viewing N reply threads`` counts what is shown;
- a topic they started leaves the archive whole (its title and opening post are their
  words): no page, no row in its forum, no search hit, feed item or sitemap entry;
- the counts the archive shows (a topic's Voices, Posts and Freshness, a forum's Topics,
  Posts and Freshness) leave them out too, so no count or link points at a hidden post.

The archive reads the choice at every request (nothing is remembered), so a choice takes
effect at once and for every earlier post, and ``shown`` brings them back the same way.
Discord, ``/search`` in Discord and the JSON export are unchanged. Posts of an imported
author linked to the member (``/forumadmin link-author``) carry the member's id, so they
follow the member's choice.

The archive's queries filter with ``hidden_author_sql`` (an indexed ``NOT EXISTS`` on this
small table); the big reads (a topic's outline, a forum's list, search) add it only when
the guild has an opt-out at all (``any_in``), so the common case costs one index seek.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from bot.storage import guilds
from bot.storage.api import Connection
from bot.storage.models import Forum, Topic

SHOWN = "shown"
HIDDEN = "hidden"
CHOICES = (SHOWN, HIDDEN)


def chose_hidden_sql(guild: str, member: str) -> str:
    """True where the member in column ``member`` of the guild in column ``guild`` chose ``hidden``."""
    return f"EXISTS (SELECT 1 FROM archive_optouts o WHERE o.guild_id = {guild} AND o.member_id = {member})"


def hidden_author_sql(alias: str) -> str:
    """True for a row of ``posts`` or ``topics`` (as ``alias``) whose author chose ``hidden``."""
    return chose_hidden_sql(f"{alias}.guild_id", f"{alias}.author_id")


def shown_author_sql(alias: str) -> str:
    return "NOT " + hidden_author_sql(alias)


# ---------------------------------------------------------------- the choice
def choice(conn: Connection, guild_id: int, member_id: int) -> str:
    row = conn.execute(
        "SELECT 1 FROM archive_optouts WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
    ).fetchone()
    return HIDDEN if row else SHOWN


def set_choice(conn: Connection, guild_id: int, member_id: int, archive: str, *, now: str) -> bool:
    """Record the member's choice; True when it changed anything."""
    if archive not in CHOICES:
        raise ValueError(f"unknown archive choice {archive!r}")
    if archive == SHOWN:
        done = conn.execute(
            "DELETE FROM archive_optouts WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
        ).rowcount
        return bool(done)
    if choice(conn, guild_id, member_id) == HIDDEN:
        return False
    guilds.ensure(conn, guild_id)  # the table refers to guilds: a member may choose before anything is recorded
    conn.execute("INSERT INTO archive_optouts(guild_id, member_id, since) VALUES (?, ?, ?)", (guild_id, member_id, now))
    return True


def version(conn: Connection, guild_id: int) -> tuple[int, str]:
    """What changes whenever a member of the guild changes their choice (how many chose
    ``hidden``, and the latest ``since``): the stamp of a remembered reading order."""
    row = conn.execute("SELECT COUNT(*), MAX(since) FROM archive_optouts WHERE guild_id = ?", (guild_id,)).fetchone()
    return int(row[0]), str(row[1] or "")


def any_in(conn: Connection, guild_id: int | None) -> bool:
    """Whether anyone in this guild (None: in any guild) chose ``hidden``: one index seek."""
    if guild_id is None:
        row = conn.execute("SELECT 1 FROM archive_optouts LIMIT 1").fetchone()
    else:
        row = conn.execute("SELECT 1 FROM archive_optouts WHERE guild_id = ? LIMIT 1", (guild_id,)).fetchone()
    return row is not None


# ---------------------------------------------------------------- counts without hidden posts
@dataclass(frozen=True)
class HiddenShare:
    """What hidden members hold of one shown topic's published posts."""

    replies: int = 0  # their published replies
    authors: int = 0  # how many of them posted there (the topic's voices counted them)
    latest: tuple[int, str] | None = None  # the newest shown post: (number, created_at); None: none hidden


def shown_topic(topic: Topic, share: HiddenShare) -> Topic:
    """``topic`` as the archive shows it: Voices, Posts and Freshness without hidden posts."""
    if share.replies == 0 and share.authors == 0:
        return topic
    number, created = share.latest if share.latest else (topic.number, topic.created_at)
    return dataclasses.replace(
        topic,
        reply_count=max(0, topic.reply_count - share.replies),
        voice_count=max(1, topic.voice_count - share.authors),
        last_post_number=number,
        last_post_at=created,
    )


@dataclass(frozen=True)
class ForumShare:
    """What hidden members take from one forum: their topics (with every post in them) and
    their replies in other topics."""

    topics: int = 0
    posts: int = 0
    last_post_at: str | None = None  # the forum's freshest shown post, when that changed


def shown_forum(forum: Forum, share: ForumShare) -> Forum:
    if share.topics == 0 and share.posts == 0:
        return forum
    return dataclasses.replace(
        forum,
        topic_count=max(0, forum.topic_count - share.topics),
        post_count=max(0, forum.post_count - share.posts),
        last_post_at=share.last_post_at,
    )


def topic_shares(conn: Connection, guild_id: int, topic_ids: Sequence[int]) -> dict[int, HiddenShare]:
    """The hidden share of each of these (shown) topics that has one: hidden members' posts
    are read from their own index range (posts_author), the newest shown post of each
    affected topic from the end of its posts_topic range."""
    if not topic_ids:
        return {}
    marks = ",".join("?" * len(topic_ids))
    rows = conn.execute(
        "SELECT p.topic_id, COUNT(*) FILTER (WHERE p.is_opening = 0), COUNT(DISTINCT p.author_id) "
        "FROM archive_optouts o JOIN posts p ON p.guild_id = o.guild_id AND p.author_id = o.member_id "
        f"WHERE o.guild_id = ? AND p.status = 'publish' AND p.topic_id IN ({marks}) GROUP BY p.topic_id",
        [guild_id, *topic_ids],
    ).fetchall()
    shares: dict[int, HiddenShare] = {}
    for topic_id, replies, authors in rows:
        latest = conn.execute(
            f"SELECT p.number, p.created_at FROM posts p WHERE p.topic_id = ? AND p.status = 'publish' "
            f"AND {shown_author_sql('p')} ORDER BY p.created_at DESC, p.id DESC LIMIT 1",
            (topic_id,),
        ).fetchone()
        shares[topic_id] = HiddenShare(int(replies), int(authors), (latest[0], latest[1]) if latest else None)
    return shares


def shown_topics(conn: Connection, topics: Sequence[Topic]) -> list[Topic]:
    """These shown topics (of one guild) with counts that leave hidden posts out."""
    if not topics or not any_in(conn, topics[0].guild_id):
        return list(topics)
    shares = topic_shares(conn, topics[0].guild_id, [t.id for t in topics])
    return [shown_topic(t, shares[t.id]) if t.id in shares else t for t in topics]


def hidden_topic_count(conn: Connection, forum_id: int, guild_id: int) -> int:
    """Open and closed topics of the forum started by members who chose ``hidden``."""
    row = conn.execute(
        "SELECT COUNT(*) FROM archive_optouts o JOIN topics t ON t.guild_id = o.guild_id AND t.author_id = o.member_id "
        "WHERE o.guild_id = ? AND t.forum_id = ? AND t.status IN ('open', 'closed')",
        (guild_id, forum_id),
    ).fetchone()
    return int(row[0])


def forum_share(conn: Connection, forum: Forum) -> ForumShare:
    """What hidden members take from one forum's counters (``forums.topic_count``,
    ``post_count``, ``last_post_at``): their topics whole, and their published replies in
    the forum's other open and closed topics."""
    gone = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(t.reply_count + 1), 0) FROM archive_optouts o JOIN topics t "
        "ON t.guild_id = o.guild_id AND t.author_id = o.member_id "
        "WHERE o.guild_id = ? AND t.forum_id = ? AND t.status IN ('open', 'closed')",
        (forum.guild_id, forum.id),
    ).fetchone()
    replies = conn.execute(
        "SELECT COUNT(*) FROM archive_optouts o JOIN posts p ON p.guild_id = o.guild_id AND p.author_id = o.member_id "
        "JOIN topics t ON t.id = p.topic_id WHERE o.guild_id = ? AND t.forum_id = ? AND p.status = 'publish' "
        f"AND p.is_opening = 0 AND t.status IN ('open', 'closed') AND {shown_author_sql('t')}",
        (forum.guild_id, forum.id),
    ).fetchone()
    topics, posts = int(gone[0]), int(gone[1]) + int(replies[0])
    if topics == 0 and posts == 0:
        return ForumShare()
    return ForumShare(topics, posts, freshest_shown(conn, forum.id))


def freshest_shown(conn: Connection, forum_id: int, batch: int = 20) -> str | None:
    """The time of the forum's newest shown post: topics are read freshest first (their
    ``last_post_at`` counts hidden posts too, so a shown time is at most it) until no later
    topic can hold a newer shown post."""
    best: str | None = None
    offset = 0
    while True:
        rows = conn.execute(
            "SELECT t.* FROM topics t WHERE t.forum_id = ? AND t.status IN ('open', 'closed') "
            f"AND {shown_author_sql('t')} ORDER BY t.last_post_at DESC, t.id DESC LIMIT ? OFFSET ?",
            (forum_id, batch, offset),
        ).fetchall()
        if not rows:
            return best
        for topic in shown_topics(conn, [Topic.from_row(row) for row in rows]):
            if best is None or topic.last_post_at > best:
                best = topic.last_post_at
        if best is not None and rows[-1]["last_post_at"] <= best:
            return best
        offset += batch


def shown_forums(conn: Connection, forums: Sequence[Forum]) -> list[Forum]:
    """These forums with counters that leave hidden members' topics and replies out."""
    guilds = {forum.guild_id for forum in forums if any_in(conn, forum.guild_id)}
    return [shown_forum(f, forum_share(conn, f)) if f.guild_id in guilds else f for f in forums]
