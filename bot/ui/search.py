"""How /search results read in Discord."""

from __future__ import annotations

import discord

from bot.domain.text import escape_inline, excerpt, plural
from bot.i18n import _, ngettext
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
    return "".join(parts) or "*" + _("(no text)") + "*"


def hit_block(hit: SearchHit, guild_id: int) -> str:
    link = jump_url(guild_id, hit.channel_id, hit.message_id)
    marks = []
    if hit.accepted:
        marks.append("✅ " + _("Accepted answer"))
    elif hit.solved:
        marks.append(_("Solved topic"))
    if hit.is_opening:
        marks.append(_("question"))
    mark = (" · " + " · ".join(marks)) if marks else ""
    title = escape_inline(excerpt(hit.topic_title, 80))
    return (
        _(
            "[**#{number}**]({link}) in **{title}** `#{topic}`",
            number=hit.number,
            link=link,
            title=title,
            topic=hit.topic_number,
        )
        + f" · {escape_inline(hit.author_name)} · {stamp(hit.created_at)}{mark}\n> {highlighted(hit.snippet)}"
    )


def search_embed(results: SearchResults, *, query: str, guild_id: int, page: int, pages: int) -> discord.Embed:
    if not results.hits:
        description = _(
            "Nothing found. Try fewer or other words, a word's beginning with `*` (`medic*`), "
            'or an exact phrase in quotes ("precision medicine").'
        )
    else:
        description = "\n\n".join(hit_block(hit, guild_id) for hit in results.hits)
    embed = discord.Embed(
        title=excerpt(_("Search: {query}", query=query.strip()), 256),
        description=excerpt(description, 4000),
        colour=COLOR,
    )
    if results.total_capped:
        total = ngettext("{count}+ post", "{count}+ posts", results.total)
    else:
        total = ngettext("{count} post", "{count} posts", results.total)
    order = _("newest first (these words are in very many posts)") if results.newest_first else _("best match first")
    understood = excerpt(results.understood, 80)
    embed.set_footer(
        text=_("Page {page} of {pages}", page=page + 1, pages=pages)
        + f" · {total} · {order}"
        + (" · " + _("searched for: {query}", query=understood) if results.understood else "")
    )
    return embed


__all__ = ["PER_PAGE", "highlighted", "plural", "search_embed"]
