"""What search engines and link previews read of an archive page: the canonical URL, the
title and description, OpenGraph and Twitter card tags, rel prev/next and schema.org JSON-LD
(docs/archive.md, "For search engines"). Pure functions over the records the pages show.

Absolute links are built on ``BASE_URL`` only (``Site``), never on the request's Host header.
Without it, links are relative where HTML allows (canonical, prev/next, feeds) and left out
where only absolute ones mean anything (``og:url``, the sitemap).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from markupsafe import Markup

from bot.storage.models import Post, Topic, TopicView

SITE_NAME = "Threadkeeper archive"
DESCRIPTION_LIMIT = 160  # what search engines show of a description
TEXT_LIMIT = 5000  # structured data carries a post's text up to this many characters


@dataclass(frozen=True)
class Site:
    """Where the archive is published: ``base_url`` (``BASE_URL``, "" when unset)."""

    base_url: str = ""

    def link(self, path: str) -> str:
        """An absolute URL with BASE_URL, else the path itself (relative)."""
        return self.base_url + path

    def absolute(self, path: str) -> str | None:
        """An absolute URL, or None without BASE_URL (for what only an absolute one serves)."""
        return self.base_url + path if self.base_url else None


def topic_path(guild_id: int, number: int, page: int = 1) -> str:
    """The canonical path of a topic's page: numbers are per guild, so the guild is in it.
    (Whole numbers only, so no encoding: a sitemap builds 50,000 of these, where
    ``urlencode`` cost 2.5 µs each.)"""
    path = f"/topics/{int(number)}?guild={int(guild_id)}"
    return f"{path}&page={int(page)}" if page > 1 else path


def paged(base: str, page: int) -> str:
    """``base`` (a path, maybe with a query) at ``page`` (page 1 has no ``page=``)."""
    if page <= 1:
        return base
    return f"{base}{'&' if '?' in base else '?'}page={page}"


def discord_thread_url(guild_id: int, thread_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{thread_id}"


@dataclass(frozen=True)
class Head:
    """Everything base.html writes into <head> besides the stylesheet."""

    title: str  # the <title>, site name included
    description: str = ""
    canonical: str | None = None
    og_type: str = "website"
    og_url: str | None = None
    prev: str | None = None
    next: str | None = None
    robots: str | None = None  # "noindex" for searches, errors, choosers
    jsonld: Markup | None = None
    feeds: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (title, href)
    published: str | None = None  # article:published_time


def page_title(title: str, page: int = 1, pages: int = 1) -> str:
    shown = title if pages <= 1 or page <= 1 else f"{title} (page {page} of {pages})"
    return f"{shown} · {SITE_NAME}"


_TAGS = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)([^>]*)>")
_SPOILER_CLASS = re.compile(r'\bclass="(?:[^"]*\s)?spoiler[\s"]')
_VOID = frozenset({"br", "input", "img", "hr", "wbr", "meta", "link"})


def plain_text(html: str) -> str:
    """Rendered post HTML (the archive's one renderer, which escapes all member text) as one
    line of text, leaving out what a reader must click to see (an element of class ``spoiler``,
    with everything inside it, however nested)."""
    out: list[str] = []
    pos = 0
    hidden = 0  # elements open inside a spoiler, the spoiler included
    for tag in _TAGS.finditer(html):
        if not hidden:
            out.append(html[pos : tag.start()])
        pos = tag.end()
        closing, name = tag.group(1), tag.group(2).lower()
        if name in _VOID:
            pass
        elif hidden:
            hidden += -1 if closing else 1
        elif not closing and _SPOILER_CLASS.search(tag.group(3)):
            hidden = 1
        out.append(" ")
    if not hidden:
        out.append(html[pos:])
    return " ".join(unescape("".join(out)).split())


def shorten(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """The first words of ``text``, cut at a word's end within ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def jsonld(data: dict[str, Any]) -> Markup:
    """JSON-LD safe inside <script>: no "<", ">" or "&" in the text (``</script>`` cannot close it)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _person(name: str) -> dict[str, Any]:
    return {"@type": "Person", "name": name or "Unknown"}


def _post_url(site: Site, topic: Topic, post: Post, page: int) -> str:
    return site.link(topic_path(topic.guild_id, topic.number, page)) + f"#post-{post.number}"


def topic_jsonld(
    site: Site,
    view: TopicView,
    opening: Post | None,
    texts: dict[int, str],
    *,
    page: int,
) -> dict[str, Any] | None:
    """schema.org data of a topic page. The question's page (page 1) of a solved topic is a
    ``QAPage``: its ``Question`` with the accepted answers as ``acceptedAnswer`` and the page's
    other replies as ``suggestedAnswer``. Any other topic page is a ``DiscussionForumPosting``
    (the opening post, with the page's replies as ``comment``; later pages name page 1 as its
    ``url``, as search engines ask of multi-page threads). ``texts``: each post's plain text
    by post id. None when the opening post is not shown (nothing to describe)."""
    topic = view.topic
    if opening is None:
        return None
    first_page = site.link(topic_path(topic.guild_id, topic.number))
    replies = [post for post, _depth in view.entries if not post.is_opening]
    question_text = texts.get(opening.id, "")[:TEXT_LIMIT] or topic.title
    answered = [post for post in replies if post.accepted]
    if page == 1 and topic.solved and answered:
        answers = [
            {
                "@type": "Answer",
                "text": texts.get(post.id, "")[:TEXT_LIMIT] or "…",
                "author": _person(post.author_name),
                "datePublished": post.created_at,
                "url": _post_url(site, topic, post, page),
            }
            for post in replies
        ]
        question: dict[str, Any] = {
            "@type": "Question",
            "name": topic.title,
            "text": question_text,
            "answerCount": max(0, view.total_posts - 1),
            "datePublished": opening.created_at,
            "dateCreated": opening.created_at,
            "author": _person(opening.author_name),
            "url": first_page,
        }
        accepted = [answer for answer, post in zip(answers, replies, strict=True) if post.accepted]
        suggested = [answer for answer, post in zip(answers, replies, strict=True) if not post.accepted]
        question["acceptedAnswer"] = accepted if len(accepted) > 1 else accepted[0]
        if suggested:
            question["suggestedAnswer"] = suggested
        return {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": question}
    posting: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "DiscussionForumPosting",
        "headline": topic.title,
        "text": question_text,
        "author": _person(opening.author_name),
        "datePublished": opening.created_at,
        "url": first_page,
        "interactionStatistic": {
            "@type": "InteractionCounter",
            "interactionType": "https://schema.org/CommentAction",
            "userInteractionCount": max(0, view.total_posts - 1),
        },
    }
    if opening.edited_at:
        posting["dateModified"] = opening.edited_at
    comments = [
        {
            "@type": "Comment",
            "text": texts.get(post.id, "")[:TEXT_LIMIT] or "…",
            "author": _person(post.author_name),
            "datePublished": post.created_at,
            "url": _post_url(site, topic, post, page),
        }
        for post in replies
    ]
    if comments:
        posting["comment"] = comments
    return posting
