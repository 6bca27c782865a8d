"""/mod close, open, stick, unstick."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.domain.roles import ForumRole
from bot.errors import UserFacingError
from bot.i18n import _, pgettext
from bot.services import moderation
from bot.services.access import guild_member, requires
from bot.services.auditing import log_action
from bot.services.choices import topic_choices
from bot.services.lookup import fetch_thread, resolve_topic_here
from bot.services.scheduler import AUTO_CLOSE
from bot.storage import topics
from bot.storage.models import Topic
from cogs.moderation.base import REASON_CHOICES, ModerationBase, log


class TopicCommands(ModerationBase):
    @app_commands.command(name="close", description="Close a topic: lock and archive its thread with a note")
    @app_commands.describe(
        topic="The topic: #12, 12, a link or an id (left out inside a topic's thread: that topic)",
        reason="Why it is closed (default other)",
        note="A closing note posted in the thread",
    )
    @app_commands.choices(reason=REASON_CHOICES)
    @app_commands.autocomplete(topic=topic_choices)
    @requires(ForumRole.MODERATOR)
    async def close(
        self,
        interaction: discord.Interaction,
        topic: str | None = None,
        reason: app_commands.Choice[str] | None = None,
        note: app_commands.Range[str, 1, 1500] | None = None,
    ) -> None:
        actor = guild_member(interaction)
        found = await resolve_topic_here(self.db, interaction, topic)
        await self._in_scope(interaction, found.forum_id)
        if found.status == "closed":
            raise UserFacingError(_("Topic #{number} is already closed; `/mod open` reopens it.", number=found.number))
        why = reason.value if reason else "other"
        await interaction.response.defer(ephemeral=True, thinking=True)
        closed = await moderation.close_topic(
            self.db, actor.guild, found, actor_name=actor.display_name, reason=why, note=note
        )
        await log_action(self.db, interaction, "topic.close", topic_id=closed.id, reason=why, details={"note": note})
        await interaction.followup.send(
            _(
                "Closed topic **#{number}** ({reason}): its thread is locked and archived; "
                "only moderators can reply. `/mod open` reopens it.",
                number=closed.number,
                reason=pgettext("choice", why),
            ),
            ephemeral=True,
        )

    @app_commands.command(name="open", description="Reopen a closed topic")
    @app_commands.describe(topic="The topic: #12, 12, a link or an id (left out inside a topic's thread: that topic)")
    @app_commands.autocomplete(topic=topic_choices)
    @requires(ForumRole.MODERATOR)
    async def open(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        actor = guild_member(interaction)
        found = await resolve_topic_here(self.db, interaction, topic)
        await self._in_scope(interaction, found.forum_id)
        if found.status != "closed":
            raise UserFacingError(_("Topic #{number} is not closed.", number=found.number))
        if found.close_reason == "merged":
            raise UserFacingError(
                _("Topic #{number} was merged into another topic; its posts live there now.", number=found.number)
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        opened = await moderation.reopen_topic(self.db, actor.guild, found, actor_name=actor.display_name)
        self.bot.scheduler.poke(AUTO_CLOSE)  # open again, maybe idle long enough
        await log_action(self.db, interaction, "topic.open", topic_id=opened.id)
        await interaction.followup.send(_("Reopened topic **#{number}**.", number=opened.number), ephemeral=True)

    @app_commands.command(name="stick", description="Stick a topic to the top of its forum (super: every forum)")
    @app_commands.describe(
        topic="The topic: #12, 12, a link or an id (left out inside a topic's thread: that topic)",
        super="List it first in every forum",
    )
    @app_commands.autocomplete(topic=topic_choices)
    @requires(ForumRole.MODERATOR)
    async def stick(self, interaction: discord.Interaction, topic: str | None = None, super: bool = False) -> None:
        actor = guild_member(interaction)
        found = await resolve_topic_here(self.db, interaction, topic)
        await self._in_scope(interaction, found.forum_id)
        kind = "super" if super else "sticky"
        if found.sticky == kind:
            if super:
                raise UserFacingError(_("Topic #{number} is already a super sticky.", number=found.number))
            raise UserFacingError(_("Topic #{number} is already sticky.", number=found.number))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.db.transaction(topics.set_sticky, found.id, kind)
        pin = await self._pin(actor, found, True)
        await log_action(self.db, interaction, "topic.stick", topic_id=found.id, details={"sticky": kind})
        if super:
            said = _("Topic **#{number}** now lists first in every forum.", number=found.number)
        else:
            said = _("Topic **#{number}** now lists first in its forum.", number=found.number)
        await interaction.followup.send(said + pin, ephemeral=True)

    @app_commands.command(name="unstick", description="Stop a topic listing first")
    @app_commands.describe(topic="The topic: #12, 12, a link or an id (left out inside a topic's thread: that topic)")
    @app_commands.autocomplete(topic=topic_choices)
    @requires(ForumRole.MODERATOR)
    async def unstick(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        actor = guild_member(interaction)
        found = await resolve_topic_here(self.db, interaction, topic)
        await self._in_scope(interaction, found.forum_id)
        if found.sticky == "none":
            raise UserFacingError(_("Topic #{number} is not sticky.", number=found.number))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.db.transaction(topics.set_sticky, found.id, "none")
        self.bot.scheduler.poke(AUTO_CLOSE)  # no longer exempt from the idle auto-close
        pin = await self._pin(actor, found, False)
        await log_action(self.db, interaction, "topic.unstick", topic_id=found.id, details={"sticky": found.sticky})
        await interaction.followup.send(
            _("Topic **#{number}** is no longer sticky.", number=found.number) + pin, ephemeral=True
        )

    async def _pin(self, actor: discord.Member, topic: Topic, pinned: bool) -> str:
        """Discord pins one post per forum: use it when it is free (best effort)."""
        try:
            thread = await fetch_thread(actor.guild, topic.thread_id)
        except UserFacingError:
            return ""
        if thread.flags.pinned == pinned:
            return ""
        parent = thread.parent
        if not isinstance(parent, discord.ForumChannel):
            # a text-channel forum: Discord pins threads only in forum channels
            return (
                " " + _("(A text-channel forum has no pins in Discord; `/topic list` shows it first.)")
                if pinned
                else ""
            )
        if pinned:
            other = next((t for t in parent.threads if t.flags.pinned and t.id != thread.id), None)
            if other is not None:
                return " " + _(
                    "(Discord pins one post per forum and {thread} holds it, so this one is not pinned.)",
                    thread=other.mention,
                )
        try:
            await thread.edit(pinned=pinned, reason=f"Threadkeeper: {'stuck' if pinned else 'unstuck'} by {actor}")
        except Exception:  # best effort: any refusal (or a simulator without thread flags) leaves the list order
            log.warning("could not (un)pin thread %s", thread.id, exc_info=True)
            return " " + _("(Discord would not change the thread's pin; the forum's own list still shows it first.)")
        return " " + _("It is pinned in Discord too.") if pinned else ""
