"""Read queries for the web archive and the readable (HTML, Markdown) exports.

Only what an anonymous reader may see leaves this module: forums that are registered
and public (``@everyone`` can view the channel, and the forum's `archive` rule is public),
topics that are open or closed, and published posts, none of them written by a member who
chose ``/forum privacy archive:hidden`` (``bot.storage.consent``: their topics leave whole,
their replies are left out, and the counts shown leave both out). Nothing here writes. The archive's
search is the `/search` command's
(``bot.storage.search.search`` with ``forum_ids`` = ``public_forum_ids``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.reading import reading_order, reply_thread_count
from bot.storage import consent, search
from bot.storage import posts as posts_repo
from bot.storage import topics as topics_repo
from bot.storage.api import Connection, dialect
from bot.storage.models import Forum, Post, PostOutline, Topic, TopicPage
from bot.storage.search import SearchResults

VISIBLE_TOPIC_SQL = "t.status IN ('open', 'closed')"
# Registered, its channel open to @everyone, and its `archive` rule public (SPEC §6).
PUBLIC_FORUM_SQL = "f.registered = 1 AND f.public = 1 AND f.archive = 'public'"
# What the archive publishes of a topic row ``t`` and of a post ``p``: the queries below that
# read topics or posts themselves (pages, feeds, sitemaps, structured data) use these, so
# whatever hides a topic or post from the archive narrows these two. A topic or post whose
# author chose ``hidden`` is not published (an indexed NOT EXISTS on archive_optouts).
PUBLISHED_TOPIC_SQL = f"{VISIBLE_TOPIC_SQL} AND {consent.shown_author_sql('t')}"
PUBLISHED_POST_SQL = f"p.status = 'publish' AND {consent.shown_author_sql('p')}"


def published_topic_sql(conn: Connection, guild_id: int) -> str:
    """``PUBLISHED_TOPIC_SQL`` for a read of many topics of one guild: without the consent
    probe when nobody in the guild chose ``hidden`` (the common case costs one index seek)."""
    return PUBLISHED_TOPIC_SQL if consent.any_in(conn, guild_id) else VISIBLE_TOPIC_SQL


@dataclass(frozen=True)
class ForumRow:
    forum: Forum
    guild_name: str


def public_forums(conn: Connection, guild_id: int | None = None) -> list[ForumRow]:
    sql = (
        "SELECT f.*, g.name AS guild_name FROM forums f JOIN guilds g ON g.guild_id = f.guild_id "
        f"WHERE {PUBLIC_FORUM_SQL}"
    )
    params: list[object] = []
    if guild_id is not None:
        sql += " AND f.guild_id = ?"
        params.append(guild_id)
    d = dialect(conn)
    # Grouped by category (forums of none first), as /forum list and the index show them.
    category = d.nocase("COALESCE(f.category, '')")
    order = f"{d.nocase('g.name')}, f.guild_id, {category}, {d.nocase('f.name')}, f.id"
    rows = conn.execute(sql + f" ORDER BY {order}", params).fetchall()
    shown = consent.shown_forums(conn, [Forum.from_row(row) for row in rows])  # counts without hidden posts
    return [ForumRow(forum, row["guild_name"]) for forum, row in zip(shown, rows, strict=True)]


def hidden_forum_count(conn: Connection) -> int:
    """Registered forums the archive does not show (their channel is closed to @everyone, an
    import made them without ``--public``, or their `archive` rule is hidden)."""
    sql = "SELECT COUNT(*) FROM forums WHERE registered = 1 AND (public = 0 OR archive != 'public')"
    return int(conn.execute(sql).fetchone()[0])


def public_forum_ids(conn: Connection, guild_id: int | None = None) -> dict[int, str]:
    """The public forums' ids (of one guild, or of all) and names: what the archive may search."""
    sql = f"SELECT f.id, f.name FROM forums f WHERE {PUBLIC_FORUM_SQL}"
    params: list[object] = []
    if guild_id is not None:
        sql += " AND f.guild_id = ?"
        params.append(guild_id)
    return {row[0]: row[1] for row in conn.execute(sql, params).fetchall()}


def search_public(
    conn: Connection, *, guild_id: int | None, query: str, limit: int, offset: int
) -> tuple[dict[int, str], SearchResults]:
    """The `/search` command's search (``bot.storage.search``) over the public forums of one
    guild or of all, and those forums' names. Raises what ``search.search`` raises."""
    names = public_forum_ids(conn, guild_id)
    found = search.search(
        conn, guild_id=guild_id, query=query, forum_ids=sorted(names), limit=limit, offset=offset,
        shown_only=consent.any_in(conn, guild_id),
    )  # fmt: skip
    return names, found


def public_forum(conn: Connection, forum_id: int) -> ForumRow | None:
    row = conn.execute(
        "SELECT f.*, g.name AS guild_name FROM forums f JOIN guilds g ON g.guild_id = f.guild_id "
        f"WHERE f.id = ? AND {PUBLIC_FORUM_SQL}",
        (forum_id,),
    ).fetchone()
    if row is None:
        return None
    return ForumRow(consent.shown_forums(conn, [Forum.from_row(row)])[0], row["guild_name"])


def forum_topics(conn: Connection, forum: Forum, *, offset: int, limit: int) -> tuple[list[Topic], int]:
    """Topics of a public forum, stickies first (super stickies of the guild's public forums too)."""
    supers = sorted(public_forum_ids(conn, forum.guild_id))
    if not consent.any_in(conn, forum.guild_id):  # the common case: nobody chose hidden
        return topics_repo.list_page(
            conn, forum_ids=[forum.id], super_forum_ids=supers, sort="active", offset=offset, limit=limit
        )
    listed, total = topics_repo.list_page(
        conn, forum_ids=[forum.id], super_forum_ids=supers, sort="active", offset=offset, limit=limit, shown_only=True
    )
    total -= consent.hidden_topic_count(conn, forum.id, forum.guild_id)  # the counters count them
    return consent.shown_topics(conn, listed), max(0, total)


def topics_numbered(conn: Connection, number: int, guild_id: int | None = None) -> list[Topic]:
    """Visible topics in public forums with this number (one per guild at most)."""
    sql = (
        "SELECT t.* FROM topics t JOIN forums f ON f.id = t.forum_id "
        f"WHERE t.number = ? AND {PUBLISHED_TOPIC_SQL} AND {PUBLIC_FORUM_SQL}"
    )
    params: list[object] = [number]
    if guild_id is not None:
        sql += " AND t.guild_id = ?"
        params.append(guild_id)
    return [Topic.from_row(row) for row in conn.execute(sql + " ORDER BY t.guild_id", params).fetchall()]


def topics_holding_post(conn: Connection, number: int, guild_id: int | None = None) -> list[Topic]:
    """Visible topics holding a published post ``#number`` (for links to a reply's number), per guild."""
    sql = (
        "SELECT t.* FROM posts p JOIN topics t ON t.id = p.topic_id JOIN forums f ON f.id = t.forum_id "
        f"WHERE p.number = ? AND {PUBLISHED_POST_SQL} AND {PUBLISHED_TOPIC_SQL} AND {PUBLIC_FORUM_SQL}"
    )
    params: list[object] = [number]
    if guild_id is not None:
        sql += " AND p.guild_id = ?"
        params.append(guild_id)
    return [Topic.from_row(row) for row in conn.execute(sql + " ORDER BY t.guild_id", params).fetchall()]


def topic_page(conn: Connection, topic_id: int) -> TopicPage:
    """The topic with all its published posts (the readable exports; ``topics.show`` hides
    every other status), leaving out posts of members who chose ``hidden``, and the topic's
    counts with them."""
    page = topics_repo.show(conn, topic_id)
    if not consent.any_in(conn, page.topic.guild_id):
        return page
    hidden = consent_hidden_ids(conn, topic_id)
    posts = [post for post in page.posts if post.id not in hidden]
    return dataclasses.replace(
        page,
        topic=consent.shown_topics(conn, [page.topic])[0],
        posts=posts,
        reply_threads=reply_thread_count(posts),
        total_posts=len(posts),
    )


def consent_hidden_ids(conn: Connection, topic_id: int) -> set[int]:
    """The topic's posts whose author chose ``hidden``."""
    rows = conn.execute(
        f"SELECT p.id FROM posts p WHERE p.topic_id = ? AND {consent.hidden_author_sql('p')}", (topic_id,)
    ).fetchall()
    return {row[0] for row in rows}


def topic_outline(conn: Connection, topic: Topic, any_hidden: bool | None = None) -> list[PostOutline]:
    """The outline (no text) of the topic's visible posts in time order: its reading order's
    input. Posts of members who chose ``hidden`` are not in it (checked only when the guild
    has such a member, ``any_hidden``, asked here when None: the common case reads the
    posts_topic range as ``posts.outline``)."""
    if not (consent.any_in(conn, topic.guild_id) if any_hidden is None else any_hidden):
        return posts_repo.outline(conn, topic.id)
    rows = dialect(conn).tuples(
        conn,
        "SELECT p.id, p.number, p.parent_id, p.accepted = 1, p.is_opening = 1 FROM posts p "
        f"WHERE p.topic_id = ? AND {PUBLISHED_POST_SQL} ORDER BY p.created_at, p.id",
        (topic.id,),
    )
    return [
        PostOutline(i, number, parent, bool(accepted), bool(opening)) for i, number, parent, accepted, opening in rows
    ]


def visible_posts(conn: Connection, ids: Sequence[int]) -> dict[int, Post]:
    """Those of these posts an anonymous reader may see, by id (a page of a topic)."""
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT p.* FROM posts p WHERE p.id IN ({','.join('?' * len(ids))}) AND {PUBLISHED_POST_SQL}", list(ids)
    ).fetchall()
    return {row["id"]: Post.from_row(row) for row in rows}


def forum_of(conn: Connection, forum_id: int) -> Forum:
    return Forum.from_row(conn.execute("SELECT * FROM forums WHERE id = ?", (forum_id,)).fetchone())


def page_of(conn: Connection, topic: Topic, number: int, per_page: int) -> int | None:
    """The 0-based page of the archive's topic page holding the shown post ``#number``."""
    order = [entry.number for entry, _ in reading_order(topic_outline(conn, topic))]
    return order.index(number) // max(1, per_page) if number in order else None


def replies_per_page(conn: Connection, guild_id: int) -> int:
    row = conn.execute("SELECT replies_per_page FROM guilds WHERE guild_id = ?", (guild_id,)).fetchone()
    return int(row[0]) if row else 15


def guild_name(conn: Connection, guild_id: int) -> str:
    row = conn.execute("SELECT name FROM guilds WHERE guild_id = ?", (guild_id,)).fetchone()
    return str(row[0]) if row else ""


def newest_topics(conn: Connection, forum_id: int, limit: int = 20) -> list[tuple[Topic, Post | None]]:
    """The forum's newest visible topics with their opening posts (the RSS feed)."""
    rows = conn.execute(
        f"SELECT t.* FROM topics t WHERE t.forum_id = ? AND {PUBLISHED_TOPIC_SQL} "
        "ORDER BY t.created_at DESC, t.id DESC LIMIT ?",
        (forum_id, limit),
    ).fetchall()
    out: list[tuple[Topic, Post | None]] = []
    for row in rows:
        topic = Topic.from_row(row)
        opening = conn.execute(
            f"SELECT p.* FROM posts p WHERE p.topic_id = ? AND p.is_opening = 1 AND {PUBLISHED_POST_SQL}", (topic.id,)
        ).fetchone()
        out.append((topic, Post.from_row(opening) if opening else None))
    return out


def opening_post(conn: Connection, topic_id: int) -> Post | None:
    """The topic's visible opening post (descriptions, structured data). The opening is the
    topic's first post, so the posts_topic range is read from its start and stops there."""
    row = conn.execute(
        f"SELECT p.* FROM posts p WHERE p.topic_id = ? AND p.is_opening = 1 AND {PUBLISHED_POST_SQL} "
        "ORDER BY p.created_at, p.id LIMIT 1",
        (topic_id,),
    ).fetchone()
    return Post.from_row(row) if row else None


def newest_replies(conn: Connection, topic_id: int, limit: int = 20) -> list[Post]:
    """The topic's newest visible replies, newest first (the topic's RSS feed): the
    posts_topic range read backwards, stopping after ``limit``."""
    rows = conn.execute(
        f"SELECT p.* FROM posts p WHERE p.topic_id = ? AND p.is_opening = 0 AND {PUBLISHED_POST_SQL} "
        "ORDER BY p.created_at DESC, p.id DESC LIMIT ?",
        (topic_id, limit),
    ).fetchall()
    return [Post.from_row(row) for row in rows]


@dataclass(frozen=True)
class SitemapEntry:
    guild_id: int
    number: int
    last_post_at: str


def sitemap_topics(conn: Connection, forum_id: int, *, offset: int, limit: int) -> list[SitemapEntry]:
    """A public forum's visible topics, oldest first (a stable order: a sitemap's chunks keep
    their topics), ``limit`` from ``offset``: the three columns a sitemap needs."""
    guild = conn.execute("SELECT guild_id FROM forums WHERE id = ?", (forum_id,)).fetchone()
    published = published_topic_sql(conn, guild[0]) if guild else PUBLISHED_TOPIC_SQL
    rows = dialect(conn).tuples(
        conn,
        f"SELECT t.guild_id, t.number, t.last_post_at FROM topics t JOIN forums f ON f.id = t.forum_id "
        f"WHERE t.forum_id = ? AND {published} AND {PUBLIC_FORUM_SQL} ORDER BY t.id LIMIT ? OFFSET ?",
        (forum_id, limit, offset),
    )
    return [SitemapEntry(guild_id, number, last) for guild_id, number, last in rows]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def tagged_topics(conn: Connection, forum: Forum, tag: str, *, offset: int, limit: int) -> tuple[list[Topic], int]:
    """A public forum's visible topics carrying ``tag`` (exactly), stickies first, then by
    freshness, and how many there are. Tags are a JSON list per topic: the forum's range is
    narrowed by a LIKE on the tag's JSON text, then each candidate's tags are checked."""
    pattern = "%" + _like_escape(json.dumps(tag)) + "%"
    rows = conn.execute(
        f"SELECT t.* FROM topics t WHERE t.forum_id = ? AND {published_topic_sql(conn, forum.guild_id)} "
        "AND t.tags LIKE ? ESCAPE '\\' "
        "ORDER BY t.sticky = 'super' DESC, t.sticky = 'sticky' DESC, t.last_post_at DESC, t.id DESC",
        (forum.id, pattern),
    ).fetchall()
    found = [topic for topic in map(Topic.from_row, rows) if tag in topic.tags]
    return consent.shown_topics(conn, found[offset : offset + limit]), len(found)


# ---------------------------------------------------------------- readable exports (a keymaster's)
def export_forums(conn: Connection, guild_id: int) -> list[Forum]:
    """Every forum of the guild that holds a visible topic or is registered (private ones too),
    its counts leaving out members who chose ``hidden``."""
    rows = conn.execute(
        "SELECT f.* FROM forums f WHERE f.guild_id = ? AND (f.registered = 1 OR EXISTS "
        f"(SELECT 1 FROM topics t WHERE t.forum_id = f.id AND {VISIBLE_TOPIC_SQL})) "
        f"ORDER BY {dialect(conn).nocase('f.name')}, f.id",
        (guild_id,),
    ).fetchall()
    return consent.shown_forums(conn, [Forum.from_row(row) for row in rows])


def export_topics(conn: Connection, forum_id: int) -> list[Topic]:
    """A forum's open and closed topics, stickies first, then by freshness, but those of
    members who chose ``hidden`` (the readable exports are copies of the archive)."""
    rows = conn.execute(
        f"SELECT t.* FROM topics t WHERE t.forum_id = ? AND {PUBLISHED_TOPIC_SQL} "
        "ORDER BY t.sticky = 'super' DESC, t.sticky = 'sticky' DESC, t.last_post_at DESC, t.id DESC",
        (forum_id,),
    ).fetchall()
    return [Topic.from_row(row) for row in rows]
