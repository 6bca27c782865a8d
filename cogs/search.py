"""/search: full-text search over the forum's published posts, 10 a page with buttons.

The search itself is ``bot.storage.search`` (the web archive's too), with its guards; this
cog adds a per-member cooldown: ``SEARCHES`` searches per ``WINDOW`` seconds, and
``PAGE_TURNS`` page turns per ``WINDOW`` (each turn runs the search again).
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ForumBot
from bot.domain import timeutil
from bot.domain.cooldown import Cooldown
from bot.domain.searchquery import MAX_QUERY_CHARS, SearchQueryError
from bot.errors import UserFacingError
from bot.services.access import visible_forum_ids
from bot.storage import forums, saved_searches
from bot.storage import search as search_repo
from bot.ui.pager import Page, view_for
from bot.ui.search import PER_PAGE, search_embed

SAVED_FOR = timedelta(days=30)  # a search's buttons work this long after it was last run
SEARCHES = 5  # per member and WINDOW
PAGE_TURNS = 15
WINDOW = 30.0  # seconds


def slow_down(wait: float, what: str, rate: int) -> UserFacingError:
    seconds = max(1, math.ceil(wait))
    return UserFacingError(
        f"You are searching quickly: at most {rate} {what} every {WINDOW:.0f} seconds. "
        f"Try again in {seconds} second{'s' if seconds != 1 else ''}."
    )


def search_key(guild_id: int, query: str, forum_id: int | None, author_id: int | None, solved_only: bool) -> str:
    blob = json.dumps([guild_id, query, forum_id, author_id, solved_only], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


class Search(commands.Cog):
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.db = bot.db
        self.searches = Cooldown(SEARCHES, WINDOW)
        self.page_turns = Cooldown(PAGE_TURNS, WINDOW)
        bot.pagers["search"] = self._page

    @app_commands.command(name="search", description="Search the forum's posts (best match first)")
    @app_commands.describe(
        query='Words to find; "exact phrase", word* for beginnings, -word to leave out, OR for either',
        forum="Only this forum",
        author="Only posts by this member",
        solved_only="Only topics with an accepted answer",
    )
    @app_commands.guild_only()
    async def search(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, MAX_QUERY_CHARS],
        forum: discord.ForumChannel | discord.TextChannel | None = None,
        author: discord.Member | None = None,
        solved_only: bool = False,
    ) -> None:
        member = interaction.user
        if not isinstance(member, discord.Member) or interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        wait = self.searches.hit((interaction.guild.id, member.id), interaction.created_at.timestamp())
        if wait:
            raise slow_down(wait, "searches", SEARCHES)
        forum_id = None
        if forum is not None:
            found = await self.db.run(forums.by_channel, forum.id)
            if found is None or not found.registered or found.guild_id != interaction.guild.id:
                raise UserFacingError(f"{forum.mention} is not a registered forum. `/forum list` shows the forums.")
            forum_id = found.id
        author_id = author.id if author is not None else None
        key = search_key(interaction.guild.id, query, forum_id, author_id, solved_only)
        page = await self._render(
            member, key, 0, query=query, forum_id=forum_id, author_id=author_id, solved=solved_only
        )
        await self.db.write(saved_searches.prune_saved, timeutil.iso(interaction.created_at - SAVED_FOR))
        await self.db.write(
            saved_searches.save,
            key=key,
            guild_id=interaction.guild.id,
            query=query,
            forum_id=forum_id,
            author_id=author_id,
            solved_only=solved_only,
            now=timeutil.iso(interaction.created_at),
        )
        await interaction.response.send_message(embed=page.embed, view=view_for("search", key, page), ephemeral=True)

    async def _render(
        self,
        member: discord.Member,
        key: str,
        page: int,
        *,
        query: str,
        forum_id: int | None,
        author_id: int | None,
        solved: bool,
    ) -> Page:
        registered = await self.db.run(forums.registered_in, member.guild.id)
        allowed = visible_forum_ids(member, registered)
        wanted = [forum_id] if forum_id is not None else allowed
        if forum_id is not None and forum_id not in allowed:
            raise UserFacingError("That forum is not available to you.")
        try:
            results = await self.db.run(
                lambda conn: search_repo.search(
                    conn,
                    guild_id=member.guild.id,
                    query=query,
                    forum_ids=wanted,
                    author_id=author_id,
                    solved_only=solved,
                    limit=PER_PAGE,
                    offset=page * PER_PAGE,
                )
            )
        except SearchQueryError as error:
            raise UserFacingError(error.message) from None
        pages = max(1, -(-results.total // PER_PAGE))
        if page >= pages and page > 0:
            return await self._render(
                member, key, pages - 1, query=query, forum_id=forum_id, author_id=author_id, solved=solved
            )
        embed = search_embed(results, query=query, guild_id=member.guild.id, page=page, pages=pages)
        return Page(embed=embed, page=page, pages=pages)

    async def _page(self, interaction: discord.Interaction, key: str, page: int) -> Page:
        member = interaction.user
        if not isinstance(member, discord.Member):
            raise UserFacingError("Search works inside a server.")
        wait = self.page_turns.hit((member.guild.id, member.id), interaction.created_at.timestamp())
        if wait:
            raise slow_down(wait, "page turns", PAGE_TURNS)
        saved = await self.db.run(saved_searches.saved, key)
        if saved is None or saved.guild_id != member.guild.id:
            raise UserFacingError("This search has expired; run `/search` again.")
        return await self._render(
            member,
            key,
            page,
            query=saved.query,
            forum_id=saved.forum_id,
            author_id=saved.author_id,
            solved=saved.solved_only,
        )


async def setup(bot: ForumBot) -> None:
    await bot.add_cog(Search(bot))
