"""/mod: the moderators' toolbox (close/open, roles and blocks, the audit log, revisions)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import NoReturn

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ForumBot
from bot.domain import timeutil
from bot.domain.durations import describe, parse_duration
from bot.domain.roles import ForumRole, may_assign
from bot.errors import UserFacingError
from bot.failures import describe_http_error
from bot.services import moderation, overwrites, restructure
from bot.services import queue as mod_queue
from bot.services.access import INTEGRATIONS_NOTE, REFUSED_ACTION, guild_member, member_role, requires
from bot.services.auditing import log_action
from bot.services.lookup import fetch_thread, resolve_post, resolve_topic
from bot.storage import audit, forums, housekeeping, members, posts, topics
from bot.storage.models import Post, Topic
from bot.ui.pager import Page, view_for

log = logging.getLogger(__name__)
REASON_CHOICES = [app_commands.Choice(name=r, value=r) for r in moderation.CLOSE_REASONS]
ASSIGN_CHOICES = [
    app_commands.Choice(name=r.display, value=r.key)
    for r in (
        ForumRole.PARTICIPANT,
        ForumRole.SPECTATOR,
        ForumRole.BLOCKED,
        ForumRole.MODERATOR,
        ForumRole.KEYMASTER,
    )
] + [app_commands.Choice(name="Default (clear the explicit role)", value="default")]
HOUSEKEEPING_SECONDS = 60
AUTO_CLOSE_EVERY = timedelta(minutes=10)
LOG_PAGE = 15


@app_commands.default_permissions(manage_threads=True)
class Moderation(commands.GroupCog, group_name="mod", group_description="Moderators: close, block and review"):
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.db = bot.db
        self._next_auto_close: datetime | None = None
        self.interval: float = HOUSEKEEPING_SECONDS
        self._housekeeping: asyncio.Task[None] | None = None
        bot.pagers["modlog"] = self._log_page

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(mod_queue.QueueButton)  # queue buttons work after restarts
        self._housekeeping = asyncio.create_task(self._housekeeping_loop(), name="threadkeeper-housekeeping")

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(mod_queue.QueueButton)
        if self._housekeeping is not None:
            self._housekeeping.cancel()

    async def _housekeeping_loop(self) -> None:
        # A plain sleep loop: it ends with this bot's database (shutdown, or a restart's new bot).
        while self.db.is_open:
            await asyncio.sleep(self.interval)
            await self.housekeeping()

    async def _sync(self, guild: discord.Guild, reason: str) -> str:
        failed = await overwrites.sync_guild(self.db, guild, reason=reason)
        if failed:
            return (
                "\n⚠️ Discord would not let me update the posting permissions on: "
                + ", ".join(failed)
                + ". My own check still enforces the role."
            )
        return ""

    # ------------------------------------------------------------ close / open
    @app_commands.command(name="close", description="Close a topic: lock and archive its thread with a note")
    @app_commands.describe(
        topic="The topic: #12, 12, a link or an id",
        reason="Why it is closed (default other)",
        note="A closing note posted in the thread",
    )
    @app_commands.choices(reason=REASON_CHOICES)
    @requires(ForumRole.MODERATOR)
    async def close(
        self,
        interaction: discord.Interaction,
        topic: str,
        reason: app_commands.Choice[str] | None = None,
        note: app_commands.Range[str, 1, 1500] | None = None,
    ) -> None:
        actor = guild_member(interaction)
        found = await resolve_topic(self.db, actor.guild.id, topic)
        if found.status == "closed":
            raise UserFacingError(f"Topic #{found.number} is already closed; `/mod open` reopens it.")
        why = reason.value if reason else "other"
        await interaction.response.defer(ephemeral=True, thinking=True)
        closed = await moderation.close_topic(
            self.db, actor.guild, found, actor_name=actor.display_name, reason=why, note=note
        )
        await log_action(self.db, interaction, "topic.close", topic_id=closed.id, reason=why, details={"note": note})
        await interaction.followup.send(
            f"Closed topic **#{closed.number}** ({why}): its thread is locked and archived; "
            "only moderators can reply. `/mod open` reopens it.",
            ephemeral=True,
        )

    @app_commands.command(name="open", description="Reopen a closed topic")
    @app_commands.describe(topic="The topic: #12, 12, a link or an id")
    @requires(ForumRole.MODERATOR)
    async def open(self, interaction: discord.Interaction, topic: str) -> None:
        actor = guild_member(interaction)
        found = await resolve_topic(self.db, actor.guild.id, topic)
        if found.status != "closed":
            raise UserFacingError(f"Topic #{found.number} is not closed.")
        if found.close_reason == "merged":
            raise UserFacingError(f"Topic #{found.number} was merged into another topic; its posts live there now.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        opened = await moderation.reopen_topic(self.db, actor.guild, found, actor_name=actor.display_name)
        await log_action(self.db, interaction, "topic.open", topic_id=opened.id)
        await interaction.followup.send(f"Reopened topic **#{opened.number}**.", ephemeral=True)

    # ------------------------------------------------------------ stick / unstick
    @app_commands.command(name="stick", description="Stick a topic to the top of its forum (super: every forum)")
    @app_commands.describe(topic="The topic: #12, 12, a link or an id", super="List it first in every forum")
    @requires(ForumRole.MODERATOR)
    async def stick(self, interaction: discord.Interaction, topic: str, super: bool = False) -> None:
        actor = guild_member(interaction)
        found = await resolve_topic(self.db, actor.guild.id, topic)
        kind = "super" if super else "sticky"
        if found.sticky == kind:
            raise UserFacingError(f"Topic #{found.number} is already {'a super sticky' if super else 'sticky'}.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.db.transaction(topics.set_sticky, found.id, kind)
        pin = await self._pin(actor, found, True)
        await log_action(self.db, interaction, "topic.stick", topic_id=found.id, details={"sticky": kind})
        where = "every forum" if super else "its forum"
        await interaction.followup.send(f"Topic **#{found.number}** now lists first in {where}.{pin}", ephemeral=True)

    @app_commands.command(name="unstick", description="Stop a topic listing first")
    @app_commands.describe(topic="The topic: #12, 12, a link or an id")
    @requires(ForumRole.MODERATOR)
    async def unstick(self, interaction: discord.Interaction, topic: str) -> None:
        actor = guild_member(interaction)
        found = await resolve_topic(self.db, actor.guild.id, topic)
        if found.sticky == "none":
            raise UserFacingError(f"Topic #{found.number} is not sticky.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.db.transaction(topics.set_sticky, found.id, "none")
        pin = await self._pin(actor, found, False)
        await log_action(self.db, interaction, "topic.unstick", topic_id=found.id, details={"sticky": found.sticky})
        await interaction.followup.send(f"Topic **#{found.number}** is no longer sticky.{pin}", ephemeral=True)

    async def _pin(self, actor: discord.Member, topic: Topic, pinned: bool) -> str:
        """Discord pins one post per forum: use it when it is free (best effort)."""
        try:
            thread = await fetch_thread(actor.guild, topic.thread_id)
        except UserFacingError:
            return ""
        if thread.flags.pinned == pinned:
            return ""
        parent = thread.parent
        if pinned and isinstance(parent, discord.ForumChannel):
            other = next((t for t in parent.threads if t.flags.pinned and t.id != thread.id), None)
            if other is not None:
                return f" (Discord pins one post per forum and {other.mention} holds it, so this one is not pinned.)"
        try:
            await thread.edit(pinned=pinned, reason=f"Threadkeeper: {'stuck' if pinned else 'unstuck'} by {actor}")
        except Exception:  # best effort: any refusal (or a simulator without thread flags) leaves the list order
            log.warning("could not (un)pin thread %s", thread.id, exc_info=True)
            return " (Discord would not change the thread's pin; the forum's own list still shows it first.)"
        return " It is pinned in Discord too." if pinned else ""

    # ------------------------------------------------------------ spam / trash / restore
    @app_commands.command(name="spam", description="Mark a post as spam (its opening post: the whole topic)")
    @app_commands.describe(post="The post: #12, 12, a link or an id")
    @requires(ForumRole.MODERATOR)
    async def spam(self, interaction: discord.Interaction, post: str) -> None:
        await self._hide(interaction, post, "spam")

    @app_commands.command(name="trash", description="Move a post to the trash (its opening post: the whole topic)")
    @app_commands.describe(post="The post: #12, 12, a link or an id")
    @requires(ForumRole.MODERATOR)
    async def trash(self, interaction: discord.Interaction, post: str) -> None:
        await self._hide(interaction, post, "trash")

    async def _post_and_topic(self, interaction: discord.Interaction, text: str) -> tuple[Post, Topic]:
        actor = guild_member(interaction)
        found = await resolve_post(self.db, actor.guild.id, text)
        topic = await self.db.run(topics.by_id, found.topic_id)
        assert topic is not None
        return found, topic

    async def _hide(self, interaction: discord.Interaction, text: str, status: str) -> None:
        """Record the status first, then remove the Discord message (or thread): the delete
        listener only marks published posts deleted, so the status set here stays."""
        actor = guild_member(interaction)
        found, topic = await self._post_and_topic(interaction, text)
        if found.is_opening:
            if topic.status == status:
                raise UserFacingError(f"Topic #{topic.number} is already {status}.")
        elif found.status == status:
            raise UserFacingError(f"Post #{found.number} is already {status}.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        await moderation.hide(self.db, actor.guild, found, topic, status, actor_name=str(actor))
        await log_action(
            self.db,
            interaction,
            f"{'topic' if found.is_opening else 'post'}.{status}",
            topic_id=topic.id,
            post_id=found.id,
            target_user=found.author_id,
        )
        if found.is_opening:
            text = (
                f"Topic **#{topic.number}** is now **{status}**: its thread is removed from Discord, its posts stay "
                f"recorded. `/mod restore #{topic.number}` brings it back."
            )
        else:
            text = (
                f"Post **#{found.number}** is now **{status}**: removed from Discord, kept in the records. "
                f"`/mod restore #{found.number}` brings it back."
            )
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="restore", description="Bring back a spammed or trashed post or topic, attributed")
    @app_commands.describe(post="The post: #12, 12, a link or an id (a topic's opening post restores the topic)")
    @requires(ForumRole.MODERATOR)
    async def restore(self, interaction: discord.Interaction, post: str) -> None:
        actor = guild_member(interaction)
        found, topic = await self._post_and_topic(interaction, post)
        if found.is_opening:
            await self._restore_topic(interaction, actor, found, topic)
            return
        if found.status not in ("spam", "trash"):
            raise UserFacingError(f"Post #{found.number} is {found.status}; only spam and trash can be restored.")
        if topic.status not in ("open", "closed"):
            raise UserFacingError(f"Its topic #{topic.number} is {topic.status}: restore the topic first.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        thread = await fetch_thread(actor.guild, topic.thread_id)
        try:
            copy = await restructure.poster_for(thread).send(thread, found)
        except discord.HTTPException as error:
            raise UserFacingError(describe_http_error(error) + f" Post #{found.number} stays {found.status}.") from None
        await self.db.transaction(posts.restore, found.id, thread.id, copy.message_id, copy.continuations)
        if topic.status == "closed":
            await restructure.lock_quietly(thread, f"Threadkeeper: restored in a closed topic by {actor}")
        await log_action(
            self.db,
            interaction,
            "post.restore",
            topic_id=topic.id,
            post_id=found.id,
            target_user=found.author_id,
            details={"from": found.status},
        )
        await interaction.followup.send(
            f"Restored post **#{found.number}**, attributed to {found.author_name}: "
            f"{thread.get_partial_message(copy.message_id).jump_url}",
            ephemeral=True,
        )

    async def _restore_topic(
        self, interaction: discord.Interaction, actor: discord.Member, opening: Post, topic: Topic
    ) -> None:
        if topic.status not in ("spam", "trash"):
            raise UserFacingError(f"Topic #{topic.number} is {topic.status}; only spam and trash can be restored.")
        forum = await self.db.run(forums.get, topic.forum_id)
        channel = actor.guild.get_channel(forum.channel_id) if forum is not None and forum.registered else None
        if not isinstance(channel, discord.ForumChannel):
            raise UserFacingError("That topic's forum is no longer registered; register it again first.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        everything = await self.db.run(posts.of_topic, topic.id)
        if not everything or not everything[0].is_opening:
            everything = [opening, *[p for p in everything if p.id != opening.id]]
        thread, moves = await restructure.rebuild(
            channel,
            topic,
            everything,
            reason=f"Threadkeeper: restored by {actor}",
            progress=self._progress(interaction, "Restoring"),
        )
        await self.db.transaction(topics.rehome, topic.id, thread_id=thread.id, moves=moves, status="open")
        await restructure.finish(thread, closed=False, reason=f"Threadkeeper: restored by {actor}")
        await log_action(
            self.db,
            interaction,
            "topic.restore",
            topic_id=topic.id,
            post_id=opening.id,
            target_user=opening.author_id,
            details={"from": topic.status, "posts": len(moves)},
        )
        await interaction.followup.send(
            f"Restored topic **#{topic.number}** in {thread.mention} with {len(moves)} post(s), numbers kept.",
            ephemeral=True,
        )

    # ------------------------------------------------------------ move / split
    def _progress(self, interaction: discord.Interaction, what: str) -> restructure.Progress:
        async def show(done: int, total: int) -> None:
            try:
                await interaction.edit_original_response(content=f"{what}… {done}/{total} posts")
            except discord.HTTPException:
                log.debug("could not show progress", exc_info=True)

        return show

    async def _forum_channel(self, guild: discord.Guild, forum_id: int) -> discord.ForumChannel:
        forum = await self.db.run(forums.get, forum_id)
        channel = guild.get_channel(forum.channel_id) if forum is not None and forum.registered else None
        if not isinstance(channel, discord.ForumChannel):
            raise UserFacingError("That topic's forum is no longer registered.")
        return channel

    @app_commands.command(name="move", description="Move a topic and all its posts to another forum")
    @app_commands.describe(topic="The topic: #12, 12, a link or an id", forum="The registered forum to move it to")
    @requires(ForumRole.MODERATOR)
    async def move(self, interaction: discord.Interaction, topic: str, forum: discord.ForumChannel) -> None:
        actor = guild_member(interaction)
        found = await resolve_topic(self.db, actor.guild.id, topic)
        target = await self.db.run(forums.by_channel, forum.id)
        if target is None or not target.registered or target.guild_id != actor.guild.id:
            raise UserFacingError(f"{forum.mention} is not a registered forum. `/forum list` shows the forums.")
        if target.id == found.forum_id:
            raise UserFacingError(f"Topic #{found.number} is already in {forum.mention}.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        everything = await self.db.run(posts.of_topic, found.id)
        old = await fetch_thread(actor.guild, found.thread_id)
        reason = f"Threadkeeper: moved by {actor}"
        thread, moves = await restructure.rebuild(
            forum, found, everything, reason=reason, progress=self._progress(interaction, "Moving")
        )

        async def undo() -> None:
            await thread.delete(reason="Threadkeeper: move undone")

        await restructure.retire(
            old, f"📦 This topic moved to {thread.mention} (by {actor.display_name}).", reason=reason, undo=undo
        )
        moved = await self.db.transaction(
            topics.move,
            found.id,
            forum_id=target.id,
            thread_id=thread.id,
            old_thread_id=old.id,
            moves=moves,
            now=timeutil.iso(interaction.created_at),
        )
        await restructure.finish(thread, closed=moved.status == "closed", reason=reason)
        await log_action(
            self.db,
            interaction,
            "topic.move",
            topic_id=moved.id,
            details={"from_forum": found.forum_id, "to_forum": target.id, "posts": len(moves)},
        )
        await interaction.followup.send(
            f"Moved topic **#{moved.number}** with {len(moves)} post(s) to {thread.mention}, numbers kept; "
            "the old thread is locked with a pointer.",
            ephemeral=True,
        )

    @app_commands.command(name="merge", description="Merge a topic's posts into another topic")
    @app_commands.describe(source="The topic whose posts move: #12, 12, a link or an id", target="The topic they join")
    @requires(ForumRole.MODERATOR)
    async def merge(self, interaction: discord.Interaction, source: str, target: str) -> None:
        actor = guild_member(interaction)
        origin = await resolve_topic(self.db, actor.guild.id, source)
        into = await resolve_topic(self.db, actor.guild.id, target)
        if origin.id == into.id:
            raise UserFacingError("Source and target are the same topic.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        everything = await self.db.run(posts.of_topic, origin.id)
        everything.sort(key=lambda p: (p.created_at, p.id))
        old = await fetch_thread(actor.guild, origin.thread_id)
        thread = await fetch_thread(actor.guild, into.thread_id)
        reason = f"Threadkeeper: merged by {actor}"
        moves = await restructure.append(thread, everything, progress=self._progress(interaction, "Merging"))
        sent = restructure.messages_of(thread, moves)

        async def undo() -> None:
            await restructure.undo_messages(sent)

        await restructure.retire(
            old,
            f"🔀 This topic was merged into **#{into.number}** {thread.mention} (by {actor.display_name}).",
            reason=reason,
            undo=undo,
        )
        merged = await self.db.transaction(
            topics.merge,
            origin.id,
            into.id,
            moves=moves,
            old_thread_id=old.id,
            now=timeutil.iso(interaction.created_at),
        )
        if merged.status == "closed":
            await restructure.lock_quietly(thread, reason)
        await log_action(
            self.db,
            interaction,
            "topic.merge",
            topic_id=merged.id,
            details={"source": origin.number, "posts": len(moves)},
        )
        await log_action(
            self.db, interaction, "topic.close", topic_id=origin.id, reason="merged", details={"into": into.number}
        )
        await interaction.followup.send(
            f"Merged {len(moves)} post(s) of topic **#{origin.number}** into **#{merged.number}** {thread.mention}, "
            "numbers kept; the source thread is locked with a pointer.",
            ephemeral=True,
        )

    @app_commands.command(name="split", description="Make a new topic from a reply on")
    @app_commands.describe(post="The first reply of the new topic: #12, 12, a link or an id", title="The new title")
    @requires(ForumRole.MODERATOR)
    async def split(
        self, interaction: discord.Interaction, post: str, title: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        actor = guild_member(interaction)
        found, topic = await self._post_and_topic(interaction, post)
        if found.is_opening:
            raise UserFacingError("That is the topic's opening post: split from a reply.")
        if found.status != "publish" or topic.status not in ("open", "closed"):
            raise UserFacingError(f"Post #{found.number} is not published in an open or closed topic.")
        new_title = " ".join((title or f"Split from #{topic.number}: {topic.title}").split())[:100]
        channel = await self._forum_channel(actor.guild, topic.forum_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        everything = await self.db.run(posts.of_topic, topic.id)
        leaving = [p for p in everything if not p.is_opening and (p.created_at, p.id) >= (found.created_at, found.id)]
        reason = f"Threadkeeper: split by {actor}"
        thread, moves = await restructure.rebuild(
            channel, topic, leaving, title=new_title, reason=reason, progress=self._progress(interaction, "Splitting")
        )
        created = await self.db.transaction(
            topics.split,
            topic.id,
            thread_id=thread.id,
            title=new_title,
            moves=moves,
            now=timeutil.iso(interaction.created_at),
        )
        await restructure.finish(thread, closed=False, reason=reason)
        # The originals leave the old thread (after the record moved, so the delete listener
        # finds no post for them).
        left = await restructure.delete_messages(actor.guild, [(p.channel_id, p.message_id) for p in leaving])
        await log_action(
            self.db,
            interaction,
            "topic.split",
            topic_id=topic.id,
            post_id=found.id,
            details={"new_topic": created.number, "posts": len(moves)},
        )
        warning = (
            f"\n⚠️ Discord would not remove {left} original message(s) from the old thread; delete them by hand."
            if left
            else ""
        )
        await interaction.followup.send(
            f"Split {len(moves)} post(s) from topic **#{topic.number}** into the new topic **#{created.number}** "
            f"{thread.mention}, numbers kept.{warning}",
            ephemeral=True,
        )

    # ------------------------------------------------------------ roles and blocks
    async def _roles(
        self, interaction: discord.Interaction, member: discord.Member
    ) -> tuple[discord.Member, ForumRole, ForumRole]:
        actor = guild_member(interaction)
        if member.bot:
            raise UserFacingError("Bots have no forum role.")
        if member.guild.id != actor.guild.id:
            raise UserFacingError("That member is not in this server.")
        actor_role = await member_role(self.db, actor, interaction.created_at)
        target_role = await member_role(self.db, member, interaction.created_at)
        return actor, actor_role, target_role

    async def _refuse(self, interaction: discord.Interaction, member: discord.Member, refusal: str) -> NoReturn:
        """A role change the actor's forum role does not allow: audited (who tried what), then refused."""
        command = interaction.command.qualified_name if interaction.command is not None else "mod"
        await log_action(
            self.db,
            interaction,
            REFUSED_ACTION,
            target_user=member.id,
            reason=refusal,
            details={"command": f"/{command}"},
        )
        raise UserFacingError(refusal)

    @app_commands.command(name="role", description="Give a member an explicit forum role, or clear it")
    @app_commands.describe(member="The member", role="The forum role; Default clears the explicit role")
    @app_commands.choices(role=ASSIGN_CHOICES)
    @requires(ForumRole.MODERATOR)
    async def role(
        self, interaction: discord.Interaction, member: discord.Member, role: app_commands.Choice[str]
    ) -> None:
        actor, actor_role, target_role = await self._roles(interaction, member)
        new = None if role.value == "default" else ForumRole.parse(role.value)
        refusal = may_assign(actor_role, target_role, new)
        if refusal is not None:
            await self._refuse(interaction, member, refusal)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.db.transaction(
            members.set_role,
            guild_id=actor.guild.id,
            user_id=member.id,
            role=new,
            assigned_by=actor.id,
            now=timeutil.iso(interaction.created_at),
        )
        warning = await self._sync(actor.guild, f"Threadkeeper: forum role of {member} set by {actor}")
        await log_action(
            self.db,
            interaction,
            "member.role",
            target_user=member.id,
            details={"role": role.value, "before": target_role.key},
        )
        after = await member_role(self.db, member, interaction.created_at)
        text = f"{member.mention}'s forum role is now **{after.display}**" + (
            " (the explicit role is cleared)." if new is None else "."
        )
        if new is not None and new >= ForumRole.MODERATOR:
            text += "\n" + INTEGRATIONS_NOTE
        await interaction.followup.send(text + warning, ephemeral=True)

    @app_commands.command(name="block", description="Block a member from posting, for a while or until unblocked")
    @app_commands.describe(
        member="The member to block",
        duration="How long: 30m, 12h, 7d (leave out for no end)",
        reason="Why (kept in the audit log)",
    )
    @requires(ForumRole.MODERATOR)
    async def block(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        duration: str | None = None,
        reason: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        actor, actor_role, target_role = await self._roles(interaction, member)
        try:
            delta = parse_duration(duration) if duration is not None else None
        except ValueError as error:
            raise UserFacingError(str(error)) from None
        refusal = may_assign(actor_role, target_role, ForumRole.BLOCKED)
        if refusal is not None:
            await self._refuse(interaction, member, refusal)
        await interaction.response.defer(ephemeral=True, thinking=True)
        expires = interaction.created_at + delta if delta is not None else None
        await self.db.transaction(
            members.block,
            guild_id=actor.guild.id,
            user_id=member.id,
            assigned_by=actor.id,
            now=timeutil.iso(interaction.created_at),
            expires_at=timeutil.iso(expires) if expires is not None else None,
            reason=reason,
        )
        warning = await self._sync(actor.guild, f"Threadkeeper: {member} blocked by {actor}")
        await log_action(
            self.db,
            interaction,
            "member.block",
            target_user=member.id,
            reason=reason,
            details={"duration": describe(delta) if delta else "no end", "before": target_role.key},
        )
        await interaction.followup.send(
            f"{member.mention} is blocked from posting {moderation.expires_text(expires)}." + warning, ephemeral=True
        )

    @app_commands.command(name="unblock", description="Lift a member's block")
    @app_commands.describe(member="The blocked member")
    @requires(ForumRole.MODERATOR)
    async def unblock(self, interaction: discord.Interaction, member: discord.Member) -> None:
        actor, actor_role, target_role = await self._roles(interaction, member)
        stored = await self.db.run(members.assignment, actor.guild.id, member.id)
        if stored is None or stored.role is not ForumRole.BLOCKED:
            raise UserFacingError(
                f"{member.mention} has no block from `/mod block`"
                + (
                    " (their Discord role maps to Blocked: see `/forumadmin rolemap`)."
                    if target_role is ForumRole.BLOCKED
                    else "."
                )
            )
        refusal = may_assign(actor_role, target_role, None)
        if refusal is not None:
            await self._refuse(interaction, member, refusal)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.db.transaction(members.end_block, actor.guild.id, member.id, interaction.created_at)
        warning = await self._sync(actor.guild, f"Threadkeeper: {member} unblocked by {actor}")
        await log_action(self.db, interaction, "member.unblock", target_user=member.id)
        after = await member_role(self.db, member, interaction.created_at)
        await interaction.followup.send(
            f"{member.mention} is unblocked; their forum role is now **{after.display}**." + warning, ephemeral=True
        )

    # ------------------------------------------------------------ queue
    @app_commands.command(name="queue", description="Open reports and held posts, with Approve / Dismiss")
    @requires(ForumRole.MODERATOR)
    async def queue(self, interaction: discord.Interaction) -> None:
        actor = guild_member(interaction)
        embed, view = await mod_queue.render(self.db, actor.guild.id)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    # ------------------------------------------------------------ log / history
    @app_commands.command(name="log", description="The audit log: who did what to what, when, why")
    @app_commands.describe(member="Only actions by or on this member", topic="Only actions on this topic")
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
            raise UserFacingError("The audit log is for Moderators and Keymasters.")
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
            return Page(embed=discord.Embed(title="Audit log", description="No audit entries match."), page=0, pages=1)
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
        description, _ = moderation.fit(lines)
        embed = discord.Embed(title="Audit log (newest first)", description=description)
        embed.set_footer(text=f"Page {page + 1} of {pages} · {total} entries")
        return Page(embed=embed, page=page, pages=pages)

    @app_commands.command(name="history", description="A post's revisions")
    @app_commands.describe(post="The post: #12, 12, a link or an id")
    @requires(ForumRole.MODERATOR)
    async def history(self, interaction: discord.Interaction, post: str) -> None:
        actor = guild_member(interaction)
        found = await resolve_post(self.db, actor.guild.id, post)
        revisions = await self.db.run(posts.revisions, found.id)
        lines = moderation.history_lines(found.number, found.created_at, found.content, revisions)
        description, left = moderation.fit(lines)
        embed = discord.Embed(
            title=f"Post #{found.number} by {found.author_name} · {len(revisions)} edit(s)", description=description
        )
        if found.status != "publish":
            embed.add_field(name="Status", value=found.status)
        if left:
            embed.set_footer(text=f"{left} newer version(s) not shown.")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # ------------------------------------------------------------ housekeeping
    async def housekeeping(self) -> None:
        """Lifts blocks that ran out and closes idle topics. All state is stored, so it
        survives restarts: the first run after a start catches up."""
        if not self.db.is_open or not self.bot.is_ready():
            return
        try:
            await self.lift_expired()
            now = discord.utils.utcnow()
            if self._next_auto_close is None or now >= self._next_auto_close:
                self._next_auto_close = now + AUTO_CLOSE_EVERY
                await self.auto_close()
        except Exception:
            log.exception("housekeeping failed")

    async def lift_expired(self) -> int:
        now = discord.utils.utcnow()
        lifted = 0
        touched: set[int] = set()
        for guild_id, user_id in await self.db.run(members.due_expiries, now):
            guild = self.bot.get_guild(guild_id)
            if guild is None:
                continue  # lifted when the guild is back, so its overwrites follow
            removed = await self.db.transaction(members.lift_expired, guild_id, user_id, now)
            if removed is None:
                continue
            lifted += 1
            touched.add(guild_id)
            me = self.bot.user
            await self.db.write(
                audit.record,
                guild_id=guild_id,
                actor_id=me.id if me else 0,
                actor_name=me.display_name if me else "Threadkeeper",
                action="member.unblock" if removed.role is ForumRole.BLOCKED else "member.role",
                now=timeutil.iso(now),
                target_user=user_id,
                reason="expired",
            )
        for guild_id in touched:
            guild = self.bot.get_guild(guild_id)
            if guild is not None:
                await overwrites.sync_guild(self.db, guild, reason="Threadkeeper: a timed block expired")
        return lifted

    async def auto_close(self) -> int:
        """Close topics idle for the guild's auto_close_days (stickies exempt), reason stale."""
        now = discord.utils.utcnow()
        closed = 0
        me = self.bot.user
        name = me.display_name if me else "Threadkeeper"
        for topic, days in await self.db.run(housekeeping.auto_close_due, now):
            guild = self.bot.get_guild(topic.guild_id)
            if guild is None:
                continue
            note = f"Closed automatically: no new post for {days} day{'s' if days != 1 else ''}."
            try:
                await moderation.close_topic(self.db, guild, topic, actor_name=name, reason="stale", note=note)
            except UserFacingError as error:
                log.warning("auto-close of topic %s failed: %s", topic.id, error.message)
                continue
            closed += 1
            await self.db.write(
                audit.record,
                guild_id=topic.guild_id,
                actor_id=me.id if me else 0,
                actor_name=name,
                action="topic.close",
                now=timeutil.iso(now),
                topic_id=topic.id,
                reason="stale",
                details={"auto_close_days": days},
            )
        return closed


async def setup(bot: ForumBot) -> None:
    await bot.add_cog(Moderation(bot))
