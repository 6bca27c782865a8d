"""Reading a bbPress WordPress export (WXR) into an ImportDoc.

WordPress's Tools › Export writes an RSS file whose items carry `wp:post_type` forum,
topic or reply (bbPress's post types); every other item is ignored. A topic's
`wp:post_parent` is its forum, a reply's is its topic, and `_bbp_reply_to` names the
reply a threaded reply answers. Post ids become the numbers (#3146 stays #3146 where free);
an id of a forum item that is not a number (ASCII digits, 1 .. NUMBER_MAX) refuses the file,
naming the item; lengths are checked with everything else (bot.porting.limits).

Parsing goes through defusedxml: entity declarations (billion laughs), external entities
and DTD tricks are refused before anything is read.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError

import defusedxml
from defusedxml import ElementTree

from bot.domain.numbers import describe_problem, strict_int
from bot.porting.html_markdown import html_to_markdown
from bot.porting.limits import quoted
from bot.porting.model import NUMBER_MAX, Author, ImportDoc, ImportForum, ImportPost, ImportRefused, ImportTopic

UNFILED = "Imported"
_TOPIC_STATUS = {"publish": "open", "closed": "closed", "spam": "spam", "trash": "trash", "pending": "pending"}
_REPLY_STATUS = {"publish": "publish", "spam": "spam", "trash": "trash", "pending": "pending"}
_STICKY_IDS = re.compile(r'(?:i:[0-9]+;i:([0-9]+);)|(?:s:[0-9]+:"([0-9]+)";)')  # [0-9]: ASCII only


def _text(element: Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _meta(item: Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    for entry in item.findall("{*}postmeta"):
        key = _text(entry, "{*}meta_key")
        if key:
            meta[key] = _text(entry, "{*}meta_value")
    return meta


def _when(item: Element) -> str:
    for tag in ("{*}post_date_gmt", "{*}post_date"):
        value = _text(item, tag)
        if value and not value.startswith("0000"):
            try:
                moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
            except ValueError:
                continue
            # post_date is the site's local time; without the site's zone it is read as UTC.
            return moment.replace(tzinfo=UTC).isoformat(timespec="microseconds")
    return datetime(1970, 1, 1, tzinfo=UTC).isoformat(timespec="microseconds")


def _ref(text: str, label: str, field: str) -> int | None:
    """A post id the file gives (an item's own, its parent, its topic or forum, the reply it
    answers): None when empty or 0 (WordPress's "none"); ``ImportRefused`` naming the item
    when it is not a number from 1 to NUMBER_MAX in ASCII digits."""
    if text in ("", "0"):
        return None
    value = strict_int(text, low=1, high=NUMBER_MAX)
    if value is None:
        problem = describe_problem(text, what="a post id", high=NUMBER_MAX)
        raise ImportRefused(f"{label}: {field} {problem}. Nothing was imported.")
    return value


def _checked(text: str) -> int | None:
    """A reference ``_item`` has already checked (``_ref``): its number, or None."""
    return strict_int(text, low=1, high=NUMBER_MAX)


def author_id(login: str) -> int:
    """A stable id for an author who has no Discord account (far below any Discord snowflake)."""
    return zlib.crc32(login.encode("utf-8")) + 1


@dataclass(frozen=True)
class _Item:
    id: int
    title: str
    html: str
    status: str
    parent: int | None
    when: str
    author: Author
    meta: dict[str, str]
    tags: tuple[str, ...]


def _item(item: Element, post_id: int, names: dict[str, str], label: str) -> _Item:
    meta = _meta(item)
    login = _text(item, "{http://purl.org/dc/elements/1.1/}creator")
    name = meta.get("_bbp_anonymous_name") or names.get(login) or login or "Anonymous"
    for key in ("_bbp_topic_id", "_bbp_forum_id", "_bbp_reply_to"):
        _ref(meta.get(key, ""), label, key)  # refused here, naming the item, when not a number
    return _Item(
        id=post_id,
        title=_text(item, "title"),
        html=_text(item, "{http://purl.org/rss/1.0/modules/content/}encoded"),
        status=_text(item, "{*}status"),
        parent=_ref(_text(item, "{*}post_parent"), label, "wp:post_parent"),
        when=_when(item),
        author=Author(id=author_id(login or name), name=name),  # its length: bot.porting.limits
        meta=meta,
        tags=tuple(
            (c.text or "").strip()
            for c in item.findall("category")
            if c.get("domain") == "topic-tag" and (c.text or "").strip()
        ),
    )


def parse(data: bytes) -> ImportDoc:
    try:
        root = ElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as error:
        raise ImportRefused(
            f"The XML file uses entity or DTD tricks ({type(error).__name__}); it was refused. Nothing was imported."
        ) from None
    except (ParseError, ValueError, UnicodeDecodeError) as error:
        raise ImportRefused(f"The file is not well-formed XML ({error}). Nothing was imported.") from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise ImportRefused("That XML is not a WordPress export (WXR): no <rss><channel>.")
    names: dict[str, str] = {}
    for author in channel.findall("{*}author"):
        login = _text(author, "{*}author_login")
        if login:
            names[login] = _text(author, "{*}author_display_name") or login

    forums: dict[int, tuple[str, str, set[int]]] = {}
    topics: dict[int, _Item] = {}
    replies: list[_Item] = []
    for element in channel.findall("item"):
        kind = _text(element, "{*}post_type")
        if kind not in ("forum", "topic", "reply"):
            continue  # other WordPress items (pages, posts, attachments) are not the forum's
        label = f"{kind} {quoted(_text(element, 'title'))}"
        post_id = _ref(_text(element, "{*}post_id"), label, "wp:post_id")
        if post_id is None:
            raise ImportRefused(f"{label}: it has no wp:post_id. Nothing was imported.")
        item = _item(element, post_id, names, f"{kind} #{post_id} {quoted(_text(element, 'title'))}")
        if kind == "forum":
            stickies = {int(a or b) for a, b in _STICKY_IDS.findall(item.meta.get("_bbp_sticky_topics", ""))}
            forums[post_id] = (item.title or f"Forum {post_id}", html_to_markdown(item.html), stickies)
        elif kind == "topic":
            topics[post_id] = item
        else:
            replies.append(item)

    by_topic: dict[int, list[_Item]] = {}
    for reply in replies:
        topic_id = _checked(reply.meta.get("_bbp_topic_id", "")) or reply.parent
        if topic_id is not None and topic_id in topics:
            by_topic.setdefault(topic_id, []).append(reply)

    unfiled: tuple[str, str, set[int]] = (UNFILED, "", set())
    grouped: dict[str, tuple[str, list[ImportTopic]]] = {}
    for topic_id, topic in sorted(topics.items(), key=lambda pair: (pair[1].when, pair[0])):
        forum_id = _checked(topic.meta.get("_bbp_forum_id", "")) or topic.parent or 0
        forum_name, description, stickies = forums.get(forum_id, unfiled)
        ordered = sorted(by_topic.get(topic_id, []), key=lambda r: (r.when, r.id))
        numbers = {r.id for r in ordered}
        posts = [
            ImportPost(
                key=f"p{topic_id}",
                number=topic_id,
                parent=None,
                status="publish",
                author=topic.author,
                content=html_to_markdown(topic.html),
                created_at=topic.when,
            )
        ]
        for reply in ordered:
            answers = _checked(reply.meta.get("_bbp_reply_to", ""))
            posts.append(
                ImportPost(
                    key=f"p{reply.id}",
                    number=reply.id,
                    parent=answers if answers in numbers else None,
                    status=_REPLY_STATUS.get(reply.status, "pending"),
                    author=reply.author,
                    content=html_to_markdown(reply.html),
                    created_at=reply.when,
                )
            )
        grouped.setdefault(forum_name, (description, []))[1].append(
            ImportTopic(
                key=f"t{topic_id}",
                title=" ".join(topic.title.split()) or f"Topic {topic_id}",  # its length: bot.porting.limits
                status=_TOPIC_STATUS.get(topic.status, "pending"),
                sticky="sticky" if topic_id in stickies else "none",
                tags=topic.tags[:5],
                posts=tuple(posts),
            )
        )
    return ImportDoc(
        kind="wxr",
        guild_name=_text(channel, "title"),
        forums=tuple(ImportForum(name=n, description=d, topics=tuple(ts)) for n, (d, ts) in grouped.items()),
    )
