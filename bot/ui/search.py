"""How /search results read in Discord."""

from __future__ import annotations

import discord

from bot.domain.text import escape_inline, excerpt, plural
from bot.storage.search import SearchHit, SearchResults, highlight_segments
from bot.ui.topics import COLOR, jump_url, stamp

PER_PAGE = 10
SNIPPET_CHARS = 220


def highlighted(snippet: str, *, limit: int = SNIPPET_CHARS) -> str:
    """A snippet as Discord Markdown: members' text escaped, matched words in bold."""
    parts: list[str] = []
    used = 0
    for text, marked in highlight_segments(" ".join(snippet.split())):
        if used >= limit:
            parts.append("…")
            break
        piece = text[: max(0, limit - used)]
        used += len(piece)
        escaped = escape_inline(piece).replace("@", "@\u200b")
        parts.append(f"**{escaped}**" if marked and escaped.strip() else escaped)
    return "".join(parts) or "*(no text)*"


def hit_block(hit: SearchHit, guild_id: int) -> str:
    link = jump_url(guild_id, hit.channel_id, hit.message_id)
    marks = []
    if hit.accepted:
        marks.append("✅ Accepted answer")
    elif hit.solved:
        marks.append("Solved topic")
    if hit.is_opening:
        marks.append("question")
    mark = (" · " + " · ".join(marks)) if marks else ""
    title = escape_inline(excerpt(hit.topic_title, 80))
    return (
        f"[**#{hit.number}**]({link}) in **{title}** `#{hit.topic_number}` · "
        f"{escape_inline(hit.author_name)} · {stamp(hit.created_at)}{mark}\n> {highlighted(hit.snippet)}"
    )


def search_embed(results: SearchResults, *, query: str, guild_id: int, page: int, pages: int) -> discord.Embed:
    if not results.hits:
        description = (
            "Nothing found. Try fewer or other words, a word's beginning with `*` (`medic*`), "
            'or an exact phrase in quotes ("precision medicine").'
        )
    else:
        description = "\n\n".join(hit_block(hit, guild_id) for hit in results.hits)
    embed = discord.Embed(
        title=excerpt(f"Search: {query.strip()}", 256),
        description=excerpt(description, 4000),
        colour=COLOR,
    )
    total = f"{results.total}+" if results.total_capped else str(results.total)
    order = "newest first (these words are in very many posts)" if results.newest_first else "best match first"
    embed.set_footer(
        text=f"Page {page + 1} of {pages} · {total} post{'s' if total != '1' else ''} · {order}"
        + (f" · searched for: {excerpt(results.understood, 80)}" if results.understood else "")
    )
    return embed


__all__ = ["PER_PAGE", "highlighted", "plural", "search_embed"]
