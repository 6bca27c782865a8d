"""Reading a bbPress WordPress export (WXR) into an ImportDoc.

WordPress's Tools › Export writes an RSS file whose items carry `wp:post_type` forum,
topic or reply (bbPress's post types); every other item is ignored. A topic's
`wp:post_parent` is its forum, a reply's is its topic, and `_bbp_reply_to` names the
reply a threaded reply answers. Post ids become the numbers (#3146 stays #3146 where free);
an id of a forum item that is not a number (ASCII digits, 1 .. NUMBER_MAX) refuses the file,
naming the item; lengths are checked with everything else (bot.porting.limits).

WordPress writes one post type per file unless "All content" is chosen, and never in
parent-first order (MySQL walks its type/status/date index): ``read`` takes one file,
``combine`` joins the files of one export by WordPress ids — forums (a `_bbp_forum_type`
`category` names its child forums' category; a `private` or `hidden` forum, or one inside
such a forum, is never published), topics, replies — into one ImportDoc.

Parsing goes through defusedxml: entity declarations (billion laughs), external entities
and DTD tricks are refused before anything is read.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError

import defusedxml
from defusedxml import ElementTree

from bot.domain.numbers import describe_problem, strict_int
from bot.porting import phpserial
from bot.porting.html_markdown import html_to_markdown
from bot.porting.limits import quoted
from bot.porting.model import NUMBER_MAX, Author, ImportDoc, ImportForum, ImportPost, ImportRefused, ImportTopic

UNFILED = "Imported"
_TOPIC_STATUS = {"publish": "open", "closed": "closed", "spam": "spam", "trash": "trash", "pending": "pending"}
_REPLY_STATUS = {"publish": "publish", "spam": "spam", "trash": "trash", "pending": "pending"}
HIDDEN_FORUM = ("private", "hidden")  # bbPress's forum visibilities other than publish


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


def _moment(value: str) -> str | None:
    """A WordPress date (`2021-03-01 10:00:00`) as ISO 8601 UTC; None when empty, zero or not a date."""
    if not value or value.startswith("0000"):
        return None
    try:
        moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC).isoformat(timespec="microseconds")


def _when(item: Element) -> str:
    # post_date is the site's local time; without the site's zone it is read as UTC (WordPress
    # leaves post_date_gmt at zero for a pending post, whose date "floats").
    for tag in ("{*}post_date_gmt", "{*}post_date"):
        found = _moment(_text(item, tag))
        if found:
            return found
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
    modified: str  # post_modified_gmt ('' when the file has none)


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
        modified=_moment(_text(item, "{*}post_modified_gmt")) or "",
    )


@dataclass
class WxrFile:
    """One WordPress export file's forum items, by WordPress post id."""

    title: str
    site: str  # wp:base_site_url: the files of one export name the same site
    users: dict[int, str] = field(default_factory=dict)  # wp:author_id -> display name
    forums: dict[int, _Item] = field(default_factory=dict)
    topics: dict[int, _Item] = field(default_factory=dict)
    replies: dict[int, _Item] = field(default_factory=dict)


def read(data: bytes) -> WxrFile:
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
    found = WxrFile(title=_text(channel, "title"), site=_text(channel, "{*}base_site_url").rstrip("/"))
    for author in channel.findall("{*}author"):
        login = _text(author, "{*}author_login")
        if login:
            names[login] = _text(author, "{*}author_display_name") or login
            number = _checked(_text(author, "{*}author_id"))
            if number is not None:
                found.users[number] = names[login]
    kinds = {"forum": found.forums, "topic": found.topics, "reply": found.replies}
    for element in channel.findall("item"):
        kind = _text(element, "{*}post_type")
        if kind not in kinds:
            continue  # other WordPress items (pages, posts, attachments) are not the forum's
        label = f"{kind} {quoted(_text(element, 'title'))}"
        post_id = _ref(_text(element, "{*}post_id"), label, "wp:post_id")
        if post_id is None:
            raise ImportRefused(f"{label}: it has no wp:post_id. Nothing was imported.")
        kinds[kind][post_id] = _item(element, post_id, names, f"{kind} #{post_id} {quoted(_text(element, 'title'))}")
    return found


def parse(data: bytes, *, super_sticky: Collection[int] = ()) -> ImportDoc:
    return combine([read(data)], super_sticky=super_sticky)


def _joined(files: Sequence[WxrFile]) -> WxrFile:
    sites = {f.site for f in files if f.site}
    if len(sites) > 1:
        raise ImportRefused(
            "These files are exports of different sites (" + ", ".join(sorted(s[:60] for s in sites)) + "); "
            "several files must be the forums, topics and replies of one export. Nothing was imported."
        )
    joined = WxrFile(title=next((f.title for f in files if f.title), ""), site=next(iter(sites), ""))
    kinds = ("forums", "topics", "replies")
    for one in files:
        joined.users.update(one.users)
        for kind in kinds:
            for post_id, item in getattr(one, kind).items():
                for other in kinds:
                    if other != kind and post_id in getattr(joined, other):
                        raise ImportRefused(
                            f"#{post_id} is a {other[:-1].replace('replie', 'reply')} in one file and a "
                            f"{kind[:-1].replace('replie', 'reply')} in another: these files are not one export. "
                            "Nothing was imported."
                        )
                getattr(joined, kind)[post_id] = item  # the same item in two files (All content + Topics): one
    return joined


def _forum_of(forums: dict[int, _Item], start: int | None) -> list[_Item]:
    """The forum ``start`` and its ancestors, nearest first (a loop in the file stops the walk)."""
    chain: list[_Item] = []
    seen: set[int] = set()
    while start is not None and start in forums and start not in seen and len(chain) < 100:
        seen.add(start)
        chain.append(forums[start])
        start = forums[start].parent
    return chain


def _edit_note(item: _Item, users: dict[int, str]) -> tuple[str | None, str | None, str | None]:
    """(edited_at, editor, reason) of the latest entry of bbPress's `_bbp_revision_log`
    (revision id -> {author: user id, reason}); the earlier text itself is not in the export."""
    log = phpserial.loads(item.meta.get("_bbp_revision_log", ""))
    if not isinstance(log, dict) or not log:
        return None, None, None
    latest = log[max(log, key=lambda k: (isinstance(k, int), k if isinstance(k, int) else 0))]
    if not isinstance(latest, dict):
        return None, None, None
    author, reason = latest.get("author"), latest.get("reason")
    editor = users.get(author) if isinstance(author, int) and not isinstance(author, bool) else None
    why = " ".join(reason.split()) if isinstance(reason, str) else ""
    return item.modified or None, editor if why else None, why or None


def _post(item: _Item, *, users: dict[int, str], status: str, parent: int | None) -> ImportPost:
    edited_at, editor, reason = _edit_note(item, users)
    return ImportPost(
        key=f"p{item.id}",
        number=item.id,
        parent=parent,
        status=status,
        author=item.author,
        content=html_to_markdown(item.html),
        created_at=item.when,
        edited_at=edited_at,
        edited_by=editor,
        edit_reason=reason,
    )


@dataclass
class _Grouped:
    description: str
    category: str | None
    hidden: bool
    topics: list[ImportTopic] = field(default_factory=list)


def combine(files: Sequence[WxrFile], *, super_sticky: Collection[int] = ()) -> ImportDoc:
    """The files of one export as one ImportDoc; ``super_sticky`` are the topic ids of
    bbPress's `_bbp_super_sticky_topics` option (not in any WXR file)."""
    wxr = _joined(files)
    unknown = sorted(set(super_sticky) - set(wxr.topics))
    if unknown:
        raise ImportRefused(
            "The super-sticky topic id(s) "
            + ", ".join(f"#{n}" for n in unknown[:10])
            + " are not topics of the file(s). Nothing was imported."
        )
    warnings: list[str] = []
    by_topic: dict[int, list[_Item]] = {}
    orphans = 0
    for reply in wxr.replies.values():
        topic_id = _checked(reply.meta.get("_bbp_topic_id", "")) or reply.parent
        if topic_id is not None and topic_id in wxr.topics:
            by_topic.setdefault(topic_id, []).append(reply)
        else:
            orphans += 1
    if orphans:
        warnings.append(
            f"{orphans} repl{'y' if orphans == 1 else 'ies'} belong to topics none of the files hold "
            "(was the topics file left out?); they were not imported."
        )
    if not wxr.replies and any((_checked(t.meta.get("_bbp_reply_count", "")) or 0) > 0 for t in wxr.topics.values()):
        warnings.append("The topics have replies, but no file holds any: was the replies file left out?")

    stickies: set[int] = set()
    for forum in wxr.forums.values():
        stickies.update(phpserial.int_list(forum.meta.get("_bbp_sticky_topics", "")))
    grouped: dict[str, _Grouped] = {}
    unfiled = 0
    for topic_id, topic in sorted(wxr.topics.items(), key=lambda pair: (pair[1].when, pair[0])):
        chain = _forum_of(wxr.forums, _checked(topic.meta.get("_bbp_forum_id", "")) or topic.parent)
        if chain:
            forum = chain[0]
            name = forum.title or f"Forum {forum.id}"
            category = next((f.title for f in chain[1:] if f.meta.get("_bbp_forum_type") == "category"), None)
            group = grouped.setdefault(name, _Grouped(html_to_markdown(forum.html), category or None, False))
            group.hidden = group.hidden or any(f.status in HIDDEN_FORUM for f in chain)
        else:
            # Its forum is in none of the files: whether that forum was private cannot be known.
            unfiled += 1
            group = grouped.setdefault(UNFILED, _Grouped("", None, True))
            group.hidden = True
        group.topics.append(_topic(topic, by_topic.get(topic_id, []), wxr.users, stickies, set(super_sticky)))
    if unfiled:
        warnings.append(
            f"{unfiled} topic(s) name a forum none of the files hold (was the forums file left out?): "
            f"they went to the forum {UNFILED!r}, kept out of the web archive."
        )
    return ImportDoc(
        kind="wxr",
        guild_name=wxr.title,
        forums=tuple(
            ImportForum(name=n, description=g.description, topics=tuple(g.topics), category=g.category, hidden=g.hidden)
            for n, g in grouped.items()
        ),
        warnings=tuple(warnings),
    )


def _topic(
    topic: _Item, replies: list[_Item], users: dict[int, str], stickies: set[int], supers: set[int]
) -> ImportTopic:
    ordered = sorted(replies, key=lambda r: (r.when, r.id))
    numbers = {r.id for r in ordered}
    posts = [_post(topic, users=users, status="publish", parent=None)]
    for reply in ordered:
        answers = _checked(reply.meta.get("_bbp_reply_to", ""))
        posts.append(
            _post(
                reply,
                users=users,
                status=_REPLY_STATUS.get(reply.status, "pending"),
                parent=answers if answers in numbers else None,
            )
        )
    return ImportTopic(
        key=f"t{topic.id}",
        title=" ".join(topic.title.split()) or f"Topic {topic.id}",  # its length: bot.porting.limits
        status=_TOPIC_STATUS.get(topic.status, "pending"),
        sticky="super" if topic.id in supers else "sticky" if topic.id in stickies else "none",
        tags=topic.tags[:5],
        posts=tuple(posts),
    )
