"""Reading a Threadkeeper JSON export (SPEC §7) into an ImportDoc, checking every field."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.domain.numbers import describe_id_problem, strict_id
from bot.porting.limits import quoted
from bot.porting.model import (
    NUMBER_MAX,
    POST_STATUSES,
    ROLES,
    STICKY,
    TOPIC_STATUSES,
    Author,
    ImportDoc,
    ImportForum,
    ImportPost,
    ImportRefused,
    ImportRevision,
    ImportTopic,
)


def _bad(where: str, what: str) -> ImportRefused:
    return ImportRefused(f"This Threadkeeper export is damaged: {where}: {what}. Nothing was imported.")


def _str(obj: dict[str, Any], key: str, where: str, *, empty: bool = True) -> str:
    """A text field; its length is checked with everything else (bot.porting.limits)."""
    value = obj.get(key)
    if not isinstance(value, str) or (not empty and not value.strip()):
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


def _refused_id(where: str, key: str, value: Any) -> ImportRefused:
    if not isinstance(value, str):
        return _bad(where, f"`{key}` must be an id written as a string of digits")
    return _bad(where, f"`{key}` {describe_id_problem(value)}")


def _id(value: Any, where: str, key: str, *, optional: bool = False) -> int | None:
    """A Discord id as the export writes it: a string of ASCII digits, 1 .. 2**63 - 1.

    A negative one (``"-3"``) is a synthetic id an offline import gave something that has no
    Discord object: it names nothing to reuse, so it reads as absent."""
    if value is None and optional:
        return None
    if optional and isinstance(value, str) and value.startswith("-") and strict_id(value[1:]) is not None:
        return None
    found = strict_id(value)
    if found is None:
        raise _refused_id(where, key, value)
    return found


def _number(value: Any, where: str, key: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= NUMBER_MAX:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        raise _bad(where, f"`{key}` {str(value)[:30]} is out of range: numbers are 1 to {NUMBER_MAX}")
    raise _bad(where, f"`{key}` must be a positive whole number")


def _author(obj: Any, where: str) -> Author:
    if not isinstance(obj, dict):
        raise _bad(where, "`author` must be an object")
    role = _str(obj, "role", where)
    if role not in ROLES:
        raise _bad(where, f"unknown role `{role[:20]}`")
    raw_id = obj.get("id")
    author_id = 0 if raw_id == "0" else _id(raw_id, where, "author.id")  # 0: an author Discord never knew
    return Author(id=author_id or 0, name=_str(obj, "name", where), role=role)


def _revision(obj: dict[str, Any], where: str) -> ImportRevision:
    """{content, edited_at, editor: {id, name} or null, reason: str or null} (SPEC §7); older
    exports carry only content and edited_at."""
    editor = obj.get("editor")
    if editor is not None and not isinstance(editor, dict):
        raise _bad(where, "a revision's `editor` must be {id, name} or null")
    reason = obj.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise _bad(where, "a revision's `reason` must be text or null")
    return ImportRevision(
        content=_str(obj, "content", where),
        edited_at=_time(obj, "edited_at", where) or "",
        editor_id=_id(editor.get("id"), where, "revision editor.id", optional=True) if editor else None,
        editor_name=_str(editor, "name", where) if editor else None,
        reason=reason,
    )


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
        revisions=tuple(_revision(r, where) for r in revisions),
        accepted=number in accepted,
        message_id=_id(obj.get("message_id"), where, "message_id", optional=True),
    )


def _topic(obj: Any, where: str) -> ImportTopic:
    if not isinstance(obj, dict):
        raise _bad(where, "each topic must be an object")
    number = _number(obj.get("number"), f"{where}, a topic", "number")
    title = obj.get("title")
    where = f"topic #{number}" + (f" {quoted(title)}" if isinstance(title, str) else "")
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
    posts = tuple(
        _post(p, f"{where}, {'opening post' if i == 0 else f'post {i + 1}'}", set(accepted))
        for i, p in enumerate(raw_posts)
    )
    if posts[0].number != number:
        raise _bad(where, "the first post must be the opening post, numbered as the topic")
    return ImportTopic(
        key=f"t{number}",
        title=_str(obj, "title", where, empty=False),
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
        if isinstance(forum.get("name"), str):
            where = f"forum {quoted(forum['name'])}"
        topics = tuple(_topic(t, where) for t in forum["topics"])
        for topic in topics:
            for post in topic.posts:
                assert post.number is not None
                if post.number in seen:
                    raise _bad(f"topic #{topic.number}", f"post number #{post.number} appears twice")
                seen.add(post.number)
        parsed.append(
            ImportForum(
                name=_str(forum, "name", where, empty=False),
                description=_str(forum, "description", where) if "description" in forum else "",
                topics=topics,
                channel_id=_id(forum.get("channel_id"), where, "channel_id", optional=True),
                category=None if forum.get("category") is None else (_str(forum, "category", where).strip() or None),
            )
        )
    name = guild.get("name") if isinstance(guild.get("name"), str) else ""
    guild_id = _id(guild.get("id"), "the server (`guild`)", "id", optional=True)
    return ImportDoc(kind="threadkeeper", guild_name=str(name), forums=tuple(parsed), guild_id=guild_id)
