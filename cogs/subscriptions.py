"""/subscribe, /unsubscribe, /subscriptions and the digest task that sends the DMs."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot import clock
from bot.client import ForumBot
from bot.domain import timeutil
from bot.domain.shards import Shards
from bot.domain.text import escape_inline, excerpt
from bot.errors import UserFacingError
from bot.services import ownership
from bot.services.access import guild_member
from bot.services.choices import topic_choices
from bot.services.lookup import HERE_HINT, resolve_topic_here
from bot.services.posting import ForumChannel as AnyForum
from bot.services.scheduler import DIGEST, Job
from bot.storage import forums, guilds, subscriptions
from bot.storage.models import Forum, Topic
from bot.storage.subscriptions import Digest
from bot.ui.digest import digest_text
from bot.ui.topics import COLOR, jump_url

log = logging.getLogger(__name__)
DIGEST_DELAY = timedelta(minutes=1)  # after a new message, before its digest round


def _can_see(member: discord.Member, channel_id: int) -> bool:
    channel = member.guild.get_channel(channel_id)
    return channel is not None and channel.permissions_for(member).view_channel


class Subscriptions(commands.Cog):
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.db = bot.db

    async def cog_load(self) -> None:
        self.bot.scheduler.add(self._job())

    async def cog_unload(self) -> None:
        self.bot.scheduler.remove(DIGEST)

    # --------------------------------------------------------------- commands
    async def _targets(
        self, interaction: discord.Interaction, topic: str | None, forum: AnyForum | None
    ) -> tuple[Topic | None, Forum | None]:
        member = guild_member(interaction)
        found_topic = found_forum = None
        if topic is not None or forum is None:
            # neither given: the topic whose thread this is (SPEC §4), or a clear refusal
            hint = None if topic is not None else f"{HERE_HINT} Or give a `forum`."
            found_topic = await resolve_topic_here(self.db, interaction, topic, hint=hint)
            home = await self.db.run(forums.get, found_topic.forum_id)
            if home is None or not _can_see(member, home.channel_id):
                raise UserFacingError(f"No topic `{(topic or f'#{found_topic.number}')[:40]}` in this server's forums.")
        if forum is not None:
            found_forum = await self.db.run(forums.by_channel, forum.id)
            if found_forum is None or not found_forum.registered or found_forum.guild_id != member.guild.id:
                raise UserFacingError(f"{forum.mention} is not a registered forum. `/forum list` shows the forums.")
        return found_topic, found_forum

    @app_commands.command(name="subscribe", description="Get DMs about new replies in a topic or new topics in a forum")
    @app_commands.describe(
        topic="A topic: #12, 12, a link or an id (both left out inside a topic's thread: that topic)",
        forum="A registered forum",
    )
    @app_commands.autocomplete(topic=topic_choices)
    @app_commands.guild_only()
    async def subscribe(
        self, interaction: discord.Interaction, topic: str | None = None, forum: AnyForum | None = None
    ) -> None:
        member = guild_member(interaction)
        found_topic, found_forum = await self._targets(interaction, topic, forum)
        now = timeutil.iso(interaction.created_at)
        lines = []
        await self.db.write(subscriptions.dm_ok, member.guild.id, member.id)  # a fresh start for closed DMs
        if found_topic is not None:
            new = await self.db.write(
                subscriptions.subscribe, guild_id=member.guild.id, user_id=member.id, now=now, topic_id=found_topic.id
            )
            title = escape_inline(found_topic.title)
            lines.append(
                f"Subscribed to **{title}** (#{found_topic.number}): I will DM you about new replies."
                if new
                else f"You are already subscribed to **{title}** (#{found_topic.number})."
            )
        if found_forum is not None:
            new = await self.db.write(
                subscriptions.subscribe, guild_id=member.guild.id, user_id=member.id, now=now, forum_id=found_forum.id
            )
            name = escape_inline(found_forum.name)
            lines.append(
                f"Subscribed to the forum **{name}**: I will DM you about new topics."
                if new
                else f"You are already subscribed to the forum **{name}**."
            )
        settings = await self.db.run(guilds.settings, member.guild.id)
        lines.append(
            f"At most one DM per topic every {settings.notify_digest_minutes} minutes; never about your own posts. "
            "Your DMs must be open to members of this server."
        )
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name="unsubscribe", description="Stop DMs about a topic or a forum")
    @app_commands.describe(
        topic="A topic: #12, 12, a link or an id (both left out inside a topic's thread: that topic)",
        forum="A registered forum",
    )
    @app_commands.autocomplete(topic=topic_choices)
    @app_commands.guild_only()
    async def unsubscribe(
        self, interaction: discord.Interaction, topic: str | None = None, forum: AnyForum | None = None
    ) -> None:
        member = guild_member(interaction)
        found_topic, found_forum = await self._targets(interaction, topic, forum)
        lines = []
        if found_topic is not None:
            done = await self.db.write(subscriptions.unsubscribe, user_id=member.id, topic_id=found_topic.id)
            title = escape_inline(found_topic.title)
            lines.append(
                f"Unsubscribed from **{title}** (#{found_topic.number})."
                if done
                else f"You were not subscribed to **{title}** (#{found_topic.number})."
            )
        if found_forum is not None:
            done = await self.db.write(subscriptions.unsubscribe, user_id=member.id, forum_id=found_forum.id)
            name = escape_inline(found_forum.name)
            lines.append(
                f"Unsubscribed from the forum **{name}**." if done else f"You were not subscribed to **{name}**."
            )
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name="subscriptions", description="Your topic and forum subscriptions")
    @app_commands.guild_only()
    async def list_subscriptions(self, interaction: discord.Interaction) -> None:
        member = guild_member(interaction)
        found = await self.db.run(subscriptions.of_member, member.guild.id, member.id)
        state = await self.db.run(subscriptions.dm_state, member.guild.id, member.id)
        if state is not None:
            await self.db.write(subscriptions.dm_ok, member.guild.id, member.id)
            self.bot.scheduler.poke(DIGEST)  # what was held for the failed DMs may go out now
        lines = []
        for sub in found:
            if sub.channel_id is not None and not _can_see(member, sub.channel_id):
                continue
            if sub.topic_id is not None and sub.thread_id is not None:
                link = jump_url(member.guild.id, sub.thread_id)
                lines.append(f"Topic [**{escape_inline(excerpt(sub.label, 80))}**]({link}) `#{sub.number}`")
            else:
                lines.append(f"Forum **{escape_inline(sub.label)}** (new topics)")
        if not lines:
            description = "No subscriptions. `/subscribe` follows a topic or a forum; your own topics are followed."
        else:
            description = "\n".join(lines[:40]) + (f"\n… and {len(lines) - 40} more." if len(lines) > 40 else "")
        if state is not None:
            description += (
                "\n\n⚠️ My last DMs to you failed (are your DMs closed to this server?). "
                "I will try again now that you asked."
            )
        embed = discord.Embed(title="Your subscriptions", description=description, colour=COLOR)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # ----------------------------------------------------------------- digest
    # A job of the bot's scheduler (bot/services/scheduler.py): it runs when a held window
    # ends or a failed DM's retry comes (both read from the database), and a minute after
    # a new message in a thread, so the message is recorded and a burst of replies goes out
    # in one DM. An idle bot does no digest work at all.
    def _job(self) -> Job:
        return Job(DIGEST, self._next_due, self._round)

    async def _next_due(self, since: datetime | None) -> datetime | None:
        return await self.db.run(subscriptions.next_due, since)

    async def _round(self, now: datetime) -> bool:
        found, handled = await self.send_due(now)
        return found >= subscriptions.DUE_LIMIT and handled > 0  # a full batch: the rest at once

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        # In a thread (messages in archived threads may arrive on a bare channel object).
        if message.guild is not None and not isinstance(message.channel, discord.abc.GuildChannel):
            self.bot.scheduler.poke(DIGEST, at=clock.utcnow() + DIGEST_DELAY)

    async def send_due(self, now: datetime) -> tuple[int, int]:
        """Send the digests due now: (how many were due, how many were sent or skipped for good).

        Those of a guild the bot is not connected to now wait until it is back, and those of
        guilds another process owns are that process's."""
        owned = await ownership.claim(self.bot)
        found = await self.db.run(subscriptions.due, timeutil.iso(now), shards=owned)
        handled = 0
        for digest in found:
            if self.bot.get_guild(digest.guild_id) is not None:
                handled += 1
                await self._send(digest, now)
        return len(found), handled

    @commands.Cog.listener()
    async def on_forum_shards_gained(self, gained: Shards) -> None:
        self.bot.scheduler.poke(DIGEST)  # this process took over the digests of these shards' guilds

    async def _send(self, digest: Digest, now: datetime) -> int:
        guild = self.bot.get_guild(digest.guild_id)
        if guild is None:
            return 0  # not connected to that guild now: try later
        member = guild.get_member(digest.user_id)
        if member is None:
            try:
                member = await guild.fetch_member(digest.user_id)
            except discord.HTTPException:
                member = None
        if member is None:
            await self.db.write(subscriptions.sent, digest.subscription_id, digest.newest_post_id, None)
            await self.db.write(subscriptions.dm_failed, digest.guild_id, digest.user_id, now, "not a member")
            return 0
        if not _can_see(member, digest.forum_channel_id):
            # never tell anyone about posts they cannot see; skip them for good
            await self.db.write(subscriptions.sent, digest.subscription_id, digest.newest_post_id, None)
            return 0
        settings = await self.db.run(guilds.settings, guild.id)
        next_at = timeutil.iso(now + timedelta(minutes=settings.notify_digest_minutes))
        try:
            await member.send(
                digest_text(digest, guild_name=guild.name), allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException as error:
            failed_dms = await self.db.write(
                subscriptions.dm_failed, guild.id, member.id, now, f"{error.status} {error.code}"
            )
            log.info("digest DM to %s failed (%s), failure %d", member.id, error.code, failed_dms)
            await self.db.write(subscriptions.sent, digest.subscription_id, digest.newest_post_id, next_at)
            return 0
        await self.db.write(subscriptions.sent, digest.subscription_id, digest.newest_post_id, next_at)
        await self.db.write(subscriptions.dm_ok, guild.id, member.id)
        return 1


async def setup(bot: ForumBot) -> None:
    await bot.add_cog(Subscriptions(bot))
