"""What an import may carry, checked once over the parsed document, whatever the file's
format: names, titles, tags, bodies and attachments within bounds, or the whole file is
refused (``ImportRefused``) with a message naming the item, before anything is written.

Lengths are measured as the text will be recorded: control characters dropped
(``bot.domain.text``). Ids and numbers are checked by the parsers as they read them
(``bot.domain.numbers``).
"""

from __future__ import annotations

from bot.domain.policy import TAGS_MAX, TITLE_MAX
from bot.domain.text import one_line, without_controls
from bot.porting.model import ImportDoc, ImportPost, ImportRefused, ImportTopic

NAME_MAX = 100  # author, forum and server names (Discord's own are at most 100; members' 32)
TAG_MAX = 50  # Discord's forum tags are at most 20: a longer one is recorded, matches none
DESCRIPTION_MAX = 1_000
REASON_MAX = 1_000  # an edit's reason (the Edit post form takes 300)
BODY_MAX = 20_000  # a post and each of its revisions; posted into Discord as up to 11 messages
ATTACHMENTS_MAX = 10  # Discord's own limit per message
ATTACHMENT_FIELD_MAX = 2_000  # a file name or URL
SHOWN_PROBLEMS = 1


def quoted(text: str, limit: int = 40) -> str:
    """A name or title inside a message: one line, cut short, in quotes."""
    text = one_line(text)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def topic_label(topic: ImportTopic) -> str:
    number = f" #{topic.number}" if topic.number is not None else ""
    return f"topic{number} {quoted(topic.title)}"


def _post_label(topic: ImportTopic, post: ImportPost, index: int) -> str:
    if index == 0:
        return f"{topic_label(topic)}, opening post"
    which = f"#{post.number}" if post.number is not None else f"{index + 1}"
    return f"{topic_label(topic)}, post {which}"


def _too_long(what: str, length: int, limit: int) -> str:
    return f"{what} is {length} characters; at most {limit}"


def problems(doc: ImportDoc) -> list[str]:
    """Every problem of the document, each naming its item."""
    found: list[str] = []
    if len(one_line(doc.guild_name)) > NAME_MAX:
        found.append(f"the server name {quoted(doc.guild_name)}: {_too_long('it', len(doc.guild_name), NAME_MAX)}")
    for forum in doc.forums:
        forum_label = f"forum {quoted(forum.name)}"
        name = one_line(forum.name).strip()
        if not name:
            found.append(f"{forum_label}: the name is empty")
        elif len(name) > NAME_MAX:
            found.append(f"{forum_label}: {_too_long('name', len(name), NAME_MAX)}")
        category = one_line(forum.category or "")
        if len(category) > NAME_MAX:
            found.append(f"{forum_label}: {_too_long('category', len(category), NAME_MAX)}")
        description = without_controls(forum.description)
        if len(description) > DESCRIPTION_MAX:
            found.append(f"{forum_label}: {_too_long('description', len(description), DESCRIPTION_MAX)}")
        for topic in forum.topics:
            found += _topic_problems(topic)
    return found


def _topic_problems(topic: ImportTopic) -> list[str]:
    found: list[str] = []
    label = topic_label(topic)
    title = one_line(topic.title).strip()
    if not title:
        found.append(f"{label}: the title is empty")
    elif len(title) > TITLE_MAX:
        found.append(f"{label}: {_too_long('title', len(title), TITLE_MAX)}")
    if len(topic.tags) > TAGS_MAX:
        found.append(f"{label}: {len(topic.tags)} tags; at most {TAGS_MAX}")
    for tag in topic.tags:
        cleaned = one_line(tag).strip()
        if not cleaned:
            found.append(f"{label}: a tag is empty")
        elif len(cleaned) > TAG_MAX:
            found.append(f"{label}: {_too_long(f'tag {quoted(tag, 20)}', len(cleaned), TAG_MAX)}")
    for index, post in enumerate(topic.posts):
        where = _post_label(topic, post, index)
        name = one_line(post.author.name)
        if len(name) > NAME_MAX:
            found.append(f"{where}: {_too_long(f'author name {quoted(name, 20)}', len(name), NAME_MAX)}")
        body = without_controls(post.content)
        if len(body) > BODY_MAX:
            found.append(f"{where}: {_too_long('body', len(body), BODY_MAX)}")
        for number, revision in enumerate(post.revisions, start=1):
            content = revision.content
            if len(without_controls(content)) > BODY_MAX:
                found.append(f"{where}: {_too_long(f'revision {number}', len(content), BODY_MAX)}")
            editor = one_line(revision.editor_name or "")
            if len(editor) > NAME_MAX:
                found.append(f"{where}: {_too_long(f'revision {number} editor name', len(editor), NAME_MAX)}")
            reason = revision.reason or ""
            if len(reason) > REASON_MAX:
                found.append(f"{where}: {_too_long(f'revision {number} reason', len(reason), REASON_MAX)}")
        if len(one_line(post.edited_by or "")) > NAME_MAX or len(post.edit_reason or "") > REASON_MAX:
            found.append(f"{where}: the edit's editor name or reason is too long")
        if len(post.attachments) > ATTACHMENTS_MAX:
            found.append(f"{where}: {len(post.attachments)} attachments; at most {ATTACHMENTS_MAX}")
        for attachment in post.attachments:
            for key, value in attachment.items():
                if len(value) > ATTACHMENT_FIELD_MAX:
                    found.append(f"{where}: {_too_long(f'an attachment {key}', len(value), ATTACHMENT_FIELD_MAX)}")
    return found


def check(doc: ImportDoc) -> None:
    """``ImportRefused`` naming the first problem (and how many more) when there is any."""
    found = problems(doc)
    if not found:
        return
    more = len(found) - SHOWN_PROBLEMS
    also = f" ({more} more problem{'s' if more != 1 else ''} like it)" if more > 0 else ""
    raise ImportRefused(f"{'; '.join(found[:SHOWN_PROBLEMS])}{also}. Nothing was imported.")
