"""Explicit forum-role assignments and the Discord role map."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain import timeutil
from bot.domain.roles import Assignment, ForumRole
from bot.domain.shards import Shards
from bot.domain.text import without_controls
from bot.storage import leases
from bot.storage.api import Connection, Row


@dataclass(frozen=True)
class StoredAssignment:
    user_id: int
    role: ForumRole
    source: str
    expires_at: str | None
    reason: str | None

    def as_assignment(self) -> Assignment:
        return Assignment(self.role, timeutil.parse(self.expires_at))


def _stored(row: Row) -> StoredAssignment:
    return StoredAssignment(
        user_id=row["user_id"],
        role=ForumRole.parse(row["role"]),
        source=row["source"],
        expires_at=row["expires_at"],
        reason=row["reason"],
    )


def assignment(conn: Connection, guild_id: int, user_id: int) -> StoredAssignment | None:
    row = conn.execute("SELECT * FROM assignments WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)).fetchone()
    return _stored(row) if row else None


def assignments_in(conn: Connection, guild_id: int, now: datetime) -> list[StoredAssignment]:
    """Every assignment of the guild still in force at ``now``."""
    rows = conn.execute(
        "SELECT * FROM assignments WHERE guild_id = ? AND (expires_at IS NULL OR expires_at > ?)",
        (guild_id, timeutil.iso(now)),
    ).fetchall()
    return [_stored(row) for row in rows]


def assign(
    conn: Connection,
    *,
    guild_id: int,
    user_id: int,
    role: ForumRole,
    source: str,
    assigned_by: int | None,
    now: str,
    expires_at: str | None = None,
    reason: str | None = None,
    forum_ids: Sequence[int] = (),
) -> None:
    """Store an explicit role; it replaces the member's earlier one, and that one's forum scope.

    ``forum_ids`` (a moderator only): the forums a moderator of named forums moderates;
    empty, a moderator of the whole server.
    """
    reason = None if reason is None else without_controls(reason)
    _set_scope(conn, guild_id, user_id, forum_ids if role is ForumRole.MODERATOR else ())
    conn.execute(
        "INSERT INTO assignments(guild_id, user_id, role, source, expires_at, reason, assigned_by, "
        "assigned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(guild_id, user_id) DO UPDATE SET "
        "role = excluded.role, source = excluded.source, expires_at = excluded.expires_at, "
        "reason = excluded.reason, assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
        (guild_id, user_id, role.key, source, expires_at, reason, assigned_by, now),
    )


def clear(conn: Connection, guild_id: int, user_id: int) -> bool:
    _set_scope(conn, guild_id, user_id, ())
    cursor = conn.execute("DELETE FROM assignments WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
    return cursor.rowcount > 0


def moderator_forums(conn: Connection, guild_id: int, user_id: int) -> tuple[int, ...]:
    """The forums a moderator of named forums moderates (empty: none named, the whole server)."""
    rows = conn.execute(
        "SELECT forum_id FROM moderator_forums WHERE guild_id = ? AND user_id = ? ORDER BY forum_id",
        (guild_id, user_id),
    ).fetchall()
    return tuple(row[0] for row in rows)


def scopes_in(conn: Connection, guild_id: int) -> dict[int, tuple[int, ...]]:
    """Every moderator of named forums in the guild: user id → their forums."""
    rows = conn.execute(
        "SELECT user_id, forum_id FROM moderator_forums WHERE guild_id = ? ORDER BY user_id, forum_id", (guild_id,)
    ).fetchall()
    found: dict[int, tuple[int, ...]] = {}
    for row in rows:
        found[row[0]] = (*found.get(row[0], ()), row[1])
    return found


def _set_scope(conn: Connection, guild_id: int, user_id: int, forum_ids: Sequence[int]) -> None:
    conn.execute("DELETE FROM moderator_forums WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
    for forum_id in sorted(set(forum_ids)):
        conn.execute(
            "INSERT INTO moderator_forums(guild_id, user_id, forum_id) VALUES (?, ?, ?)", (guild_id, user_id, forum_id)
        )


def rolemap(conn: Connection, guild_id: int) -> dict[int, ForumRole]:
    rows = conn.execute("SELECT discord_role_id, forum_role FROM rolemap WHERE guild_id = ?", (guild_id,)).fetchall()
    return {row[0]: ForumRole.parse(row[1]) for row in rows}


def map_role(conn: Connection, guild_id: int, discord_role_id: int, role: ForumRole) -> None:
    conn.execute(
        "INSERT INTO rolemap(guild_id, discord_role_id, forum_role) VALUES (?, ?, ?) "
        "ON CONFLICT(guild_id, discord_role_id) DO UPDATE SET forum_role = excluded.forum_role",
        (guild_id, discord_role_id, role.key),
    )


def unmap_role(conn: Connection, guild_id: int, discord_role_id: int) -> bool:
    cursor = conn.execute("DELETE FROM rolemap WHERE guild_id = ? AND discord_role_id = ?", (guild_id, discord_role_id))
    return cursor.rowcount > 0


@dataclass(frozen=True)
class RoleInputs:
    """Everything stored that decides a member's effective role, read in one hop."""

    assignment: Assignment | None
    mapped: list[ForumRole]
    # The forums an explicit moderator assignment names (empty: the whole server, or not a moderator).
    scope: tuple[int, ...]
    default_role: ForumRole
    registration_open: bool
    throttle_seconds: int
    last_post_at: str | None


def role_inputs(conn: Connection, guild_id: int, user_id: int, discord_role_ids: list[int]) -> RoleInputs:
    from bot.storage import guilds

    found = assignment(conn, guild_id, user_id)
    mapping = rolemap(conn, guild_id)
    settings = guilds.settings(conn, guild_id)
    last = conn.execute(
        "SELECT MAX(created_at) FROM posts WHERE guild_id = ? AND author_id = ?", (guild_id, user_id)
    ).fetchone()[0]
    scope = moderator_forums(conn, guild_id, user_id) if found and found.role is ForumRole.MODERATOR else ()
    return RoleInputs(
        assignment=found.as_assignment() if found else None,
        scope=scope,
        mapped=[mapping[role_id] for role_id in discord_role_ids if role_id in mapping],
        default_role=settings.default_role,
        registration_open=settings.registration_open,
        throttle_seconds=settings.throttle_seconds,
        last_post_at=last,
    )


def due_expiries(conn: Connection, now: datetime, shards: Shards | None = None) -> list[tuple[int, int]]:
    """(guild id, user id) of every timed assignment that has run out at ``now`` (in guilds on ``shards``)."""
    rows = conn.execute(
        "SELECT guild_id, user_id FROM assignments WHERE expires_at IS NOT NULL AND expires_at <= ? "
        f"AND {leases.shard_filter('guild_id', shards)} ORDER BY expires_at",
        (timeutil.iso(now),),
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def next_expiry(conn: Connection, since: datetime | None) -> datetime | None:
    """The earliest moment after ``since`` (any, when None) a timed assignment runs out."""
    row = conn.execute(  # assignments_expiry: one index step
        "SELECT expires_at FROM assignments WHERE expires_at IS NOT NULL AND expires_at > ? "
        "ORDER BY expires_at LIMIT 1",
        (timeutil.iso(since) if since is not None else "",),
    ).fetchone()
    return timeutil.parse(row[0]) if row else None


def lift_expired(conn: Connection, guild_id: int, user_id: int, now: datetime) -> StoredAssignment | None:
    """Remove one assignment if it has run out at ``now``; the removed one, or None."""
    found = assignment(conn, guild_id, user_id)
    if found is None or found.expires_at is None or found.expires_at > timeutil.iso(now):
        return None
    if found.source == "block":
        end_block(conn, guild_id, user_id, now)
    else:
        clear(conn, guild_id, user_id)
    return found


# A block replaces the member's explicit role for its time; the role it replaced (for
# example a `/forum join` registration) comes back when the block ends.
def _previous_key(guild_id: int, user_id: int) -> str:
    return f"block.previous:{guild_id}:{user_id}"


def block(
    conn: Connection,
    *,
    guild_id: int,
    user_id: int,
    assigned_by: int,
    now: str,
    expires_at: str | None,
    reason: str | None,
) -> None:
    """Block a member, keeping the explicit role the block replaces."""
    from bot.storage import kv

    current = assignment(conn, guild_id, user_id)
    if current is not None and current.source != "block":
        kv.put(
            conn,
            _previous_key(guild_id, user_id),
            json.dumps(
                {
                    "role": current.role.key,
                    "source": current.source,
                    "expires_at": current.expires_at,
                    "forums": list(moderator_forums(conn, guild_id, user_id)),
                }
            ),
        )
    assign(
        conn,
        guild_id=guild_id,
        user_id=user_id,
        role=ForumRole.BLOCKED,
        source="block",
        assigned_by=assigned_by,
        now=now,
        expires_at=expires_at,
        reason=reason,
    )


def end_block(conn: Connection, guild_id: int, user_id: int, now: datetime) -> StoredAssignment | None:
    """Remove a block; the explicit role it replaced comes back (unless that ran out). Returns it."""
    clear(conn, guild_id, user_id)
    key = _previous_key(guild_id, user_id)
    row = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    conn.execute("DELETE FROM kv WHERE key = ?", (key,))
    previous = json.loads(row[0])
    if previous["expires_at"] is not None and previous["expires_at"] <= timeutil.iso(now):
        return None
    role = ForumRole.parse(previous["role"])
    assign(
        conn,
        guild_id=guild_id,
        user_id=user_id,
        role=role,
        source=previous["source"],
        assigned_by=None,
        now=timeutil.iso(now),
        expires_at=previous["expires_at"],
        forum_ids=previous.get("forums", ()),
    )
    return assignment(conn, guild_id, user_id)


def forget_previous(conn: Connection, guild_id: int, user_id: int) -> None:
    """A moderator set the role outright: nothing to bring back after a block."""
    conn.execute("DELETE FROM kv WHERE key = ?", (_previous_key(guild_id, user_id),))


def set_role(
    conn: Connection,
    *,
    guild_id: int,
    user_id: int,
    role: ForumRole | None,
    assigned_by: int,
    now: str,
    forum_ids: Sequence[int] = (),
) -> None:
    """/mod role: an explicit role (None clears it); any block's kept role is forgotten.

    ``forum_ids``: a moderator of those forums only (empty: of the whole server).
    """
    forget_previous(conn, guild_id, user_id)
    if role is None:
        clear(conn, guild_id, user_id)
        return
    assign(
        conn,
        guild_id=guild_id,
        user_id=user_id,
        role=role,
        source="role",
        assigned_by=assigned_by,
        now=now,
        forum_ids=forum_ids,
    )


def last_post_here(
    conn: Connection,
    guild_id: int,
    author_id: int,
    *,
    since: str,
    topic_id: int | None = None,
    forum_id: int | None = None,
) -> str | None:
    """When the member last posted (any status) in ``topic_id``, or last started a topic in
    ``forum_id``, at ``since`` or later: the channel slowmode's clock (bot/services/slowmode.py)."""
    sql = "SELECT MAX(p.created_at) FROM posts p WHERE p.guild_id = ? AND p.author_id = ? AND p.created_at >= ?"
    args: list[object] = [guild_id, author_id, since]
    if topic_id is not None:
        sql += " AND p.topic_id = ?"
        args.append(topic_id)
    if forum_id is not None:
        sql += " AND p.is_opening = 1 AND p.topic_id IN (SELECT id FROM topics WHERE forum_id = ?)"
        args.append(forum_id)
    row = conn.execute(sql, args).fetchone()
    return row[0] if row else None
