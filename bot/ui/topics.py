"""How topics read in Discord: `/topic show` pages, `/topic list` and `/forum list` tables."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.domain.roles import ForumRole
from bot.domain.text import escape_inline, excerpt, plural
from bot.storage.models import Forum, Topic, TopicView

EMBED_BUDGET = 3900
COLOR = discord.Colour.from_rgb(61, 110, 160)


def jump_url(guild_id: int, channel_id: int, message_id: int | None = None) -> str:
    base = f"https://discord.com/channels/{guild_id}/{channel_id}"
    return f"{base}/{message_id}" if message_id else base


def stamp(iso_text: str | None, style: str = "R") -> str:
    if not iso_text:
        return "never"
    return f"<t:{int(datetime.fromisoformat(iso_text).timestamp())}:{style}>"


def role_display(key: str) -> str:
    try:
        return ForumRole.parse(key).display
    except ValueError:
        return key.capitalize()


def reply_threads_header(count: int) -> str:
    return f"Viewing {count} reply thread" + ("" if count == 1 else "s")


def status_line(topic: Topic) -> str:
    parts = [topic.status.capitalize()]
    if topic.solved:
        parts.append("Solved")
    if topic.sticky == "super":
        parts.append("Super sticky")
    elif topic.sticky == "sticky":
        parts.append("Sticky")
    if topic.tags:
        parts.append("Tags: " + ", ".join(topic.tags))
    return " · ".join(parts)


def topic_embed(view: TopicView, *, guild_name: str) -> discord.Embed:
    """One page of ``/topic show`` (``topics.show_page``)."""
    chunk = view.entries
    topic, forum = view.topic, view.forum
    header = [
        f"{escape_inline(guild_name)} › {escape_inline(forum.name)} › {escape_inline(topic.title)}",
        f"Status: {status_line(topic)}",
        f"**{reply_threads_header(view.reply_threads)}**",
        "",
    ]
    budget = max(120, (EMBED_BUDGET - sum(len(h) for h in header)) // max(1, len(chunk)) - 160)
    blocks = []
    for post, depth in chunk:
        indent = "\u2003" * min(depth, 3) + ("↳ " if depth else "")
        link = jump_url(topic.guild_id, post.channel_id, post.message_id)
        mark = " · ✅ **Accepted answer**" if post.accepted else ""
        line = (
            f"{indent}[**#{post.number}**]({link}) · **{escape_inline(post.author_name)}** · "
            f"*{role_display(post.author_role)}* · {stamp(post.created_at, 'f')}{mark}"
        )
        text = excerpt(post.content, budget) if post.content else "*(attachment only)*"
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
    embed.set_footer(text=f"Page {view.page + 1} of {view.pages} · {plural(view.total_posts, 'post')}")
    return embed


def topic_list_embed(
    topics: list[Topic], *, title: str, page: int, pages: int, total: int, forum_names: dict[int, str]
) -> discord.Embed:
    if not topics:
        description = "No topics here yet. Start one with `/topic new`."
    else:
        rows = []
        for topic in topics:
            pin = "📌 " if topic.sticky != "none" else ""
            solved = " ✅" if topic.solved else ""
            closed = " 🔒" if topic.status == "closed" else ""
            link = jump_url(topic.guild_id, topic.thread_id)
            where = f" in {escape_inline(forum_names.get(topic.forum_id, '?'))}" if len(forum_names) > 1 else ""
            rows.append(
                f"{pin}[**{escape_inline(excerpt(topic.title, 80))}**]({link}) "
                f"`#{topic.number}`{solved}{closed}{where}\n"
                f"Voices {topic.voice_count} · Posts {topic.reply_count + 1} · Freshness {stamp(topic.last_post_at)}"
            )
        description = "\n".join(rows)
    embed = discord.Embed(title=title, description=description, colour=COLOR)
    embed.set_footer(text=f"Page {page + 1} of {pages} · {plural(total, 'topic')} · Topic, Voices, Posts, Freshness")
    return embed


def forum_list_embed(forums: list[Forum], guild_id: int) -> discord.Embed:
    if not forums:
        description = "No forums yet. A keymaster registers one with `/forumadmin add`."
    else:
        lines: list[str] = []
        heading: str | None = None
        # Grouped by category (forums of none first), as the web archive's index shows them.
        for f in sorted(forums, key=lambda f: ((f.category or "").lower(), f.name.lower(), f.id)):
            if f.category and f.category != heading:
                lines.append(f"__**{escape_inline(f.category)}**__")
            heading = f.category
            marks = [m for m, on in (("read-only", f.rules.moderators_only), ("closed", f.rules.closed)) if on]
            lines.append(
                f"**[{escape_inline(f.name)}]({jump_url(guild_id, f.channel_id)})**"
                + (f" ({', '.join(marks)})" if marks else "")
                + (f" — {escape_inline(excerpt(f.description, 100))}" if f.description else "")
                + f"\nTopics {f.topic_count} · Posts {f.post_count} · Freshness {stamp(f.last_post_at)}"
            )
        description = "\n".join(lines)
    embed = discord.Embed(title="Forums", description=description, colour=COLOR)
    embed.set_footer(text="Forum, Topics, Posts, Freshness")
    return embed
