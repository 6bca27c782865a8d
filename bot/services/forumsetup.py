"""Making forum channels for an import (`/forumadmin import ... create_channels:True`).

A file forum with no registered forum of its name gets a Discord forum channel of that
name, under a Discord category named after its bbPress category (found by name, or made),
registered as `/forumadmin add` registers one: its overwrites, a moderated `Solved` tag.
A private or hidden bbPress forum's channel is made hidden from @everyone (the bot keeps
its own view), and its archive rule hides it from the web archive either way.
"""

from __future__ import annotations

import logging
import re

import discord

from bot import clock
from bot.domain import timeutil
from bot.porting.model import ImportForum
from bot.services import overwrites
from bot.storage import forums
from bot.storage.api import Database
from bot.storage.models import Forum

log = logging.getLogger(__name__)
SOLVED_TAG = "Solved"
MAX_FORUM_TAGS = 20


def slug(name: str) -> str:
    """A name as Discord may spell it for a channel ("Moderators' Lounge" → "moderators-lounge")."""
    return re.sub(r"[^0-9a-z]+", "-", name.casefold()).strip("-")


def by_slug(registered: list[Forum], name: str) -> Forum | None:
    """The registered forum whose name is ``name`` as a channel name (a channel this import made)."""
    wanted = slug(name)
    return next((f for f in registered if wanted and slug(f.name) == wanted), None)


async def solved_tag(channel: discord.ForumChannel) -> int | None:
    for tag in channel.available_tags:
        if tag.name.lower() == SOLVED_TAG.lower():
            return tag.id
    if len(channel.available_tags) >= MAX_FORUM_TAGS:
        return None
    try:
        tag = await channel.create_tag(name=SOLVED_TAG, emoji=discord.PartialEmoji(name="✅"), moderated=True)
    except discord.HTTPException:
        log.warning("could not create the Solved tag in %s", channel.id, exc_info=True)
        return None
    return tag.id


async def _category(guild: discord.Guild, name: str | None, reason: str) -> discord.CategoryChannel | None:
    if not name:
        return None
    found = discord.utils.find(lambda c: c.name.casefold() == name.casefold(), guild.categories)
    return found or await guild.create_category(name[:100], reason=reason)


async def create_forum(
    db: Database, guild: discord.Guild, forum_doc: ImportForum, *, reason: str
) -> tuple[Forum, discord.ForumChannel]:
    """A new forum channel for ``forum_doc``, registered (its rules: see apply.keep_imported_rules)."""
    category = await _category(guild, forum_doc.category, reason)
    hidden: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite] = {}
    if forum_doc.hidden:
        hidden[guild.default_role] = discord.PermissionOverwrite(view_channel=False)
        hidden[guild.me] = discord.PermissionOverwrite(view_channel=True, send_messages=True, manage_threads=True)
    channel = await guild.create_forum(
        forum_doc.name[:100], category=category, overwrites=hidden, topic=forum_doc.description[:1024], reason=reason
    )
    tag_id = await solved_tag(channel)
    forum = await db.transaction(
        forums.register,
        guild_id=guild.id,
        guild_name=guild.name,
        channel_id=channel.id,
        name=channel.name,
        description=forum_doc.description[:300],
        public=channel.permissions_for(guild.default_role).view_channel,
        solved_tag_id=tag_id,
        now=timeutil.iso(clock.utcnow()),
        category=category.name if category is not None else None,
    )
    failed = await overwrites.sync_guild(db, guild, reason=reason, channel_ids=[channel.id])
    if failed:
        log.warning("could not set the overwrites of the imported forum %s", channel.id)
    return forum, channel
