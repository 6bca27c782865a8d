"""How topics read in Discord: `/topic show` pages, `/topic list` and `/forum list` tables."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.domain.roles import ForumRole
from bot.domain.text import escape_inline, excerpt
from bot.domain.words import status_word
from bot.i18n import _, ngettext
from bot.storage.models import Forum, Topic, TopicView

EMBED_BUDGET = 3900
COLOR = discord.Colour.from_rgb(61, 110, 160)


def jump_url(guild_id: int, channel_id: int, message_id: int | None = None) -> str:
    base = f"https://discord.com/channels/{guild_id}/{channel_id}"
    return f"{base}/{message_id}" if message_id else base


def stamp(iso_text: str | None, style: str = "R") -> str:
    if not iso_text:
        return _("never")
    return f"<t:{int(datetime.fromisoformat(iso_text).timestamp())}:{style}>"


def role_display(key: str) -> str:
    """A stored role key as the member reads it (in their language)."""
    try:
        return ForumRole.parse(key).label
    except ValueError:
        return key.capitalize()


def reply_threads_header(count: int) -> str:
    return ngettext("Viewing {count} reply thread", "Viewing {count} reply threads", count)


def status_line(topic: Topic) -> str:
    word = status_word(topic.status)
    parts = [word[:1].upper() + word[1:]]
    if topic.solved:
        parts.append(_("Solved"))
    if topic.sticky == "super":
        parts.append(_("Super sticky"))
    elif topic.sticky == "sticky":
        parts.append(_("Sticky"))
    if topic.tags:
        parts.append(_("Tags: {tags}", tags=", ".join(topic.tags)))
    return " · ".join(parts)


def topic_embed(view: TopicView, *, guild_name: str) -> discord.Embed:
    """One page of ``/topic show`` (``topics.show_page``)."""
    chunk = view.entries
    topic, forum = view.topic, view.forum
    header = [
        f"{escape_inline(guild_name)} › {escape_inline(forum.name)} › {escape_inline(topic.title)}",
        _("Status: {status}", status=status_line(topic)),
        f"**{reply_threads_header(view.reply_threads)}**",
        "",
    ]
    budget = max(120, (EMBED_BUDGET - sum(len(h) for h in header)) // max(1, len(chunk)) - 160)
    blocks = []
    for post, depth in chunk:
        indent = "\u2003" * min(depth, 3) + ("↳ " if depth else "")
        link = jump_url(topic.guild_id, post.channel_id, post.message_id)
        mark = " · ✅ **" + _("Accepted answer") + "**" if post.accepted else ""
        line = (
            f"{indent}[**#{post.number}**]({link}) · **{escape_inline(post.author_name)}** · "
            f"*{role_display(post.author_role)}* · {stamp(post.created_at, 'f')}{mark}"
        )
        text = excerpt(post.content, budget) if post.content else "*" + _("(attachment only)") + "*"
        quoted = "\n".join(f"{indent}> {row}" if row else f"{indent}>" for row in text.splitlines() or [""])
        if post.edit_note:
            quoted += f"\n{indent}*✏️ {escape_inline(excerpt(post.edit_note, 240))}*"
        blocks.append(f"{line}\n{quoted}")
    embed = discord.Embed(
        title=excerpt(f"#{topic.number} {topic.title}", 256),
        url=jump_url(topic.guild_id, topic.thread_id),
        description="\n".join(header) + "\n\n".join(blocks),
        colour=COLOR,
    )
    posts = ngettext("{count} post", "{count} posts", view.total_posts)
    embed.set_footer(text=_("Page {page} of {pages}", page=view.page + 1, pages=view.pages) + f" · {posts}")
    return embed


def topic_list_embed(
    topics: list[Topic], *, title: str, page: int, pages: int, total: int, forum_names: dict[int, str]
) -> discord.Embed:
    if not topics:
        description = _("No topics here yet. Start one with `/topic new`.")
    else:
        rows = []
        for topic in topics:
            pin = "📌 " if topic.sticky != "none" else ""
            solved = " ✅" if topic.solved else ""
            closed = " 🔒" if topic.status == "closed" else ""
            link = jump_url(topic.guild_id, topic.thread_id)
            forum_name = escape_inline(forum_names.get(topic.forum_id, "?"))
            where = " " + _("in {forum}", forum=forum_name) if len(forum_names) > 1 else ""
            rows.append(
                f"{pin}[**{escape_inline(excerpt(topic.title, 80))}**]({link}) "
                f"`#{topic.number}`{solved}{closed}{where}\n"
                + _(
                    "Voices {voices} · Posts {posts} · Freshness {freshness}",
                    voices=topic.voice_count,
                    posts=topic.reply_count + 1,
                    freshness=stamp(topic.last_post_at),
                )
            )
        description = "\n".join(rows)
    embed = discord.Embed(title=title, description=description, colour=COLOR)
    topics_count = ngettext("{count} topic", "{count} topics", total)
    columns = _("Topic, Voices, Posts, Freshness")
    embed.set_footer(text=_("Page {page} of {pages}", page=page + 1, pages=pages) + f" · {topics_count} · {columns}")
    return embed


def forum_list_embed(forums: list[Forum], guild_id: int) -> discord.Embed:
    if not forums:
        description = _("No forums yet. A keymaster registers one with `/forumadmin add`.")
    else:
        lines: list[str] = []
        heading: str | None = None
        # Grouped by category (forums of none first), as the web archive's index shows them.
        for f in sorted(forums, key=lambda f: ((f.category or "").lower(), f.name.lower(), f.id)):
            if f.category and f.category != heading:
                lines.append(f"__**{escape_inline(f.category)}**__")
            heading = f.category
            marks = [m for m, on in ((_("read-only"), f.rules.moderators_only), (_("closed"), f.rules.closed)) if on]
            lines.append(
                f"**[{escape_inline(f.name)}]({jump_url(guild_id, f.channel_id)})**"
                + (f" ({', '.join(marks)})" if marks else "")
                + (f" — {escape_inline(excerpt(f.description, 100))}" if f.description else "")
                + "\n"
                + _(
                    "Topics {topics} · Posts {posts} · Freshness {freshness}",
                    topics=f.topic_count,
                    posts=f.post_count,
                    freshness=stamp(f.last_post_at),
                )
            )
        description = "\n".join(lines)
    embed = discord.Embed(title=_("Forums"), description=description, colour=COLOR)
    embed.set_footer(text=_("Forum, Topics, Posts, Freshness"))
    return embed
