"""The Threadkeeper JSON export, version 1 (SPEC §7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot import clock
from bot.storage import export as rows
from bot.storage.api import Connection, Row

FORMAT = "threadkeeper"
VERSION = 1


def exported_at() -> str:
    """Now, as §7 writes it: ISO 8601 to the second, with offset (2026-11-28T10:00:00+00:00)."""
    return clock.utcnow().replace(microsecond=0).isoformat()


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _author(row: Row) -> dict[str, str]:
    return {"id": str(row["author_id"]), "name": row["author_name"], "role": row["author_role"]}


def build(
    conn: Connection,
    guild_id: int,
    *,
    include_deleted: bool,
    now: str | None = None,
    step: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The export document of one guild. ``include_deleted`` is a keymaster's export; ``step``
    hears after each topic how many are done of how many."""
    forums_out = []
    listed = [(forum, rows.topics_of(conn, forum["id"])) for forum in rows.forums_of(conn, guild_id)]
    total, done = sum(len(found) for _, found in listed), 0
    for forum, found in listed:
        topics_out = []
        for topic in found:
            done += 1
            if step is not None:
                step(done, total)
            if topic["status"] == "deleted" and not include_deleted:
                continue
            posts = [p for p in rows.posts_of(conn, topic["id"]) if include_deleted or p["status"] != "deleted"]
            topics_out.append(
                {
                    "number": topic["number"],
                    "thread_id": str(topic["thread_id"]),
                    "title": topic["title"],
                    "status": topic["status"],
                    "sticky": topic["sticky"],
                    "tags": list(json.loads(topic["tags"])),
                    "accepted_answers": [p["number"] for p in posts if p["accepted"]],
                    "author": _author(topic),
                    "created_at": topic["created_at"],
                    "posts": [
                        {
                            "number": p["number"],
                            "message_id": str(p["message_id"]),
                            "parent": p["parent_number"],
                            "status": p["status"],
                            "author": _author(p),
                            "content": p["content"],
                            "attachments": rows.attachments(p),
                            "created_at": p["created_at"],
                            "edited_at": p["edited_at"],
                            "revisions": rows.revisions_of(conn, p["id"]),
                        }
                        for p in posts
                    ],
                }
            )
        forums_out.append(
            {
                "id": forum["id"],
                "channel_id": str(forum["channel_id"]),
                "name": forum["name"],
                "description": forum["description"],
                "category": forum["category"],
                "topics": topics_out,
            }
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now or exported_at(),
        "guild": {"id": str(guild_id), "name": rows.guild_name(conn, guild_id)},
        "forums": forums_out,
    }
