"""/topic new|show|list and /reply: starting, reading and answering topics."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot import clock
from bot.client import ForumBot
from bot.domain import timeutil
from bot.domain.forumrules import role_in_forum
from bot.domain.policy import check_post, clean_body, clean_title
from bot.domain.roles import ForumRole
from bot.domain.text import escape_inline, post_header, split_text
from bot.errors import NotDone, UserFacingError
from bot.i18n import _, pgettext, speaking
from bot.services import slowmode, topictags
from bot.services.access import guild_member, role_and_inputs
from bot.services.auditing import log_action
from bot.services.choices import tag_choices, topic_choices
from bot.services.holding import held_notice, hold_reason
from bot.services.lookup import fetch_thread, resolve_topic_here
from bot.services.posting import NO_MENTIONS, rest_refused, send_rest, start_thread
from bot.services.translator import guild_locale
from bot.storage import forums, guilds, posts, review, topics
from bot.storage.api import Database
from bot.storage.models import Forum, NewPost, NewTopic, Topic
from bot.ui.pager import Page, view_for
from bot.ui.tagprompt import TagPrompt, prompt_text
from bot.ui.topics import jump_url, topic_embed, topic_list_embed

log = logging.getLogger(__name__)
SORT_CHOICES = [app_commands.Choice(name=s, value=s) for s in topics.SORTS]
STATUS_CHOICES = [app_commands.Choice(name=s, value=s) for s in ("open", "closed", "solved", "all")]


def member_post(member: discord.Member, role: ForumRole, message: discord.Message, text: str) -> NewPost:
    """The record of a post the bot sent on a member's behalf: attributed to the member."""
    return NewPost(
        guild_id=member.guild.id,
        message_id=message.id,
        channel_id=message.channel.id,
        author_id=member.id,
        author_name=member.display_name,
        author_role=role.key,
        content=text,
        created_at=timeutil.iso(message.created_at),
    )


def held_post(
    member: discord.Member,
    role: ForumRole,
    interaction: discord.Interaction,
    text: str,
    why: str,
    *,
    channel_id: int = 0,
) -> NewPost:
    """The record of a post held for approval before it reached Discord (its ids are the
    storage's synthetic ones; ``review.hold_reply`` / ``hold_topic`` give them)."""
    return NewPost(
        guild_id=member.guild.id,
        message_id=0,
        channel_id=channel_id,
        author_id=member.id,
        author_name=member.display_name,
        author_role=role.key,
        content=text,
        created_at=timeutil.iso(interaction.created_at),
        flag=why,
    )


async def stored_reason(db: Database, hold: str, role: ForumRole, text: str, member: discord.Member) -> str | None:
    """Why the post is held, as the record keeps it for the moderators: in the server's language
    (a typed post's flag is said there too), whatever language the member asked in."""
    with speaking(guild_locale(member.guild)):
        return await hold_reason(db, hold, role=role, text=text, guild_id=member.guild.id, user_id=member.id)


class Topics(commands.Cog):
    topic = app_commands.Group(name="topic", description="Start, read and list topics")

    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.db = bot.db
        bot.pagers["show"] = self._show_page
        bot.pagers["list"] = self._list_page

    # ---------------------------------------------------------------- helpers
    async def _registered(self, guild: discord.Guild, channel_id: int) -> Forum:
        forum = await self.db.run(forums.by_channel, channel_id)
        if forum is None or not forum.registered or forum.guild_id != guild.id:
            raise UserFacingError(
                _("<#{channel}> is not a registered forum. `/forum list` shows the forums.", channel=channel_id)
            )
        return forum

    def _visible(self, member: discord.Member, channel_id: int) -> bool:
        channel = member.guild.get_channel(channel_id)
        return channel is None or channel.permissions_for(member).view_channel

    async def _check_may_post(
        self, member: discord.Member, when: discord.Interaction, forum: Forum, *, topic: Topic | None
    ) -> ForumRole:
        role, inputs = await role_and_inputs(self.db, member, when.created_at)
        role = role_in_forum(role, inputs.scope, forum.id)
        refusal = check_post(
            role=role,
            starting_topic=topic is None,
            topic_status=topic.status if topic else None,
            registration_open=inputs.registration_open,
            throttle_seconds=inputs.throttle_seconds,
            last_post_at=timeutil.parse(inputs.last_post_at),
            now=when.created_at,
            rules=forum.rules,
        )
        if refusal is not None:
            raise UserFacingError(refusal.reason)
        await slowmode.check(self.db, member, role, forum, topic, when.created_at)
        return role

    # ------------------------------------------------------------------- new
    @topic.command(name="new", description="Start a topic in a forum")
    @app_commands.describe(
        forum="The registered forum channel",
        title="The topic's title (1–100 characters)",
        body="Your question or post (1–4000 characters)",
        tags="Comma-separated tags of the forum (at most 5)",
    )
    @app_commands.autocomplete(tags=tag_choices)
    async def new(
        self,
        interaction: discord.Interaction,
        forum: discord.ForumChannel | discord.TextChannel,
        title: str,
        body: str,
        tags: str | None = None,
    ) -> None:
        member = guild_member(interaction)
        record = await self._registered(member.guild, forum.id)
        if tags and tags.strip() and not isinstance(forum, discord.ForumChannel):
            raise UserFacingError(
                _("{forum} is a text-channel forum: Discord has no tags there. Leave `tags` out.", forum=forum.mention)
            )
        try:
            clean = clean_title(title)
            text = clean_body(body)
        except ValueError as error:
            raise UserFacingError(str(error)) from None
        role = await self._check_may_post(member, interaction, record, topic=None)
        tag_names = topictags.chosen_tags(forum, tags, role)
        if not tag_names and isinstance(forum, discord.ForumChannel) and topictags.requires_tag(forum):
            tagged = forum

            # Discord would refuse the post: ask for a tag up front, then post.
            async def chosen(later: discord.Interaction, names: list[str]) -> None:
                await self._post_topic(later, member, tagged, record, clean, text, names)

            allowed = [(t.name, role.can_moderate or not t.moderated) for t in forum.available_tags]
            if not any(ok for _name, ok in allowed):
                raise UserFacingError(
                    _("{forum} requires a tag, and only moderators may apply its tags.", forum=forum.mention)
                )
            await interaction.response.send_message(
                prompt_text(forum.mention),
                view=TagPrompt(member.id, allowed, chosen),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        await self._post_topic(interaction, member, forum, record, clean, text, tag_names)

    async def _post_topic(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        forum: discord.ForumChannel | discord.TextChannel,
        record: Forum,
        clean: str,
        text: str,
        tag_names: list[str],
    ) -> None:
        role = await self._check_may_post(member, interaction, record, topic=None)  # again: time may have passed
        available = forum.available_tags if isinstance(forum, discord.ForumChannel) else []
        await interaction.response.defer(ephemeral=True, thinking=True)
        why = await hold_reason(
            self.db, record.rules.hold, role=role, text=text, guild_id=member.guild.id, user_id=member.id
        )
        if why is not None:  # held: recorded pending, no thread until a moderator approves it
            flag = await stored_reason(self.db, record.rules.hold, role, text, member) or why
            opening = held_post(member, role, interaction, text, flag)
            waiting = NewTopic(
                guild_id=member.guild.id,
                forum_id=record.id,
                thread_id=0,
                title=clean,
                tags=tuple(tag_names),
                opening=opening,
                recorded_at=timeutil.iso(clock.utcnow()),
            )
            held = await self.db.transaction(review.hold_topic, waiting)
            await interaction.followup.send(held_notice(why, held.topic.number), ephemeral=True)
            return
        chunks = split_text(f"{attribution(member, role)}\n{text}")
        applied = [t for t in available if t.name in tag_names]
        try:
            thread, starter = await start_thread(forum, name=clean, content=chunks[0], applied_tags=applied)
        except discord.HTTPException as error:
            raise NotDone(_("Your topic was not created."), give_back=text) from error
        new = member_post(member, role, starter, text)
        try:
            recorded = await self.db.transaction(
                posts.record_topic,
                NewTopic(
                    guild_id=member.guild.id,
                    forum_id=record.id,
                    thread_id=thread.id,
                    title=clean,
                    tags=tuple(tag_names),
                    opening=new,
                    recorded_at=timeutil.iso(clock.utcnow()),
                ),
            )
        except Exception as error:
            # Nothing recorded: take the thread down again, so no topic exists only in Discord.
            try:
                await thread.delete(reason="Threadkeeper: the topic could not be recorded")
                if starter.channel.id != thread.id:  # a text-channel forum's starter message
                    await starter.delete()
            except discord.HTTPException:
                log.error("orphan thread %s could not be removed", thread.id)
            raise NotDone(_("Your topic was not posted."), give_back=text) from error
        self.bot.recorder.mark_synced(thread.id)  # nothing before its first post: no catch-up needed
        complete = (await send_rest(thread, chunks[1:]))[1]
        await interaction.followup.send(
            _(
                "Started topic **#{number}** {thread}: {link}",
                number=recorded.topic.number,
                thread=thread.mention,
                link=jump_url(member.guild.id, thread.id),
            )
            + rest_refused(complete),
            ephemeral=True,
        )

    # ------------------------------------------------------------------- tags
    @topic.command(name="tags", description="Change a topic's tags (its author or a moderator)")
    @app_commands.describe(
        topic="The topic: #12, 12, a link or an id (left out inside a topic's thread: that topic)",
        tags="Comma-separated tags of the topic's forum (at most 5); none clears them",
    )
    @app_commands.autocomplete(topic=topic_choices, tags=tag_choices)
    async def tags(self, interaction: discord.Interaction, tags: str, topic: str | None = None) -> None:
        member = guild_member(interaction)
        found = await resolve_topic_here(self.db, interaction, topic)
        forum = await self.db.run(forums.get, found.forum_id)
        if forum is None or not self._visible(member, forum.channel_id):
            shown = (topic or f"#{found.number}")[:40]
            raise UserFacingError(_("No topic `{topic}` in this server's forums.", topic=shown))
        role, _inputs = await role_and_inputs(self.db, member, interaction.created_at)
        await interaction.response.defer(ephemeral=True, thinking=True)
        applied = await topictags.set_tags(self.db, member, role, found, tags)
        await log_action(self.db, interaction, "topic.tags", topic_id=found.id, details={"tags": applied})
        if applied:
            listed = ", ".join(f"`{name}`" for name in applied)
            said = _("Topic **#{number}** now has {tags}.", number=found.number, tags=listed)
        else:
            said = _("Topic **#{number}** now has no tags.", number=found.number)
        await interaction.followup.send(said, ephemeral=True, allowed_mentions=NO_MENTIONS)

    # ------------------------------------------------------------------ reply
    @app_commands.command(name="reply", description="Reply to a topic")
    @app_commands.describe(
        body="Your reply (1–4000 characters)",
        topic="The topic: #12, 12, a link or an id (left out inside a topic's thread: that topic)",
    )
    @app_commands.autocomplete(topic=topic_choices)
    async def reply(self, interaction: discord.Interaction, body: str, topic: str | None = None) -> None:
        member = guild_member(interaction)
        found = await resolve_topic_here(self.db, interaction, topic)
        forum = await self.db.run(forums.get, found.forum_id)
        if forum is None or not forum.registered:
            raise UserFacingError(_("That topic's forum is no longer registered, so it takes no replies."))
        if not self._visible(member, forum.channel_id):
            shown = (topic or f"#{found.number}")[:40]
            raise UserFacingError(_("No topic `{topic}` in this server's forums.", topic=shown))
        try:
            text = clean_body(body)
        except ValueError as error:
            raise UserFacingError(str(error)) from None
        role = await self._check_may_post(member, interaction, forum, topic=found)
        await interaction.response.defer(ephemeral=True, thinking=True)
        why = await hold_reason(
            self.db, forum.rules.hold, role=role, text=text, guild_id=member.guild.id, user_id=member.id
        )
        if why is not None:  # held: recorded pending, never sent to the thread until approved
            flag = await stored_reason(self.db, forum.rules.hold, role, text, member) or why
            new = held_post(member, role, interaction, text, flag, channel_id=found.thread_id)
            held = await self.db.transaction(review.hold_reply, found.id, new)
            notice = held_notice(why, held.post.number)
            await interaction.followup.send(
                notice + " " + _("(in **{title}**)", title=escape_inline(found.title)), ephemeral=True
            )
            return
        chunks = split_text(f"{attribution(member, role)}\n{text}")
        try:
            thread = await fetch_thread(member.guild, found.thread_id)
            message = await thread.send(chunks[0], allowed_mentions=NO_MENTIONS)
        except (UserFacingError, discord.HTTPException) as error:
            raise NotDone(_("Your reply was not posted."), give_back=text) from error
        try:
            recorded = await self.db.write(
                posts.record_reply,
                found.id,
                member_post(member, role, message, text),
            )
        except Exception as error:
            # The bot's own message is never recorded by a catch-up: take it back down.
            try:
                await message.delete()
            except discord.HTTPException:
                log.error("unrecorded reply %s could not be removed", message.id)
            raise NotDone(_("Your reply was not posted."), give_back=text) from error
        continuations, complete = await send_rest(thread, chunks[1:])
        if continuations:
            await self.db.write(posts.set_continuations, recorded.post.id, continuations)
        await interaction.followup.send(
            _(
                "Replied as **#{number}** in **{title}**: {link}",
                number=recorded.post.number,
                title=found.title,
                link=message.jump_url,
            )
            + rest_refused(complete),
            ephemeral=True,
        )

    # ------------------------------------------------------------------- show
    @topic.command(name="show", description="Read a topic: every post with its number, author and role")
    @app_commands.describe(
        topic="The topic: #12, 12, a link or an id (left out inside a topic's thread: that topic)",
        page="Page number (15 posts a page)",
    )
    @app_commands.autocomplete(topic=topic_choices)
    async def show(
        self, interaction: discord.Interaction, topic: str | None = None, page: app_commands.Range[int, 1, 10000] = 1
    ) -> None:
        member = guild_member(interaction)
        found = await resolve_topic_here(self.db, interaction, topic)
        rendered = await self._render_show(member, found.id, page - 1)
        await interaction.response.send_message(
            embed=rendered.embed, view=view_for("show", str(found.id), rendered), ephemeral=True
        )

    async def _render_show(self, member: discord.Member, topic_id: int, page: int) -> Page:
        settings = await self.db.run(guilds.settings, member.guild.id)
        view = await self.db.run(topics.show_page, topic_id, page=page, per_page=settings.replies_per_page)
        if view.topic.guild_id != member.guild.id or not self._visible(member, view.forum.channel_id):
            raise UserFacingError(_("That topic is not in this server's forums."))
        return Page(embed=topic_embed(view, guild_name=member.guild.name), page=view.page, pages=view.pages)

    async def _show_page(self, interaction: discord.Interaction, args: str, page: int) -> Page:
        return await self._render_show(guild_member(interaction), int(args), page)

    # ------------------------------------------------------------------- list
    @topic.command(name="list", description="List topics: Topic, Voices, Posts, Freshness")
    @app_commands.describe(forum="Only this forum", sort="Order (default latest)", status="Which topics (default all)")
    @app_commands.choices(sort=SORT_CHOICES, status=STATUS_CHOICES)
    async def list(
        self,
        interaction: discord.Interaction,
        forum: discord.ForumChannel | discord.TextChannel | None = None,
        sort: app_commands.Choice[str] | None = None,
        status: app_commands.Choice[str] | None = None,
    ) -> None:
        member = guild_member(interaction)
        forum_id = (await self._registered(member.guild, forum.id)).id if forum else 0
        args = f"{forum_id}.{sort.value if sort else 'latest'}.{status.value if status else 'all'}"
        rendered = await self._render_list(member, args, 0)
        await interaction.response.send_message(
            embed=rendered.embed, view=view_for("list", args, rendered), ephemeral=True
        )

    async def _render_list(self, member: discord.Member, args: str, page: int) -> Page:
        forum_text, sort, status = args.split(".")
        visible = [
            f for f in await self.db.run(forums.registered_in, member.guild.id) if self._visible(member, f.channel_id)
        ]
        names = {f.id: f.name for f in visible}
        wanted = [int(forum_text)] if forum_text != "0" else list(names)
        if any(forum_id not in names for forum_id in wanted):
            raise UserFacingError(_("That forum is not available."))
        per_page = 15
        found, total = await self.db.run(
            lambda conn: topics.list_page(
                conn,
                forum_ids=wanted,
                super_forum_ids=list(names),
                sort=sort,
                status=status,
                offset=page * per_page,
                limit=per_page,
            )
        )
        pages = max(1, -(-total // per_page))
        if page >= pages and page > 0:
            return await self._render_list(member, args, pages - 1)
        title = _("Topics in {forum}", forum=names[wanted[0]]) if forum_text != "0" else _("Topics")
        # the sort and status words are the command's choice names (msgctxt "choice", from the tree)
        title += f" · {pgettext('choice', sort)}" + (f" · {pgettext('choice', status)}" if status != "all" else "")
        embed = topic_list_embed(found, title=title, page=page, pages=pages, total=total, forum_names=names)
        return Page(embed=embed, page=page, pages=pages)

    async def _list_page(self, interaction: discord.Interaction, args: str, page: int) -> Page:
        return await self._render_list(guild_member(interaction), args, page)


async def setup(bot: ForumBot) -> None:
    await bot.add_cog(Topics(bot))


def attribution(member: discord.Member, role: ForumRole) -> str:
    """The line above a post the bot sends for a member: everyone in the thread reads it, so in
    the server's language (``bot.domain.text.post_header``)."""
    with speaking(guild_locale(member.guild)):
        return post_header(member.display_name, role.label)
