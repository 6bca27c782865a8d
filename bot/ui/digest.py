"""The digest DM text. No SQL here.

(A topic's author is subscribed to it by default inside ``posts.record_topic``, in the
transaction that records the topic, so no path that creates topics can forget it.)
"""

from __future__ import annotations

from bot.domain.text import escape_inline, excerpt
from bot.i18n import _, ngettext
from bot.storage.subscriptions import Digest
from bot.ui.topics import jump_url

DM_LIMIT = 1900


def digest_text(digest: Digest, *, guild_name: str) -> str:
    """One DM for one topic (new replies) or one forum (new topics)."""
    guild = escape_inline(guild_name)
    if digest.kind == "topic":
        assert digest.thread_id is not None
        link = jump_url(digest.guild_id, digest.thread_id)
        title = escape_inline(excerpt(digest.label, 80))
        head = ngettext(
            "**{count} new reply** in [{title}]({link}) ({server})",
            "**{count} new replies** in [{title}]({link}) ({server})",
            digest.total,
            title=title,
            link=link,
            server=guild,
        )
        stop = _("`/unsubscribe topic:#{number}` stops these.", number=digest.topic_number)
    else:
        name = escape_inline(digest.label)
        head = ngettext(
            "**{count} new topic** in the forum **{name}** ({server})",
            "**{count} new topics** in the forum **{name}** ({server})",
            digest.total,
            name=name,
            server=guild,
        )
        stop = _("`/unsubscribe` with the forum {name} stops these.", name=name)
    lines = [head]
    for post in digest.posts:
        link = jump_url(digest.guild_id, post.channel_id, post.message_id)
        if digest.kind == "topic":
            what = excerpt(" ".join(post.content.split()), 140) or _("(attachment)")
            lines.append(f"• [#{post.number}]({link}) **{escape_inline(post.author_name)}**: {escape_inline(what)}")
        else:
            title = escape_inline(excerpt(post.topic_title, 100))
            author = escape_inline(post.author_name)
            lines.append(
                _(
                    "• [#{number} {title}]({link}) by **{author}**",
                    number=post.topic_number,
                    title=title,
                    link=link,
                    author=author,
                )
            )
    more = digest.total - len(digest.posts)
    if more > 0:
        lines.append(_("… and {count} more.", count=more))
    lines.append(stop)
    text = "\n".join(lines)
    return text if len(text) <= DM_LIMIT else text[: DM_LIMIT - 1] + "…"
