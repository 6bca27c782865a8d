"""/mod move, merge, split: a topic's posts reposted, attributed, numbers kept."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.domain import timeutil
from bot.domain.roles import ForumRole
from bot.errors import UserFacingError
from bot.i18n import _, ngettext, speaking
from bot.services import restructure
from bot.services.access import guild_member, requires
from bot.services.auditing import log_action
from bot.services.choices import post_choices, topic_choices
from bot.services.lookup import fetch_thread, resolve_topic, resolve_topic_here
from bot.services.translator import guild_locale
from bot.storage import forums, posts, restructuring
from cogs.moderation.base import ModerationBase


class RestructureCommands(ModerationBase):
    @app_commands.command(name="move", description="Move a topic and all its posts to another forum")
    @app_commands.describe(
        forum="The registered forum to move it to",
        topic="The topic: #12, 12, a link or an id (left out inside a topic's thread: that topic)",
    )
    @app_commands.autocomplete(topic=topic_choices)
    @requires(ForumRole.MODERATOR)
    async def move(
        self,
        interaction: discord.Interaction,
        forum: discord.ForumChannel | discord.TextChannel,
        topic: str | None = None,
    ) -> None:
        actor = guild_member(interaction)
        found = await resolve_topic_here(self.db, interaction, topic)
        target = await self.db.run(forums.by_channel, forum.id)
        if target is None or not target.registered or target.guild_id != actor.guild.id:
            raise UserFacingError(
                _("{forum} is not a registered forum. `/forum list` shows the forums.", forum=forum.mention)
            )
        if target.id == found.forum_id:
            raise UserFacingError(_("Topic #{number} is already in {forum}.", number=found.number, forum=forum.mention))
        await self._in_scope(interaction, found.forum_id)
        await self._in_scope(interaction, target.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        everything = await self.db.run(posts.of_topic, found.id)
        old = await fetch_thread(actor.guild, found.thread_id)
        reason = f"Threadkeeper: moved by {actor}"
        progress = self._progress(interaction, _("Moving"))
        thread, moves = await restructure.rebuild(forum, found, everything, reason=reason, progress=progress.update)

        async def undo() -> None:
            await thread.delete(reason="Threadkeeper: move undone")

        with speaking(guild_locale(actor.guild)):  # in the old thread, for everyone
            pointer = "📦 " + _(
                "This topic moved to {thread} (by {moderator}).", thread=thread.mention, moderator=actor.display_name
            )
        await restructure.retire(old, pointer, reason=reason, undo=undo)
        moved = await self.db.transaction(
            restructuring.move,
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
        await progress.finish(
            ngettext(
                "Moved topic **#{number}** with {count} post to {thread}, numbers kept; "
                "the old thread is locked with a pointer.",
                "Moved topic **#{number}** with {count} posts to {thread}, numbers kept; "
                "the old thread is locked with a pointer.",
                len(moves),
                number=moved.number,
                thread=thread.mention,
            )
        )

    @app_commands.command(name="merge", description="Merge a topic's posts into another topic")
    @app_commands.describe(
        target="The topic they join: #12, 12, a link or an id",
        source="The topic whose posts move (left out inside a topic's thread: that topic)",
    )
    @app_commands.autocomplete(target=topic_choices, source=topic_choices)
    @requires(ForumRole.MODERATOR)
    async def merge(self, interaction: discord.Interaction, target: str, source: str | None = None) -> None:
        actor = guild_member(interaction)
        origin = await resolve_topic_here(self.db, interaction, source)
        into = await resolve_topic(self.db, actor.guild.id, target)
        if origin.id == into.id:
            raise UserFacingError(_("Source and target are the same topic."))
        await self._in_scope(interaction, origin.forum_id)
        await self._in_scope(interaction, into.forum_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        everything = await self.db.run(posts.of_topic, origin.id)
        everything.sort(key=lambda p: (p.created_at, p.id))
        old = await fetch_thread(actor.guild, origin.thread_id)
        thread = await fetch_thread(actor.guild, into.thread_id)
        reason = f"Threadkeeper: merged by {actor}"
        progress = self._progress(interaction, _("Merging"))
        moves = await restructure.append(thread, everything, progress=progress.update)
        sent = restructure.messages_of(thread, moves)

        async def undo() -> None:
            await restructure.undo_messages(sent)

        with speaking(guild_locale(actor.guild)):  # in the old thread, for everyone
            pointer = "🔀 " + _(
                "This topic was merged into **#{number}** {thread} (by {moderator}).",
                number=into.number,
                thread=thread.mention,
                moderator=actor.display_name,
            )
        await restructure.retire(old, pointer, reason=reason, undo=undo)
        merged = await self.db.transaction(
            restructuring.merge,
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
        await progress.finish(
            ngettext(
                "Merged {count} post of topic **#{source}** into **#{number}** {thread}, "
                "numbers kept; the source thread is locked with a pointer.",
                "Merged {count} posts of topic **#{source}** into **#{number}** {thread}, "
                "numbers kept; the source thread is locked with a pointer.",
                len(moves),
                source=origin.number,
                number=merged.number,
                thread=thread.mention,
            )
        )

    @app_commands.command(name="split", description="Make a new topic from a reply on")
    @app_commands.describe(post="The first reply of the new topic: #12, 12, a link or an id", title="The new title")
    @app_commands.autocomplete(post=post_choices)
    @requires(ForumRole.MODERATOR)
    async def split(
        self, interaction: discord.Interaction, post: str, title: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        actor = guild_member(interaction)
        found, topic = await self._post_and_topic(interaction, post)
        if found.is_opening:
            raise UserFacingError(_("That is the topic's opening post: split from a reply."))
        if found.status != "publish" or topic.status not in ("open", "closed"):
            raise UserFacingError(_("Post #{number} is not published in an open or closed topic.", number=found.number))
        if not title:
            with speaking(guild_locale(actor.guild)):  # a title everyone reads
                title = _("Split from #{number}: {title}", number=topic.number, title=topic.title)
        new_title = " ".join(title.split())[:100]
        channel = await self._forum_channel(actor.guild, topic.forum_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        everything = await self.db.run(posts.of_topic, topic.id)
        leaving = [p for p in everything if not p.is_opening and (p.created_at, p.id) >= (found.created_at, found.id)]
        reason = f"Threadkeeper: split by {actor}"
        progress = self._progress(interaction, _("Splitting"))
        thread, moves = await restructure.rebuild(
            channel, topic, leaving, title=new_title, reason=reason, progress=progress.update
        )
        created = await self.db.transaction(
            restructuring.split,
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
            "\n⚠️ "
            + ngettext(
                "Discord would not remove {count} original message from the old thread; delete it by hand.",
                "Discord would not remove {count} original messages from the old thread; delete them by hand.",
                left,
            )
            if left
            else ""
        )
        done = ngettext(
            "Split {count} post from topic **#{number}** into the new topic **#{new}** {thread}, numbers kept.",
            "Split {count} posts from topic **#{number}** into the new topic **#{new}** {thread}, numbers kept.",
            len(moves),
            number=topic.number,
            new=created.number,
            thread=thread.mention,
        )
        await progress.finish(done + warning)
