"""Message menus "Edit post" and "Delete post": members own their posts (SPEC §4)."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import clock
from bot.client import ForumBot
from bot.domain import timeutil
from bot.domain.policy import BODY_MAX, TITLE_MAX, check_edit, clean_body, clean_title
from bot.domain.words import status_word
from bot.errors import NotDone, UserFacingError
from bot.failures import AnsweringModal, AnsweringView, describe_http_error
from bot.i18n import N_, _
from bot.services import editing
from bot.services.access import guild_member, member_role
from bot.services.auditing import log_action
from bot.services.lookup import fetch_thread
from bot.storage import guilds, posts, topics
from bot.storage.models import Post, Topic

log = logging.getLogger(__name__)
REASON_MAX = 300


async def _checked(
    bot: ForumBot, interaction: discord.Interaction, message: discord.Message
) -> tuple[Post, Topic, bool]:
    """The post behind the message, its topic, and whether the member edits it as a
    moderator (someone else's post); UserFacingError when they may not edit it now."""
    member = guild_member(interaction)
    post = await bot.db.run(posts.by_any_message, message.channel.id, message.id)
    if post is None or post.guild_id != member.guild.id:
        raise UserFacingError(_("That message is not a post of this server's forums, so there is nothing to edit."))
    topic = await bot.db.run(topics.by_id, post.topic_id)
    assert topic is not None
    role = await member_role(bot.db, member, interaction.created_at, topic.forum_id)
    settings = await bot.db.run(guilds.settings, member.guild.id)
    assert bot.user is not None
    try:
        access = check_edit(
            number=post.number,
            is_author=post.author_id == member.id,
            role=role,
            post_status=post.status,
            topic_status=topic.status,
            sent_by_bot=editing.sent_by_bot(message, bot.user.id),
            window_minutes=settings.edit_window_minutes,
            posted_at=timeutil.parse(post.created_at) or interaction.created_at,
            now=interaction.created_at,
        )
    except ValueError as error:
        raise UserFacingError(str(error)) from None
    return post, topic, access.as_moderator


class EditModal(AnsweringModal, title=N_("Edit post")):  # __init__ gives it its title
    def __init__(self, bot: ForumBot, message: discord.Message, post: Post, topic: Topic, *, moderator: bool) -> None:
        super().__init__(title=_("Edit post #{number}", number=post.number))
        self.bot, self.message, self.post_number = bot, message, post.number
        self.text: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label=_("Text"),
            custom_id="text",
            style=discord.TextStyle.paragraph,
            default=post.content[:BODY_MAX],
            min_length=1,
            max_length=BODY_MAX,
        )
        self.title_input: discord.ui.TextInput[EditModal] | None = None
        self.reason: discord.ui.TextInput[EditModal] | None = None
        if post.is_opening:
            self.title_input = discord.ui.TextInput(
                label=_("Title"), custom_id="title", default=topic.title[:TITLE_MAX], min_length=1, max_length=TITLE_MAX
            )
            self.add_item(self.title_input)
        self.add_item(self.text)
        if moderator:
            self.reason = discord.ui.TextInput(
                label=_("Reason (readers see it beside the post)"),
                custom_id="reason",
                min_length=1,
                max_length=REASON_MAX,
                placeholder=_("Fixed a typo"),
            )
            self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        raw = str(self.text.value)
        try:
            text = clean_body(raw)
            title = clean_title(str(self.title_input.value)) if self.title_input is not None else None
        except ValueError as error:
            raise NotDone(_("Nothing was changed."), give_back=raw) from UserFacingError(str(error))
        reason = str(self.reason.value).strip() if self.reason is not None else None
        if self.reason is not None and not reason:
            raise NotDone(_("Nothing was changed."), give_back=text) from UserFacingError(
                _("Give a reason: readers see it beside the post.")
            )
        # Checked again: the post, the topic or the member's role may have changed meanwhile.
        post, topic, moderator = await _checked(self.bot, interaction, self.message)
        if post.content == text and (title is None or title == topic.title):
            raise UserFacingError(_("Post #{number} already reads like that: nothing changed.", number=post.number))
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild is not None
        thread = await fetch_thread(interaction.guild, topic.thread_id)
        # Discord edits nothing in an archived thread (a closed topic's): open it for the edit.
        archived = thread.archived
        try:
            if archived:
                await thread.edit(archived=False, reason="Threadkeeper: editing a post of a closed topic")
            continuations = await editing.rewrite(thread, self.message, post, text)
            if title is not None and title != topic.title:
                await thread.edit(name=title, reason="Threadkeeper: the opening post's title was edited")
        except discord.HTTPException as error:
            raise NotDone(_("Post #{number} is unchanged.", number=post.number), give_back=text) from error
        finally:
            if archived:
                try:
                    await thread.edit(archived=True, reason="Threadkeeper: the closed topic's post was edited")
                except discord.HTTPException:
                    log.warning("could not archive %s again after an edit", thread.id, exc_info=True)
        editor = (interaction.user.id, interaction.user.display_name)
        await self.bot.db.transaction(
            posts.edit_post,
            post.id,
            text,
            timeutil.iso(clock.utcnow()),
            editor=editor,
            reason=reason,
            title=title,
            continuations=continuations,
        )
        await log_action(
            self.bot.db,
            interaction,
            "post.edit",
            target_user=post.author_id,
            topic_id=topic.id,
            post_id=post.id,
            reason=reason,
            details={"number": post.number, "moderator": moderator},
        )
        await interaction.followup.send(_("Post #{number} edited.", number=post.number), ephemeral=True)


class ConfirmDelete(AnsweringView):
    def __init__(self, bot: ForumBot, message: discord.Message, owner_id: int) -> None:
        super().__init__(timeout=300)
        self.bot, self.message, self.owner_id = bot, message, owner_id
        self.confirm.label = _("Delete my post")

    @discord.ui.button(style=discord.ButtonStyle.danger)  # labelled in __init__, in the member's language
    async def confirm(self, interaction: discord.Interaction, _button: discord.ui.Button[Any]) -> None:
        post = await self.bot.db.run(posts.by_message, self.message.id)
        if post is None or post.author_id != interaction.user.id or post.status != "publish":
            raise UserFacingError(_("That post is no longer yours to delete (already deleted or moved?)."))
        topic = await self.bot.db.run(topics.by_id, post.topic_id)
        assert topic is not None and interaction.guild is not None
        try:
            thread = await fetch_thread(interaction.guild, topic.thread_id)
            await editing.remove(thread, self.message, post)
        except discord.HTTPException as error:
            said = describe_http_error(error) + " " + _("Post #{number} is not deleted.", number=post.number)
            raise UserFacingError(said) from None
        await self.bot.db.transaction(posts.set_status, post.id, "deleted", only_from="publish")
        await log_action(
            self.bot.db,
            interaction,
            "post.delete",
            target_user=post.author_id,
            topic_id=topic.id,
            post_id=post.id,
            details={"number": post.number},
        )
        await interaction.response.edit_message(
            content=_("Post #{number} deleted. Moderators can still read it.", number=post.number), view=None
        )
        self.stop()


class OwnPosts(commands.Cog):
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.menus = [
            app_commands.ContextMenu(name="Edit post", callback=self.edit_post),
            app_commands.ContextMenu(name="Delete post", callback=self.delete_post),
        ]
        for menu in self.menus:
            menu.guild_only = True

    async def cog_load(self) -> None:
        for menu in self.menus:
            self.bot.tree.add_command(menu)

    async def cog_unload(self) -> None:
        for menu in self.menus:
            self.bot.tree.remove_command(menu.name, type=menu.type)

    async def edit_post(self, interaction: discord.Interaction, message: discord.Message) -> None:
        post, topic, moderator = await _checked(self.bot, interaction, message)
        if post.message_id != message.id:  # a later message of a long post: edit from its first
            try:
                message = await message.channel.fetch_message(post.message_id)
            except discord.HTTPException:
                raise UserFacingError(
                    _("The first message of post #{number} is gone from Discord.", number=post.number)
                ) from None
        await interaction.response.send_modal(EditModal(self.bot, message, post, topic, moderator=moderator))

    async def delete_post(self, interaction: discord.Interaction, message: discord.Message) -> None:
        member = guild_member(interaction)
        post = await self.bot.db.run(posts.by_message, message.id)
        if post is None or post.guild_id != member.guild.id:
            raise UserFacingError(
                _("That message is not a post of this server's forums, so there is nothing to delete.")
            )
        if post.author_id != member.id:
            raise UserFacingError(
                _("Only its author can delete post #{number}; moderators use `/mod trash`.", number=post.number)
            )
        if post.status != "publish":
            raise UserFacingError(
                _(
                    "Post #{number} is already in status «{status}».",
                    number=post.number,
                    status=status_word(post.status),
                )
            )
        if post.is_opening:
            raise UserFacingError(
                _(
                    "Post #{number} opens its topic: a topic's question cannot be deleted on its own. "
                    "Edit it, or ask a moderator.",
                    number=post.number,
                )
            )
        await interaction.response.send_message(
            _("Delete post #{number}? It leaves the thread; moderators can still read it.", number=post.number),
            view=ConfirmDelete(self.bot, message, member.id),
            ephemeral=True,
        )


async def setup(bot: ForumBot) -> None:
    await bot.add_cog(OwnPosts(bot))
