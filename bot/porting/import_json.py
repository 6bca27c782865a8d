"""Reading a Threadkeeper JSON export (SPEC §7) into an ImportDoc, checking every field."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.porting.model import (
    POST_STATUSES,
    ROLES,
    STICKY,
    TOPIC_STATUSES,
    Author,
    ImportDoc,
    ImportForum,
    ImportPost,
    ImportRefused,
    ImportTopic,
)


def _bad(where: str, what: str) -> ImportRefused:
    return ImportRefused(f"This Threadkeeper export is damaged: {where}: {what}. Nothing was imported.")


def _str(obj: dict[str, Any], key: str, where: str, *, empty: bool = True, limit: int = 100_000) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or (not empty and not value.strip()) or len(value) > limit:
        raise _bad(where, f"`{key}` must be {'a non-empty' if not empty else 'a'} text")
    return value


def _time(obj: dict[str, Any], key: str, where: str, *, optional: bool = False) -> str | None:
    value = obj.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _bad(where, f"`{key}` must be an ISO 8601 time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(where, f"`{key}` is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise _bad(where, f"`{key}` has no UTC offset")
    return value


def _id(value: Any, where: str, key: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, str) and value.isdigit() and len(value) <= 20:
        return int(value)
    raise _bad(where, f"`{key}` must be an id written as a string of digits")


def _number(value: Any, where: str, key: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**62:
        return value
    raise _bad(where, f"`{key}` must be a positive whole number")


def _author(obj: Any, where: str) -> Author:
    if not isinstance(obj, dict):
        raise _bad(where, "`author` must be an object")
    role = _str(obj, "role", where)
    if role not in ROLES:
        raise _bad(where, f"unknown role `{role[:20]}`")
    return Author(id=_id(obj.get("id"), where, "author.id") or 0, name=_str(obj, "name", where, limit=200), role=role)


def _post(obj: Any, where: str, accepted: set[int]) -> ImportPost:
    if not isinstance(obj, dict):
        raise _bad(where, "each post must be an object")
    number = _number(obj.get("number"), where, "number")
    assert number is not None
    status = _str(obj, "status", where)
    if status not in POST_STATUSES:
        raise _bad(where, f"unknown post status `{status[:20]}`")
    attachments = obj.get("attachments", [])
    if not isinstance(attachments, list) or not all(
        isinstance(a, dict) and all(isinstance(v, str) for v in a.values()) for a in attachments
    ):
        raise _bad(where, "`attachments` must be a list of {filename, url}")
    revisions = obj.get("revisions", [])
    if not isinstance(revisions, list) or not all(isinstance(r, dict) for r in revisions):
        raise _bad(where, "`revisions` must be a list of {content, edited_at}")
    return ImportPost(
        key=f"p{number}",
        number=number,
        parent=_number(obj.get("parent"), where, "parent", optional=True),
        status=status,
        author=_author(obj.get("author"), where),
        content=_str(obj, "content", where),
        created_at=_time(obj, "created_at", where) or "",
        attachments=tuple(dict(a) for a in attachments),
        edited_at=_time(obj, "edited_at", where, optional=True),
        revisions=tuple((_str(r, "content", where), _time(r, "edited_at", where) or "") for r in revisions),
        accepted=number in accepted,
        message_id=_id(obj.get("message_id"), where, "message_id", optional=True),
    )


def _topic(obj: Any, where: str) -> ImportTopic:
    if not isinstance(obj, dict):
        raise _bad(where, "each topic must be an object")
    number = _number(obj.get("number"), where, "number")
    where = f"topic #{number}"
    status, sticky = _str(obj, "status", where), _str(obj, "sticky", where)
    if status not in TOPIC_STATUSES or sticky not in STICKY:
        raise _bad(where, "unknown `status` or `sticky`")
    tags = obj.get("tags", [])
    accepted = obj.get("accepted_answers", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _bad(where, "`tags` must be a list of text")
    if not isinstance(accepted, list) or not all(isinstance(n, int) for n in accepted):
        raise _bad(where, "`accepted_answers` must be a list of post numbers")
    raw_posts = obj.get("posts")
    if not isinstance(raw_posts, list) or not raw_posts:
        raise _bad(where, "`posts` must hold at least the opening post")
    posts = tuple(_post(p, f"{where}, post {i + 1}", set(accepted)) for i, p in enumerate(raw_posts))
    if posts[0].number != number:
        raise _bad(where, "the first post must be the opening post, numbered as the topic")
    return ImportTopic(
        key=f"t{number}",
        title=_str(obj, "title", where, empty=False, limit=100),
        status=status,
        sticky=sticky,
        tags=tuple(tags),
        posts=posts,
        thread_id=_id(obj.get("thread_id"), where, "thread_id", optional=True),
    )


def parse(data: bytes) -> ImportDoc:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ImportRefused(f"The file is not valid JSON ({type(error).__name__}). Nothing was imported.") from None
    if not isinstance(document, dict) or document.get("format") != "threadkeeper":
        raise ImportRefused('That JSON is not a Threadkeeper export (no `"format": "threadkeeper"`).')
    if document.get("version") != 1:
        raise ImportRefused(f"Threadkeeper export version {document.get('version')!r} is not supported (only 1).")
    guild = document.get("guild")
    forums = document.get("forums")
    if not isinstance(guild, dict) or not isinstance(forums, list):
        raise _bad("top level", "`guild` must be an object and `forums` a list")
    parsed = []
    seen: set[int] = set()
    for index, forum in enumerate(forums):
        where = f"forum {index + 1}"
        if not isinstance(forum, dict) or not isinstance(forum.get("topics"), list):
            raise _bad(where, "each forum must be an object with `topics`")
        topics = tuple(_topic(t, where) for t in forum["topics"])
        for topic in topics:
            for post in topic.posts:
                assert post.number is not None
                if post.number in seen:
                    raise _bad(f"topic #{topic.number}", f"post number #{post.number} appears twice")
                seen.add(post.number)
        parsed.append(
            ImportForum(
                name=_str(forum, "name", where, empty=False, limit=100),
                description=_str(forum, "description", where, limit=1000) if "description" in forum else "",
                topics=topics,
                channel_id=_id(forum.get("channel_id"), where, "channel_id", optional=True),
            )
        )
    name = guild.get("name") if isinstance(guild.get("name"), str) else ""
    return ImportDoc(kind="threadkeeper", guild_name=str(name), forums=tuple(parsed))
