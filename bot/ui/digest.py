"""The digest DM text. No SQL here.

(A topic's author is subscribed to it by default inside ``posts.record_topic``, in the
transaction that records the topic, so no path that creates topics can forget it.)
"""

from __future__ import annotations

from bot.domain.text import escape_inline, excerpt
from bot.storage.subscriptions import Digest
from bot.ui.topics import jump_url

DM_LIMIT = 1900


def digest_text(digest: Digest, *, guild_name: str) -> str:
    """One DM for one topic (new replies) or one forum (new topics)."""
    guild = escape_inline(guild_name)
    if digest.kind == "topic":
        assert digest.thread_id is not None
        link = jump_url(digest.guild_id, digest.thread_id)
        noun = "reply" if digest.total == 1 else "replies"
        head = f"**{digest.total} new {noun}** in [{escape_inline(excerpt(digest.label, 80))}]({link}) ({guild})"
        stop = f"`/unsubscribe topic:#{digest.topic_number}` stops these."
    else:
        noun = "topic" if digest.total == 1 else "topics"
        head = f"**{digest.total} new {noun}** in the forum **{escape_inline(digest.label)}** ({guild})"
        stop = f"`/unsubscribe` with the forum {escape_inline(digest.label)} stops these."
    lines = [head]
    for post in digest.posts:
        link = jump_url(digest.guild_id, post.channel_id, post.message_id)
        if digest.kind == "topic":
            what = excerpt(" ".join(post.content.split()), 140) or "(attachment)"
            lines.append(f"• [#{post.number}]({link}) **{escape_inline(post.author_name)}**: {escape_inline(what)}")
        else:
            title = escape_inline(excerpt(post.topic_title, 100))
            lines.append(f"• [#{post.topic_number} {title}]({link}) by **{escape_inline(post.author_name)}**")
    more = digest.total - len(digest.posts)
    if more > 0:
        lines.append(f"… and {more} more.")
    lines.append(stop)
    text = "\n".join(lines)
    return text if len(text) <= DM_LIMIT else text[: DM_LIMIT - 1] + "…"
