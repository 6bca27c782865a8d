"""The audit log: who did what to what, when and why."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.domain.text import one_line, without_controls
from bot.storage.api import Connection


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor_id: int
    actor_name: str
    action: str
    target_user: int | None
    topic_id: int | None
    post_id: int | None
    reason: str | None
    details: dict[str, Any]
    created_at: str


def record(
    conn: Connection,
    *,
    guild_id: int,
    actor_id: int,
    actor_name: str,
    action: str,
    now: str,
    target_user: int | None = None,
    topic_id: int | None = None,
    post_id: int | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    row = conn.execute(
        "INSERT INTO audit_log(guild_id, actor_id, actor_name, action, target_user, topic_id, post_id, reason, "
        "details, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            guild_id,
            actor_id,
            one_line(actor_name),
            action,
            target_user,
            topic_id,
            post_id,
            None if reason is None else without_controls(reason),
            json.dumps(details or {}, sort_keys=True),
            now,
        ),
    ).fetchone()
    return int(row[0])


def entries(
    conn: Connection,
    guild_id: int,
    *,
    member_id: int | None = None,
    topic_id: int | None = None,
    limit: int = 25,
    offset: int = 0,
) -> list[AuditEntry]:
    where, params = _where(guild_id, member_id, topic_id)
    rows = conn.execute(
        f"SELECT * FROM audit_log WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?", [*params, limit, offset]
    ).fetchall()
    return [
        AuditEntry(
            id=row["id"],
            actor_id=row["actor_id"],
            actor_name=row["actor_name"],
            action=row["action"],
            target_user=row["target_user"],
            topic_id=row["topic_id"],
            post_id=row["post_id"],
            reason=row["reason"],
            details=json.loads(row["details"]),
            created_at=row["created_at"],
        )
        for row in rows
    ]


def count(conn: Connection, guild_id: int, *, member_id: int | None = None, topic_id: int | None = None) -> int:
    where, params = _where(guild_id, member_id, topic_id)
    return int(conn.execute(f"SELECT COUNT(*) FROM audit_log WHERE {where}", params).fetchone()[0])


def _where(guild_id: int, member_id: int | None, topic_id: int | None) -> tuple[str, list[Any]]:
    """The filter of /mod log: a member (as actor or target) and/or a topic."""
    clauses, params = ["guild_id = ?"], [guild_id]
    if member_id is not None:
        clauses.append("(actor_id = ? OR target_user = ?)")
        params += [member_id, member_id]
    if topic_id is not None:
        clauses.append("topic_id = ?")
        params.append(topic_id)
    return " AND ".join(clauses), params
