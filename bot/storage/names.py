"""The names behind mentions (``<@id>``, ``<@&id>``, ``<#id>``): what the archive, its feeds
and the readable exports show instead of ids (``bot.domain.markup``).

Where names come from, best first:
- ``mention_names``: the names Discord resolved for a message's mentions when it was recorded
  (``bot.storage.mention_names.remember``; the newest message's name wins), keyed by guild,
  kind and id;
- users: the name of their newest published post in the guild (authors are known by name);
- channels: a forum's channel name, or a topic's thread title.
With ``public_only`` (the web archive) a channel @everyone cannot view, and forums and topics
the archive does not show, name nothing: they read ``#unknown-channel``; a member who chose
``/forum privacy archive:hidden`` is not named either (``@unknown-user``; as an author they
have no published post: ``PUBLISHED_POST_SQL``).

A page's names are one query (``lookup``), whatever its number of posts.
"""

from __future__ import annotations

from bot.domain.mentions import Names, Refs
from bot.storage.api import Connection
from bot.storage.archive import PUBLIC_FORUM_SQL, PUBLISHED_POST_SQL, VISIBLE_TOPIC_SQL
from bot.storage.consent import chose_hidden_sql
from bot.storage.mention_names import KINDS

CHUNK = 100  # ids of one kind per query; a page rarely mentions more


def lookup(conn: Connection, guild_id: int, refs: Refs, *, public_only: bool = True) -> Names:
    """The names of what ``refs`` mentions in ``guild_id``: one query for up to ``CHUNK`` ids
    of each kind (a page), a query per ``CHUNK`` more (an export)."""
    users, roles, channels = sorted(refs.users), sorted(refs.roles), sorted(refs.channels)
    found: dict[str, dict[int, tuple[int, str]]] = {kind: {} for kind in KINDS}
    for start in range(0, max(len(users), len(roles), len(channels)), CHUNK):
        chunk = (users[start : start + CHUNK], roles[start : start + CHUNK], channels[start : start + CHUNK])
        sql, params = _query(guild_id, *chunk, public_only=public_only)
        for rank, kind, item_id, name in conn.execute(sql, params).fetchall():
            best = found[kind].get(item_id)
            if name and (best is None or rank < best[0]):
                found[kind][item_id] = (rank, name)
    return Names(
        users={k: v[1] for k, v in found["user"].items()},
        roles={k: v[1] for k, v in found["role"].items()},
        channels={k: v[1] for k, v in found["channel"].items()},
    )


def _marks(ids: list[int]) -> str:
    return ",".join("?" * len(ids))


def _query(
    guild_id: int, users: list[int], roles: list[int], channels: list[int], *, public_only: bool
) -> tuple[str, list[object]]:
    parts: list[str] = []
    params: list[object] = []
    for kind, ids in (("user", users), ("role", roles), ("channel", channels)):
        if ids:
            shown = " AND public = 1" if kind == "channel" and public_only else ""
            if kind == "user" and public_only:  # a member who keeps their posts off the web: unnamed there too
                shown = " AND NOT " + chose_hidden_sql("mention_names.guild_id", "mention_names.id")
            parts.append(
                f"SELECT 0 AS rank, kind, id, name FROM mention_names "
                f"WHERE guild_id = ? AND kind = '{kind}' AND id IN ({_marks(ids)}){shown}"
            )
            params += [guild_id, *ids]
    for n, user_id in enumerate(users):  # an author's newest name: one index seek each
        parts.append(
            f"SELECT 1 AS rank, 'user' AS kind, author_id AS id, author_name AS name FROM "
            f"(SELECT p.author_id, p.author_name FROM posts p WHERE p.guild_id = ? AND p.author_id = ? "
            f"AND {PUBLISHED_POST_SQL} ORDER BY p.created_at DESC LIMIT 1) AS newest{n}"
        )
        params += [guild_id, user_id]
    if channels:
        public = f" AND {PUBLIC_FORUM_SQL}" if public_only else ""
        parts.append(
            f"SELECT 1 AS rank, 'channel' AS kind, f.channel_id AS id, f.name AS name FROM forums f "
            f"WHERE f.guild_id = ? AND f.channel_id IN ({_marks(channels)}){public}"
        )
        params += [guild_id, *channels]
        visible = f" AND {VISIBLE_TOPIC_SQL}{public}" if public_only else ""
        parts.append(
            f"SELECT 2 AS rank, 'channel' AS kind, t.thread_id AS id, t.title AS name FROM topics t "
            f"JOIN forums f ON f.id = t.forum_id WHERE t.guild_id = ? AND t.thread_id IN ({_marks(channels)}){visible}"
        )
        params += [guild_id, *channels]
    return " UNION ALL ".join(parts), params
