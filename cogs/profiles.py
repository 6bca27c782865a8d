"""/profile: a member's forum role, counts, first and last post, latest topics."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ForumBot
from bot.domain.text import escape_inline, excerpt
from bot.i18n import _
from bot.services.access import member_role, visible_forum_ids
from bot.storage import forums, profiles
from bot.storage.profiles import PostRef, Profile
from bot.ui.topics import COLOR, jump_url, stamp


def _post_line(ref: PostRef | None, guild_id: int) -> str:
    if ref is None:
        return _("none yet")
    link = jump_url(guild_id, ref.channel_id, ref.message_id)
    title = escape_inline(excerpt(ref.topic_title, 60))
    return (
        _("[#{number}]({link}) in **{title}**", number=ref.number, link=link, title=title)
        + f" · {stamp(ref.created_at)}"
    )


def profile_embed(member: discord.Member, role_display: str, found: Profile) -> discord.Embed:
    guild_id = member.guild.id
    lines = [
        _("Forum role: **{role}**", role=role_display),
        _("Topics started: **{count}**", count=found.topics_started),
        _("Replies created: **{count}**", count=found.replies_created),
        _("Accepted answers: **{count}**", count=found.accepted_answers),
        _("First post: {post}", post=_post_line(found.first_post, guild_id)),
        _("Last post: {post}", post=_post_line(found.last_post, guild_id)),
    ]
    if found.latest_topics:
        lines.append("\n**" + _("Latest topics") + "**")
        for topic in found.latest_topics:
            solved = " ✅" if topic.solved else ""
            closed = " 🔒" if topic.status == "closed" else ""
            lines.append(
                f"[**{escape_inline(excerpt(topic.title, 80))}**]({jump_url(guild_id, topic.thread_id)}) "
                f"`#{topic.number}`{solved}{closed} · "
                + _("Posts {count}", count=topic.reply_count + 1)
                + f" · {stamp(topic.last_post_at)}"
            )
    embed = discord.Embed(title=excerpt(member.display_name, 256), description="\n".join(lines), colour=COLOR)
    embed.set_thumbnail(url=member.display_avatar.url)
    return embed


class Profiles(commands.Cog):
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.db = bot.db

    @app_commands.command(name="profile", description="A member's forum profile: role, topics, replies, answers")
    @app_commands.describe(member="Whose profile (default: yours)")
    @app_commands.guild_only()
    async def profile(self, interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        viewer = interaction.user
        if not isinstance(viewer, discord.Member) or interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        target = member or viewer
        role = await member_role(self.db, target, interaction.created_at)
        registered = await self.db.run(forums.registered_in, interaction.guild.id)
        allowed = visible_forum_ids(viewer, registered)
        found = await self.db.run(
            lambda conn: profiles.profile(
                conn, guild_id=interaction.guild_id or 0, user_id=target.id, forum_ids=allowed
            )
        )
        await interaction.response.send_message(embed=profile_embed(target, role.label, found), ephemeral=True)


async def setup(bot: ForumBot) -> None:
    await bot.add_cog(Profiles(bot))
