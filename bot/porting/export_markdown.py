"""A Markdown copy of a guild's forums: one document, topics as bbPress shows them.

Post bodies are Discord Markdown already and are kept as written, each in a blockquote
(so a member's heading or rule cannot break the document's structure); nested replies
are quoted one level deeper per level. Mentions, timestamps, custom emoji and command
mentions read as text (``@Name``, a date, ``:name:``, ``/name``: ``mentions.readable_markdown``);
spoilers stay ``||as written||``.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import clock
from bot.domain.mentions import readable_markdown
from bot.porting.readable import collect
from bot.storage.api import Connection
from bot.ui.topics import reply_threads_header, role_display, status_line


def _inline(text: str) -> str:
    """Names and titles as literal text in Markdown."""
    for char in ("\\", "`", "*", "_", "[", "]", "<", ">", "#", "|", "~"):
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def _quote(text: str, depth: int) -> list[str]:
    prefix = "> " * (depth + 1)
    return [(prefix + line).rstrip() for line in (text or "*(attachment only)*").splitlines()] or [prefix.rstrip()]


def build(
    conn: Connection, guild_id: int, *, now: str | None = None, step: Callable[[int, int], None] | None = None
) -> str:
    guild = collect(conn, guild_id, step)
    out = [
        f"# {_inline(guild.name or 'Forums')}",
        "",
        f"*Threadkeeper export, {now or clock.utcnow().replace(microsecond=0).isoformat()}*",
        "",
        "| Forum | Topics | Posts |",
        "|---|---:|---:|",
    ]
    for f in guild.forums:
        posts = sum(t.page.total_posts for t in f.topics)
        out.append(f"| {_inline(f.forum.name)} | {len(f.topics)} | {posts} |")
    for f in guild.forums:
        out += ["", f"## {_inline(f.forum.name)}", ""]
        if f.forum.description:
            out += [_inline(f.forum.description), ""]
        if not f.topics:
            out.append("*No topics.*")
        for rt in f.topics:
            topic = rt.page.topic
            out += [
                f"### #{topic.number} {_inline(topic.title)}",
                "",
                f"Forums › {_inline(f.forum.name)} › {_inline(topic.title)}  ",
                f"{status_line(topic)} · {reply_threads_header(rt.page.reply_threads)}",
                "",
            ]
            for post, depth in rt.ordered:
                mark = " · ✅ Accepted answer" if post.accepted else ""
                indent = "↳ " * min(depth, 1) + "  " * max(0, depth - 1)
                out.append(
                    f"{indent}**#{post.number}** · **{_inline(post.author_name)}** · "
                    f"*{role_display(post.author_role)}* · {post.created_at[:16].replace('T', ' ')} UTC{mark}"
                )
                out.append("")
                out += _quote(readable_markdown(post.content, guild.names), depth)
                for attachment in post.attachments:
                    out.append(
                        "> " * (depth + 1) + f"📎 [{_inline(attachment.get('filename', 'file'))}]"
                        f"(<{attachment.get('url', '')}>)"
                    )
                out.append("")
    return "\n".join(out).rstrip() + "\n"
