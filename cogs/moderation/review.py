"""/mod queue, approve, log, history: what moderators review."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.domain.review import DEFAULT_KIND, KIND_TITLES, QUEUE_KINDS
from bot.domain.roles import ForumRole
from bot.domain.words import status_word
from bot.errors import UserFacingError
from bot.i18n import _, ngettext
from bot.services import moderation, publishing
from bot.services import queue as mod_queue
from bot.services.access import guild_member, member_role, requires
from bot.services.choices import post_choices, topic_choices
from bot.services.lookup import resolve_post, resolve_topic
from bot.storage import audit, posts, topics
from bot.ui.pager import Page, view_for
from cogs.moderation.base import LOG_PAGE, ModerationBase

KIND_CHOICES = [app_commands.Choice(name=f"{kind}: {KIND_TITLES[kind]}", value=kind) for kind in QUEUE_KINDS]


class ReviewCommands(ModerationBase):
    @app_commands.command(name="queue", description="Reports, held posts, spam, trash and deleted posts, with buttons")
    @app_commands.describe(kind="Which list (default: open reports and flagged posts)")
    @app_commands.choices(kind=KIND_CHOICES)
    @requires(ForumRole.MODERATOR)
    async def queue(self, interaction: discord.Interaction, kind: app_commands.Choice[str] | None = None) -> None:
        actor = guild_member(interaction)
        embed, view = await mod_queue.render_for(interaction, actor, kind.value if kind else DEFAULT_KIND)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(name="approve", description="Publish a post held for approval, attributed with its number")
    @app_commands.describe(post="The held post: #12, 12, a link or an id (an opening post publishes its topic)")
    @app_commands.autocomplete(post=post_choices)
    @requires(ForumRole.MODERATOR)
    async def approve(self, interaction: discord.Interaction, post: str) -> None:
        found, topic = await self._post_and_topic(interaction, post)
        publishing.check_held(found, topic)  # refused before Discord is told to wait
        await interaction.response.defer(ephemeral=True, thinking=True)
        if found.is_opening:
            progress = self._progress(interaction, _("Approving"))
            await progress.finish(await publishing.approve(interaction, found, topic, progress=progress.update))
            return
        done = await publishing.approve(interaction, found, topic)
        await interaction.followup.send(done, ephemeral=True)

    @app_commands.command(name="log", description="The audit log: who did what to what, when, why")
    @app_commands.describe(member="Only actions by or on this member", topic="Only actions on this topic")
    @app_commands.autocomplete(topic=topic_choices)
    @requires(ForumRole.MODERATOR)
    async def log(
        self, interaction: discord.Interaction, member: discord.Member | None = None, topic: str | None = None
    ) -> None:
        actor = guild_member(interaction)
        topic_id = 0
        if topic is not None:
            topic_id = (await resolve_topic(self.db, actor.guild.id, topic, include_hidden=True)).id
        args = f"{member.id if member else 0}.{topic_id}"
        rendered = await self._render_log(actor, args, 0)
        await interaction.response.send_message(
            embed=rendered.embed, view=view_for("modlog", args, rendered), ephemeral=True
        )

    async def _log_page(self, interaction: discord.Interaction, args: str, page: int) -> Page:
        return await self._render_log(guild_member(interaction), args, page)

    async def _render_log(self, actor: discord.Member, args: str, page: int) -> Page:
        # Pager buttons outlive the command: check the forum role again on every page.
        if await member_role(self.db, actor, discord.utils.utcnow()) < ForumRole.MODERATOR:
            raise UserFacingError(_("The audit log is for Moderators and Keymasters."))
        member_text, topic_text = args.split(".")
        member_id, topic_id = int(member_text) or None, int(topic_text) or None
        total = await self.db.run(lambda c: audit.count(c, actor.guild.id, member_id=member_id, topic_id=topic_id))
        pages = max(1, -(-total // LOG_PAGE))
        page = min(max(0, page), pages - 1)
        found = await self.db.run(
            lambda conn: audit.entries(
                conn, actor.guild.id, member_id=member_id, topic_id=topic_id, limit=LOG_PAGE, offset=page * LOG_PAGE
            )
        )
        if not found:
            empty = discord.Embed(title=_("Audit log"), description=_("No audit entries match."))
            return Page(embed=empty, page=0, pages=1)
        numbers: dict[int, int] = {}
        post_numbers: dict[int, int] = {}
        for entry in found:
            if entry.topic_id is not None and entry.topic_id not in numbers:
                row = await self.db.run(topics.by_id, entry.topic_id)
                if row is not None:
                    numbers[entry.topic_id] = row.number
            if entry.post_id is not None and entry.post_id not in post_numbers:
                post = await self.db.run(posts.by_id, entry.post_id)
                if post is not None:
                    post_numbers[entry.post_id] = post.number
        lines = [
            moderation.audit_line(
                entry,
                numbers.get(entry.topic_id) if entry.topic_id is not None else None,
                post_numbers.get(entry.post_id) if entry.post_id is not None else None,
            )
            for entry in found
        ]
        description, _rest = moderation.fit(lines)
        embed = discord.Embed(title=_("Audit log (newest first)"), description=description)
        embed.set_footer(
            text=ngettext(
                "Page {page} of {pages} · {count} entry",
                "Page {page} of {pages} · {count} entries",
                total,
                page=page + 1,
                pages=pages,
            )
        )
        return Page(embed=embed, page=page, pages=pages)

    @app_commands.command(name="history", description="A post's revisions")
    @app_commands.describe(post="The post: #12, 12, a link or an id")
    @app_commands.autocomplete(post=post_choices)
    @requires(ForumRole.MODERATOR)
    async def history(self, interaction: discord.Interaction, post: str) -> None:
        actor = guild_member(interaction)
        found = await resolve_post(self.db, actor.guild.id, post)
        topic = await self.db.run(topics.by_id, found.topic_id)
        if topic is not None:
            await self._in_scope(interaction, topic.forum_id)
        revisions = await self.db.run(posts.revision_notes, found.id)
        lines = moderation.history_lines(found.number, found.created_at, found.content, revisions)
        description, left = moderation.fit(lines)
        title = ngettext(
            "Post #{number} by {author} · {count} edit",
            "Post #{number} by {author} · {count} edits",
            len(revisions),
            number=found.number,
            author=found.author_name,
        )
        embed = discord.Embed(title=title, description=description)
        if found.status != "publish":
            embed.add_field(name=_("Status"), value=status_word(found.status))
        if left:
            embed.set_footer(
                text=ngettext("{count} newer version not shown.", "{count} newer versions not shown.", left)
            )
        await interaction.response.send_message(embed=embed, ephemeral=True)
