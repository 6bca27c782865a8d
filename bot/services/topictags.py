"""`/topic tags <topic> <tags>`: the topic's author or a moderator sets its tags (in Discord
and in the record), and the forum channel's "Require people to select tags" (SPEC §4)."""

from __future__ import annotations

import logging

import discord

from bot.domain.policy import parse_tags
from bot.domain.roles import ForumRole
from bot.domain.words import status_word
from bot.errors import UserFacingError
from bot.failures import describe_http_error
from bot.i18n import _
from bot.services.lookup import fetch_thread
from bot.storage import forums, topics
from bot.storage.api import Database
from bot.storage.models import Topic

log = logging.getLogger(__name__)
CLEAR = ("-", "none")  # /topic tags #12 none: no tags


def requires_tag(channel: discord.ForumChannel) -> bool:
    """Discord refuses a post without a tag in this forum ("Require people to select tags")."""
    return bool(channel.flags.require_tag) and bool(channel.available_tags)


def tag_list(channel: discord.ForumChannel) -> str:
    return ", ".join(f"`{t.name}`" for t in channel.available_tags) or _("none")


def chosen_tags(channel: discord.ForumChannel | discord.TextChannel, text: str | None, role: ForumRole) -> list[str]:
    """The forum's tags a comma list names; refused: unknown tags, more than 5, moderated
    tags from a member who does not moderate (a text-channel forum has no tags)."""
    available = channel.available_tags if isinstance(channel, discord.ForumChannel) else []
    try:
        names = parse_tags(text, [t.name for t in available])
    except ValueError as error:
        raise UserFacingError(str(error)) from None
    moderated = {t.name for t in available if t.moderated}
    if moderated.intersection(names) and not role.can_moderate:
        raise UserFacingError(_("Only moderators may apply {tags}.", tags=", ".join(sorted(moderated & set(names)))))
    return names


async def set_tags(db: Database, member: discord.Member, role: ForumRole, topic: Topic, text: str) -> list[str]:
    """Apply the tags in Discord, then record them; the names applied."""
    if topic.author_id != member.id and not role.can_moderate:
        raise UserFacingError(_("Only the topic's author or a moderator may change its tags."))
    if topic.status != "open" and not role.can_moderate:
        raise UserFacingError(
            _(
                "Topic #{number} is {status}: only a moderator may change its tags.",
                number=topic.number,
                status=status_word(topic.status),
            )
        )
    forum = await db.run(forums.get, topic.forum_id)
    channel = member.guild.get_channel(forum.channel_id) if forum is not None else None
    if isinstance(channel, discord.TextChannel) and forum is not None and forum.registered:
        raise UserFacingError(
            _("{channel} is a text-channel forum: Discord has no tags there.", channel=channel.mention)
        )
    if forum is None or not forum.registered or not isinstance(channel, discord.ForumChannel):
        raise UserFacingError(_("That topic's forum is no longer registered."))
    names = [] if text.strip().lower() in CLEAR else chosen_tags(channel, text, role)
    thread = await fetch_thread(member.guild, topic.thread_id)
    kept = [t for t in thread.applied_tags if t.moderated and not role.can_moderate]  # e.g. Solved stays
    wanted = kept + [t for t in channel.available_tags if t.name in names and t not in kept]
    if not wanted and requires_tag(channel):
        raise UserFacingError(_("This forum requires a tag on every topic. Its tags: {tags}.", tags=tag_list(channel)))
    reason = f"Threadkeeper: tags set by {member.display_name}"
    try:
        if thread.archived:  # Discord edits an archived thread only while unarchiving it
            await thread.edit(applied_tags=wanted[:5], archived=False, reason=reason)
            await thread.edit(archived=True, reason=reason)
        else:
            await thread.edit(applied_tags=wanted[:5], reason=reason)
    except discord.HTTPException as error:
        raise UserFacingError(describe_http_error(error) + " " + _("The tags were not changed.")) from None
    offered = {t.name.casefold() for t in channel.available_tags}
    recorded = [t for t in topic.tags if t.casefold() not in offered] + [t.name for t in wanted[:5]]
    await db.transaction(topics.set_thread_state, topic.id, tags=recorded)
    return [t.name for t in wanted[:5]]
